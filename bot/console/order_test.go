package console

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/prompts"
)

// alerting answers every command at once and, like a /log crossing an
// alert's threshold, sends a DM from the background.
type alerting struct {
	outbox *Outbox
	wg     sync.WaitGroup
}

func (a *alerting) Handle(ctx context.Context, cmd bot.Command) (slack.Msg, error) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		_, _, _ = a.outbox.Send(context.WithoutCancel(ctx), cmd.User, views.Message("🚨 alerte pour "+cmd.Text), "occ-"+cmd.Text)
	}()
	return views.Say("✅ réponse à " + cmd.Text), nil
}

func (a *alerting) Wait() { a.wg.Wait() }

// A message sent in the background comes after the reply of the command
// that caused it, before the next prompt; typed commands are echoed.
func TestBackgroundMessagesFollowTheirReply(t *testing.T) {
	var out strings.Builder
	box := NewOutbox(&out, t.TempDir())
	box.Lang, box.ShowIDs = prompts.English, true
	h := &alerting{outbox: box}
	c := &Terminal{Handler: h, In: strings.NewReader("/log a\n/log b\n"), Out: &out, User: "demo", Lang: prompts.English, Echo: true, Outbox: box}
	if err := c.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	want := "demo> /log a\n✅ réponse à a\n┌─ → DM to @demo (occ-a)\n🚨 alerte pour a\n└─\ndemo> /log b\n✅ réponse à b\n┌─ → DM to @demo (occ-b)\n🚨 alerte pour b\n└─\ndemo> \n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("console output:\n%s\nwant it to end with:\n%s", got, want)
	}
}
