// Package deliver posts the messages the bot sends on its own (rituals,
// alerts, coaching threads) to Slack: paced to Slack's limits, retried
// after 429, and exactly once per occurrence.
package deliver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/wsctx"
)

// Defaults of Config.
const (
	// DefaultPerChannel is Slack's pace for chat.postMessage: about one
	// message per second per channel.
	DefaultPerChannel = time.Second
	// DefaultPerWorkspace is the ceiling on posts per minute across
	// channels.
	DefaultPerWorkspace = 600
	// DefaultMaxRetries is how many 429 answers one API call of a Post
	// may get before the delivery fails.
	DefaultMaxRetries = 5
)

// RitualEventType is the metadata event_type of ritual messages; their
// event_payload is {"occurrence_id": "<occurrence ID>"}.
const RitualEventType = "kpibot_ritual"

// The lookup that finds a message already posted for an occurrence reads
// the conversation back lookupWindow, lookupLimit messages a page, at most
// lookupPages pages. A retried occurrence is retried within its lease or
// its grace window (hours), so a day covers it with margin.
const (
	lookupWindow = 24 * time.Hour
	lookupLimit  = 50
	lookupPages  = 10
)

// Every error of Send says which of two things is true, so a caller can
// tell a person the truth: ErrNotPosted, nothing was posted (a retry is
// safe and needed); or ErrMaybePosted, Slack took the post but its answer
// was lost, and the conversation could not be read back to check (the
// occurrence's next attempt finds it if it landed).
var (
	ErrNotPosted   = errors.New("not posted")
	ErrMaybePosted = errors.New("maybe posted")
)

// DefaultCallTimeout bounds one Slack Web API call: a hung call delays
// its own message, never the deliverer's other work for long.
const DefaultCallTimeout = 10 * time.Second

// Clock is time for the deliverer: Now, and Sleep, which returns early with
// ctx.Err() when ctx is done. Tests and benchmarks use a fake clock whose
// Sleep just advances Now, so pacing runs in simulated time.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// Config wires a Deliverer. API is required.
type Config struct {
	// API is the Web API client. It must not be configured to retry
	// connection errors or 5xx answers (slack.OptionRetryConfig with
	// connection or server-error handlers): such a retry could post twice.
	// The deliverer retries 429 answers itself.
	API *slack.Client
	// PerChannel is the minimum gap between two posts to one channel;
	// DefaultPerChannel when zero.
	PerChannel time.Duration
	// PerWorkspace is the number of posts per minute across a
	// workspace's channels (the workspace of each Post's context,
	// tenancy.With or bot/wsctx), spread evenly (one every minute/PerWorkspace), so
	// that no window of a minute holds more; DefaultPerWorkspace when
	// zero. Each workspace has its own: Slack limits each one apart.
	PerWorkspace int
	// MaxRetries is how many 429 answers each API call of a Post is
	// retried after (after waiting Retry-After); DefaultMaxRetries when
	// zero, no retry when negative.
	MaxRetries int
	// CallTimeout bounds each Web API call; DefaultCallTimeout when zero.
	CallTimeout time.Duration
	// Clock is the time source for pacing and waits; real time when nil.
	Clock Clock
	// Budget, when set, paces every call but chat.postMessage to its
	// method's Slack tier (slackrate.Limiter is one): each call waits for
	// it before its own deadline starts. API must then not be paced by
	// the same budget's transport too, or every call would count twice.
	Budget Budget
	Logger *slog.Logger
}

// Budget keeps Web API calls inside each method's rate limit, in the
// workspace of ctx: Wait takes a slot of method's budget, Backoff holds
// method back after a 429.
type Budget interface {
	Wait(ctx context.Context, method string) error
	Backoff(ctx context.Context, method string, d time.Duration)
}

// noBudget is the Budget of a Deliverer configured without one.
type noBudget struct{}

func (noBudget) Wait(ctx context.Context, _ string) error       { return ctx.Err() }
func (noBudget) Backoff(context.Context, string, time.Duration) {}

