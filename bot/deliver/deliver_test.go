package deliver

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

	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/slackrate"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/bot/wsctx"
	"github.com/kpibot/kpibot/rituals"
)

// deliveryRig is a Deliverer on a fake Web API, both on clk.
func deliveryRig(t testing.TB, clk Clock, cfg Config) (*testkit.FakeWebAPI, *Deliverer) {
	t.Helper()
	f := testkit.NewFakeWebAPI(t)
	f.SetClock(clk.Now)
	cfg.API = f.API(t)
	cfg.Clock = clk
	if cfg.Logger == nil {
		cfg.Logger = testkit.Quiet
	}
	return f, New(cfg)
}

// reminderOccurrence is the occurrence ID of a rep's reminder on testkit.Monday10.
func reminderOccurrence(rep string) string {
	return rituals.OccurrenceID("T1", "sales", rituals.Reminder, "2026-11-23/"+rep)
}

// ritualMsg is a message like the rituals build: a header and a section.
func ritualMsg(text string) slack.Msg {
	return slack.Msg{Text: text, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Check-in du jour", false, false)),
		views.Section(text),
	}}}
}

func TestDeliverPostsWithMetadata(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
	msg := ritualMsg("Tu n'as pas encore saisi ta journée : *2 minutes* suffisent.")
	testkit.CheckBlockKitLimits(t, msg)
	id := reminderOccurrence("U1")

	ts, err := d.Post(context.Background(), "C1", msg, id)
	if err != nil {
		t.Fatal(err)
	}
	posted := f.Posted()
	if len(posted) != 1 {
		t.Fatalf("%d messages posted, want 1", len(posted))
	}
	m := posted[0]
	if m.TS != ts || m.Channel != "C1" || m.Text != msg.Text {
		t.Errorf("posted %+v, returned ts %s", m, ts)
	}
	if m.Metadata == nil || m.Metadata.EventType != "kpibot_ritual" || m.Occurrence() != id {
		t.Errorf("metadata %+v, want event kpibot_ritual with occurrence_id %s", m.Metadata, id)
	}
	sent := m.Msg(t)
	testkit.CheckBlockKitLimits(t, sent)
	want, _ := json.Marshal(msg.Blocks)
	got, _ := json.Marshal(sent.Blocks)
	if !bytes.Equal(got, want) {
		t.Errorf("blocks sent\n%s\nwant\n%s", got, want)
	}

	// Before posting, it looked for the occurrence in the last day.
	hist := f.HistoryParams()
	if len(hist) != 1 {
		t.Fatalf("%d conversations.history calls, want 1", len(hist))
	}
	h := hist[0]
	if h.Get("channel") != "C1" || h.Get("include_all_metadata") != "1" || h.Get("oldest") != slackTS(testkit.Monday10.Add(-24*time.Hour)) {
		t.Errorf("conversations.history called with %v", h)
	}
	if l := h.Get("limit"); l == "" || len(l) > 2 {
		t.Errorf("conversations.history limit %q, want a small one", l)
	}
	if st := d.Stats(); st != (Stats{Posted: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverOpensDMOnceAndRetriesItsReads(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
	// The first conversations.open and conversations.history are rate limited.
	f.SetFaults(func(c testkit.Call) testkit.Fault {
		if c.Method != "chat.postMessage" && c.MethodN == 1 {
			return testkit.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2}
		}
		return testkit.Fault{}
	})
	for _, id := range []string{reminderOccurrence("U42"), rituals.OccurrenceID("T1", "sales", rituals.Digest, "2026-11-23")} {
		if _, err := d.Post(context.Background(), "U42", ritualMsg("Rappel"), id); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.CallCount("conversations.open"); n != 2 {
		t.Errorf("%d conversations.open calls, want 2: one 429, then one for both posts", n)
	}
	for _, m := range f.Posted() {
		if m.Channel != "D42" {
			t.Errorf("posted to %s, want the DM D42", m.Channel)
		}
	}
	if st := d.Stats(); st.Posted != 2 || st.Retried429 != 2 || st.Failed != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverPacesOneChannel(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{PerChannel: time.Second, PerWorkspace: 600})
	f.SetPace(time.Second, 600)
	for i := range 5 {
		if _, err := d.Post(context.Background(), "C1", ritualMsg("Revue"), fmt.Sprintf("W/T/review/%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if took := clk.Now().Sub(testkit.Monday10); took < 4*time.Second || took > 5*time.Second {
		t.Errorf("5 posts to one channel took %v of fake time, want 4s", took)
	}
	posted := f.Posted()
	for i := 1; i < len(posted); i++ {
		if gap := posted[i].At.Sub(posted[i-1].At); gap < time.Second {
			t.Errorf("posts %d and %d %v apart", i-1, i, gap)
		}
	}
	if v := f.PaceViolations(); v != 0 {
		t.Errorf("%d posts came too soon", v)
	}
}

func TestDeliverChannelsDoNotWaitOnEachOther(t *testing.T) {
	clk := testkit.NewSimClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{PerChannel: time.Second, PerWorkspace: 600})
	f.SetPace(time.Second, 600)
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
	if took := clk.Now().Sub(testkit.Monday10); took >= time.Second {
		t.Errorf("5 posts to 5 channels took %v of fake time, want under 1s", took)
	}
	if n := len(f.Posted()); n != 5 {
		t.Errorf("%d messages, want 5", n)
	}
	if v := f.PaceViolations(); v != 0 {
		t.Errorf("%d posts came too soon", v)
	}
}

func TestDeliverWorkspaceBudgetCapsAMinute(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{PerChannel: time.Second, PerWorkspace: 10})
	f.SetPace(time.Second, 10)
	for i := range 25 {
		if _, err := d.Post(context.Background(), fmt.Sprintf("C%d", i), ritualMsg("Revue"), fmt.Sprintf("W/T%d/review/x", i)); err != nil {
			t.Fatal(err)
		}
	}
	posted := f.Posted()
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
		if m.At.Before(testkit.Monday10.Add(time.Minute)) {
			first++
		}
	}
	if first != 10 {
		t.Errorf("%d posts in the first minute, want the budget, 10", first)
	}
	if took := clk.Now().Sub(testkit.Monday10); took < 144*time.Second {
		t.Errorf("25 posts at 10/min took %v of fake time, want at least 2m24s", took)
	}
	if v := f.PaceViolations(); v != 0 {
		t.Errorf("%d posts came too soon", v)
	}
}

func TestDeliverRetries429AfterRetryAfter(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
	f.SetFaults(func(c testkit.Call) testkit.Fault {
		if c.Method == "chat.postMessage" && c.MethodN == 1 {
			return testkit.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3}
		}
		return testkit.Fault{}
	})
	ts, err := d.Post(context.Background(), "C1", ritualMsg("Revue"), "W/T/review/2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	posted := f.Posted()
	if len(posted) != 1 || posted[0].TS != ts {
		t.Fatalf("posted %+v, want one message with ts %s", posted, ts)
	}
	if at := posted[0].At.Sub(testkit.Monday10); at != 3*time.Second {
		t.Errorf("retried %v after the 429, want Retry-After, 3s", at)
	}
	if n := f.CallCount("chat.postMessage"); n != 2 {
		t.Errorf("%d chat.postMessage calls, want 2", n)
	}
	if s := clk.Sleeps(); len(s) != 1 || s[0] != 3*time.Second {
		t.Errorf("slept %v, want [3s]", s)
	}
	if st := d.Stats(); st != (Stats{Posted: 1, Retried429: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverGivesUpAfterMaxRetries(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{MaxRetries: 2})
	f.SetFaults(testkit.RateLimitEvery("chat.postMessage", 1, 1))
	_, err := d.Post(context.Background(), "C1", ritualMsg("Revue"), "W/T/review/2026-11-23")
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("error %v, want a RateLimitedError", err)
	}
	if n := f.CallCount("chat.postMessage"); n != 3 {
		t.Errorf("%d chat.postMessage calls, want 1 + 2 retries", n)
	}
	if st := d.Stats(); st != (Stats{Retried429: 2, Failed: 1}) {
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
		fault  testkit.Fault
		landed bool
	}{
		{"connection dropped after the message landed", testkit.Fault{Drop: true, Record: true}, true},
		{"connection dropped before it landed", testkit.Fault{Drop: true}, false},
		{"502 after it landed", testkit.Fault{Status: http.StatusBadGateway, Record: true}, true},
		{"500 after it landed", testkit.Fault{Status: http.StatusInternalServerError, Record: true}, true},
		{"500", testkit.Fault{Status: http.StatusInternalServerError}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := testkit.NewStepClock(testkit.Monday10)
			var logs bytes.Buffer
			f, d := deliveryRig(t, clk, Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
			f.SetFaults(func(c testkit.Call) testkit.Fault {
				if c.Method == "chat.postMessage" && c.MethodN == 1 {
					return tt.fault
				}
				return testkit.Fault{}
			})
			id := reminderOccurrence("U7")
			ts, err := d.Post(context.Background(), "U7", ritualMsg("Rappel"), id)
			if n := f.CallCount("chat.postMessage"); n != 1 {
				t.Errorf("%d chat.postMessage calls, want 1: not retried", n)
			}
			if strings.Contains(logs.String(), "xoxb") {
				t.Errorf("a token reached the logs: %s", logs.String())
			}
			landed := f.Posted()
			if tt.landed {
				if err != nil || len(landed) != 1 || landed[0].TS != ts {
					t.Fatalf("Post = %q, %v; want the landed message %+v found and reported posted", ts, err, landed)
				}
				if st := d.Stats(); st != (Stats{Posted: 1}) {
					t.Errorf("stats %+v", st)
				}
			} else {
				if !errors.Is(err, ErrNotPosted) || errors.Is(err, ErrMaybePosted) || !strings.HasPrefix(err.Error(), "bot: deliver: ") {
					t.Fatalf("error %v, want a bot: deliver: error that is ErrNotPosted", err)
				}
				if st := d.Stats(); st != (Stats{Failed: 1}) {
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
			posted := f.Posted()
			if len(posted) != 1 || posted[0].TS != again || posted[0].Occurrence() != id {
				t.Fatalf("after the second Post: %+v (returned %s), want exactly one message", posted, again)
			}
		})
	}
}

// When the answer is lost and the read-back fails too, nobody can know:
// the error says so rather than "not posted", and a later attempt finds
// the message instead of posting it again.
func TestDeliverSaysWhenAPostCannotBeChecked(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{MaxRetries: -1})
	history := 0
	f.SetFaults(func(c testkit.Call) testkit.Fault {
		switch {
		case c.Method == "chat.postMessage" && c.MethodN == 1:
			return testkit.Fault{Drop: true, Record: true}
		case c.Method == "conversations.history":
			history++
			if history == 2 { // the check after the lost answer
				return testkit.Fault{Status: http.StatusServiceUnavailable}
			}
		}
		return testkit.Fault{}
	})
	_, err := d.Post(context.Background(), "C1", ritualMsg("Digest"), "W/T/digest/2026-11-23")
	if !errors.Is(err, ErrMaybePosted) || errors.Is(err, ErrNotPosted) {
		t.Fatalf("error %v, want ErrMaybePosted", err)
	}
	ts, err := d.Post(context.Background(), "C1", ritualMsg("Digest"), "W/T/digest/2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	if posted := f.Posted(); len(posted) != 1 || posted[0].TS != ts {
		t.Fatalf("posted %+v, want the one message found", posted)
	}
}

// Slack refusing a post (ok: false) is certain: nothing landed.
func TestDeliverSlackRefusalIsNotPosted(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
	f.SetToken("xoxb-other") // every call answers invalid_auth
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
		"no fallback text":     {Blocks: slack.Blocks{BlockSet: []slack.Block{views.Section("hello")}}},
		"11 context elements ": {Text: "t", Blocks: slack.Blocks{BlockSet: []slack.Block{views.Context("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")}}},
	}
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
	for name, msg := range msgs {
		_, err := d.Post(context.Background(), "C1", msg, "W/T/review/"+name)
		if !errors.Is(err, ErrBlockKitLimits) {
			t.Errorf("%s: error %v, want ErrBlockKitLimits", name, err)
		}
	}
	if n := f.CallCount(""); n != 0 {
		t.Errorf("%d API calls, want none", n)
	}
	if st := d.Stats(); st.Failed != int64(len(msgs)) {
		t.Errorf("stats %+v", st)
	}
	// At the limits exactly, the message goes.
	ok := slack.Msg{Text: "t", Blocks: slack.Blocks{BlockSet: append(many(48, func(int) slack.Block { return slack.NewDividerBlock() }),
		slack.NewHeaderBlock(plain(150)), slack.NewSectionBlock(text(3000), []*slack.TextBlockObject{text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1), text(1)}, nil))}}
	testkit.CheckBlockKitLimits(t, ok)
	if _, err := d.Post(context.Background(), "C1", ok, "W/T/review/ok"); err != nil {
		t.Error(err)
	}
}

func TestDeliverFindsTheOccurrenceBehindOtherMessages(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
	id := rituals.OccurrenceID("T1", "sales", rituals.Review, "2026-11-23")
	target := f.Seed("C1", "Revue du lundi", id, true, testkit.Monday10.Add(-3*time.Hour))
	// Newer, with the same metadata, but not a bot's: not ours.
	f.Seed("C1", "copie", id, false, testkit.Monday10.Add(-170*time.Minute))
	for i := range 120 {
		f.Seed("C1", "bavardage", "", false, testkit.Monday10.Add(-2*time.Hour+time.Duration(i)*time.Second))
		if i%10 == 0 {
			f.Seed("C1", "autre rituel", fmt.Sprintf("T1/sales/review/2026-11-%02d", i/10+1), true, testkit.Monday10.Add(-2*time.Hour+time.Duration(i)*time.Second))
		}
	}
	ts, err := d.Post(context.Background(), "C1", ritualMsg("Revue du lundi"), id)
	if err != nil {
		t.Fatal(err)
	}
	if ts != target.TS {
		t.Errorf("returned %s, want the message already there, %s", ts, target.TS)
	}
	if n := f.CallCount("chat.postMessage"); n != 0 {
		t.Errorf("%d posts, want none", n)
	}
	if n := f.CallCount("conversations.history"); n != 3 {
		t.Errorf("%d pages read, want 3 (134 messages, 50 a page)", n)
	}
	if st := d.Stats(); st != (Stats{Found: 1}) {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverThreadReplyIsFoundInItsThread(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
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
	posted := f.Posted()
	if len(posted) != 2 || posted[1].ThreadTS != parent || again != first {
		t.Errorf("posted %+v; reply %s then %s, want one reply in thread %s", posted, first, again, parent)
	}
	if n := f.CallCount("conversations.replies"); n != 2 {
		t.Errorf("%d conversations.replies calls, want 2", n)
	}
}

func TestDeliverConcurrentPostsUnderRace(t *testing.T) {
	clk := testkit.NewSimClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{PerChannel: time.Second, PerWorkspace: 600})
	f.SetPace(time.Second, 600)
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
	for _, m := range f.Posted() {
		perChannel[m.Channel]++
	}
	for i := range 10 {
		if n := perChannel[fmt.Sprintf("C%d", i)]; n != 5 {
			t.Errorf("C%d got %d messages, want 5", i, n)
		}
	}
	// 5 posts per channel need 4s; 50 posts at 600/min need 4.9s.
	if took := clk.Now().Sub(testkit.Monday10); took < 4900*time.Millisecond || took > 6*time.Second {
		t.Errorf("50 posts to 10 channels took %v of fake time, want about 4.9s", took)
	}
	if v := f.PaceViolations(); v != 0 {
		t.Errorf("%d posts came too soon", v)
	}
	if st := d.Stats(); st != (Stats{Posted: 50}) {
		t.Errorf("stats %+v", st)
	}
}

func TestDeliverSameOccurrenceConcurrentlyPostsOnce(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
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
	if n := len(f.Posted()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
	for _, ts := range tss {
		if ts != tss[0] {
			t.Errorf("returned %v, want one ts", tss)
			break
		}
	}
	if st := d.Stats(); st != (Stats{Posted: 1, Found: 7}) {
		t.Errorf("stats %+v", st)
	}
}

// cancellingClock cancels the Post's context when it starts waiting, as a
// runner shutting down would.
type cancellingClock struct {
	*testkit.StepClock
	cancel context.CancelFunc
}

func (c cancellingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	return c.StepClock.Sleep(ctx, d)
}

func TestDeliverCancelledWhileWaitingPostsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := cancellingClock{testkit.NewStepClock(testkit.Monday10), cancel}
	f, d := deliveryRig(t, clk, Config{})
	if _, err := d.Post(context.Background(), "C1", ritualMsg("Revue"), "W/T/review/1"); err != nil {
		t.Fatal(err)
	}
	// The second post to C1 waits for the channel's gap, and is cancelled.
	if _, err := d.Post(ctx, "C1", ritualMsg("Revue"), "W/T/review/2"); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if n := f.CallCount("chat.postMessage"); n != 1 {
		t.Errorf("%d chat.postMessage calls, want 1", n)
	}
	if st := d.Stats(); st != (Stats{Posted: 1, Failed: 1}) {
		t.Errorf("stats %+v", st)
	}
}

// One hung Slack call held another team's digest back 120 s: every call
// now has its own deadline, so a hang costs its own message that long and
// no more, and the failure is reported truthfully.
func TestDeliverGivesEveryCallItsOwnDeadline(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{CallTimeout: 100 * time.Millisecond})
	f.SetFaults(func(c testkit.Call) testkit.Fault {
		if c.Method == "chat.postMessage" && c.Channel == "CHUNG" {
			return testkit.Fault{Hang: true}
		}
		return testkit.Fault{}
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

func TestDeliverKeepsCallsInTheirTier(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{Budget: slackrate.New(clk)})
	f.EnforceTiers()
	ctx := context.Background()
	// 60 coaching conversations: conversations.open is Tier 3, 50 a minute.
	for i := range 60 {
		if _, err := d.OpenGroup(ctx, []string{"UMAUD", fmt.Sprintf("U%04d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.TierRefusals(); len(got) != 0 || d.Stats().Retried429 != 0 {
		t.Fatalf("refused %v, retried %d: the budget let calls through too fast", got, d.Stats().Retried429)
	}
	if took := clk.Now().Sub(testkit.Monday10); took < 59*1200*time.Millisecond {
		t.Fatalf("60 opens in %v: faster than Tier 3 allows", took)
	}
}

// A first attempt posts straight to the user ID: no conversations.open,
// no history read; its charts follow in the DM Slack answered with.
func TestDeliverFirstAttemptPostsDirectly(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
	ctx := FirstAttempt(context.Background())
	ts, fresh, err := d.Send(ctx, "U0001", ritualMsg("Pense à saisir ta journée"), reminderOccurrence("U0001"))
	if err != nil || !fresh || ts == "" {
		t.Fatalf("Send = %q, %v, %v", ts, fresh, err)
	}
	if err := d.Upload(ctx, "U0001", ts, "funnel.png", "Funnel", []byte("png")); err != nil {
		t.Fatal(err)
	}
	if n := f.CallCount("conversations.open") + f.CallCount("conversations.history"); n != 0 {
		t.Errorf("%d opens and reads, want none", n)
	}
	if m := f.Posted(); len(m) != 1 || m[0].Channel != testkit.DM("U0001") {
		t.Errorf("posted %+v", m)
	}
	if sh := f.Shares(); len(sh) != 1 || sh[0].Channel != testkit.DM("U0001") {
		t.Errorf("shared %+v", sh)
	}
}

func TestDeliverPermanentErrors(t *testing.T) {
	for code, want := range map[string]struct{ permanent, workspace bool }{
		"invalid_auth": {true, true}, "account_inactive": {true, true}, "token_revoked": {true, true},
		"channel_not_found": {true, false}, "not_in_channel": {true, false}, "is_archived": {true, false},
		"ratelimited": {false, false}, "internal_error": {false, false},
	} {
		t.Run(code, func(t *testing.T) {
			clk := testkit.NewStepClock(testkit.Monday10)
			f, d := deliveryRig(t, clk, Config{})
			f.SetChannelError("C1", code)
			_, err := d.Post(FirstAttempt(context.Background()), "C1", ritualMsg("revue"), "T1/M/review/x")
			got, ws, ok := Permanent(err)
			if ok != want.permanent || ws != want.workspace || (ok && got != code) {
				t.Fatalf("Permanent(%v) = %q, %v, %v", err, got, ws, ok)
			}
		})
	}
}

// An upload answered 429 starts over after Retry-After: nothing was shared.
func TestDeliverUploadRetries429(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f, d := deliveryRig(t, clk, Config{})
	f.SetFaults(func(c testkit.Call) testkit.Fault {
		if c.Method == "files.completeUploadExternal" && c.MethodN == 1 {
			return testkit.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3}
		}
		return testkit.Fault{}
	})
	if err := d.Upload(context.Background(), "C1", "1.1", "trend.png", "Trend", []byte("png")); err != nil {
		t.Fatal(err)
	}
	if sh := f.Shares(); len(sh) != 1 || clk.Now().Sub(testkit.Monday10) < 3*time.Second {
		t.Fatalf("shared %+v after %v", sh, clk.Now().Sub(testkit.Monday10))
	}
}

// bearerOf gives each call the token of the workspace in its context, as
// tenancy's transport does in OAuth mode.
type bearerOf map[string]string

func (b bearerOf) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b[wsctx.Of(r.Context())])
	return http.DefaultTransport.RoundTrip(r)
}

// Each workspace has its own posts a minute: two workspaces' posts go
// out side by side, in the time one workspace's alone would take.
func TestDeliverEachWorkspaceHasItsOwnBudget(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	f := testkit.NewFakeWebAPI(t)
	f.SetClock(clk.Now)
	f.SetPace(time.Second, 10)
	f.AddWorkspace("T2", "xoxb-2")
	f.AddWorkspace("T3", "xoxb-3")
	api := slack.New("xoxb-unused", slack.OptionAPIURL(f.URL()+"/"), slack.OptionHTTPClient(&http.Client{Transport: bearerOf{"T2": "xoxb-2", "T3": "xoxb-3"}}))
	d := New(Config{API: api, Clock: clk, PerChannel: time.Second, PerWorkspace: 10, Logger: testkit.Quiet})
	for i := range 10 {
		for _, ws := range []string{"T2", "T3"} {
			ctx := FirstAttempt(wsctx.With(context.Background(), ws))
			if _, err := d.Post(ctx, fmt.Sprintf("C%d", i), ritualMsg("Revue"), fmt.Sprintf("%s/T%d/review/x", ws, i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	by := map[string]int{}
	for _, m := range f.Posted() {
		by[m.Workspace]++
	}
	if by["T2"] != 10 || by["T3"] != 10 {
		t.Fatalf("posts by workspace %v", by)
	}
	// 10 posts a workspace at 10/min: 9 gaps of 6 s, whichever the other
	// workspace does.
	if took := clk.Now().Sub(testkit.Monday10); took != 54*time.Second {
		t.Errorf("10 posts in each of two workspaces took %v of fake time, want one workspace's 54s", took)
	}
	if v := f.PaceViolations(); v != 0 {
		t.Errorf("%d posts came too soon", v)
	}
}
