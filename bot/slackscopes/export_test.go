package slackscopes

// The tables, for the test that reads the code for Slack calls.
var (
	ClientMethods = clientMethods
	MethodScopes  = methodScopes
	MethodTiers   = methodTiers
	EventScopes   = eventScopes
)