// Deliverer posts bot messages to Slack for rituals: paced to Slack's
// limits, retried on 429 after Retry-After, never retried blindly once a
// request may have reached Slack, and exactly once per occurrence.
//
// Exactly once rests on message metadata: every message carries its
// occurrence ID (event_type RitualEventType), and Post first looks for a
// bot message carrying that ID among the conversation's messages of the
// last day (conversations.history, or conversations.replies for a thread
// reply, with include_all_metadata). This closes the runner's "posted,
// then crashed before marking" window (see package rituals), and the one
// left by a connection lost after chat.postMessage was sent: the post is
// not retried then, the runner retries the occurrence after its lease, and
// the lookup finds the message if it landed.
//
// The bot token needs channels:history, groups:history and im:history
// (for DMs) besides chat:write and im:write.
//
// A Deliverer is safe for concurrent use; its zero value is not usable.
type Deliverer struct {
	api        *slack.Client
	perChannel time.Duration
	interval   time.Duration // gap between two posts in the workspace
	maxRetries int
	timeout    time.Duration // of one Web API call
	clock      Clock
	budget     Budget
	log        *slog.Logger

	mu       sync.Mutex
	next     map[string]time.Time     // workspace/channel → earliest time of its next post
	booked   map[string][]time.Time   // workspace → its post slots still in reach, sorted
	dms      map[string]string        // workspace/user → DM channel (dmKey)
	inflight map[string]chan struct{} // occurrence IDs being posted here

	posted, found, retried, failed, inFlight atomic.Int64
}

// Stats counts what a Deliverer did, for logs and metrics.
type Stats struct {
	// Posted counts messages posted.
	Posted int64
	// Found counts Posts that found their occurrence already posted and
	// returned its message instead of posting.
	Found int64
	// Retried429 counts API calls retried after a 429 answer.
	Retried429 int64
	// Failed counts Posts that returned an error.
	Failed int64
	// InFlight is the number of Posts under way now, waits for Slack's
	// pace and for Retry-After included.
	InFlight int64
}

