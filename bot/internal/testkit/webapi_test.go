package testkit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestFakeSlackSpeaksTheWebAPI(t *testing.T) {
	f := NewFakeWebAPI(t)
	f.SetClock(NewClock(Monday10).Now)
	api := f.API(t)
	ctx := context.Background()

	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.ID != "U1" || u.TZ != "Europe/Paris" || u.Locale != "fr-FR" {
		t.Errorf("users.info: %+v, %v", u, err)
	}
	view := slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  slack.NewTextBlockObject(slack.PlainTextType, "Check-in", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "RDV", false, false), nil, nil)}},
	}
	v, err := api.OpenViewContext(ctx, "trigger-1", view)
	if err != nil || v.ID == "" || len(f.OpenedViews()) != 1 {
		t.Errorf("views.open: %+v, %v", v, err)
	}
	c, _, _, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil || c.ID != "D1" {
		t.Errorf("conversations.open: %+v, %v", c, err)
	}
	meta := slack.SlackMetadata{EventType: ritualEventType, EventPayload: map[string]any{"occurrence_id": "x"}}
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

	f.SetFaults(RateLimitEvery("", 1, 7))
	_, err = api.GetUserInfoContext(ctx, "U1")
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second {
		t.Errorf("429: %v, want a RateLimitedError after 7s", err)
	}
	f.SetFaults(func(Call) Fault { return Fault{Drop: true} })
	if _, _, err := api.PostMessageContext(ctx, "D1", slack.MsgOptionText("lost", false)); err == nil || errors.As(err, &rl) {
		t.Errorf("dropped connection: %v, want a transport error", err)
	}
	if n := len(f.Posted()); n != 1 {
		t.Errorf("%d messages recorded, want 1", n)
	}
}

func TestFakeSlackEnforcesTiersPerMethod(t *testing.T) {
	f := NewFakeWebAPI(t)
	clk := NewClock(Monday10)
	f.SetClock(clk.Now)
	f.EnforceTiers()
	api := f.API(t)
	ctx := context.Background()

	// Tier 3: 50 history reads a minute, then 429 until the first leaves
	// the minute; users.info (Tier 4) has its own 100.
	for i := range 50 {
		clk.Set(Monday10.Add(time.Duration(i) * 100 * time.Millisecond))
		if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"}); err != nil {
			t.Fatalf("read %d: %v", i+1, err)
		}
	}
	clk.Set(Monday10.Add(10 * time.Second))
	_, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C2"})
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 50*time.Second {
		t.Fatalf("51st read in a minute: %v, want 429 with Retry-After 50s", err)
	}
	for i := range 100 {
		if _, err := api.GetUserInfoContext(ctx, "U1"); err != nil {
			t.Fatalf("users.info %d while history is throttled: %v", i+1, err)
		}
	}
	if _, err := api.GetUserInfoContext(ctx, "U1"); !errors.As(err, &rl) {
		t.Fatalf("101st users.info: %v, want 429", err)
	}
	clk.Set(Monday10.Add(time.Minute))
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C2"}); err != nil {
		t.Fatalf("a minute on: %v", err)
	}
	if got := f.TierRefusals(); got["conversations.history"] != 1 || got["users.info"] != 1 {
		t.Errorf("refusals %v", got)
	}
}

func TestFakeSlackChannelAndWorkspaceErrors(t *testing.T) {
	f := NewFakeWebAPI(t)
	api := f.API(t)
	ctx := context.Background()
	f.SetChannelError("C1", "is_archived")
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hi", false)); err == nil || err.Error() != "is_archived" {
		t.Fatalf("post to an archived channel: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C2", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("another channel: %v", err)
	}
	f.SetWorkspaceError("token_revoked")
	if _, err := api.GetUserInfoContext(ctx, "U1"); err == nil || err.Error() != "token_revoked" {
		t.Fatalf("revoked token: %v", err)
	}
}

