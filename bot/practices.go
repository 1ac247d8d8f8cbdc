package bot

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// PracticeStore is the storage of shared practices and shout-out opt-ins.
type PracticeStore interface {
	SavePractice(ctx context.Context, p storage.Practice, weekCap int) (storage.Practice, error)
	DeletePractice(ctx context.Context, workspace, user, code string) error
	Practices(ctx context.Context, workspace, week string) ([]storage.Practice, error)
	SetShoutout(ctx context.Context, workspace, user string, on bool) error
	Shoutout(ctx context.Context, workspace, user string) (bool, error)
}

const (
	// practicesPerWeek caps what one rep shares, so the review's section
	// stays a handful of ideas rather than a feed.
	practicesPerWeek = 3
	// maxPracticeRunes keeps a practice to a sentence or two.
	maxPracticeRunes = 280
)

// practices keeps what reps share for the Monday review, and whether each
// rep may be named in public.
type practices struct {
	store PracticeStore
	now   func() time.Time
}

// share shares a practice (/kpi practice <text>) or removes one
// (/kpi practice rm <code>).
func (ps *practices) share(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	example := prompts.Text(lang, "example.practice", nil)
	if len(r.args) == 2 && (strings.EqualFold(r.args[0], "rm") || strings.EqualFold(r.args[0], "remove")) {
		code := strings.Trim(strings.ToLower(r.args[1]), "`")
		err := ps.store.DeletePractice(ctx, r.cmd.Workspace, r.cmd.User, code)
		key := prompts.Key("kpi.practice.removed")
		if errors.Is(err, storage.ErrNotFound) {
			key = "kpi.practice.notfound"
		} else if err != nil {
			return slack.Msg{}, err
		}
		return views.Reply(lang, key, map[string]string{"Code": views.Escape(code)}), nil
	}
	// The raw text, not the split arguments: quotes and spacing are the
	// rep's own words.
	_, text, _ := strings.Cut(strings.TrimSpace(r.cmd.Text), " ")
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > maxPracticeRunes {
		return views.Usage(lang, "kpi.practice.usage", map[string]int{"Max": maxPracticeRunes}, example), nil
	}
	monday, _ := kpi.WeekOf(r.today)
	p, err := ps.store.SavePractice(ctx, storage.Practice{Workspace: r.cmd.Workspace, User: r.cmd.User, Week: monday.String(), Text: text, CreatedAt: ps.now()}, practicesPerWeek)
	if errors.Is(err, storage.ErrCapReached) {
		return views.Warning(lang, "kpi.practice.cap", map[string]int{"Cap": practicesPerWeek}), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	return views.Reply(lang, "kpi.practice.saved", map[string]string{"Code": p.Code}), nil
}

// shoutout records whether the rep may be named in public.
func (ps *practices) shoutout(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	if len(r.args) != 1 || (!strings.EqualFold(r.args[0], "on") && !strings.EqualFold(r.args[0], "off")) {
		return views.Usage(lang, "kpi.shoutout.usage", nil, "`/kpi shoutout on`"), nil
	}
	on := strings.EqualFold(r.args[0], "on")
	if err := ps.store.SetShoutout(ctx, r.cmd.Workspace, r.cmd.User, on); err != nil {
		return slack.Msg{}, err
	}
	key := prompts.Key("kpi.shoutout.off")
	if on {
		key = "kpi.shoutout.on"
	}
	return views.Reply(lang, key, nil), nil
}