// New returns a Deliverer with cfg's defaults filled in. It
// panics without cfg.API.
func New(cfg Config) *Deliverer {
	if cfg.API == nil {
		panic("bot: deliver.New: API is required")
	}
	if cfg.PerChannel <= 0 {
		cfg.PerChannel = DefaultPerChannel
	}
	if cfg.PerWorkspace <= 0 {
		cfg.PerWorkspace = DefaultPerWorkspace
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Budget == nil {
		cfg.Budget = noBudget{}
	}
	// Rounded up, so that a minute never holds more than PerWorkspace.
	interval := (time.Minute + time.Duration(cfg.PerWorkspace) - 1) / time.Duration(cfg.PerWorkspace)
	return &Deliverer{
		api:        cfg.API,
		perChannel: cfg.PerChannel,
		interval:   interval,
		maxRetries: cfg.MaxRetries,
		timeout:    cfg.CallTimeout,
		clock:      cfg.Clock,
		budget:     cfg.Budget,
		log:        cfg.Logger,
		next:       map[string]time.Time{},
		booked:     map[string][]time.Time{},
		dms:        map[string]string{},
		inflight:   map[string]chan struct{}{},
	}
}

// NativeCharts reports that what the deliverer posts is drawn by Slack,
// which renders its data_visualization blocks: the digest's charts go in
// the message rather than as PNGs in its thread.
func (d *Deliverer) NativeCharts() bool { return true }

// Stats returns the counters so far.
func (d *Deliverer) Stats() Stats {
	return Stats{
		Posted:     d.posted.Load(),
		Found:      d.found.Load(),
		Retried429: d.retried.Load(),
		Failed:     d.failed.Load(),
		InFlight:   d.inFlight.Load(),
	}
}

// Post sends msg to channel and returns the message ts. channel is a
// channel ID, or a user ID (U…, W…) for a DM: chat.postMessage takes the
// user ID and posts in the bot's DM with them, so a DM costs no
// conversations.open. msg.Text (the fallback), msg.Blocks and
// msg.Attachments are sent; a msg.ThreadTimestamp makes it a reply in
// that thread. occurrenceID goes into the message metadata.
//
// Before posting, unless ctx is a FirstAttempt, Post looks for a bot
// message of the last day in the conversation (in the thread, for a
// reply) carrying occurrenceID, and returns its ts instead of posting
// again; a DM is opened (conversations.open, once per user) only for that
// reading. Calls for one occurrenceID are serialised within a Deliverer.
//
// A msg breaking Block Kit limits is refused before any API call. The
// post waits for its channel's and the workspace's pace. An API call
// answered 429 is retried after Retry-After, up to MaxRetries times: Slack
// posted nothing. Any other failure once chat.postMessage may have been
// sent (connection lost, timeout, 5xx) is returned, not retried: the
// message may have landed, and the occurrence's next attempt will find it.
// Every error is wrapped as "bot: deliver: …", counted in Stats.Failed
// and logged once.
func (d *Deliverer) Post(ctx context.Context, channel string, msg slack.Msg, occurrenceID string) (ts string, err error) {
	ts, _, err = d.Send(ctx, channel, msg, occurrenceID)
	return ts, err
}

// Send is Post that also says whether the message is new (fresh) or was
// found already posted, so what follows a message (a digest's charts) is
// not sent twice either.
func (d *Deliverer) Send(ctx context.Context, channel string, msg slack.Msg, occurrenceID string) (ts string, fresh bool, err error) {
	d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	ts, fresh, err = d.post(ctx, channel, msg, occurrenceID)
	if err != nil && !errors.Is(err, ErrMaybePosted) && !errors.Is(err, ErrNotPosted) {
		// Every failure but a lost answer to chat.postMessage happens
		// before anything is posted.
		err = fmt.Errorf("%w: %w", ErrNotPosted, err)
	}
	if err != nil {
		d.failed.Add(1)
		// A permanent refusal is said once, by whoever stops retrying it.
		if _, _, permanent := Permanent(err); !permanent {
			d.log.Error("bot: delivery failed", "channel", channel, "occurrence", occurrenceID, "err", redactTokens(err.Error()))
		}
		return "", false, fmt.Errorf("bot: deliver: %w", err)
	}
	return ts, fresh, nil
}

func (d *Deliverer) post(ctx context.Context, channel string, msg slack.Msg, occurrenceID string) (string, bool, error) {
	switch {
	case channel == "":
		return "", false, errors.New("no channel")
	case occurrenceID == "":
		return "", false, errors.New("no occurrence ID")
	}
	if err := CheckBlockKitLimits(msg); err != nil {
		return "", false, err
	}
	// Marshalling errors show here, before anything is sent, rather than
	// inside the client where they look like any other failure.
	if _, err := json.Marshal(msg.Blocks); err != nil {
		return "", false, fmt.Errorf("blocks: %w", err)
	}
	release, err := d.acquire(ctx, occurrenceID)
	if err != nil {
		return "", false, err
	}
	defer release()

	// A DM goes to the user ID: Slack posts it in the bot's DM with them,
	// with no conversations.open. The DM's own ID is only needed to read
	// it back, which a first attempt does not do.
	conv := channel
	if !isFirst(ctx) {
		if conv, err = d.conversation(ctx, channel); err != nil {
			return "", false, err
		}
		if ts, ok, err := d.lookup(ctx, conv, msg.ThreadTimestamp, occurrenceID); err != nil {
			// Without the lookup a post could be a second one.
			return "", false, err
		} else if ok {
			d.found.Add(1)
			d.log.Info("bot: occurrence already posted", "channel", conv, "occurrence", occurrenceID, "ts", ts)
			return ts, false, nil
		}
	}

	opts := []slack.MsgOption{
		slack.MsgOptionText(msg.Text, false),
		slack.MsgOptionMetadata(slack.SlackMetadata{
			EventType:    RitualEventType,
			EventPayload: map[string]any{"occurrence_id": occurrenceID},
		}),
	}
	if len(msg.Blocks.BlockSet) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(msg.Blocks.BlockSet...))
	}
	if len(msg.Attachments) > 0 {
		opts = append(opts, slack.MsgOptionAttachments(msg.Attachments...))
	}
	if msg.ThreadTimestamp != "" {
		opts = append(opts, slack.MsgOptionTS(msg.ThreadTimestamp))
	}
	for attempt := 0; ; attempt++ {
		if err := d.pace(ctx, conv); err != nil {
			return "", false, err
		}
		callCtx, cancel := context.WithTimeout(ctx, d.timeout)
		posted, ts, err := d.api.PostMessageContext(callCtx, conv, opts...)
		cancel()
		if err == nil {
			d.posted.Add(1)
			d.rememberDM(ctx, channel, posted)
			return ts, true, nil
		}
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) && attempt >= d.maxRetries {
			return "", false, fmt.Errorf("chat.postMessage to %s: %w", conv, err)
		}
		if !errors.As(err, &rl) {
			// Anything but a 429 may have reached Slack: never retried
			// here, but looked for before anyone is told it failed.
			return d.afterUncertainPost(ctx, channel, msg.ThreadTimestamp, occurrenceID, fmt.Errorf("chat.postMessage to %s: %w", conv, err))
		}
		wait := retryAfter(rl)
		d.holdChannel(ctx, conv, wait)
		d.retried.Add(1)
		d.log.Debug("bot: rate limited, retrying", "method", "chat.postMessage", "channel", conv, "occurrence", occurrenceID, "retry_after", wait)
		if err := d.clock.Sleep(ctx, wait); err != nil {
			return "", false, err
		}
	}
}

