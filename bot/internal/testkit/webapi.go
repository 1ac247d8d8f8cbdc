package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/slackscopes"
	"github.com/kpibot/kpibot/bot/views"
)

// FakeWebAPI is a Slack Web API on httptest, speaking the shapes slack-go
// v0.35 sends and parses: chat.postMessage, conversations.open,
// conversations.history, conversations.replies, users.info,
// users.profile.get, views.open and chat.scheduleMessage.
// It records every call and message, answers with increasing ts, and can
// answer 429 with Retry-After, drop a connection after reading a request
// (optionally keeping the message, as when a post landed but its answer was
// lost), or answer another HTTP status. It can also enforce Slack's pace
// for chat.postMessage itself, answering 429 to a post that comes too soon
// and counting it in violations, and each method's tier (EnforceTiers),
// on its clock (SetClock). It grants the manifest's scopes (Grant), and
// answers Slack's permanent errors for a channel or the whole workspace
// (SetChannelError, SetWorkspaceError).
//
// Set it up with the Set* methods before or between calls; the handlers
// read it under mu.
type FakeWebAPI struct {
	srv   *httptest.Server
	token string

	mu         sync.Mutex
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
	faults     func(Call) Fault
	perChannel time.Duration // 0: not enforced
	perMinute  int           // 0: not enforced

	calls      []Call
	badAuth    []Call // refused invalid_auth: a token no workspace has
	byMethod   map[string]int
	messages   []Message
	views      []json.RawMessage
	lastTS     int64                  // µs
	lastPost   map[string]time.Time   // workspace/channel → its last post (paceKey)
	accepted   map[string][]time.Time // workspace → chat.postMessage accepted, in order
	throttled  int                    // 429s answered, faults and pace together
	violations int                    // posts refused for coming too soon
	histories  []url.Values
	uploads    map[string][]byte // file ID -> bytes received at its upload URL
	uploadWS   map[string]string // file ID -> workspace whose token asked for its URL
	uploadPost []UploadPost      // the bytes' POSTs, in order
	shares     []Share
	scheduled  []Scheduled
	refusals   map[string]refusal // method → Slack's ok:false answer
	granted    []string           // bot scopes, the manifest's by default; nil grants every scope
	mpims      map[string]bool    // group DMs opened by conversations.open
	statuses   map[string]Status  // user → Slack status (users.profile.get)
	convOwner  map[string]string  // DM or group DM → its workspace
	foreign    []Call             // calls on another workspace's DM

	tiers         bool                   // per-method budgets enforced
	tierCalls     map[string][]time.Time // workspace/method → calls answered, in order
	tierRefus     map[string]int         // method → calls refused for its budget
	chanErrs      map[string]string      // channel → Slack's error for any call on it
	wsErr         string                 // Slack's error for every call
	refusedBlocks []string               // block types answered invalid_blocks

	ws workspaceState // other workspaces' tokens, and OAuth (oauth.go)
}

// RefuseBlocks makes the fake answer invalid_blocks to a post carrying a
// block of one of these types, as Slack does where a block is not (yet)
// available.
func (f *FakeWebAPI) RefuseBlocks(types ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refusedBlocks = slices.Clone(types)
}

// EnforceTiers makes the fake answer 429, with the Retry-After that
// frees a slot, to a call that would make more calls of its method in a
// minute than its tier allows (slackscopes.TierOf: Tier 2 20, Tier 3 50,
// Tier 4 100 a minute), on the fake's clock. As Slack's, each budget is
// one workspace's (its token's): a busy workspace leaves another's
// whole. chat.postMessage keeps its own pace (SetPace). Refusals are
// counted by TierRefusals.
func (f *FakeWebAPI) EnforceTiers() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tiers = true
	f.tierCalls = map[string][]time.Time{}
	f.tierRefus = map[string]int{}
}

// TierRefusals counts, by method, the calls refused for their tier.
func (f *FakeWebAPI) TierRefusals() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.tierRefus)
}

// tierWaitLocked returns how long a call of method in workspace at now
// must wait for its tier, 0 when it may go (and then counts it).
func (f server) tierWaitLocked(workspace, method string, now time.Time) time.Duration {
	if !f.tiers {
		return 0
	}
	limit := slackscopes.TierOf(method).PerMinute()
	if limit == 0 {
		return 0
	}
	key := workspace + "/" + method
	calls := f.tierCalls[key]
	gone := 0
	for gone < len(calls) && !calls[gone].After(now.Add(-time.Minute)) {
		gone++
	}
	calls = calls[gone:]
	if len(calls) >= limit {
		f.tierCalls[key] = calls
		f.tierRefus[method]++
		return calls[0].Add(time.Minute).Sub(now)
	}
	f.tierCalls[key] = append(calls, now)
	return 0
}

