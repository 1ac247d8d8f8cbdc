package slackrate

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/wsctx"
)

// client returns a client of a tier-enforcing fake, paced by a limiter,
// both on one simulated clock.
func client(t *testing.T) (*testkit.FakeWebAPI, *slack.Client, *Limiter, *testkit.StepClock) {
	t.Helper()
	clk := testkit.NewStepClock(testkit.Monday10)
	f := testkit.NewFakeWebAPI(t)
	f.SetClock(clk.Now)
	f.EnforceTiers()
	l := New(clk)
	api := slack.New("xoxb-test", slack.OptionAPIURL(f.URL()+"/"), slack.OptionHTTPClient(&http.Client{Transport: l.Transport(nil)}))
	return f, api, l, clk
}

func TestLimiterKeepsEachMethodInItsTier(t *testing.T) {
	f, api, _, clk := client(t)
	ctx := context.Background()
	for i := range 120 {
		if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"}); err != nil {
			t.Fatalf("read %d: %v", i+1, err)
		}
		if _, err := api.GetUserInfoContext(ctx, "U1"); err != nil {
			t.Fatalf("users.info %d: %v", i+1, err)
		}
	}
	if got := f.TierRefusals(); len(got) != 0 {
		t.Fatalf("the fake refused %v", got)
	}
	// 120 Tier 3 calls need 119 gaps of 1.2 s; users.info's Tier 4 slots
	// fit inside them.
	if got, want := clk.Now().Sub(testkit.Monday10), 119*1200*time.Millisecond; got != want {
		t.Fatalf("took %v of simulated time, want %v", got, want)
	}
}

func TestBackoffSlowsThatMethodOnly(t *testing.T) {
	f, api, l, clk := client(t)
	ctx := context.Background()
	f.SetFaults(testkit.RateLimitEvery("conversations.history", 1, 7))
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"}); err == nil {
		t.Fatal("no 429")
	}
	f.SetFaults(nil)
	start := clk.Now()
	for range 5 {
		if _, err := api.GetUserInfoContext(ctx, "U1"); err != nil {
			t.Fatal(err)
		}
	}
	if waited := clk.Now().Sub(start); waited != 4*600*time.Millisecond {
		t.Fatalf("users.info waited %v after history's 429, want its own pace only", waited)
	}
	if err := l.Wait(ctx, "conversations.history"); err != nil {
		t.Fatal(err)
	}
	if got := clk.Now().Sub(start); got != 7*time.Second {
		t.Fatalf("history resumed %v after its 429, want Retry-After's 7s", got)
	}
}

func TestWaitGivesUpWithItsContext(t *testing.T) {
	l := New(nil)
	ctx, cancel := context.WithCancel(context.Background())
	if err := l.Wait(ctx, "users.list"); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := l.Wait(ctx, "users.list"); err == nil {
		t.Fatal("a cancelled wait went ahead")
	}
	// chat.postMessage has no budget here.
	if err := l.Wait(context.Background(), "chat.postMessage"); err != nil {
		t.Fatal(err)
	}
}

