package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// AlertClaimer makes each alert go out once per objective and period,
// across replicas: the same claims as the rituals.
type AlertClaimer interface {
	ClaimOccurrence(ctx context.Context, workspace, id, holder string, now time.Time, lease time.Duration) (storage.Occurrence, error)
	MarkOccurrenceDone(ctx context.Context, id, holder, messageTS string, now time.Time) error
}

// alertLease bounds how long a replica holds an alert it is sending.
const alertLease = 2 * time.Minute

// alertStore is what alerts read and claim.
type alertStore interface {
	AlertClaimer
	teamFinder
}

// alerts DMs an alert objective's owner when its threshold is crossed:
// after each check-in, off the request path, and on the daily ritual;
// once per objective and period, across replicas.
type alerts struct {
	store      alertStore
	figures    figures
	outbox     Outbox
	replica    string
	background sync.WaitGroup
	env
}

// wait blocks until the checks started after check-ins are done.
func (al *alerts) wait() { al.background.Wait() }

// after evaluates, after a rep's check-in and off the request
// path, the alert objectives it may have moved: the rep's own and their
// team's. The answer to the rep does not wait for it.
func (al *alerts) after(ctx context.Context, workspace, user string) {
	if al.outbox == nil {
		return
	}
	al.background.Add(1)
	go func() {
		defer al.background.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		team, err := al.store.TeamOf(ctx, workspace, user)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			logctx.Logger(ctx, al.log).Error("alerts: team", "workspace", workspace, "err", err)
			return
		}
		if err != nil {
			team = storage.Team{Workspace: workspace}
		}
		// Only these are read: every check-in of a large workspace would
		// otherwise decode all its objectives.
		objectives, err := al.figures.objectivesFor(ctx, workspace, user, team.Manager)
		if err != nil {
			logctx.Logger(ctx, al.log).Error("alerts: objectives", "workspace", workspace, "err", err)
			return
		}
		if _, err := al.send(ctx, workspace, team, objectives); err != nil {
			logctx.Logger(ctx, al.log).Error("alerts after check-in", "workspace", workspace, "err", err)
		}
	}()
}

// send DMs the owner of every alert objective among objectives that has
// crossed its threshold, once per objective and period, and returns how
// many DMs it sent. A team objective's owner is its manager. The
// objective is read by judge, as /kpi me reads it.
func (al *alerts) send(ctx context.Context, workspace string, team storage.Team, objectives []storage.Objective) (int, error) {
	sent := 0
	for _, so := range objectives {
		if so.Kind != string(kpi.Alert) {
			continue
		}
		to := so.Owner
		users := []string{so.Owner}
		if so.Owner == kpi.TeamOwner {
			to, users = team.Manager, team.Reps
		}
		prof := al.users.profile(ctx, workspace, to)
		today := kpi.DateOf(al.now().In(prof.Loc))
		facts, err := al.figures.facts(ctx, workspace, users, judgeFrom(today), today)
		if err != nil {
			return sent, err
		}
		pr := judge(so, facts, today, prof.Loc)
		if !pr.Alert {
			continue
		}
		if so.Owner == kpi.TeamOwner && kpi.Contributors(facts, judgedSpan(pr.Objective, today)) < team.MinContributors() {
			continue // a "team" figure of one or two reps is theirs
		}
		id := workspace + "/" + so.Team + "/alert/" + so.Code + "/" + kpi.PeriodOf(pr.Objective.Period, today).Start.String()
		// Each check holds its own claim: two check-ins of the same rep a
		// second apart evaluate in parallel in this very process, and a
		// holder may renew its own claim.
		holder := al.replica + "/" + randomKey()
		if _, err := al.store.ClaimOccurrence(ctx, workspace, id, holder, al.now(), alertLease); errors.Is(err, storage.ErrClaimed) {
			continue // already sent this period, or being sent elsewhere
		} else if err != nil {
			return sent, err
		}
		cur, err := al.figures.currency(ctx, workspace)
		if err != nil {
			return sent, err
		}
		ts, _, err := al.outbox.Send(ctx, to, views.Alert(prof.Lang, cur, pr), id)
		if err != nil {
			// The claim's lease runs out and the next check retries.
			return sent, fmt.Errorf("bot: send alert %s: %w", so.Code, err)
		}
		sent++
		if err := al.store.MarkOccurrenceDone(ctx, id, holder, ts, al.now()); err != nil {
			return sent, err
		}
	}
	return sent, nil
}
