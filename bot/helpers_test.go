package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/views"
)

// Shorthands for the shared test kit.
var (
	quiet               = testkit.Quiet
	paris               = testkit.Paris
	mustLoad            = testkit.MustLoad
	monday10            = testkit.Monday10
	newClock            = testkit.NewClock
	newStepClock        = testkit.NewStepClock
	memStore            = testkit.MemStore
	allCheckIns         = testkit.AllCheckIns
	mustDate            = testkit.MustDate
	checkBlockKitLimits = testkit.CheckBlockKitLimits
	mustJSON            = testkit.MustJSON
	mustRaw             = testkit.MustRaw
	monday0930          = testkit.Monday0930
	friday              = testkit.Friday
	signedRequest       = testkit.SignedRequest
	newResponseHook     = testkit.NewResponseHook
	clickPayload        = testkit.ClickPayload
	submitPayload       = testkit.SubmitPayload
	testkitSubmit       = testkit.SubmitPayloadWith
	viewAnswer          = testkit.ViewAnswer
)

const testSecret = testkit.TestSecret

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares the JSON Slack would receive for msg with testdata/golden/name.json; -update
// rewrites the file.
// replace pairs make random parts, such as objective codes, stable.
func golden(t *testing.T, name string, msg slack.Msg, replace ...[2]string) {
	t.Helper()
	got, err := json.MarshalIndent(views.Wire(msg), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	for _, r := range replace {
		got = bytes.ReplaceAll(got, []byte(r[0]), []byte(r[1]))
	}
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// consoleJoin is what a console script types for manager to invite
// reps to their team and for each rep to accept; it ends as manager.
func consoleJoin(manager string, reps ...string) []string {
	lines := []string{"/user " + manager}
	for _, r := range reps {
		lines = append(lines, "/kpi team add @"+r)
	}
	for _, r := range reps {
		lines = append(lines, "/user "+r, "/kpi team accept")
	}
	return append(lines, "/user "+manager)
}

// join has manager invite reps to their team and each rep accept, as
// people do in Slack.
func join(t *testing.T, h *bot.Handler, workspace, manager string, reps ...string) {
	t.Helper()
	ctx := context.Background()
	run := func(user, text string) string {
		msg, err := h.Handle(ctx, bot.Command{Workspace: workspace, User: user, Name: "/kpi", Text: text, Key: user + text, Source: "slack-http"})
		if err != nil {
			t.Fatal(err)
		}
		return views.PlainText(msg)
	}
	for _, r := range reps {
		run(manager, "team add <@"+r+">")
		if got := run(r, "team accept"); !strings.Contains(got, "✅") {
			t.Fatalf("%s could not join %s's team: %s", r, manager, got)
		}
	}
}
