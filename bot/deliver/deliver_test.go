package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/rituals"
)

// stepClock is helpers' settable clock with a Sleep that just moves it
// forward: pacing runs in simulated time, for one goroutine at a time.
type stepClock struct {
	*clock
	slept []time.Duration // under clock.mu
}

func newStepClock(t time.Time) *stepClock { return &stepClock{clock: newClock(t)} }

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

func (c *stepClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// simClock is simulated time for many goroutines: goroutines started with
// Go run while time stands still, and time jumps to the earliest wake-up
// only when every one of them sleeps. So concurrent sleeps overlap as they
// would in real time, and a fan-out's simulated duration is exactly what
// its pacing makes it; time spent in HTTP calls counts as zero.
// A goroutine started with Go must only block in Sleep (or briefly on a
// lock or an HTTP call), or time never moves.
type simClock struct {
	mu       sync.Mutex
	now      time.Time
	running  int
	sleepers []*simSleeper
}

type simSleeper struct {
	wake  time.Time
	ch    chan struct{}
	woken bool
}

func newSimClock(t time.Time) *simClock { return &simClock{now: t} }

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Go runs f in a goroutine that takes part in simulated time.
func (c *simClock) Go(wg *sync.WaitGroup, f func()) {
	c.mu.Lock()
	c.running++
	c.mu.Unlock()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() {
			c.mu.Lock()
			c.running--
			c.advanceLocked()
			c.mu.Unlock()
		}()
		f()
	}()
}

func (c *simClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	c.mu.Lock()
	s := &simSleeper{wake: c.now.Add(d), ch: make(chan struct{})}
	c.sleepers = append(c.sleepers, s)
	c.running--
	c.advanceLocked()
	c.mu.Unlock()
	select {
	case <-s.ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		if !s.woken {
			for i, o := range c.sleepers {
				if o == s {
					c.sleepers = append(c.sleepers[:i], c.sleepers[i+1:]...)
					break
				}
			}
			c.running++
		}
		return ctx.Err()
	}
}

// advanceLocked moves time to the earliest wake-up when nobody runs.
func (c *simClock) advanceLocked() {
	if c.running > 0 || len(c.sleepers) == 0 {
		return
	}
	next := c.sleepers[0].wake
	for _, s := range c.sleepers[1:] {
		if s.wake.Before(next) {
			next = s.wake
		}
	}
	if next.After(c.now) {
		c.now = next
	}
	keep := c.sleepers[:0]
	for _, s := range c.sleepers {
		if s.wake.After(c.now) {
			keep = append(keep, s)
			continue
		}
		s.woken = true
		c.running++
		close(s.ch)
	}
	clear(c.sleepers[len(keep):])
	c.sleepers = keep
}

// deliveryRig is a Deliverer on a fake Web API, both on clk.
func deliveryRig(t testing.TB, clk Clock, cfg DelivererConfig) (*fakeWebAPI, *Deliverer) {
	t.Helper()
	f := newFakeWebAPI(t)
	f.setClock(clk.Now)
	cfg.API = f.api(t)
	cfg.Clock = clk
	if cfg.Logger == nil {
		cfg.Logger = quiet
	}
	return f, NewDeliverer(cfg)
}

// reminderOccurrence is the occurrence ID of a rep's reminder on monday10.
func reminderOccurrence(rep string) string {
	return rituals.OccurrenceID("T1", "sales", rituals.Reminder, "2026-11-23/"+rep)
}

// ritualMsg is a message like the rituals build: a header and a section.
func ritualMsg(text string) slack.Msg {
	return slack.Msg{Text: text, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Check-in du jour", false, false)),
		section(text),
	}}}
}

