package tenancy_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/internal/testkit"
	"github.com/kpibot/kpibot/bot/secretbox"
	"github.com/kpibot/kpibot/bot/tenancy"
	"github.com/kpibot/kpibot/storage"
)

func keyring(t *testing.T, keys ...string) *secretbox.Keyring {
	t.Helper()
	r, err := secretbox.ParseKeys(strings.Join(keys, ","))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// shared is the one client of OAuth mode: Placeholder for a token, the
// tenancy transport in front.
func shared(f *testkit.FakeWebAPI, tokens *tenancy.Tokens) *slack.Client {
	return slack.New(tenancy.Placeholder, slack.OptionAPIURL(f.URL()+"/"), slack.OptionHTTPClient(&http.Client{Transport: tokens.Transport(nil)}))
}

// Each call carries the token of the workspace in its context, in the
// form (users.info) or in the header (views.open); a call without a
// workspace, or for one not installed, never leaves.
func TestEveryCallCarriesItsWorkspacesToken(t *testing.T) {
	ctx := context.Background()
	f := testkit.NewFakeWebAPI(t)
	f.AddWorkspace("T2", "xoxb-t2-secret")
	f.AddWorkspace("T3", "xoxb-t3-secret")
	store := testkit.MemStore(t)
	clk := testkit.NewClock(testkit.Monday10)
	tokens := tenancy.New(store, keyring(t, secretbox.NewKey()), clk.Now)
	for ws, tok := range map[string]string{"T2": "xoxb-t2-secret", "T3": "xoxb-t3-secret"} {
		if err := tokens.Install(ctx, storage.Installation{Workspace: ws, InstalledAt: testkit.Monday10}, tok); err != nil {
			t.Fatal(err)
		}
		in, _ := store.Installation(ctx, ws)
		if strings.Contains(in.SealedToken, tok) || strings.Contains(in.SealedToken, "xoxb") {
			t.Fatalf("the token is stored in clear: %s", in.SealedToken)
		}
	}
	api := shared(f, tokens)

	for _, ws := range []string{"T2", "T3", "T2"} {
		wctx := tenancy.With(ctx, ws)
		if _, err := api.GetUserInfoContext(wctx, "U1"); err != nil {
			t.Fatalf("users.info for %s: %v", ws, err)
		}
		if _, err := api.OpenViewContext(wctx, "trigger", slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "x", false, false)}); err != nil {
			t.Fatalf("views.open for %s: %v", ws, err)
		}
	}
	var got []string
	for _, c := range f.CallLog() {
		got = append(got, c.Method+"@"+c.Workspace)
	}
	want := "users.info@T2 views.open@T2 users.info@T3 views.open@T3 users.info@T2 views.open@T2"
	if strings.Join(got, " ") != want {
		t.Fatalf("calls %v, want %s", got, want)
	}

	if _, err := api.GetUserInfoContext(ctx, "U1"); !errors.Is(err, tenancy.ErrNoWorkspace) {
		t.Errorf("a call without a workspace: %v", err)
	}
	if _, err := api.GetUserInfoContext(tenancy.With(ctx, "T9"), "U1"); !errors.Is(err, tenancy.ErrNotInstalled) {
		t.Errorf("a call for a workspace never installed: %v", err)
	}
	if n := len(f.CallLog()); n != 6 {
		t.Errorf("%d calls reached Slack, want the 6 with a token", n)
	}

	// Revoked: within a minute, T2's calls stop; T3's go on.
	if err := store.RevokeInstallation(ctx, "T2", "app_uninstalled", testkit.Monday10); err != nil {
		t.Fatal(err)
	}
	clk.Set(testkit.Monday10.Add(2 * time.Minute))
	if _, err := api.GetUserInfoContext(tenancy.With(ctx, "T2"), "U1"); !errors.Is(err, tenancy.ErrNotInstalled) {
		t.Errorf("a call for an uninstalled workspace: %v", err)
	}
	if _, err := api.GetUserInfoContext(tenancy.With(ctx, "T3"), "U1"); err != nil {
		t.Errorf("T3 after T2 left: %v", err)
	}
	// No error says a token.
	for _, err := range []error{tenancy.ErrNoWorkspace, tenancy.ErrNotInstalled} {
		if strings.Contains(err.Error(), "xoxb-t") {
			t.Errorf("an error shows a token: %v", err)
		}
	}
}

// Rotation: a key put in front, Reseal seals every token under it, and
// the old key can then go; a token sealed for one workspace does not
// open as another's.
func TestResealUnderANewKey(t *testing.T) {
	ctx := context.Background()
	store := testkit.MemStore(t)
	oldKey, newKey := secretbox.NewKey(), secretbox.NewKey()
	before := tenancy.New(store, keyring(t, oldKey), nil)
	for _, ws := range []string{"T1", "T2"} {
		if err := before.Install(ctx, storage.Installation{Workspace: ws, InstalledAt: testkit.Monday10}, "xoxb-"+ws); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.RevokeInstallation(ctx, "T2", "tokens_revoked", testkit.Monday10); err != nil {
		t.Fatal(err)
	}
	if err := before.Install(ctx, storage.Installation{Workspace: "T3", InstalledAt: testkit.Monday10}, "xoxb-T3"); err != nil {
		t.Fatal(err)
	}

	during := tenancy.New(store, keyring(t, newKey, oldKey), nil)
	rep, err := during.Reseal(ctx)
	if err != nil || rep.Resealed != 2 || rep.Revoked != 1 || rep.Current != 0 {
		t.Fatalf("Reseal = %+v, %v", rep, err)
	}
	if rep, err := during.Reseal(ctx); err != nil || rep.Resealed != 0 || rep.Current != 2 {
		t.Fatalf("second Reseal = %+v, %v", rep, err)
	}
	after := tenancy.New(store, keyring(t, newKey), nil)
	for _, ws := range []string{"T1", "T3"} {
		if tok, err := after.Token(ctx, ws); err != nil || tok != "xoxb-"+ws {
			t.Fatalf("%s under the new key alone: %q, %v", ws, tok, err)
		}
	}

	// A sealed token copied into another workspace's record opens there
	// for no one.
	t1, _ := store.Installation(ctx, "T1")
	if err := store.SaveInstallation(ctx, storage.Installation{Workspace: "T4", InstalledAt: testkit.Monday10, SealedToken: t1.SealedToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := after.Token(ctx, "T4"); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatalf("T1's sealed token opened as T4's: %v", err)
	}
	// A key not in the ring: the error names the workspace, not the token.
	stranger := tenancy.New(store, keyring(t, secretbox.NewKey()), nil)
	if _, err := stranger.Reseal(ctx); err == nil || !strings.Contains(err.Error(), "T1") || strings.Contains(err.Error(), "xoxb-T1") {
		t.Fatalf("Reseal without the key: %v", err)
	}
}
