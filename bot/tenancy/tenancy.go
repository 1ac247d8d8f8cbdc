// Package tenancy serves many workspaces from one process: it carries the
// workspace a piece of work is for in its context, keeps each
// workspace's bot token sealed in storage, and gives every Slack call the
// token of its own workspace.
//
// In OAuth mode the bot's one Slack client carries Placeholder for a
// token; its transport (Tokens.Transport) swaps it, call by call, for the
// token of the workspace in the call's context. A call without a
// workspace fails before it leaves the process: no call ever goes out
// with another workspace's token.
package tenancy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kpibot/kpibot/bot/secretbox"
	"github.com/kpibot/kpibot/bot/wsctx"
	"github.com/kpibot/kpibot/storage"
)

// With returns ctx for work done for workspace: its Slack calls use
// workspace's token, and count against workspace's budgets
// (bot/slackrate, bot/deliver). It is bot/wsctx's, which those import.
func With(ctx context.Context, workspace string) context.Context {
	return wsctx.With(ctx, workspace)
}

// Workspace is the workspace ctx is for, "" when none.
func Workspace(ctx context.Context) string { return wsctx.Of(ctx) }

// Placeholder is the token of the shared Slack client in OAuth mode. It
// is no token Slack knows: a call the transport could not give a real
// token to is refused by Slack, never served with the wrong one.
const Placeholder = "xoxb-kpibot-token-of-the-calls-workspace"

// Errors of Token.
var (
	// ErrNoWorkspace is a Slack call whose context names no workspace.
	ErrNoWorkspace = errors.New("tenancy: a Slack call without a workspace in its context")
	// ErrNotInstalled is a workspace with no token: never installed,
	// uninstalled, or its token revoked.
	ErrNotInstalled = errors.New("tenancy: the app is not installed in this workspace")
)

// Store keeps the installations; *storage.Store is one.
type Store interface {
	Installation(ctx context.Context, workspace string) (storage.Installation, error)
	Installations(ctx context.Context) ([]storage.Installation, error)
	SaveInstallation(ctx context.Context, in storage.Installation) error
	ReplaceSealedToken(ctx context.Context, workspace, old, sealed string) (bool, error)
}

// tokenTTL is how long an opened token is served from memory: a revoked
// one stops being used within it, and Slack refuses it anyway.
const tokenTTL = time.Minute

// Tokens keeps the workspaces' bot tokens sealed under a keyring in a
// Store, and opens them for the calls that need them.
type Tokens struct {
	store Store
	keys  *secretbox.Keyring
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]cachedToken
}

type cachedToken struct {
	token string
	until time.Time
}

// New returns the tokens kept in store under keys; now is the clock
// (time.Now when nil).
func New(store Store, keys *secretbox.Keyring, now func() time.Time) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{store: store, keys: keys, now: now, cache: map[string]cachedToken{}}
}

// Install seals token and stores in with it, replacing the workspace's
// previous installation.
func (t *Tokens) Install(ctx context.Context, in storage.Installation, token string) error {
	sealed, err := t.keys.Seal(token, in.Workspace)
	if err != nil {
		return fmt.Errorf("tenancy: seal the token: %w", err)
	}
	in.SealedToken = sealed
	if err := t.store.SaveInstallation(ctx, in); err != nil {
		return fmt.Errorf("tenancy: %w", err)
	}
	t.Forget(in.Workspace)
	return nil
}

// Token returns workspace's bot token.
func (t *Tokens) Token(ctx context.Context, workspace string) (string, error) {
	if workspace == "" {
		return "", ErrNoWorkspace
	}
	now := t.now()
	t.mu.Lock()
	c, ok := t.cache[workspace]
	t.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.token, nil
	}
	in, err := t.store.Installation(ctx, workspace)
	if errors.Is(err, storage.ErrNotFound) || err == nil && (!in.Active() || in.SealedToken == "") {
		return "", fmt.Errorf("%w (%s)", ErrNotInstalled, workspace)
	}
	if err != nil {
		return "", fmt.Errorf("tenancy: %w", err)
	}
	token, err := t.keys.Open(in.SealedToken, workspace)
	if err != nil {
		return "", fmt.Errorf("tenancy: the token of %s: %w", workspace, err)
	}
	t.mu.Lock()
	t.cache[workspace] = cachedToken{token: token, until: now.Add(tokenTTL)}
	t.mu.Unlock()
	return token, nil
}

// Forget drops workspace's token from memory: the next call reads it
// from the store again.
func (t *Tokens) Forget(workspace string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.cache, workspace)
}

// ResealReport says what Reseal did.
type ResealReport struct {
	Resealed, Current, Revoked int
}

// Reseal seals again, under the keyring's first key, every stored token
// sealed under another: after a new key is put in front of
// KPIBOT_ENCRYPTION_KEY, and before the old one is dropped. A token none
// of the keys opens is an error naming its workspace; the others are
// resealed all the same.
func (t *Tokens) Reseal(ctx context.Context) (ResealReport, error) {
	var rep ResealReport
	all, err := t.store.Installations(ctx)
	if err != nil {
		return rep, fmt.Errorf("tenancy: reseal: %w", err)
	}
	var errs []error
	for _, in := range all {
		switch {
		case in.SealedToken == "":
			rep.Revoked++
			continue
		case t.keys.Current(in.SealedToken):
			rep.Current++
			continue
		}
		token, err := t.keys.Open(in.SealedToken, in.Workspace)
		if err != nil {
			errs = append(errs, fmt.Errorf("tenancy: reseal %s: %w", in.Workspace, err))
			continue
		}
		sealed, err := t.keys.Seal(token, in.Workspace)
		if err != nil {
			errs = append(errs, fmt.Errorf("tenancy: reseal %s: %w", in.Workspace, err))
			continue
		}
		// A reinstall meanwhile stored a new token: it is current already.
		ok, err := t.store.ReplaceSealedToken(ctx, in.Workspace, in.SealedToken, sealed)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			rep.Resealed++
		}
	}
	return rep, errors.Join(errs...)
}

// Transport gives each call made through it the token of the workspace
// in its context, in place of Placeholder, whether slack-go put it in
// the Authorization header or in the form. Calls that carry another
// token (Socket Mode's app-level token) go through untouched.
func (t *Tokens) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return transport{t: t, next: next}
}

type transport struct {
	t    *Tokens
	next http.RoundTripper
}

const bearerPlaceholder = "Bearer " + Placeholder

func (tr transport) RoundTrip(req *http.Request) (*http.Response, error) {
	inHeader := req.Header.Get("Authorization") == bearerPlaceholder
	var form url.Values
	if !inHeader && req.Body != nil && strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("tenancy: read the call: %w", err)
		}
		req = req.Clone(req.Context())
		setBody(req, body)
		if f, err := url.ParseQuery(string(body)); err == nil && f.Get("token") == Placeholder {
			form = f
		}
	}
	if !inHeader && form == nil {
		return tr.next.RoundTrip(req)
	}
	token, err := tr.t.Token(req.Context(), Workspace(req.Context()))
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	req = req.Clone(req.Context())
	if inHeader {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if form != nil {
		form.Set("token", token)
		setBody(req, []byte(form.Encode()))
	}
	return tr.next.RoundTrip(req)
}

func setBody(req *http.Request, body []byte) {
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(string(body))), nil }
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Length", strconv.Itoa(len(body)))
}