func TestDeliverPostsWithMetadata(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{})
	msg := ritualMsg("Tu n'as pas encore saisi ta journée : *2 minutes* suffisent.")
	checkBlockKitLimits(t, msg)
	id := reminderOccurrence("U1")

	ts, err := d.Post(context.Background(), "C1", msg, id)
	if err != nil {
		t.Fatal(err)
	}
	posted := f.posted()
	if len(posted) != 1 {
		t.Fatalf("%d messages posted, want 1", len(posted))
	}
	m := posted[0]
	if m.TS != ts || m.Channel != "C1" || m.Text != msg.Text {
		t.Errorf("posted %+v, returned ts %s", m, ts)
	}
	if m.Metadata == nil || m.Metadata.EventType != "kpibot_ritual" || m.occurrence() != id {
		t.Errorf("metadata %+v, want event kpibot_ritual with occurrence_id %s", m.Metadata, id)
	}
	sent := m.msg(t)
	checkBlockKitLimits(t, sent)
	want, _ := json.Marshal(msg.Blocks)
	got, _ := json.Marshal(sent.Blocks)
	if !bytes.Equal(got, want) {
		t.Errorf("blocks sent\n%s\nwant\n%s", got, want)
	}

	// Before posting, it looked for the occurrence in the last day.
	hist := f.historyParams()
	if len(hist) != 1 {
		t.Fatalf("%d conversations.history calls, want 1", len(hist))
	}
	h := hist[0]
	if h.Get("channel") != "C1" || h.Get("include_all_metadata") != "1" || h.Get("oldest") != slackTS(monday10.Add(-24*time.Hour)) {
		t.Errorf("conversations.history called with %v", h)
	}
	if l := h.Get("limit"); l == "" || len(l) > 2 {
		t.Errorf("conversations.history limit %q, want a small one", l)
	}
	if st := d.Stats(); st != (DeliveryStats{Posted: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverOpensDMOnceAndRetriesItsReads(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{})
	// The first conversations.open and conversations.history are rate limited.
	f.setFaults(func(c fakeCall) fakeFault {
		if c.Method != "chat.postMessage" && c.MethodN == 1 {
			return fakeFault{Status: http.StatusTooManyRequests, RetryAfter: 2}
		}
		return fakeFault{}
	})
	for _, id := range []string{reminderOccurrence("U42"), rituals.OccurrenceID("T1", "sales", rituals.Digest, "2026-11-23")} {
		if _, err := d.Post(context.Background(), "U42", ritualMsg("Rappel"), id); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.callCount("conversations.open"); n != 2 {
		t.Errorf("%d conversations.open calls, want 2: one 429, then one for both posts", n)
	}
	for _, m := range f.posted() {
		if m.Channel != "D42" {
			t.Errorf("posted to %s, want the DM D42", m.Channel)
		}
	}
	if st := d.Stats(); st.Posted != 2 || st.Retried429 != 2 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverPacesOneChannel(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{PerChannel: time.Second, PerWorkspace: 600})
	f.setPace(time.Second, 600)
	for i := range 5 {
		if _, err := d.Post(context.Background(), "C1", ritualMsg("Revue"), fmt.Sprintf("W/T/review/%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if took := clk.Now().Sub(monday10); took < 4*time.Second || took > 5*time.Second {
		t.Errorf("5 posts to one channel took %v of fake time, want 4s", took)
	}
	posted := f.posted()
	for i := 1; i < len(posted); i++ {
		if gap := posted[i].At.Sub(posted[i-1].At); gap < time.Second {
			t.Errorf("posts %d and %d %v apart", i-1, i, gap)
		}
	}
	if v := f.paceViolations(); v != 0 {
		t.Errorf("%d posts came too soon", v)
	}
}

func TestDeliverChannelsDoNotWaitOnEachOther(t *testing.T) {
	clk := newSimClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{PerChannel: time.Second, PerWorkspace: 600})
	f.setPace(time.Second, 600)
	var wg sync.WaitGroup
	for i := range 5 {
		clk.Go(&wg, func() {
			if _, err := d.Post(context.Background(), fmt.Sprintf("C%d", i), ritualMsg("Revue"), fmt.Sprintf("W/T%d/review/x", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	// 5 channels at once only wait for the workspace's even spread
	// (100ms at 600/min), not for one another's 1s gap.
	if took := clk.Now().Sub(monday10); took >= time.Second {
		t.Errorf("5 posts to 5 channels took %v of fake time, want under 1s", took)
	}
	if n := len(f.posted()); n != 5 {
		t.Errorf("%d messages, want 5", n)
	}
	if v := f.paceViolations(); v != 0 {
		t.Errorf("%d posts came too soon", v)
	}
}

func TestDeliverWorkspaceBudgetCapsAMinute(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{PerChannel: time.Second, PerWorkspace: 10})
	f.setPace(time.Second, 10)
	for i := range 25 {
		if _, err := d.Post(context.Background(), fmt.Sprintf("C%d", i), ritualMsg("Revue"), fmt.Sprintf("W/T%d/review/x", i)); err != nil {
			t.Fatal(err)
		}
	}
	posted := f.posted()
	for i, m := range posted {
		inMinute := 0
		for _, o := range posted[:i+1] {
			if o.At.After(m.At.Add(-time.Minute)) {
				inMinute++
			}
		}
		if inMinute > 10 {
			t.Errorf("post %d makes %d posts in a minute, budget 10", i, inMinute)
		}
	}
	first := 0
	for _, m := range posted {
		if m.At.Before(monday10.Add(time.Minute)) {
			first++
		}
	}
	if first != 10 {
		t.Errorf("%d posts in the first minute, want the budget, 10", first)
	}
	if took := clk.Now().Sub(monday10); took < 144*time.Second {
		t.Errorf("25 posts at 10/min took %v of fake time, want at least 2m24s", took)
	}
	if v := f.paceViolations(); v != 0 {
		t.Errorf("%d posts came too soon", v)
	}
}

func TestDeliverRetries429AfterRetryAfter(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{})
	f.setFaults(func(c fakeCall) fakeFault {
		if c.Method == "chat.postMessage" && c.MethodN == 1 {
			return fakeFault{Status: http.StatusTooManyRequests, RetryAfter: 3}
		}
		return fakeFault{}
	})
	ts, err := d.Post(context.Background(), "C1", ritualMsg("Revue"), "W/T/review/2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	posted := f.posted()
	if len(posted) != 1 || posted[0].TS != ts {
		t.Fatalf("posted %+v, want one message with ts %s", posted, ts)
	}
	if at := posted[0].At.Sub(monday10); at != 3*time.Second {
		t.Errorf("retried %v after the 429, want Retry-After, 3s", at)
	}
	if n := f.callCount("chat.postMessage"); n != 2 {
		t.Errorf("%d chat.postMessage calls, want 2", n)
	}
	if s := clk.sleeps(); len(s) != 1 || s[0] != 3*time.Second {
		t.Errorf("slept %v, want [3s]", s)
	}
	if st := d.Stats(); st != (DeliveryStats{Posted: 1, Retried429: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverGivesUpAfterMaxRetries(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{MaxRetries: 2})
	f.setFaults(rateLimitEvery("chat.postMessage", 1, 1))
	_, err := d.Post(context.Background(), "C1", ritualMsg("Revue"), "W/T/review/2026-11-23")
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("error %v, want a RateLimitedError", err)
	}
	if n := f.callCount("chat.postMessage"); n != 3 {
		t.Errorf("%d chat.postMessage calls, want 1 + 2 retries", n)
	}
	if st := d.Stats(); st != (DeliveryStats{Retried429: 2, Failed: 1}) {
		t.Errorf("stats %+v", st)
	}
}

// A post whose answer is lost is never retried blindly, and never reported
// as failed before the conversation is read back: a digest that landed
// while its answer was lost used to be told "failed", and the manager's
// retry posted it twice.
func TestDeliverChecksBeforeReportingAnUncertainPost(t *testing.T) {
	for _, tt := range []struct {
		name   string
		fault  fakeFault
		landed bool
	}{
		{"connection dropped after the message landed", fakeFault{Drop: true, Record: true}, true},
		{"connection dropped before it landed", fakeFault{Drop: true}, false},
		{"502 after it landed", fakeFault{Status: http.StatusBadGateway, Record: true}, true},
		{"500 after it landed", fakeFault{Status: http.StatusInternalServerError, Record: true}, true},
		{"500", fakeFault{Status: http.StatusInternalServerError}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := newStepClock(monday10)
			var logs bytes.Buffer
			f, d := deliveryRig(t, clk, DelivererConfig{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			f.setFaults(func(c fakeCall) fakeFault {
				if c.Method == "chat.postMessage" && c.MethodN == 1 {
					return tt.fault
				}
				return fakeFault{}
			})
			id := reminderOccurrence("U7")
			ts, err := d.Post(context.Background(), "U7", ritualMsg("Rappel"), id)
			if n := f.callCount("chat.postMessage"); n != 1 {
				t.Errorf("%d chat.postMessage calls, want 1: not retried", n)
			}
			if strings.Contains(logs.String(), "xoxb") {
				t.Errorf("a token reached the logs: %s", logs.String())
			}
			landed := f.posted()
			if tt.landed {
				if err != nil || len(landed) != 1 || landed[0].TS != ts {
					t.Fatalf("Post = %q, %v; want the landed message %+v found and reported posted", ts, err, landed)
				}
				if st := d.Stats(); st != (DeliveryStats{Posted: 1}) {
					t.Errorf("stats %+v", st)
				}
			} else {
				if !errors.Is(err, ErrNotPosted) || errors.Is(err, ErrMaybePosted) || !strings.HasPrefix(err.Error(), "bot: deliver: ") {
					t.Fatalf("error %v, want a bot: deliver: error that is ErrNotPosted", err)
				}
				if st := d.Stats(); st != (DeliveryStats{Failed: 1}) {
					t.Errorf("stats %+v", st)
				}
				lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
				if len(lines) != 1 || !strings.Contains(lines[0], `"level":"ERROR"`) || !strings.Contains(lines[0], id) || !strings.Contains(lines[0], `"channel":"U7"`) {
					t.Errorf("logged %q, want one error with channel and occurrence", logs.String())
				}
			}

			// The runner, or the manager, calls Post again.
			again, err := d.Post(context.Background(), "U7", ritualMsg("Rappel"), id)
			if err != nil {
				t.Fatal(err)
			}
			posted := f.posted()
			if len(posted) != 1 || posted[0].TS != again || posted[0].occurrence() != id {
				t.Fatalf("after the second Post: %+v (returned %s), want exactly one message", posted, again)
			}
		})
	}
}

// When the answer is lost and the read-back fails too, nobody can know:
// the error says so rather than "not posted", and a later attempt finds
// the message instead of posting it again.
func TestDeliverSaysWhenAPostCannotBeChecked(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{MaxRetries: -1})
	history := 0
	f.setFaults(func(c fakeCall) fakeFault {
		switch {
		case c.Method == "chat.postMessage" && c.MethodN == 1:
			return fakeFault{Drop: true, Record: true}
		case c.Method == "conversations.history":
			history++
			if history == 2 { // the check after the lost answer
				return fakeFault{Status: http.StatusServiceUnavailable}
			}
		}
		return fakeFault{}
	})
	_, err := d.Post(context.Background(), "C1", ritualMsg("Digest"), "W/T/digest/2026-11-23")
	if !errors.Is(err, ErrMaybePosted) || errors.Is(err, ErrNotPosted) {
		t.Fatalf("error %v, want ErrMaybePosted", err)
	}
	ts, err := d.Post(context.Background(), "C1", ritualMsg("Digest"), "W/T/digest/2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	if posted := f.posted(); len(posted) != 1 || posted[0].TS != ts {
		t.Fatalf("posted %+v, want the one message found", posted)
	}
}

// Slack refusing a post (ok: false) is certain: nothing landed.
func TestDeliverSlackRefusalIsNotPosted(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{})
	f.token = "xoxb-other" // every call answers invalid_auth
	_, err := d.Post(context.Background(), "C1", ritualMsg("Digest"), "W/T/digest/2026-11-23")
	if !errors.Is(err, ErrNotPosted) {
		t.Fatalf("error %v, want ErrNotPosted", err)
	}
}

func TestDeliverRefusesBlockKitBreachWithoutCallingSlack(t *testing.T) {
	many := func(n int, b func(i int) slack.Block) []slack.Block {
		var out []slack.Block
		for i := range n {
			out = append(out, b(i))
		}
		return out
	}
	text := func(n int) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, strings.Repeat("é", n), false, false)
	}
	plain := func(n int) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("é", n), false, false)
	}
	msgs := map[string]slack.Msg{
		"51 blocks":            {Text: "t", Blocks: slack.Blocks{BlockSet: many(51, func(int) slack.Block { return slack.NewDividerBlock() })}},
		"section of 3001":      {Text: "t", Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(text(3001), nil, nil)}}},
		"header of 151":        {Text: "t", Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewHeaderBlock(plain(151))}}},
		"11 fields":            {Text: "t", Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(nil, []*slack.TextBlockObject{text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1)}, nil)}}},
		"no fallback text":     {Blocks: slack.Blocks{BlockSet: []slack.Block{section("hello")}}},
		"11 context elements ": {Text: "t", Blocks: slack.Blocks{BlockSet: []slack.Block{contextBlock("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")}}},
	}
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{})
	for name, msg := range msgs {
		_, err := d.Post(context.Background(), "C1", msg, "W/T/review/"+name)
		if !errors.Is(err, ErrBlockKitLimits) {
			t.Errorf("%s: error %v, want ErrBlockKitLimits", name, err)
		}
	}
	if n := f.callCount(""); n != 0 {
		t.Errorf("%d API calls, want none", n)
	}
	if st := d.Stats(); st.Failed != int64(len(msgs)) {
		t.Errorf("stats %+v", st)
	}
	// At the limits exactly, the message goes.
	ok := slack.Msg{Text: "t", Blocks: slack.Blocks{BlockSet: append(many(48, func(int) slack.Block { return slack.NewDividerBlock() }),
		slack.NewHeaderBlock(plain(150)), slack.NewSectionBlock(text(3000), []*slack.TextBlockObject{text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1)}, nil))}}
	checkBlockKitLimits(t, ok)
	if _, err := d.Post(context.Background(), "C1", ok, "W/T/review/ok"); err != nil {
		t.Error(err)
	}
}