// As Slack, the fake refuses a data_table past its limits, and the tables
// of one message past 10,000 characters together, with invalid_blocks.
func TestFakeSlackHoldsTablesToSlacksLimits(t *testing.T) {
	f := NewFakeWebAPI(t)
	f.SetClock(NewClock(Monday10).Now)
	api := f.API(t)
	tableOf := func(rows int, cell string) *slack.DataTableBlock {
		tb := slack.NewDataTableBlock("rates")
		for range rows {
			tb.AddRow(slack.NewDataTableRawTextCell(cell), slack.NewDataTableRawTextCell(cell))
		}
		return tb
	}
	for _, c := range []struct {
		name   string
		blocks []slack.Block
		ok     bool
	}{
		{"a table", []slack.Block{tableOf(3, "x")}, true},
		{"101 rows and the header", []slack.Block{tableOf(102, "x")}, false},
		{"a header alone", []slack.Block{tableOf(1, "x")}, false},
		{"two tables of 6,000 characters", []slack.Block{tableOf(2, strings.Repeat("x", 1500)), tableOf(2, strings.Repeat("y", 1500))}, false},
	} {
		_, _, err := api.PostMessageContext(context.Background(), "D1", slack.MsgOptionText("rates", false), slack.MsgOptionBlocks(c.blocks...))
		var se slack.SlackErrorResponse
		if refused := errors.As(err, &se) && se.Err == "invalid_blocks"; refused == c.ok || (c.ok && err != nil) {
			t.Errorf("%s: %v, want ok %v", c.name, err, c.ok)
		}
	}
}

// As Slack's, the fake's tiers are per workspace: one workspace spending
// its Tier 3 budget in an instant leaves another's whole, and each
// workspace's conversations are its own.
func TestFakeTiersAndConversationsArePerWorkspace(t *testing.T) {
	f := NewFakeWebAPI(t)
	f.SetClock(NewClock(Monday10).Now)
	f.EnforceTiers()
	f.AddWorkspace("T2", "xoxb-2")
	f.AddWorkspace("T3", "xoxb-3")
	a := slack.New("xoxb-2", slack.OptionAPIURL(f.URL()+"/"))
	b := slack.New("xoxb-3", slack.OptionAPIURL(f.URL()+"/"))
	ctx := context.Background()
	read := func(api *slack.Client, ch string) error {
		_, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: ch})
		return err
	}
	for i := range 50 {
		if err := read(a, "C1"); err != nil {
			t.Fatalf("T2's read %d: %v", i+1, err)
		}
	}
	var rl *slack.RateLimitedError
	if err := read(a, "C1"); !errors.As(err, &rl) {
		t.Fatalf("T2's 51st read in the minute: %v, want a 429", err)
	}
	for i := range 50 {
		if err := read(b, "C1"); err != nil {
			t.Fatalf("T3's read %d after T2 spent its budget: %v", i+1, err)
		}
	}
	if got := f.TierRefusals()["conversations.history"]; got != 1 {
		t.Errorf("%d refusals, want T2's one", got)
	}

	// T2's DM with U1 is T2's: T3 neither reads it nor posts in it.
	_, _, err := a.PostMessageContext(ctx, "U1", slack.MsgOptionText("pour T2", false))
	if err != nil {
		t.Fatal(err)
	}
	dm := f.Posted()[0].Channel
	if dm != DMIn("T2", "U1") || f.Posted()[0].Workspace != "T2" {
		t.Fatalf("T2's DM: %+v", f.Posted()[0])
	}
	if _, _, err := b.PostMessageContext(ctx, dm, slack.MsgOptionText("de T3", false)); err == nil || !strings.Contains(err.Error(), "channel_not_found") {
		t.Errorf("T3 posting in T2's DM: %v", err)
	}
	if len(f.ForeignCalls()) != 1 {
		t.Errorf("foreign calls %+v", f.ForeignCalls())
	}
}
