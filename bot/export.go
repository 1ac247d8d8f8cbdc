package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/storage"
)

// exportStore reads what an export holds: a rep's entries with their
// revisions, and whether a rep shares their raw activity counts.
type exportStore interface {
	UserCheckIns(ctx context.Context, workspace, user, from, to string) ([]storage.CheckIn, error)
	ShareCounts(ctx context.Context, workspace, user string) (bool, error)
}

// export answers /kpi export me|team [from] [to]: a CSV uploaded to the
// caller's DM (files upload v2), the rep's own entries with every
// revision and note, or a manager's weekly rates and outcomes per rep,
// limited to what the manager may see.
type export struct {
	store    exportStore
	figures  figures
	settings *settings
	outbox   Outbox
	env
}

// maxExportDays bounds one export: two years of entries.
const maxExportDays = 731

func (ex *export) command(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	example := "`/kpi export me` · `/kpi export me 2026-01-01 2026-06-30` · `/kpi export team`"
	if len(r.args) == 0 || len(r.args) > 3 {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	what := strings.ToLower(r.args[0])
	if what != "me" && what != "moi" && what != "team" && what != "equipe" && what != "équipe" {
		return views.BadUsage(lang, r.cmd.Text, example), nil
	}
	team := what != "me" && what != "moi"
	if team && !r.who.manages {
		return denied(lang, "manager")
	}
	from, to := r.today.AddDays(-364), r.today
	if team {
		from = kpi.PeriodOf(kpi.Week, r.today).Start.AddDays(-7 * 11)
	}
	dates := r.args[1:]
	for i, tok := range dates {
		d, err := kpi.ParseDate(tok)
		if err != nil {
			return views.Usage(lang, "kpi.export.date", map[string]string{"Token": views.Escape(tok)}, example), nil
		}
		if i == 0 {
			from = d
		} else {
			to = d
		}
	}
	if to.After(r.today) {
		to = r.today
	}
	if to.Before(from) || to.DaysSince(from) > maxExportDays {
		return views.Usage(lang, "kpi.export.range", map[string]int{"Max": maxExportDays}, example), nil
	}
	if ex.outbox == nil {
		return views.Reply(lang, "kpi.export.unavailable", nil), nil
	}
	var data []byte
	var n int
	var err error
	name := "kpibot-" + from.String() + "-" + to.String() + ".csv"
	if team {
		data, n, err = ex.teamCSV(ctx, r, from, to)
		name = "kpibot-team-" + from.String() + "-" + to.String() + ".csv"
	} else {
		data, n, err = ex.meCSV(ctx, r, from, to)
	}
	if err != nil {
		return slack.Msg{}, err
	}
	title := prompts.Text(lang, "kpi.export.title", map[string]string{"From": from.String(), "To": to.String()})
	if err := ex.outbox.Upload(ctx, r.cmd.User, "", name, title, data); err != nil {
		return slack.Msg{}, fmt.Errorf("bot: upload export: %w", err)
	}
	key := prompts.Key("kpi.export.me.done")
	if team {
		key = "kpi.export.team.done"
	}
	return views.Reply(lang, key, map[string]any{"N": n, "From": views.LongDate(lang, from), "To": views.LongDate(lang, to)}), nil
}

// meCSV is every version of the caller's entries from from to to.
func (ex *export) meCSV(ctx context.Context, r kpiRequest, from, to kpi.Date) ([]byte, int, error) {
	entries, err := ex.store.UserCheckIns(ctx, r.cmd.Workspace, r.cmd.User, from.String(), to.String())
	if err != nil {
		return nil, 0, err
	}
	var rows []views.ExportRow
	// Oldest first, as a spreadsheet reads a history.
	for i := len(entries) - 1; i >= 0; i-- {
		c := entries[i]
		code := c.Code()
		for _, rv := range c.Revisions {
			rows = append(rows, views.ExportRow{
				Entry: code, Status: "revised", Rev: rv.Rev, Day: rv.Day, At: rv.At, Raw: rv.Raw, Note: rv.Note,
				Counts: countsFromStore(rv.Counts), RevenueCents: rv.RevenueCents, HasRevenue: rv.HasRevenue,
				PipelineCents: rv.PipelineCents, HasPipeline: rv.HasPipeline, Currency: ex.currencyOf(rv.Currency, rv.HasRevenue || rv.HasPipeline), Source: rv.Source,
			})
		}
		status, at := "current", c.CreatedAt
		if c.EditedAt != nil {
			at = *c.EditedAt
		}
		if c.UndoneAt != nil {
			status, at = "withdrawn", *c.UndoneAt
		}
		rows = append(rows, views.ExportRow{
			Entry: code, Status: status, Rev: c.Rev, Day: c.Day, At: at, Raw: c.Raw, Note: c.Note,
			Counts: countsFromStore(c.Counts), RevenueCents: c.RevenueCents, HasRevenue: c.HasRevenue,
			PipelineCents: c.PipelineCents, HasPipeline: c.HasPipeline, Currency: ex.currencyOf(c.Currency, c.HasRevenue || c.HasPipeline), Source: c.Source,
		})
	}
	return views.EntriesCSV(rows), len(entries), nil
}

// currencyOf is the currency an entry's amounts are in; none without an
// amount.
func (ex *export) currencyOf(code string, hasAmount bool) string {
	if !hasAmount {
		return ""
	}
	if code == "" {
		return ex.settings.currency
	}
	return code
}

// teamCSV is each rep's weeks from the week of from to the week of to:
// what their manager sees, raw activity counts only for reps who share
// them.
func (ex *export) teamCSV(ctx context.Context, r kpiRequest, from, to kpi.Date) ([]byte, int, error) {
	team := r.who.team
	facts, err := ex.figures.facts(ctx, r.cmd.Workspace, team.Reps, from, to)
	if err != nil {
		return nil, 0, err
	}
	cur, err := ex.figures.currency(ctx, r.cmd.Workspace)
	if err != nil {
		return nil, 0, err
	}
	shares := map[string]bool{}
	for _, rep := range team.Reps {
		if shares[rep], err = ex.store.ShareCounts(ctx, r.cmd.Workspace, rep); err != nil {
			return nil, 0, err
		}
	}
	var rows []views.TeamExportRow
	for w := kpi.PeriodOf(kpi.Week, from); !w.Start.After(to); w = kpi.PeriodOf(kpi.Week, w.End.AddDays(1)) {
		by := kpi.SumByUser(facts, w)
		for _, rep := range team.Reps {
			rows = append(rows, views.TeamExportRow{Week: w.Start, Rep: rep, Totals: by[rep], Counts: shares[rep], WorkingDay: kpi.WorkingDays(w.Start, w.End), Currency: cur})
		}
	}
	return views.TeamCSV(rows), len(rows), nil
}
