package bot

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// HolidayStore keeps a workspace's changes to the built-in holidays.
type HolidayStore interface {
	SaveHoliday(ctx context.Context, h storage.Holiday) error
	Holidays(ctx context.Context, workspace string) ([]storage.Holiday, error)
}

// workspaceHolidays is France's public holidays for this year and the
// next, plus the workspace's own days off, minus the ones it works.
func (h *Handler) workspaceHolidays(ctx context.Context, workspace string, now time.Time) (rituals.Holidays, error) {
	days := rituals.FrenchHolidays(now.Year()).Merge(rituals.FrenchHolidays(now.Year() + 1))
	own, err := h.store.Holidays(ctx, workspace)
	if err != nil {
		return nil, err
	}
	for _, o := range own {
		d, err := kpi.ParseDate(o.Day)
		if err != nil {
			continue
		}
		if o.Off {
			delete(days, d)
		} else {
			days[d] = o.Name
		}
	}
	return days, nil
}

// kpiHoliday lists a workspace's days off, or lets an admin add or remove
// one: /kpi holiday list | add <date> [name] | work <date>.
func (h *Handler) kpiHoliday(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	usage := func() (slack.Msg, error) {
		return views.Reply(lang, "kpi.holiday.usage", nil), nil
	}
	sub := "list"
	if len(r.args) > 0 {
		sub = strings.ToLower(r.args[0])
	}
	if sub == "list" {
		days, err := h.workspaceHolidays(ctx, r.cmd.Workspace, h.now())
		if err != nil {
			return slack.Msg{}, err
		}
		var sorted []kpi.Date
		for d := range days {
			if !d.Before(r.today) {
				sorted = append(sorted, d)
			}
		}
		slices.SortFunc(sorted, func(a, b kpi.Date) int { return a.DaysSince(b) })
		list := make([]views.Holiday, 0, len(sorted))
		for _, d := range sorted {
			list = append(list, views.Holiday{Day: d, Name: days[d]})
		}
		return views.Holidays(lang, list), nil
	}
	if sub != "add" && sub != "work" || len(r.args) < 2 {
		return usage()
	}
	if !r.who.admin {
		return denied(lang, "admin")
	}
	d, err := kpi.ParseDate(r.args[1])
	if err != nil {
		return usage()
	}
	hol := storage.Holiday{Workspace: r.cmd.Workspace, Day: d.String(), Name: strings.Join(r.args[2:], " "), Off: sub == "work"}
	if err := h.store.SaveHoliday(ctx, hol); err != nil {
		return slack.Msg{}, err
	}
	return views.HolidaySet(lang, d, hol.Off), nil
}