// afterUncertainPost decides what a failed chat.postMessage did. Slack's
// own refusal (ok: false) posted nothing. A lost connection, a timeout or
// a 5xx may have come after the message landed: the conversation is read
// back for the occurrence, so the caller learns whether it is there.
func (d *Deliverer) afterUncertainPost(ctx context.Context, conv, thread, occurrenceID string, postErr error) (string, bool, error) {
	var refused slack.SlackErrorResponse
	if errors.As(postErr, &refused) {
		return "", false, fmt.Errorf("%w: %w", ErrNotPosted, postErr)
	}
	// The post's own deadline may be what failed; the check gets its own.
	check, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.timeout)
	defer cancel()
	conv, err := d.conversation(check, conv)
	if err != nil {
		return "", false, fmt.Errorf("%w: %w (and it could not be checked: %w)", ErrMaybePosted, postErr, err)
	}
	ts, found, err := d.lookup(check, conv, thread, occurrenceID)
	switch {
	case err != nil:
		return "", false, fmt.Errorf("%w: %w (and it could not be checked: %w)", ErrMaybePosted, postErr, err)
	case found:
		d.posted.Add(1)
		d.log.Warn("bot: Slack's answer to a post was lost, but the message is there", "channel", conv, "occurrence", occurrenceID, "ts", ts, "err", redactTokens(postErr.Error()))
		return ts, true, nil
	default:
		return "", false, fmt.Errorf("%w: %w", ErrNotPosted, postErr)
	}
}

type firstKey struct{}

// FirstAttempt marks ctx as a post's first attempt at its occurrence: the
// first claim ever taken, so nothing of it can be in Slack yet, and Send
// posts without reading the conversation back first. Only a caller that
// knows (the scheduler's claim) may say so.
func FirstAttempt(ctx context.Context) context.Context {
	return context.WithValue(ctx, firstKey{}, true)
}

func isFirst(ctx context.Context) bool {
	first, _ := ctx.Value(firstKey{}).(bool)
	return first
}

// rememberDM keeps the DM channel Slack answered a post to a user ID
// with, for what follows it there (a digest's charts, a lookup).
func (d *Deliverer) rememberDM(ctx context.Context, channel, posted string) {
	if !isUser(channel) || posted == "" || posted == channel {
		return
	}
	d.mu.Lock()
	d.dms[dmKey(ctx, channel)] = posted
	d.mu.Unlock()
}

// dmKey names user's DM in the workspace of ctx: each workspace's DM
// with the bot is a conversation of its own, which another workspace's
// token cannot see, and one user ID may be in several workspaces (an
// Enterprise Grid org's).
func dmKey(ctx context.Context, user string) string {
	return wsctx.Of(ctx) + "/" + user
}