// SetChannelError makes every call on channel answer {"ok":false,
// "error":code}, as Slack does for an archived channel (is_archived), a
// deleted one (channel_not_found) or one the bot is not in
// (not_in_channel); an empty code clears it.
func (f *FakeWebAPI) SetChannelError(channel, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.chanErrs == nil {
		f.chanErrs = map[string]string{}
	}
	if code == "" {
		delete(f.chanErrs, channel)
		return
	}
	f.chanErrs[channel] = code
}

// SetWorkspaceError makes every call answer {"ok":false,"error":code}, as
// Slack does once a workspace uninstalled the app (token_revoked) or its
// bot was deactivated (account_inactive); an empty code clears it.
func (f *FakeWebAPI) SetWorkspaceError(code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.wsErr = code
}

// Grant makes the fake answer missing_scope, as Slack does, to a call
// whose scope (slackscopes.ScopeFor) is not among scopes.
func (f *FakeWebAPI) Grant(scopes []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.granted = slices.Clone(scopes)
}

// missingScopeLocked returns the scope a call lacks, or "".
func (f server) missingScopeLocked(method string, p map[string]string) string {
	if f.granted == nil {
		return ""
	}
	kind := slackscopes.ConvAny
	switch method {
	case "conversations.open":
		kind = slackscopes.ConvIM
		if strings.Contains(p["users"], ",") {
			kind = slackscopes.ConvMPIM
		}
	case "conversations.history", "conversations.replies":
		switch ch := p["channel"]; {
		case f.mpims[ch]:
			kind = slackscopes.ConvMPIM
		case strings.HasPrefix(ch, "D"):
			kind = slackscopes.ConvIM
		case strings.HasPrefix(ch, "G"):
			kind = slackscopes.ConvGroup
		default:
			kind = slackscopes.ConvChannel
		}
	}
	scope, known := slackscopes.ScopeFor(method, kind)
	if !known || scope == "" || slices.Contains(f.granted, scope) {
		return ""
	}
	return scope
}

// refusal makes the nth call of a method answer ok:false with code.
type refusal struct {
	n    int
	code string
}

// Refuse makes the nth call of method answer {"ok":false,"error":code},
// as Slack does for a request it understood and turned down.
func (f *FakeWebAPI) Refuse(method string, n int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refusals == nil {
		f.refusals = map[string]refusal{}
	}
	f.refusals[method] = refusal{n: n, code: code}
}

// Scheduled is a message scheduled by chat.scheduleMessage.
type Scheduled struct {
	ID, Channel, Text string
	PostAt            time.Time
	Blocks            json.RawMessage
	At                time.Time // when it was scheduled
}

// Share is a file shared by files.completeUploadExternal.
type Share struct {
	FileID, Title, Channel, ThreadTS string
	// Workspace is the team of the token that shared it.
	Workspace string
}

// Call is one API call as the fake saw it.
type Call struct {
	Method  string
	N       int // 1-based, across methods
	MethodN int // 1-based, within Method
	Channel string
	// Workspace is the team of the token the call carried (AddWorkspace).
	Workspace string
	At        time.Time
}

// Fault is how the fake answers a call instead of normally.
type Fault struct {
	// Status answers with this HTTP status; 429 comes with Retry-After.
	Status int
	// RetryAfter is the Retry-After of a 429, in seconds; 1 when zero.
	RetryAfter int
	// Drop closes the connection once the request is read, with no answer.
	Drop bool
	// Record keeps the message of a faulted chat.postMessage: it landed.
	Record bool
	// Hang holds the call unanswered until the client gives up.
	Hang bool
	// Stall holds the call this long on the fake's clock (SetSleep) before
	// answering, or dropping it with Drop: on simulated time, a call that
	// hangs until the client's deadline.
	Stall time.Duration
}

// SetSleep gives the fake the Sleep of its clock, for Fault.Stall: a
// simulated clock's (SimClock.Sleep), whose time the stalled caller's
// goroutine then spends asleep.
func (f *FakeWebAPI) SetSleep(sleep func(ctx context.Context, d time.Duration) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleep = sleep
}

