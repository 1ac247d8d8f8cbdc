package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// A rep corrects their own entries of the last kpi.MaxDaysBack days: the
// days one may log, so an entry is always corrected into a day it could
// have been logged for. Every action looks the entry up among the acting
// user's own entries: a code, a button's value or a modal's metadata
// naming someone else's finds nothing, and is refused with no data.

// window is the days whose entries a rep can list, correct and withdraw.
func (ci *checkIns) window(p Profile) (from, to string) {
	today := kpi.DateOf(ci.now().In(p.Loc))
	return today.AddDays(-kpi.MaxDaysBack).String(), today.AddDays(1).String()
}

// find is the user's entry named by code (short, typed; or long, from a
// button) in the window; the reply when there is none is ready to send.
func (ci *checkIns) find(ctx context.Context, cmd Command, p Profile, code string) (storage.CheckIn, slack.Msg, error) {
	from, to := ci.window(p)
	c, err := ci.store.FindCheckIn(ctx, cmd.Workspace, cmd.User, strings.ToLower(code), from, to)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		if cmd.Source == interactionSource {
			// Buttons carry the clicker's own entries only: a value naming
			// none of them was forged, or names another user's entry.
			logctx.Logger(ctx, ci.log).Warn("refused: a button naming an entry that is not the clicking user's", "workspace", cmd.Workspace, "user", cmd.User, "ref", code)
		}
		return storage.CheckIn{}, views.NoSuchEntry(p.Lang, code), errDenied
	case errors.Is(err, storage.ErrAmbiguous):
		return storage.CheckIn{}, views.Usage(p.Lang, "log.entry.ambiguous", map[string]string{"Code": views.Escape(code)}, "`/log edit`"), errDenied
	case err != nil:
		return storage.CheckIn{}, views.Reply(p.Lang, "log.edit.failed", nil), fmt.Errorf("bot: find check-in: %w", err)
	case !c.Live():
		return storage.CheckIn{}, views.Reply(p.Lang, "log.entry.withdrawn", map[string]string{"Code": c.Code()}), errDenied
	}
	return c, slack.Msg{}, nil
}

// refusal turns find's errDenied into a plain answer.
func refusal(msg slack.Msg, err error) (slack.Msg, error) {
	if errors.Is(err, errDenied) {
		return msg, nil
	}
	return msg, err
}

// pageArg reads a page number ("2"); ok is false for anything else.
func pageArg(s string) (int, bool) {
	if s == "" {
		return 1, true
	}
	if len(s) > 3 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// edit answers /log edit: the list of the rep's entries; /log edit
// <code>: that entry with its buttons; /log edit <code> <text>: the entry
// replaced by what text reads, as a new revision.
func (ci *checkIns) edit(ctx context.Context, cmd Command, p Profile, rest string) (slack.Msg, error) {
	if page, ok := pageArg(rest); ok {
		return ci.list(ctx, cmd, p, page, "")
	}
	code, text, _ := strings.Cut(rest, " ")
	c, msg, err := ci.find(ctx, cmd, p, code)
	if err != nil {
		return refusal(msg, err)
	}
	ws, err := ci.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return views.Reply(p.Lang, "log.edit.failed", nil), err
	}
	today := kpi.DateOf(ci.now().In(p.Loc))
	text = strings.TrimSpace(text)
	if text == "" {
		return views.EntryList(p.Lang, []views.StoredEntry{ci.stored(c, ws)}, 1, 1, today, ""), nil
	}
	entry, err := ws.parser.Parse(text, ci.now().In(p.Loc))
	if err != nil {
		var pe *kpi.ParseError
		if !errors.As(err, &pe) {
			return views.Reply(p.Lang, "log.edit.failed", nil), fmt.Errorf("bot: parse /log edit: %w", err)
		}
		return views.ParseError(p.Lang, text, pe), nil
	}
	cmd.Text = text
	next := ci.checkInOf(cmd, p, entry)
	if !entry.DateGiven {
		// A correction without a date stays on the entry's day.
		next.Day = c.Day
	}
	if len(entry.Doubts) > 0 {
		return ci.ask(ctx, cmd, p, ws, next, entry.Doubts, c)
	}
	msg, _, err = ci.revise(ctx, cmd, p, ws, c, next, cmd.Key)
	return msg, err
}