// A call whose next slot comes after its deadline is told at once, and
// its slot stays for a caller who can wait: a /log's users.info falls
// back on the stored profile instead of holding the rep until then.
func TestWaitSaysAtOnceWhenTheSlotComesAfterTheDeadline(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	l := New(clk)
	if err := l.Wait(context.Background(), "users.info"); err != nil {
		t.Fatal(err)
	}
	// users.info's Tier 4: the next slot is 600 ms away.
	short, cancel := context.WithDeadline(context.Background(), clk.Now().Add(300*time.Millisecond))
	defer cancel()
	start := clk.Now()
	if err := l.Wait(short, "users.info"); !errors.Is(err, ErrNoBudget) {
		t.Fatalf("want ErrNoBudget, got %v", err)
	}
	if waited := clk.Now().Sub(start); waited != 0 {
		t.Fatalf("waited %v before giving up", waited)
	}
	if err := l.Wait(context.Background(), "users.info"); err != nil {
		t.Fatal(err)
	}
	if got := clk.Now().Sub(start); got != 600*time.Millisecond {
		t.Fatalf("the next caller waited %v, want the slot 600ms away", got)
	}

	// The same after a 429: a hold past the deadline is told at once.
	l.Backoff(context.Background(), "users.info", 5*time.Second)
	short, cancel = context.WithDeadline(context.Background(), clk.Now().Add(time.Second))
	defer cancel()
	if err := l.Wait(short, "users.info"); !errors.Is(err, ErrNoBudget) {
		t.Fatalf("during a hold: want ErrNoBudget, got %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	for h, want := range map[string]time.Duration{"7": 7 * time.Second, "": time.Second, "0": time.Second, "x": time.Second, "-3": time.Second} {
		if got := RetryAfter(h); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

// twoWorkspaces returns clients of T2 and T3 on one tier-enforcing fake,
// paced by one limiter, and contexts naming each workspace.
func twoWorkspaces(t *testing.T) (f *testkit.FakeWebAPI, a, b *slack.Client, ctxA, ctxB context.Context, l *Limiter, clk *testkit.StepClock) {
	t.Helper()
	clk = testkit.NewStepClock(testkit.Monday10)
	f = testkit.NewFakeWebAPI(t)
	f.SetClock(clk.Now)
	f.EnforceTiers()
	f.AddWorkspace("T2", "xoxb-2")
	f.AddWorkspace("T3", "xoxb-3")
	l = New(clk)
	hc := &http.Client{Transport: l.Transport(nil)}
	a = slack.New("xoxb-2", slack.OptionAPIURL(f.URL()+"/"), slack.OptionHTTPClient(hc))
	b = slack.New("xoxb-3", slack.OptionAPIURL(f.URL()+"/"), slack.OptionHTTPClient(hc))
	return f, a, b, wsctx.With(context.Background(), "T2"), wsctx.With(context.Background(), "T3"), l, clk
}

// Slack's tiers are per method per workspace: two workspaces each get a
// whole Tier 3 budget at once, in the time one alone would take.
func TestEachWorkspaceHasAWholeBudget(t *testing.T) {
	f, a, b, ctxA, ctxB, _, clk := twoWorkspaces(t)
	history := func(api *slack.Client, ctx context.Context) {
		t.Helper()
		if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"}); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 {
		history(a, ctxA)
		history(b, ctxB)
	}
	if got := f.TierRefusals(); len(got) != 0 {
		t.Fatalf("the fake refused %v", got)
	}
	// 50 Tier 3 calls in a workspace need 49 gaps of 1.2 s; the other
	// workspace's 50 fit in the same minute.
	if got, want := clk.Now().Sub(testkit.Monday10), 49*1200*time.Millisecond; got != want {
		t.Fatalf("100 reads in two workspaces took %v of simulated time, want one workspace's %v", got, want)
	}
	perWS := map[string]int{}
	for _, c := range f.CallLog() {
		perWS[c.Workspace]++
	}
	if perWS["T2"] != 50 || perWS["T3"] != 50 {
		t.Fatalf("calls by workspace %v", perWS)
	}
}

// A 429 in one workspace holds that method back there only: the other
// workspace's calls of it go on at their own pace.
func TestA429InOneWorkspaceDoesNotSlowAnother(t *testing.T) {
	f, a, b, ctxA, ctxB, l, clk := twoWorkspaces(t)
	f.SetFaults(func(c testkit.Call) testkit.Fault {
		if c.Workspace == "T2" && c.Method == "conversations.history" {
			return testkit.Fault{Status: http.StatusTooManyRequests, RetryAfter: 30}
		}
		return testkit.Fault{}
	})
	if _, err := a.GetConversationHistoryContext(ctxA, &slack.GetConversationHistoryParameters{ChannelID: "C1"}); err == nil {
		t.Fatal("no 429 in T2")
	}
	f.SetFaults(nil)
	start := clk.Now()
	for range 5 {
		if _, err := b.GetConversationHistoryContext(ctxB, &slack.GetConversationHistoryParameters{ChannelID: "C1"}); err != nil {
			t.Fatal(err)
		}
	}
	if waited := clk.Now().Sub(start); waited != 4*1200*time.Millisecond {
		t.Fatalf("T3's reads waited %v after T2's 429, want their own pace only (4.8s)", waited)
	}
	if err := l.Wait(ctxA, "conversations.history"); err != nil {
		t.Fatal(err)
	}
	if got := clk.Now().Sub(start); got != 30*time.Second {
		t.Fatalf("T2's reads resumed %v after its 429, want Retry-After's 30s", got)
	}
}

// Budgets at rest are dropped past maxIdle: memory follows the
// workspaces at work; a budget in use or held back stays.
func TestIdleBudgetsAreDropped(t *testing.T) {
	clk := testkit.NewStepClock(testkit.Monday10)
	l := New(clk)
	held := wsctx.With(context.Background(), "THELD")
	l.Backoff(held, "users.info", 24*time.Hour)
	for i := range maxIdle + 10 {
		if err := l.Wait(wsctx.With(context.Background(), fmt.Sprintf("T%05d", i)), "users.info"); err != nil {
			t.Fatal(err)
		}
		clk.Sleep(context.Background(), time.Second) // each budget refills behind
	}
	l.mu.Lock()
	n, ok := len(l.budgets), l.budgets[budgetKey{"THELD", "users.info"}]
	l.mu.Unlock()
	if n > maxIdle || ok == nil {
		t.Fatalf("%d budgets kept (max %d); the held one kept: %v", n, maxIdle, ok != nil)
	}
}