// Message is a message posted through the fake.
type Message struct {
	Channel, Text, TS, ThreadTS string
	// Workspace is the team of the token that posted it (FakeTeam for
	// Seed): only that workspace's token reads it back.
	Workspace string
	Blocks    json.RawMessage
	Metadata  *slack.SlackMetadata
	BotID     string
	At        time.Time
}

// Occurrence returns the occurrence ID in the message metadata.
func (m Message) Occurrence() string {
	if m.Metadata == nil || m.Metadata.EventType != ritualEventType {
		return ""
	}
	id, _ := m.Metadata.EventPayload["occurrence_id"].(string)
	return id
}

// Msg rebuilds the slack.Msg that was sent, for CheckBlockKitLimits.
func (m Message) Msg(t testing.TB) slack.Msg {
	t.Helper()
	out := slack.Msg{Text: m.Text}
	if len(m.Blocks) > 0 {
		if err := json.Unmarshal(m.Blocks, &out.Blocks); err != nil {
			t.Fatalf("blocks sent do not decode: %v", err)
		}
	}
	return out
}

// The bot's identity in the fake.
const BotID, BotUser, AppID = "B0KPIBOT", "U0KPIBOT", "A0KPIBOT"

// ritualEventType is the metadata event type of ritual messages
// (deliver.RitualEventType), spelt out here so that deliver's own tests
// can use the fake: it is part of the wire, like the method names.
const ritualEventType = "kpibot_ritual"

// NewFakeWebAPI starts the fake on httptest; it stops with the test.

func NewFakeWebAPI(t testing.TB) *FakeWebAPI {
	// Strict as Slack: the token has the scopes the manifest grants.
	f := &FakeWebAPI{token: "xoxb-test", now: time.Now, lastPost: map[string]time.Time{}, accepted: map[string][]time.Time{}, byMethod: map[string]int{}, granted: ManifestScopes(t, filepath.Join(ModuleRoot(t), "slack", "manifest.json"))}
	mux := http.NewServeMux()
	s := server{f}
	for method, h := range map[string]func(http.ResponseWriter, Call, map[string]string){
		"chat.postMessage":             s.postMessage,
		"conversations.open":           s.open,
		"conversations.history":        s.history,
		"conversations.replies":        s.replies,
		"users.info":                   s.userInfo,
		"users.profile.get":            s.userProfile,
		"views.open":                   s.viewsOpen,
		"chat.scheduleMessage":         s.scheduleMessage,
		"files.getUploadURLExternal":   s.uploadURL,
		"files.completeUploadExternal": s.completeUpload,
		"auth.test":                    s.authTest,
		"views.publish":                s.viewsPublish,
	} {
		mux.HandleFunc("/"+method, func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, method, h) })
	}
	mux.HandleFunc("/upload/", s.receiveUpload)
	mux.HandleFunc("/oauth.v2.access", s.oauthAccess)
	mux.HandleFunc("/oauth/v2/authorize", s.authorize)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// server is the fake's side of the wire: it answers each Web API method
// on the state of its FakeWebAPI, whose own methods set it up and read it.
type server struct{ *FakeWebAPI }

// API returns a client of the fake. Its transport keeps enough idle
// connections for a worker pool.
func (f *FakeWebAPI) API(t testing.TB) *slack.Client {
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	t.Cleanup(tr.CloseIdleConnections)
	return slack.New(f.token, slack.OptionAPIURL(f.srv.URL+"/"), slack.OptionHTTPClient(&http.Client{Transport: tr}))
}

// URL is the fake's base URL, for a client of one's own (slack.OptionAPIURL
// takes it with a trailing slash); its token is "xoxb-test".
func (f *FakeWebAPI) URL() string { return f.srv.URL }

// SetClock sets the time the fake stamps calls and messages with.
func (f *FakeWebAPI) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// SetToken makes the fake expect another token: every call with the
// client's answers invalid_auth.
func (f *FakeWebAPI) SetToken(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = token
}

// SetFaults decides, for every call, whether and how it fails.
func (f *FakeWebAPI) SetFaults(fn func(Call) Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = fn
}

// SetPace makes the fake refuse, with 429 and Retry-After 1, a post coming
// less than perChannel after the previous one to its channel, or one that
// would make more than perMinute posts in a minute.
func (f *FakeWebAPI) SetPace(perChannel time.Duration, perMinute int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.perChannel, f.perMinute = perChannel, perMinute
}

