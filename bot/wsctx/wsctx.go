// Package wsctx carries, in a context, the Slack workspace a piece of
// work is for. It imports nothing, so that the packages that pace and
// send Slack calls (bot/deliver, bot/slackrate) can key their state by
// workspace without depending on storage; bot/tenancy's With and
// Workspace are these.
package wsctx

import "context"

type key struct{}

// With returns ctx for work done for workspace; an empty workspace
// leaves ctx as it is.
func With(ctx context.Context, workspace string) context.Context {
	if workspace == "" {
		return ctx
	}
	return context.WithValue(ctx, key{}, workspace)
}

// Of is the workspace ctx is for, "" when none.
func Of(ctx context.Context) string {
	ws, _ := ctx.Value(key{}).(string)
	return ws
}