// reviseWaiting applies a correction that waited for the rep's
// confirmation, to the entry it names if it is still theirs and live.
func (ci *checkIns) reviseWaiting(ctx context.Context, cmd Command, p Profile, ws *workspaceConfig, pending storage.Pending) (slack.Msg, bool, error) {
	c, msg, err := ci.find(ctx, cmd, p, pending.Revises)
	if errors.Is(err, errDenied) {
		// The entry is gone: the correction has nothing left to do.
		return msg, true, nil
	}
	if err != nil {
		return msg, false, err
	}
	return ci.revise(ctx, cmd, p, ws, c, pending.Entry, pending.Entry.Key)
}

// revise stores next as the new revision of c, within the daily cap of
// next's day. done says whether c is now at that revision (stored by this
// call, or by an earlier one with the same editKey).
func (ci *checkIns) revise(ctx context.Context, cmd Command, p Profile, ws *workspaceConfig, c, next storage.CheckIn, editKey string) (msg slack.Msg, done bool, err error) {
	rev, err := ci.store.ReviseCheckIn(ctx, c, next, editKey, kpi.MaxPerMetric, ci.now())
	var capErr *storage.CapError
	switch {
	case errors.As(err, &capErr):
		day, _ := kpi.ParseDate(next.Day)
		return views.TooManyInADay(p.Lang, kpi.Metric(capErr.Metric), next.Counts[capErr.Metric], capErr.Total, day, capErr.Cap), false, nil
	case errors.Is(err, storage.ErrStale):
		return views.Reply(p.Lang, "log.entry.stale", nil), false, nil
	case err != nil:
		return views.Reply(p.Lang, "log.edit.failed", nil), false, fmt.Errorf("bot: revise check-in: %w", err)
	}
	if rev.Rev > c.Rev {
		ci.afterStored(ctx, cmd.Workspace, cmd.User)
	}
	today := kpi.DateOf(ci.now().In(p.Loc))
	before := c
	if len(rev.Revisions) > 0 {
		last := rev.Revisions[len(rev.Revisions)-1]
		before = storage.CheckIn{Workspace: c.Workspace, Key: c.Key, Day: last.Day, Raw: last.Raw, Counts: last.Counts,
			RevenueCents: last.RevenueCents, HasRevenue: last.HasRevenue, PipelineCents: last.PipelineCents, HasPipeline: last.HasPipeline, Currency: last.Currency}
	}
	return views.Revised(p.Lang, ci.stored(rev, ws), ci.version(before, ws), today), true, nil
}

// remove answers /log rm <code>: the entry withdrawn, kept in the history.
func (ci *checkIns) remove(ctx context.Context, cmd Command, p Profile, code string) (slack.Msg, error) {
	if code == "" {
		return views.Usage(p.Lang, "log.rm.usage", nil, "`/log edit`"), nil
	}
	msg, _, err := ci.withdraw(ctx, cmd, p, code)
	return msg, err
}

// withdraw withdraws the user's entry code; done says whether it is
// withdrawn now.
func (ci *checkIns) withdraw(ctx context.Context, cmd Command, p Profile, code string) (slack.Msg, bool, error) {
	c, msg, err := ci.find(ctx, cmd, p, code)
	if err != nil {
		msg, err = refusal(msg, err)
		return msg, false, err
	}
	ws, err := ci.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return views.Reply(p.Lang, "log.edit.failed", nil), false, err
	}
	gone, err := ci.store.WithdrawCheckIn(ctx, c, ci.now())
	if errors.Is(err, storage.ErrStale) {
		return views.Reply(p.Lang, "log.entry.stale", nil), false, nil
	}
	if err != nil {
		return views.Reply(p.Lang, "log.edit.failed", nil), false, fmt.Errorf("bot: withdraw check-in: %w", err)
	}
	return views.Withdrawn(p.Lang, ci.stored(gone, ws), kpi.DateOf(ci.now().In(p.Loc))), true, nil
}