// RateLimitEvery answers 429 to every nth call of method ("" for any).
func RateLimitEvery(method string, n, retryAfter int) func(Call) Fault {
	return func(c Call) Fault {
		i := c.N
		if method != "" {
			if c.Method != method {
				return Fault{}
			}
			i = c.MethodN
		}
		if i%n == 0 {
			return Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
		}
		return Fault{}
	}
}

// RateLimitShare answers 429 to about percent % of all calls, picked by a
// hash of the call number so that a run is repeatable in its proportions.
func RateLimitShare(percent, retryAfter int) func(Call) Fault {
	return func(c Call) Fault {
		h := fnv.New32a()
		fmt.Fprintf(h, "call-%d", c.N)
		if int(h.Sum32()%100) < percent {
			return Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
		}
		return Fault{}
	}
}

// serve reads a call, applies faults, and hands it to its method.
func (f server) serve(w http.ResponseWriter, r *http.Request, method string, h func(http.ResponseWriter, Call, map[string]string)) {
	params, err := fakeReadParams(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	token := params["token"]
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = bearer
	}
	f.mu.Lock()
	team, ok := f.teamOfLocked(token)
	if !ok {
		f.badAuth = append(f.badAuth, Call{Method: method, Channel: params["channel"], At: f.now()})
	}
	f.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}

	f.mu.Lock()
	f.byMethod[method]++
	c := Call{Method: method, N: len(f.calls) + 1, MethodN: f.byMethod[method], Channel: params["channel"], Workspace: team, At: f.now()}
	f.calls = append(f.calls, c)
	var fault Fault
	if f.faults != nil {
		fault = f.faults(c)
	}
	if fault.Record && method == "chat.postMessage" {
		if _, err := f.recordLocked(params, c.Workspace, c.At); err != nil {
			f.mu.Unlock()
			writeJSON(w, map[string]any{"ok": false, "error": err.Error()})
			return
		}
	}
	if fault.Status == http.StatusTooManyRequests {
		f.throttled++
	}
	refusal, refused := f.refusals[method]
	refused = refused && refusal.n == c.MethodN
	missing := f.missingScopeLocked(method, params)
	chanErr := f.chanErrs[conversationOf(params)]
	if owner, ok := f.convOwner[conversationOf(params)]; ok && owner != team && chanErr == "" {
		// Another workspace's DM: this token cannot see it.
		chanErr = "channel_not_found"
		fc := c
		fc.Channel = conversationOf(params)
		f.foreign = append(f.foreign, fc)
	}
	if chanErr == "" {
		chanErr = f.wsErr
	}
	var tierWait time.Duration
	if fault == (Fault{}) && chanErr == "" && missing == "" {
		tierWait = f.tierWaitLocked(c.Workspace, method, c.At)
		if tierWait > 0 {
			f.throttled++
		}
	}
	f.mu.Unlock()
	if chanErr != "" {
		writeJSON(w, map[string]any{"ok": false, "error": chanErr})
		return
	}
	if tierWait > 0 {
		fakeRateLimited(w, int((tierWait+time.Second-1)/time.Second))
		return
	}
	if missing != "" {
		writeJSON(w, map[string]any{"ok": false, "error": "missing_scope", "needed": missing, "provided": strings.Join(f.granted, ",")})
		return
	}
	if refused {
		writeJSON(w, map[string]any{"ok": false, "error": refusal.code})
		return
	}

	if fault.Stall > 0 {
		f.mu.Lock()
		sleep := f.sleep
		f.mu.Unlock()
		if sleep != nil {
			_ = sleep(r.Context(), fault.Stall)
		}
		if !fault.Drop {
			h(w, c, params)
			return
		}
	}
	switch {
	case fault.Hang:
		<-r.Context().Done()
	case fault.Drop:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		_ = conn.Close()
	case fault.Status == http.StatusTooManyRequests:
		fakeRateLimited(w, max(fault.RetryAfter, 1))
	case fault.Status != 0:
		http.Error(w, "<html>upstream error</html>", fault.Status)
	default:
		h(w, c, params)
	}
}

// conversationOf is the conversation a call is about: channel, or
// channel_id (files.completeUploadExternal).
func conversationOf(p map[string]string) string {
	if ch := p["channel"]; ch != "" {
		return ch
	}
	return p["channel_id"]
}

func fakeRateLimited(w http.ResponseWriter, retryAfter int) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
}

