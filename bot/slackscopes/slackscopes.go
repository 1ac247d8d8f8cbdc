// Package slackscopes names each Slack Web API method kpibot calls and the
// bot token scope it needs, so that both manifests can be checked against
// the code.
package slackscopes

import (
	"maps"
	"slices"
)

// Conversation kinds, for the methods whose scope depends on where they
// are called: Slack asks channels:history for a public channel and
// mpim:history for a group DM.
const (
	ConvAny     = ""
	ConvChannel = "channel" // public channel, C…
	ConvGroup   = "group"   // private channel
	ConvIM      = "im"      // a DM with one user
	ConvMPIM    = "mpim"    // a group DM: coaching, manager + rep + bot
)

// clientMethods maps each slack-go client method kpibot calls to the Web
// API methods it sends. A test reads the code for calls of *slack.Client
// methods and fails on one missing here, so a new call cannot ship
// without its scope.
var clientMethods = map[string][]string{
	"PostMessageContext":            {"chat.postMessage"},
	"ScheduleMessageContext":        {"chat.scheduleMessage"},
	"OpenConversationContext":       {"conversations.open"},
	"GetConversationHistoryContext": {"conversations.history"},
	"GetConversationRepliesContext": {"conversations.replies"},
	"GetUserInfoContext":            {"users.info"},
	"GetUserProfileContext":         {"users.profile.get"},
	"OpenViewContext":               {"views.open"},
	"UploadFileContext":             {"files.getUploadURLExternal", "files.completeUploadExternal"},
	"AuthTestContext":               {"auth.test"},
	"PublishViewContext":            {"views.publish"},
}

// methodScopes is, for each Web API method kpibot calls, the bot token
// scope it needs on each kind of conversation kpibot calls it on (ConvAny
// when the kind does not matter), from the "Scopes" facts of Slack's
// method reference. views.open needs none: its trigger_id is the grant.
var methodScopes = map[string]map[string]string{
	"chat.postMessage":     {ConvAny: "chat:write"},
	"chat.scheduleMessage": {ConvAny: "chat:write"},
	// DMs to reps (one user), and coaching's group DM (two users).
	"conversations.open": {ConvIM: "im:write", ConvMPIM: "mpim:write"},
	// The exactly-once lookup reads back wherever rituals post: the team
	// channel (public or private), DMs and coaching's group DM.
	"conversations.history":        {ConvChannel: "channels:history", ConvGroup: "groups:history", ConvIM: "im:history", ConvMPIM: "mpim:history"},
	"conversations.replies":        {ConvChannel: "channels:history", ConvGroup: "groups:history", ConvIM: "im:history", ConvMPIM: "mpim:history"},
	"users.info":                   {ConvAny: "users:read"},
	"users.profile.get":            {ConvAny: "users.profile:read"}, // a rep's status, at reminder time
	"views.open":                   {},
	"files.getUploadURLExternal":   {ConvAny: "files:write"},
	"files.completeUploadExternal": {ConvAny: "files:write"},
	// Checks a token: at start, and on install. No scope.
	"auth.test": {},
	// App Home: the user's own tab; no scope.
	"views.publish": {},
	// Exchanges the install's code with the app's credentials (a package
	// function of slack-go, not a client method). No scope.
	"oauth.v2.access": {},
}

// eventScopes is, for each event kpibot subscribes to, the bot scope
// Slack requires for the subscription, from Slack's event reference.
// app_uninstalled, tokens_revoked and app_home_opened need none.
var eventScopes = map[string]string{
	"app_home_opened": "",
	"app_uninstalled": "",
	"tokens_revoked":  "",
	"user_change":     "users:read",
	"team_join":       "users:read",
}

// EventScope returns the bot scope a subscription to event needs, and
// whether kpibot knows the event. An empty scope means none.
func EventScope(event string) (scope string, known bool) {
	s, ok := eventScopes[event]
	return s, ok
}

// ScopeFor returns the bot scope method needs on a conversation of kind,
// and whether kpibot knows the method. An empty scope means none.
func ScopeFor(method, kind string) (scope string, known bool) {
	byKind, ok := methodScopes[method]
	if !ok {
		return "", false
	}
	if s, ok := byKind[ConvAny]; ok {
		return s, true
	}
	return byKind[kind], true
}

// RequiredScopes is every bot scope kpibot needs: slash commands, each
// scope of every method it calls, and of every event it knows. Both manifests must grant them.
func RequiredScopes() []string {
	set := map[string]bool{"commands": true}
	for _, byKind := range methodScopes {
		for _, s := range byKind {
			set[s] = true
		}
	}
	for _, s := range eventScopes {
		if s != "" {
			set[s] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Tier is one of Slack's published Web API rate-limit tiers: a budget of
// calls per minute, per method, per workspace, per app.
type Tier int

// The tiers. Special is chat.postMessage's own: about one message per
// second per channel, under a workspace-wide ceiling, which the
// deliverer paces itself.
const (
	Tier1 Tier = 1
	Tier2 Tier = 2
	Tier3 Tier = 3
	Tier4 Tier = 4
	// Special has no per-minute budget of its own here.
	Special Tier = 99
)

// PerMinute is the tier's budget: the lower end of what Slack's rate
// limits page promises (Tier 1 1+, Tier 2 20+, Tier 3 50+, Tier 4 100+
// per minute), so a client keeping to it is never refused for its pace.
// Special gives 0: no per-minute budget.
func (t Tier) PerMinute() int {
	switch t {
	case Tier1:
		return 1
	case Tier2:
		return 20
	case Tier3:
		return 50
	case Tier4:
		return 100
	}
	return 0
}

// methodTiers is, for each Web API method kpibot calls, its tier in
// Slack's method reference ("Rate limits" fact). conversations.history
// and conversations.replies are Tier 3 for internal and Marketplace apps;
// Slack gives commercially distributed non-Marketplace apps created since
// May 2025 far less, which only a Marketplace listing lifts.
var methodTiers = map[string]Tier{
	"chat.postMessage":             Special,
	"chat.scheduleMessage":         Tier3,
	"conversations.open":           Tier3,
	"conversations.history":        Tier3,
	"conversations.replies":        Tier3,
	"users.info":                   Tier4,
	"users.profile.get":            Tier4,
	"users.list":                   Tier2,
	"views.open":                   Tier4,
	"files.getUploadURLExternal":   Tier4,
	"files.completeUploadExternal": Tier4,
	"auth.test":                    Special,
	"views.publish":                Tier4,
	"oauth.v2.access":              Tier4,
}

// TierOf returns method's tier; a method kpibot does not know gets Tier 2,
// the tier of most methods, so that a new call is never paced too fast.
func TierOf(method string) Tier {
	if t, ok := methodTiers[method]; ok {
		return t
	}
	return Tier2
}