func TestDeliverFindsTheOccurrenceBehindOtherMessages(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{})
	id := rituals.OccurrenceID("T1", "sales", rituals.Review, "2026-11-23")
	target := f.seed("C1", "Revue du lundi", id, true, monday10.Add(-3*time.Hour))
	// Newer, with the same metadata, but not a bot's: not ours.
	f.seed("C1", "copie", id, false, monday10.Add(-170*time.Minute))
	for i := range 120 {
		f.seed("C1", "bavardage", "", false, monday10.Add(-2*time.Hour+time.Duration(i)*time.Second))
		if i%10 == 0 {
			f.seed("C1", "autre rituel", fmt.Sprintf("T1/sales/review/2026-11-%02d", i/10+1), true, monday10.Add(-2*time.Hour+time.Duration(i)*time.Second))
		}
	}
	ts, err := d.Post(context.Background(), "C1", ritualMsg("Revue du lundi"), id)
	if err != nil {
		t.Fatal(err)
	}
	if ts != target.TS {
		t.Errorf("returned %s, want the message already there, %s", ts, target.TS)
	}
	if n := f.callCount("chat.postMessage"); n != 0 {
		t.Errorf("%d posts, want none", n)
	}
	if n := f.callCount("conversations.history"); n != 3 {
		t.Errorf("%d pages read, want 3 (134 messages, 50 a page)", n)
	}
	if st := d.Stats(); st != (DeliveryStats{Found: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverThreadReplyIsFoundInItsThread(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{})
	ctx := context.Background()
	review := rituals.OccurrenceID("T1", "sales", rituals.Review, "2026-11-23")
	parent, err := d.Post(ctx, "C1", ritualMsg("Revue du lundi"), review)
	if err != nil {
		t.Fatal(err)
	}
	question := ritualMsg("Qu'as-tu fait différemment cette semaine ?")
	question.ThreadTimestamp = parent
	first, err := d.Post(ctx, "C1", question, review+"/question")
	if err != nil {
		t.Fatal(err)
	}
	again, err := d.Post(ctx, "C1", question, review+"/question")
	if err != nil {
		t.Fatal(err)
	}
	posted := f.posted()
	if len(posted) != 2 || posted[1].ThreadTS != parent || again != first {
		t.Errorf("posted %+v; reply %s then %s, want one reply in thread %s", posted, first, again, parent)
	}
	if n := f.callCount("conversations.replies"); n != 2 {
		t.Errorf("%d conversations.replies calls, want 2", n)
	}
}

func TestDeliverConcurrentPostsUnderRace(t *testing.T) {
	clk := newSimClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{PerChannel: time.Second, PerWorkspace: 600})
	f.setPace(time.Second, 600)
	var wg sync.WaitGroup
	for i := range 50 {
		clk.Go(&wg, func() {
			ch := fmt.Sprintf("C%d", i%10)
			if _, err := d.Post(context.Background(), ch, ritualMsg("Revue"), fmt.Sprintf("W/T/review/%d", i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	perChannel := map[string]int{}
	for _, m := range f.posted() {
		perChannel[m.Channel]++
	}
	for i := range 10 {
		if n := perChannel[fmt.Sprintf("C%d", i)]; n != 5 {
			t.Errorf("C%d got %d messages, want 5", i, n)
		}
	}
	// 5 posts per channel need 4s; 50 posts at 600/min need 4.9s.
	if took := clk.Now().Sub(monday10); took < 4900*time.Millisecond || took > 6*time.Second {
		t.Errorf("50 posts to 10 channels took %v of fake time, want about 4.9s", took)
	}
	if v := f.paceViolations(); v != 0 {
		t.Errorf("%d posts came too soon", v)
	}
	if st := d.Stats(); st != (DeliveryStats{Posted: 50}) {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverSameOccurrenceConcurrentlyPostsOnce(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{})
	id := reminderOccurrence("U9")
	var wg sync.WaitGroup
	tss := make([]string, 8)
	for i := range tss {
		wg.Go(func() {
			ts, err := d.Post(context.Background(), "U9", ritualMsg("Rappel"), id)
			if err != nil {
				t.Error(err)
			}
			tss[i] = ts
		})
	}
	wg.Wait()
	if n := len(f.posted()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	for _, ts := range tss {
		if ts != tss[0] {
			t.Errorf("returned %v, want one ts", tss)
			break
		}
	}
	if st := d.Stats(); st != (DeliveryStats{Posted: 1, Found: 7}) {
		t.Errorf("stats %+v", st)
	}
}

// cancellingClock cancels the Post's context when it starts waiting, as a
// runner shutting down would.
type cancellingClock struct {
	*stepClock
	cancel context.CancelFunc
}

func (c cancellingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	return c.stepClock.Sleep(ctx, d)
}

func TestDeliverCancelledWhileWaitingPostsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := cancellingClock{newStepClock(monday10), cancel}
	f, d := deliveryRig(t, clk, DelivererConfig{})
	if _, err := d.Post(context.Background(), "C1", ritualMsg("Revue"), "W/T/review/1"); err != nil {
		t.Fatal(err)
	}
	// The second post to C1 waits for the channel's gap, and is cancelled.
	if _, err := d.Post(ctx, "C1", ritualMsg("Revue"), "W/T/review/2"); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if n := f.callCount("chat.postMessage"); n != 1 {
		t.Errorf("%d chat.postMessage calls, want 1", n)
	}
	if st := d.Stats(); st != (DeliveryStats{Posted: 1, Failed: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestFakeSlackSpeaksTheWebAPI(t *testing.T) {
	f := newFakeWebAPI(t)
	f.setClock(newClock(monday10).Now)
	api := f.api(t)
	ctx := context.Background()

	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.ID != "U1" || u.TZ != "Europe/Paris" || u.Locale != "fr-FR" {
		t.Errorf("users.info: %+v, %v", u, err)
	}
	view := slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  slack.NewTextBlockObject(slack.PlainTextType, "Check-in", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{section("RDV")}},
	}
	v, err := api.OpenViewContext(ctx, "trigger-1", view)
	if err != nil || v.ID == "" || len(f.openedViews()) != 1 {
		t.Errorf("views.open: %+v, %v", v, err)
	}
	c, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || c.ID != "D1" {
		t.Errorf("conversations.open: %+v, %v", c, err)
	}
	meta := slack.SlackMetadata{EventType: RitualEventType, EventPayload: map[string]any{"occurrence_id": "x"}}
	_, ts, err := api.PostMessageContext(ctx, "D1", slack.MsgOptionText("hi", false), slack.MsgOptionMetadata(meta))
	if err != nil || ts == "" {
		t.Fatalf("chat.postMessage: %q, %v", ts, err)
	}
	for _, all := range []bool{false, true} {
		h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "D1", IncludeAllMetadata: all})
		if err != nil || len(h.Messages) != 1 || h.Messages[0].Timestamp != ts || h.Messages[0].BotID == "" {
			t.Fatalf("conversations.history: %+v, %v", h, err)
		}
		if got := h.Messages[0].Metadata.EventType != ""; got != all {
			t.Errorf("include_all_metadata=%v: metadata %+v", all, h.Messages[0].Metadata)
		}
	}

	f.setFaults(rateLimitEvery("", 1, 7))
	_, err = api.GetUserInfoContext(ctx, "U1")
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("429: %v, want a RateLimitedError after 7s", err)
	}
	f.setFaults(func(fakeCall) fakeFault { return fakeFault{Drop: true} })
	if _, _, err := api.PostMessageContext(ctx, "D1", slack.MsgOptionText("lost", false)); err == nil || errors.As(err, &rl) {
		t.Errorf("dropped connection: %v, want a transport error", err)
	}
	if n := len(f.posted()); n != 1 {
		t.Errorf("%d messages recorded, want 1", n)
	}
}

// One hung Slack call held another team's digest back 120 s: every call
// now has its own deadline, so a hang costs its own message that long and
// no more, and the failure is reported truthfully.
func TestDeliverGivesEveryCallItsOwnDeadline(t *testing.T) {
	clk := newStepClock(monday10)
	f, d := deliveryRig(t, clk, DelivererConfig{CallTimeout: 100 * time.Millisecond})
	f.setFaults(func(c fakeCall) fakeFault {
		if c.Method == "chat.postMessage" && c.Channel == "CHUNG" {
			return fakeFault{Hang: true}
		}
		return fakeFault{}
	})
	start := time.Now()
	_, err := d.Post(context.Background(), "CHUNG", ritualMsg("Digest"), "W/T/digest/hung")
	if !errors.Is(err, ErrNotPosted) {
		t.Fatalf("hung post: error %v, want ErrNotPosted once the read-back finds nothing", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("a hung call took %v; its deadline is 100ms", elapsed)
	}
	if _, err := d.Post(context.Background(), "COK", ritualMsg("Digest"), "W/T/digest/ok"); err != nil {
		t.Fatalf("the next channel's post: %v", err)
	}
}