// fakeReadParams reads a form (slack-go's usual body, or a query) or a JSON
// body (views.open) into strings; JSON values that are not strings are
// kept as JSON text, as the form carries blocks and metadata.
func fakeReadParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var body map[string]json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return nil, err
		}
		for k, v := range body {
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[k] = s
			} else {
				out[k] = string(v)
			}
		}
		return out, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, v := range r.Form {
		out[k] = v[0]
	}
	return out, nil
}

func (f server) postMessage(w http.ResponseWriter, c Call, p map[string]string) {
	f.mu.Lock()
	if wait := f.tooSoonLocked(c.Workspace, c.Channel, c.At); wait {
		f.violations++
		f.throttled++
		f.mu.Unlock()
		fakeRateLimited(w, 1)
		return
	}
	m, err := f.recordLocked(p, c.Workspace, c.At)
	f.mu.Unlock()
	if err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": err.Error()})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "message": f.wireMessage(m, true)})
}

// paceKey names a channel of a workspace, for the pace.
func paceKey(workspace, channel string) string { return workspace + "/" + channel }

// tooSoonLocked reports whether a post to channel of workspace at now
// breaks the pace: the channel's, or the workspace's posts per minute.
func (f server) tooSoonLocked(workspace, channel string, now time.Time) bool {
	if last, ok := f.lastPost[paceKey(workspace, channel)]; ok && f.perChannel > 0 && now.Sub(last) < f.perChannel {
		return true
	}
	if f.perMinute > 0 {
		n := 0
		for _, at := range slices.Backward(f.accepted[workspace]) {
			if !at.After(now.Add(-time.Minute)) {
				break
			}
			n++
		}
		if n >= f.perMinute {
			return true
		}
	}
	return false
}

// recordLocked validates and stores a message posted in workspace.
func (f server) recordLocked(p map[string]string, workspace string, at time.Time) (Message, error) {
	m := Message{Channel: p["channel"], Text: p["text"], ThreadTS: p["thread_ts"], BotID: BotID, Workspace: workspace, At: at}
	if strings.HasPrefix(m.Channel, "U") || strings.HasPrefix(m.Channel, "W") {
		// Slack posts to a user ID in the bot's DM with them.
		m.Channel = DMIn(workspace, m.Channel)
		f.ownLocked(m.Channel, workspace)
	}
	if m.Channel == "" {
		return m, fmt.Errorf("channel_not_found")
	}
	if m.Text == "" && p["blocks"] == "" {
		return m, fmt.Errorf("no_text")
	}
	if b := p["blocks"]; b != "" {
		var blocks slack.Blocks
		if err := json.Unmarshal([]byte(b), &blocks); err != nil {
			return m, fmt.Errorf("invalid_blocks")
		}
		charts, tableChars := 0, 0
		for _, bl := range blocks.BlockSet {
			if t, ok := bl.(*slack.DataTableBlock); ok {
				// As Slack: a table past its limits, or the tables of a
				// message past 10,000 characters together, are refused.
				if views.CheckDataTable(t) != nil {
					return m, fmt.Errorf("invalid_blocks")
				}
				tableChars += views.DataTableChars(t)
			}
			if bl.BlockType() == slack.MBTDataVisualization {
				charts++
				// As Slack: past its limits, or where it does not take
				// the block (RefuseBlocks), the message is refused.
				if v, ok := bl.(*slack.DataVisualizationBlock); ok && v.Validate() != nil {
					return m, fmt.Errorf("invalid_blocks")
				}
			}
			if slices.Contains(f.refusedBlocks, string(bl.BlockType())) {
				return m, fmt.Errorf("invalid_blocks")
			}
		}
		if charts > 2 || tableChars > views.MaxTableChars {
			return m, fmt.Errorf("invalid_blocks")
		}
		m.Blocks = json.RawMessage(b)
	}
	if md := p["metadata"]; md != "" {
		var meta slack.SlackMetadata
		if err := json.Unmarshal([]byte(md), &meta); err != nil || meta.EventType == "" || meta.EventPayload == nil {
			return m, fmt.Errorf("invalid_metadata_format")
		}
		m.Metadata = &meta
	}
	us := max(at.UnixMicro(), f.lastTS+1)
	f.lastTS = us
	m.TS = fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
	f.messages = append(f.messages, m)
	f.lastPost[paceKey(workspace, m.Channel)] = at
	f.accepted[workspace] = append(f.accepted[workspace], at)
	return m, nil
}

