package slackscopes_test

import (
	"context"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/deliver"
	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/slackscopes"
)

// slackAPIMethods is the set of *slack.Client methods that call the Web
// API: each has a ...Context form.
func slackAPIMethods() map[string]bool {
	typ := reflect.TypeOf(&slack.Client{})
	names := map[string]bool{}
	for i := range typ.NumMethod() {
		names[typ.Method(i).Name] = true
	}
	api := map[string]bool{}
	for n := range names {
		if strings.HasSuffix(n, "Context") || names[n+"Context"] {
			api[n] = true
		}
	}
	return api
}

// calledSlackMethods reads every non-test Go file of the module for calls
// x.M(…) where M is a Web API method of *slack.Client.
func calledSlackMethods(t *testing.T) map[string][]string {
	t.Helper()
	api := slackAPIMethods()
	called := map[string][]string{}
	root := testkit.ModuleRoot(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && api[sel.Sel.Name] {
					called[sel.Sel.Name] = append(called[sel.Sel.Name], path)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return called
}

// Coaching called conversations.open with two users and read the group
// DM's history, which need mpim:write and mpim:history; the manifests
// lacked both, so the first coaching thread failed on a real workspace.
// Every Slack call in the code must map to Web API methods whose scopes
// both manifests grant.
func TestManifestsGrantEveryScopeTheCodeNeeds(t *testing.T) {
	called := calledSlackMethods(t)
	if len(called) == 0 {
		t.Fatal("found no Slack call in the code: the scan is broken")
	}
	for m, where := range called {
		webMethods, ok := slackscopes.ClientMethods[m]
		if !ok {
			t.Errorf("%s calls slack.Client.%s, which clientMethods does not map to Web API methods and scopes", where[0], m)
			continue
		}
		for _, wm := range webMethods {
			if _, ok := slackscopes.MethodScopes[wm]; !ok {
				t.Errorf("%s (from %s) has no entry in methodScopes", wm, m)
			}
		}
	}
	for m := range slackscopes.ClientMethods {
		if _, ok := called[m]; !ok {
			t.Errorf("clientMethods lists %s, which the code no longer calls", m)
		}
	}
	need := slackscopes.RequiredScopes()
	for _, must := range []string{"mpim:write", "mpim:history", "im:write", "chat:write", "commands"} {
		if !slices.Contains(need, must) {
			t.Errorf("RequiredScopes lacks %s", must)
		}
	}
	for _, name := range []string{"manifest.json", "manifest.http.json"} {
		path := filepath.Join(testkit.ModuleRoot(t), "slack", name)
		granted := testkit.ManifestScopes(t, path)
		for _, s := range need {
			if !slices.Contains(granted, s) {
				t.Errorf("%s does not grant %s", path, s)
			}
		}
	}
}

// The fake Slack grants what a manifest grants and answers missing_scope
// otherwise: with the old manifest, a coaching thread cannot open; with
// the current one it opens and its post is looked up and sent.
func TestCoachingOpensWithTheManifestsScopes(t *testing.T) {
	manifest := filepath.Join(testkit.ModuleRoot(t), "slack", "manifest.json")
	old := slices.DeleteFunc(testkit.ManifestScopes(t, manifest), func(s string) bool { return strings.HasPrefix(s, "mpim:") })
	for name, scopes := range map[string][]string{"old manifest": old, "manifest": testkit.ManifestScopes(t, manifest)} {
		t.Run(name, func(t *testing.T) {
			clk := testkit.NewStepClock(testkit.Monday10)
			f := testkit.NewFakeWebAPI(t)
			f.SetClock(clk.Now)
			d := deliver.New(deliver.Config{API: f.API(t), Clock: clk, Logger: testkit.Quiet})
			f.Grant(scopes)
			ctx := context.Background()
			ch, err := d.OpenGroup(ctx, []string{"UMAUD", "UALICE"})
			if name == "old manifest" {
				var se slack.SlackErrorResponse
				if err == nil || !strings.Contains(err.Error(), "missing_scope") && !(errors.As(err, &se) && se.Err == "missing_scope") {
					t.Fatalf("OpenGroup = %q, %v; want missing_scope", ch, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Post(ctx, ch, slack.Msg{Text: "Coaching"}, "T1/UMAUD/coaching/2026-11-23/UALICE"); err != nil {
				t.Fatalf("post in the group DM: %v", err)
			}
			if n := len(f.Posted()); n != 1 {
				t.Fatalf("%d messages posted, want 1", n)
			}
		})
	}
}

// Every method kpibot calls has its tier, so a new call is paced to its
// real budget rather than the default.
func TestEveryMethodHasATier(t *testing.T) {
	for method := range slackscopes.MethodScopes {
		if _, ok := slackscopes.MethodTiers[method]; !ok {
			t.Errorf("%s has no tier in methodTiers", method)
		}
	}
	for _, c := range []struct {
		method string
		want   int
	}{{"conversations.history", 50}, {"users.info", 100}, {"users.list", 20}, {"chat.postMessage", 0}, {"admin.unknown", 20}} {
		if got := slackscopes.TierOf(c.method).PerMinute(); got != c.want {
			t.Errorf("%s: %d a minute, want %d", c.method, got, c.want)
		}
	}
}

// Both manifests subscribe to exactly the events the bot handles, and
// grant each one's scope: an event subscribed to and dropped was how
// /slack/events used to work.
func TestManifestsSubscribeToTheEventsHandled(t *testing.T) {
	want := bot.HandledEvents()
	for _, name := range []string{"manifest.json", "manifest.http.json"} {
		path := filepath.Join(testkit.ModuleRoot(t), "slack", name)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Settings struct {
				Events struct {
					RequestURL string   `json:"request_url"`
					Bot        []string `json:"bot_events"`
				} `json:"event_subscriptions"`
			} `json:"settings"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		got := m.Settings.Events.Bot
		if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			t.Errorf("%s subscribes to %v; the bot handles %v", name, got, want)
		}
		if http := name == "manifest.http.json"; http != strings.HasSuffix(m.Settings.Events.RequestURL, "/slack/events") {
			t.Errorf("%s: events request URL %q", name, m.Settings.Events.RequestURL)
		}
		granted := testkit.ManifestScopes(t, path)
		for _, ev := range got {
			scope, known := slackscopes.EventScope(ev)
			if !known {
				t.Errorf("%s subscribes to %s, which slackscopes does not know", name, ev)
			}
			if scope != "" && !slices.Contains(granted, scope) {
				t.Errorf("%s subscribes to %s without its scope %s", name, ev, scope)
			}
		}
	}
}