// list is a page of the rep's live entries with their buttons.
func (ci *checkIns) list(ctx context.Context, cmd Command, p Profile, page int, notice string) (slack.Msg, error) {
	ws, err := ci.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return views.Reply(p.Lang, "log.edit.failed", nil), err
	}
	from, to := ci.window(p)
	all, err := ci.store.UserCheckIns(ctx, cmd.Workspace, cmd.User, from, to)
	if err != nil {
		return views.Reply(p.Lang, "log.edit.failed", nil), fmt.Errorf("bot: list check-ins: %w", err)
	}
	var live []views.StoredEntry
	for _, c := range all {
		if c.Live() {
			live = append(live, ci.stored(c, ws))
		}
	}
	shown, page, pages := views.Page(live, page)
	return views.EntryList(p.Lang, shown, page, pages, kpi.DateOf(ci.now().In(p.Loc)), notice), nil
}

// history answers /log history [page]: the rep's own entries, withdrawn
// ones too, with every version.
func (ci *checkIns) history(ctx context.Context, cmd Command, p Profile, rest string) (slack.Msg, error) {
	page, ok := pageArg(rest)
	if !ok {
		return views.BadUsage(p.Lang, cmd.Text, "`/log history` · `/log history 2`"), nil
	}
	ws, err := ci.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return views.Reply(p.Lang, "log.edit.failed", nil), err
	}
	from, to := ci.window(p)
	all, err := ci.store.UserCheckIns(ctx, cmd.Workspace, cmd.User, from, to)
	if err != nil {
		return views.Reply(p.Lang, "log.edit.failed", nil), fmt.Errorf("bot: list check-ins: %w", err)
	}
	entries := make([]views.StoredEntry, 0, len(all))
	for _, c := range all {
		entries = append(entries, ci.stored(c, ws))
	}
	shown, page, pages := views.Page(entries, page)
	return views.LogHistory(p.Lang, shown, page, pages, kpi.DateOf(ci.now().In(p.Loc)), p.Loc), nil
}

// stored is an entry as the list and the history show it.
func (ci *checkIns) stored(c storage.CheckIn, ws *workspaceConfig) views.StoredEntry {
	e := views.StoredEntry{Code: c.Code(), Ref: c.Ref(), Entry: ci.entryView(c, ws), Raw: c.Raw, Rev: c.Rev, LoggedAt: c.CreatedAt, Withdrawn: c.UndoneAt}
	if c.EditedAt != nil {
		e.EditedAt = *c.EditedAt
	}
	for _, r := range c.Revisions {
		old := storage.CheckIn{Workspace: c.Workspace, Key: c.Key, Day: r.Day, Raw: r.Raw, Counts: r.Counts,
			RevenueCents: r.RevenueCents, HasRevenue: r.HasRevenue, PipelineCents: r.PipelineCents, HasPipeline: r.HasPipeline, Currency: r.Currency}
		v := ci.version(old, ws)
		v.Rev, v.At = r.Rev, r.At
		e.Revisions = append(e.Revisions, v)
	}
	return e
}

// version is an entry's values as an earlier version shows them.
func (ci *checkIns) version(c storage.CheckIn, ws *workspaceConfig) views.Version {
	day, _ := kpi.ParseDate(c.Day)
	return views.Version{Rev: c.Rev, Day: day, Tally: ci.settings.tallyOf(c, ws.currency), Raw: c.Raw}
}

// correctionForm is a stored entry as the check-in modal shows it to
// correct it.
func (ci *checkIns) correctionForm(c storage.CheckIn, ws *workspaceConfig) views.CheckInForm {
	f := ci.form(c, ws)
	f.Correcting = true
	f.Metadata = editPrefix + c.Ref()
	return f
}

// The private metadata of a check-in modal that corrects an entry:
// "edit:<reference>".
const editPrefix = "edit:"