func (f server) wireMessage(m Message, metadata bool) map[string]any {
	out := map[string]any{"type": "message", "user": "U0HUMAN", "text": m.Text, "ts": m.TS}
	if m.BotID != "" {
		out["user"], out["bot_id"], out["app_id"] = BotUser, m.BotID, AppID
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if metadata && m.Metadata != nil {
		out["metadata"] = m.Metadata
	}
	return out
}

// DM is the DM channel the fake opens with a user.
func DM(user string) string { return "D" + user[1:] }

// DMIn is the DM channel the fake opens with a user in workspace: DM's
// in FakeTeam, one of its own in any other, as each workspace's DM with
// the bot is a conversation of its own.
func DMIn(workspace, user string) string {
	if workspace == FakeTeam || workspace == "" {
		return DM(user)
	}
	return "D" + workspace + user[1:]
}

func (f server) open(w http.ResponseWriter, c Call, p map[string]string) {
	users := strings.Split(p["users"], ",")
	if p["users"] == "" || len(users) > 8 {
		writeJSON(w, map[string]any{"ok": false, "error": "users_list_not_supplied"})
		return
	}
	if len(users) == 1 {
		id := DMIn(c.Workspace, users[0])
		f.mu.Lock()
		f.ownLocked(id, c.Workspace)
		f.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": id}})
		return
	}
	// A group DM: the same users always get the same conversation.
	slices.Sort(users)
	h := fnv.New32a()
	if c.Workspace != FakeTeam {
		fmt.Fprint(h, c.Workspace+":") // each workspace's conversation is its own
	}
	fmt.Fprint(h, strings.Join(users, ","))
	id := fmt.Sprintf("G%08X", h.Sum32())
	f.mu.Lock()
	if f.mpims == nil {
		f.mpims = map[string]bool{}
	}
	f.mpims[id] = true
	f.ownLocked(id, c.Workspace)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": id, "is_mpim": true}})
}

// ownLocked records that conversation id is workspace's: a call on it
// with another workspace's token is answered channel_not_found.
func (f server) ownLocked(id, workspace string) {
	if f.convOwner == nil {
		f.convOwner = map[string]string{}
	}
	f.convOwner[id] = workspace
}

// fakePage serves msgs (already filtered and ordered) from cursor "n".
func fakePage(w http.ResponseWriter, msgs []map[string]any, p map[string]string) {
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	from, _ := strconv.Atoi(p["cursor"])
	from = min(from, len(msgs))
	to := min(from+limit, len(msgs))
	out := map[string]any{"ok": true, "messages": msgs[from:to], "has_more": to < len(msgs)}
	if to < len(msgs) {
		out["response_metadata"] = map[string]any{"next_cursor": strconv.Itoa(to)}
	}
	writeJSON(w, out)
}

// fakeInRange applies oldest, latest and inclusive to ts.
func fakeInRange(ts string, p map[string]string) bool {
	inclusive := p["inclusive"] == "1" || p["inclusive"] == "true"
	if o := p["oldest"]; o != "" {
		if c := fakeCompareTS(ts, o); c < 0 || c == 0 && !inclusive {
			return false
		}
	}
	if l := p["latest"]; l != "" {
		if c := fakeCompareTS(ts, l); c > 0 || c == 0 && !inclusive {
			return false
		}
	}
	return true
}

func fakeCompareTS(a, b string) int { return fakeTSMicros(a) - fakeTSMicros(b) }

func fakeTSMicros(ts string) int {
	sec, frac, _ := strings.Cut(ts, ".")
	s, _ := strconv.Atoi(sec)
	frac = (frac + "000000")[:6]
	us, _ := strconv.Atoi(frac)
	return s*1e6 + us
}

func fakeWantsMetadata(p map[string]string) bool {
	return p["include_all_metadata"] == "1" || p["include_all_metadata"] == "true"
}

// history answers the channel's top-level messages, newest first.
func (f server) history(w http.ResponseWriter, c Call, p map[string]string) {
	f.mu.Lock()
	f.histories = append(f.histories, fakeMapToValues(p))
	var msgs []map[string]any
	for _, m := range slices.Backward(f.messages) {
		if m.Workspace == c.Workspace && m.Channel == c.Channel && (m.ThreadTS == "" || m.ThreadTS == m.TS) && fakeInRange(m.TS, p) {
			msgs = append(msgs, f.wireMessage(m, fakeWantsMetadata(p)))
		}
	}
	f.mu.Unlock()
	fakePage(w, msgs, p)
}

// replies answers a thread, parent first then replies, oldest first.
func (f server) replies(w http.ResponseWriter, c Call, p map[string]string) {
	f.mu.Lock()
	var msgs []map[string]any
	for _, m := range f.messages {
		if m.Workspace == c.Workspace && m.Channel == c.Channel && (m.TS == p["ts"] || m.ThreadTS == p["ts"]) && fakeInRange(m.TS, p) {
			msgs = append(msgs, f.wireMessage(m, fakeWantsMetadata(p)))
		}
	}
	f.mu.Unlock()
	if len(msgs) == 0 {
		writeJSON(w, map[string]any{"ok": false, "error": "thread_not_found"})
		return
	}
	fakePage(w, msgs, p)
}

func (f server) userInfo(w http.ResponseWriter, c Call, p map[string]string) {
	id := p["user"]
	if !strings.HasPrefix(id, "U") && !strings.HasPrefix(id, "W") {
		writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{
		"id": id, "name": "rep-" + strings.ToLower(id), "real_name": "Rep " + id,
		"tz": "Europe/Paris", "tz_offset": 3600, "locale": "fr-FR",
		"profile": map[string]any{"display_name": "Rep " + id},
	}})
}

