package testkit

import (
	"net/http"
	"strings"
	"time"
)

// Status is a user's Slack status, as users.profile.get answers it.
type Status struct {
	Text, Emoji string
	// Expires is when Slack clears the status; zero when it does not.
	Expires time.Time
}

// SetStatus sets user's Slack status, which users.profile.get answers
// from then on; a user without one has an empty status.
func (f *FakeWebAPI) SetStatus(user string, s Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.statuses == nil {
		f.statuses = map[string]Status{}
	}
	f.statuses[user] = s
}

// userProfile answers users.profile.get: the profile of user, with the
// status SetStatus gave it. Scopes (users.profile:read) are enforced by
// serve, as for every method.
func (f server) userProfile(w http.ResponseWriter, _ Call, p map[string]string) {
	id := p["user"]
	if !strings.HasPrefix(id, "U") && !strings.HasPrefix(id, "W") {
		writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	f.mu.Lock()
	s := f.statuses[id]
	f.mu.Unlock()
	var expires int64
	if !s.Expires.IsZero() {
		expires = s.Expires.Unix()
	}
	writeJSON(w, map[string]any{"ok": true, "profile": map[string]any{
		"real_name": "Rep " + id, "display_name": "Rep " + id,
		"status_text": s.Text, "status_emoji": s.Emoji, "status_expiration": expires,
	}})
}