// isUser reports whether channel is a user ID, for a DM.
func isUser(channel string) bool {
	return strings.HasPrefix(channel, "U") || strings.HasPrefix(channel, "W")
}

// permanentCodes are Slack's error codes that no retry can fix, each
// saying whether the whole workspace (its token) is concerned rather than
// one conversation.
var permanentCodes = map[string]bool{
	"invalid_auth":      true,
	"account_inactive":  true,
	"token_revoked":     true,
	"channel_not_found": false,
	"not_in_channel":    false,
	"is_archived":       false,
}

// Permanent reports whether err carries one of Slack's refusals that no
// retry can fix (token revoked, channel gone or archived, bot not in it),
// its code, and whether it concerns the whole workspace rather than one
// conversation.
func Permanent(err error) (code string, workspace, ok bool) {
	var refused slack.SlackErrorResponse
	if !errors.As(err, &refused) {
		return "", false, false
	}
	workspace, ok = permanentCodes[refused.Err]
	return refused.Err, workspace, ok
}

// acquire serialises Posts of one occurrence in this process, so that two
// concurrent calls cannot both miss the message in the lookup and post.
func (d *Deliverer) acquire(ctx context.Context, occurrenceID string) (release func(), err error) {
	for {
		d.mu.Lock()
		busy, ok := d.inflight[occurrenceID]
		if !ok {
			done := make(chan struct{})
			d.inflight[occurrenceID] = done
			d.mu.Unlock()
			return func() {
				d.mu.Lock()
				delete(d.inflight, occurrenceID)
				d.mu.Unlock()
				close(done)
			}, nil
		}
		d.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// conversation returns the channel to post to: channel itself, or for a
// user ID the DM with that user, opened once and remembered.
func (d *Deliverer) conversation(ctx context.Context, channel string) (string, error) {
	if !isUser(channel) {
		return channel, nil
	}
	key := dmKey(ctx, channel)
	d.mu.Lock()
	dm, ok := d.dms[key]
	d.mu.Unlock()
	if ok {
		return dm, nil
	}
	err := d.call(ctx, "conversations.open", func(ctx context.Context) error {
		c, _, _, err := d.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{channel}})
		if err == nil && (c == nil || c.ID == "") {
			err = errors.New("no channel in the answer")
		}
		if err == nil {
			dm = c.ID
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("conversations.open with %s: %w", channel, err)
	}
	d.mu.Lock()
	d.dms[key] = dm
	d.mu.Unlock()
	return dm, nil
}

// lookup looks for a bot message carrying occurrenceID among the messages
// of the last day in conv, or in the thread when thread is set.
func (d *Deliverer) lookup(ctx context.Context, conv, thread, occurrenceID string) (ts string, found bool, err error) {
	oldest := slackTS(d.clock.Now().Add(-lookupWindow))
	method := "conversations.history"
	if thread != "" {
		method = "conversations.replies"
	}
	cursor := ""
	for range lookupPages {
		var (
			msgs []slack.Message
			more bool
			next string
		)
		err := d.call(ctx, method, func(ctx context.Context) error {
			if thread != "" {
				var err error
				msgs, more, next, err = d.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
					ChannelID: conv, Timestamp: thread, Cursor: cursor, Limit: lookupLimit, Oldest: oldest, IncludeAllMetadata: true,
				})
				return err
			}
			h, err := d.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: conv, Cursor: cursor, Limit: lookupLimit, Oldest: oldest, IncludeAllMetadata: true,
			})
			if err != nil {
				return err
			}
			msgs, more, next = h.Messages, h.HasMore, h.ResponseMetaData.NextCursor
			return nil
		})
		if err != nil {
			return "", false, fmt.Errorf("%s of %s: %w", method, conv, err)
		}
		for _, m := range msgs {
			if carries(m, occurrenceID) {
				return m.Timestamp, true, nil
			}
		}
		if !more || next == "" {
			return "", false, nil
		}
		cursor = next
	}
	// A conversation this busy would otherwise never get its ritual; the
	// message looked for, if any, is older than the pages read.
	d.log.Warn("bot: occurrence lookup stopped before a day back; posting", "channel", conv, "occurrence", occurrenceID, "messages_read", lookupPages*lookupLimit)
	return "", false, nil
}