// uploadURL answers files.getUploadURLExternal, the first step of
// Slack's current upload flow; the file is the asking workspace's.
func (f server) uploadURL(w http.ResponseWriter, c Call, p map[string]string) {
	if p["filename"] == "" || p["length"] == "" || p["length"] == "0" {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	f.mu.Lock()
	if f.uploads == nil {
		f.uploads = map[string][]byte{}
	}
	if f.uploadWS == nil {
		f.uploadWS = map[string]string{}
	}
	id := fmt.Sprintf("F%05d", len(f.uploads)+1)
	f.uploads[id] = nil
	f.uploadWS[id] = c.Workspace
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "file_id": id, "upload_url": f.srv.URL + "/upload/" + id})
}

// UploadPost is one POST of a file's bytes to its upload URL.
type UploadPost struct {
	FileID string
	// Workspace is the team of the token the POST carried ("" for none
	// the fake knows); URLWorkspace the team whose token asked for the URL.
	Workspace, URLWorkspace string
}

// receiveUpload takes the file bytes, sent as a multipart form. slack-go
// sends the bot token along: stricter than Slack, the fake refuses a
// POST whose token is not that of the workspace that asked for the URL,
// so that a file cannot change workspace on its way.
func (f server) receiveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	team, _ := f.teamOfLocked(token)
	post := UploadPost{FileID: id, Workspace: team, URLWorkspace: f.uploadWS[id]}
	f.uploadPost = append(f.uploadPost, post)
	f.mu.Unlock()
	if post.Workspace == "" || post.Workspace != post.URLWorkspace {
		http.Error(w, "invalid_auth", http.StatusForbidden)
		return
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer file.Close()
	b, err := io.ReadAll(file)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.uploads[id] = b
	f.mu.Unlock()
	_, _ = io.WriteString(w, "OK - "+strconv.Itoa(len(b)))
}

// completeUpload answers files.completeUploadExternal: the file is
// shared, if it is the calling workspace's.
func (f server) completeUpload(w http.ResponseWriter, c Call, p map[string]string) {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p["files"]), &files); err != nil || len(files) == 0 {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]string
	for _, file := range files {
		if _, ok := f.uploads[file.ID]; !ok || f.uploadWS[file.ID] != c.Workspace {
			writeJSON(w, map[string]any{"ok": false, "error": "file_not_found"})
			return
		}
		f.shares = append(f.shares, Share{FileID: file.ID, Title: file.Title, Channel: p["channel_id"], ThreadTS: p["thread_ts"], Workspace: c.Workspace})
		out = append(out, map[string]string{"id": file.ID, "title": file.Title})
	}
	writeJSON(w, map[string]any{"ok": true, "files": out})
}

func (f server) viewsOpen(w http.ResponseWriter, c Call, p map[string]string) {
	if p["trigger_id"] == "" {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_trigger_id"})
		return
	}
	var view map[string]any
	if err := json.Unmarshal([]byte(p["view"]), &view); err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	f.mu.Lock()
	f.views = append(f.views, json.RawMessage(p["view"]))
	view["id"] = fmt.Sprintf("V%05d", len(f.views))
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "view": view})
}

