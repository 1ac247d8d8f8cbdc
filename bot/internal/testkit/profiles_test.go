package testkit

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

// users.profile.get answers the status SetStatus gave, and refuses, as
// Slack does, a token without users.profile:read.
func TestFakeSlackAnswersUsersProfileGet(t *testing.T) {
	f := NewFakeWebAPI(t)
	api := f.API(t)
	ctx := context.Background()
	expires := time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC)
	f.SetStatus("U1", Status{Text: "En congés", Emoji: ":palm_tree:", Expires: expires})

	p, err := api.GetUserProfileContext(ctx, &slack.GetUserProfileParameters{UserID: "U1"})
	if err != nil || p.StatusText != "En congés" || p.StatusEmoji != ":palm_tree:" || int64(p.StatusExpiration) != expires.Unix() {
		t.Fatalf("users.profile.get: %+v, %v", p, err)
	}
	if p, err := api.GetUserProfileContext(ctx, &slack.GetUserProfileParameters{UserID: "U2"}); err != nil || p.StatusText != "" || p.StatusExpiration != 0 {
		t.Errorf("a user without a status: %+v, %v", p, err)
	}
	var se slack.SlackErrorResponse
	if _, err := api.GetUserProfileContext(ctx, &slack.GetUserProfileParameters{UserID: "nobody"}); !errors.As(err, &se) || se.Err != "user_not_found" {
		t.Errorf("an unknown user: %v", err)
	}

	f.Grant(slices.DeleteFunc(ManifestScopes(t, ModuleRoot(t)+"/slack/manifest.json"), func(s string) bool { return s == "users.profile:read" }))
	if _, err := api.GetUserProfileContext(ctx, &slack.GetUserProfileParameters{UserID: "U1"}); !errors.As(err, &se) || se.Err != "missing_scope" {
		t.Errorf("without users.profile:read: %v, want missing_scope", err)
	}
}