// carries reports whether m is a bot message of the occurrence.
func carries(m slack.Message, occurrenceID string) bool {
	if m.BotID == "" || m.Metadata.EventType != RitualEventType {
		return false
	}
	id, _ := m.Metadata.EventPayload["occurrence_id"].(string)
	return id == occurrenceID
}

// call runs an API call that posts nothing, each attempt with its own
// deadline, retrying it after 429 answers.
func (d *Deliverer) call(ctx context.Context, method string, f func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		if err := d.budget.Wait(ctx, method); err != nil {
			return err
		}
		callCtx, cancel := context.WithTimeout(ctx, d.timeout)
		err := f(callCtx)
		cancel()
		var rl *slack.RateLimitedError
		if err == nil || !errors.As(err, &rl) || attempt >= d.maxRetries {
			return err
		}
		wait := retryAfter(rl)
		d.budget.Backoff(ctx, method, wait)
		d.retried.Add(1)
		d.log.Debug("bot: rate limited, retrying", "method", method, "retry_after", wait)
		if err := d.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// pace waits until a post to channel keeps within both the channel's gap
// and the budget of the workspace of ctx, having reserved that slot.
func (d *Deliverer) pace(ctx context.Context, channel string) error {
	at := d.reserve(wsctx.Of(ctx), channel)
	if wait := at.Sub(d.clock.Now()); wait > 0 {
		return d.clock.Sleep(ctx, wait)
	}
	return ctx.Err()
}

// reserve books the earliest time, from now, at which channel of
// workspace may get a post: at least perChannel after the channel's
// previous post, and at least interval away from every other booked post
// in the workspace (so a channel waiting on its own gap does not hold the
// others back). Other workspaces' posts do not count.
func (d *Deliverer) reserve(workspace, channel string) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.clock.Now()
	at := now
	key := workspace + "/" + channel
	if n := d.next[key]; n.After(at) {
		at = n
	}
	// Slots that cannot be within interval of a post from now on are done.
	booked := d.booked[workspace]
	gone := 0
	for gone < len(booked) && !booked[gone].Add(d.interval).After(now) {
		gone++
	}
	booked = booked[gone:]
	for _, b := range booked {
		if !b.Add(d.interval).After(at) {
			continue // far enough before
		}
		if !b.Before(at.Add(d.interval)) {
			break // far enough after, as are the rest
		}
		at = b.Add(d.interval)
	}
	i, _ := slices.BinarySearchFunc(booked, at, time.Time.Compare)
	d.booked[workspace] = slices.Insert(booked, i, at)
	d.next[key] = at.Add(d.perChannel)
	if len(d.next) > 4096 {
		for ch, n := range d.next {
			if !n.After(now) {
				delete(d.next, ch)
			}
		}
	}
	if len(d.booked) > 4096 {
		for ws, slots := range d.booked {
			if len(slots) == 0 || !slots[len(slots)-1].Add(d.interval).After(now) {
				delete(d.booked, ws)
			}
		}
	}
	return at
}

// holdChannel keeps posts to channel, in the workspace of ctx, back for
// wait after a 429, so that other goroutines do not run into the same
// limit.
func (d *Deliverer) holdChannel(ctx context.Context, channel string, wait time.Duration) {
	key := wsctx.Of(ctx) + "/" + channel
	d.mu.Lock()
	defer d.mu.Unlock()
	if until := d.clock.Now().Add(wait); until.After(d.next[key]) {
		d.next[key] = until
	}
}

// retryAfter is how long to wait after a 429: Retry-After, at least a
// second so that a missing or zero header cannot make a tight loop.
func retryAfter(rl *slack.RateLimitedError) time.Duration {
	return max(rl.RetryAfter, time.Second)
}

// slackTS formats t as a Slack message timestamp.
func slackTS(t time.Time) string {
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// tokenRE matches Slack tokens, which must never reach a log.
var tokenRE = regexp.MustCompile(`\bx(?:ox[a-z]|app)-[0-9A-Za-z-]+`)

func redactTokens(s string) string { return tokenRE.ReplaceAllString(s, "[token]") }

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