// scheduleMessage answers chat.scheduleMessage: post_at must be in the
// future of the fake's clock and within Slack's 120 days.
func (f server) scheduleMessage(w http.ResponseWriter, c Call, p map[string]string) {
	postAt, err := strconv.ParseInt(p["post_at"], 10, 64)
	switch {
	case c.Channel == "":
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	case err != nil || !time.Unix(postAt, 0).After(c.At):
		writeJSON(w, map[string]any{"ok": false, "error": "time_in_past"})
		return
	case time.Unix(postAt, 0).After(c.At.AddDate(0, 0, 120)):
		writeJSON(w, map[string]any{"ok": false, "error": "time_too_far"})
		return
	case p["text"] == "" && p["blocks"] == "":
		writeJSON(w, map[string]any{"ok": false, "error": "no_text"})
		return
	}
	m := Scheduled{Channel: c.Channel, Text: p["text"], PostAt: time.Unix(postAt, 0), At: c.At}
	if b := p["blocks"]; b != "" {
		var blocks slack.Blocks
		if err := json.Unmarshal([]byte(b), &blocks); err != nil {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks"})
			return
		}
		m.Blocks = json.RawMessage(b)
	}
	f.mu.Lock()
	m.ID = fmt.Sprintf("Q%05d", len(f.scheduled)+1)
	f.scheduled = append(f.scheduled, m)
	f.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": m.Channel, "scheduled_message_id": m.ID, "post_at": postAt,
		"message": map[string]any{"type": "message", "text": m.Text, "bot_id": BotID}})
}

// Seed adds a message straight into a channel, as if posted earlier; a
// non-empty occurrence gives it ritual metadata, bot says whether a bot
// Posted it.
func (f *FakeWebAPI) Seed(channel, text, occurrence string, bot bool, at time.Time) Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := map[string]string{"channel": channel, "text": text}
	if occurrence != "" {
		md, _ := json.Marshal(slack.SlackMetadata{EventType: ritualEventType, EventPayload: map[string]any{"occurrence_id": occurrence}})
		p["metadata"] = string(md)
	}
	m, err := server{f}.recordLocked(p, FakeTeam, at)
	if err != nil {
		panic(err)
	}
	delete(f.lastPost, paceKey(FakeTeam, m.Channel)) // seeded messages do not count against the pace
	f.accepted[FakeTeam] = f.accepted[FakeTeam][:len(f.accepted[FakeTeam])-1]
	if !bot {
		f.messages[len(f.messages)-1].BotID = ""
		m.BotID = ""
	}
	return m
}

func fakeMapToValues(p map[string]string) url.Values {
	v := url.Values{}
	for k, s := range p {
		if k != "token" {
			v.Set(k, s)
		}
	}
	return v
}

// Readers, each a copy under the lock.

func (f *FakeWebAPI) Posted() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.messages)
}

func (f *FakeWebAPI) CallCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			n++
		}
	}
	return n
}

// ForeignCalls are the calls made on a DM or group DM of another
// workspace than their token's, answered channel_not_found.
func (f *FakeWebAPI) ForeignCalls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.foreign)
}

// BadAuthCalls are the calls refused invalid_auth for a token the fake
// does not know (no workspace's, or revoked); CallLog leaves them out.
func (f *FakeWebAPI) BadAuthCalls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.badAuth)
}

func (f *FakeWebAPI) CallLog() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *FakeWebAPI) HistoryParams() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.histories)
}

func (f *FakeWebAPI) ScheduledMessages() []Scheduled {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.scheduled)
}

func (f *FakeWebAPI) OpenedViews() []json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.views)
}

// PaceViolations counts posts the fake refused for coming too soon.
func (f *FakeWebAPI) PaceViolations() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.violations
}

// Throttles counts 429 answers, faults and pace together.
func (f *FakeWebAPI) Throttles() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.throttled
}

// Shares returns the files shared so far, in order.
func (f *FakeWebAPI) Shares() []Share {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.shares)
}

// UploadPosts returns the POSTs of files' bytes to their upload URLs,
// in order.
func (f *FakeWebAPI) UploadPosts() []UploadPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.uploadPost)
}

// Upload returns the bytes received for a file ID.
func (f *FakeWebAPI) Upload(fileID string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uploads[fileID]
}

// CountOccurrence counts the messages whose occurrence ID starts with
// prefix.
func (f *FakeWebAPI) CountOccurrence(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, m := range f.messages {
		if strings.HasPrefix(m.Occurrence(), prefix) {
			n++
		}
	}
	return n
}

// writeJSON answers v as Slack does, in JSON.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
