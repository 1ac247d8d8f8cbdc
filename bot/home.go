package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/logctx"
	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/storage"
)

// homeUI is the Slack call App Home needs.
type homeUI interface {
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
}

// CommitmentStore marks a rep's coaching commitments done.
type CommitmentStore interface {
	CompleteCommitment(ctx context.Context, workspace, rep, code string, at time.Time) (storage.Commitment, error)
}

// home builds and publishes each person's App Home: on app_home_opened,
// after each of their check-ins, and after a click in it.
type home struct {
	numbers  *numbers
	checkIns *checkIns
	store    CommitmentStore
	actorOf  func(ctx context.Context, cmd Command) (actor, error)
	ui       homeUI

	refresher refresher
	seenMu    sync.Mutex
	seen      map[string]time.Time // workspace/user -> last app_home_opened
	env
}

// homeCommitmentsDays is how long a commitment done stays on App Home,
// shown as done.
const homeCommitmentsDays = 7

// view is user's App Home as of now.
func (hm *home) view(ctx context.Context, workspace, user string) (slack.HomeTabViewRequest, Profile, error) {
	p := hm.users.profile(ctx, workspace, user)
	cmd := Command{Workspace: workspace, User: user, Name: "/kpi"}
	who, err := hm.actorOf(ctx, cmd)
	if err != nil {
		return slack.HomeTabViewRequest{}, p, err
	}
	today := kpi.DateOf(hm.now().In(p.Loc))
	week, err := hm.numbers.meData(ctx, workspace, user, kpi.PeriodOf(kpi.Week, today), today, p.Loc)
	if err != nil {
		return slack.HomeTabViewRequest{}, p, err
	}
	month, err := hm.numbers.meData(ctx, workspace, user, kpi.PeriodOf(kpi.Month, today), today, p.Loc)
	if err != nil {
		return slack.HomeTabViewRequest{}, p, err
	}
	entries, err := hm.lastEntries(ctx, cmd, p, today)
	if err != nil {
		return slack.HomeTabViewRequest{}, p, err
	}
	d := views.HomeData{Week: week.Figures, Month: month.Figures, Signals: week.Signals, Entries: entries, Today: today}
	d.Commitments, err = hm.commitments(ctx, workspace, user, today, p)
	if err != nil {
		return slack.HomeTabViewRequest{}, p, err
	}
	if who.manages {
		t, err := hm.numbers.teamData(ctx, workspace, who, kpi.PeriodOf(kpi.Week, today), today, p.Loc)
		if err != nil {
			return slack.HomeTabViewRequest{}, p, err
		}
		d.Team = &t
	}
	return views.Home(p.Lang, d), p, nil
}

// lastEntries is the rep's last live check-ins, newest day first.
func (hm *home) lastEntries(ctx context.Context, cmd Command, p Profile, today kpi.Date) ([]views.StoredEntry, error) {
	ws, err := hm.checkIns.settings.of(ctx, cmd.Workspace)
	if err != nil {
		return nil, err
	}
	all, err := hm.checkIns.store.UserCheckIns(ctx, cmd.Workspace, cmd.User, today.AddDays(-kpi.MaxDaysBack).String(), today.AddDays(1).String())
	if err != nil {
		return nil, fmt.Errorf("bot: home check-ins: %w", err)
	}
	all = slices.DeleteFunc(all, func(c storage.CheckIn) bool { return !c.Live() })
	slices.SortStableFunc(all, func(a, b storage.CheckIn) int {
		if a.Day != b.Day {
			return strings.Compare(b.Day, a.Day)
		}
		return b.CreatedAt.Compare(a.CreatedAt)
	})
	out := make([]views.StoredEntry, 0, views.HomeEntries)
	for _, c := range all[:min(len(all), views.HomeEntries)] {
		out = append(out, hm.checkIns.stored(c, ws))
	}
	return out, nil
}

// commitments is the rep's open commitments, and those done this week.
func (hm *home) commitments(ctx context.Context, workspace, user string, today kpi.Date, p Profile) ([]views.Commitment, error) {
	all, err := hm.numbers.commitments.Commitments(ctx, workspace, user)
	if err != nil {
		return nil, err
	}
	since := today.AddDays(-homeCommitmentsDays)
	all = slices.DeleteFunc(all, func(c storage.Commitment) bool {
		return c.DoneAt != nil && kpi.DateOf(c.DoneAt.In(p.Loc)).Before(since)
	})
	return commitmentsOf(all), nil
}

// publish builds user's App Home and publishes it.
func (hm *home) publish(ctx context.Context, workspace, user string) error {
	if hm.ui == nil {
		return errNoSlackUI
	}
	v, _, err := hm.view(ctx, workspace, user)
	if err != nil {
		return err
	}
	_, err = hm.ui.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: v})
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "invalid_blocks" {
		// Slack refuses the native chart here: the tab goes without it,
		// the funnel's text stands.
		if plain, dropped := views.HomeWithoutNativeCharts(v); dropped {
			logctx.Logger(ctx, hm.log).Warn("App Home published without its native chart", "workspace", workspace, "err", err)
			_, err = hm.ui.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: user, View: plain})
		}
	}
	if err != nil {
		return fmt.Errorf("bot: publish App Home: %w", err)
	}
	return nil
}

// homeSeenFor is how long after opening their Home tab a person's check-ins
// publish it again. Slack sends app_home_opened at every opening, which
// publishes the tab afresh; a refresh matters to whoever is looking at
// it, or just was, and rebuilding the tabs of a whole team at each of its
// check-ins would take the CPU that answers /log.
const homeSeenFor = 30 * time.Minute

// refresh publishes user's App Home again off the request path, after a
// check-in, when they opened it lately: the tab they look at follows.
func (hm *home) refresh(ctx context.Context, workspace, user string) {
	if hm.ui == nil || !hm.seenLately(workspace, user) {
		return
	}
	hm.refresher.add(ctx, workspace, user, hm.publishAgain)
}

// saw notes that user opened their Home tab now.
func (hm *home) saw(workspace, user string) {
	hm.seenMu.Lock()
	defer hm.seenMu.Unlock()
	now := hm.now()
	if hm.seen == nil {
		hm.seen = map[string]time.Time{}
	}
	// Forget the old sightings as new ones come: the map holds at most
	// the people of the last half hour.
	if len(hm.seen) > 1024 {
		for k, at := range hm.seen {
			if now.Sub(at) > homeSeenFor {
				delete(hm.seen, k)
			}
		}
	}
	hm.seen[workspace+"/"+user] = now
}

func (hm *home) seenLately(workspace, user string) bool {
	hm.seenMu.Lock()
	defer hm.seenMu.Unlock()
	at, ok := hm.seen[workspace+"/"+user]
	return ok && hm.now().Sub(at) <= homeSeenFor
}

func (hm *home) publishAgain(ctx context.Context, workspace, user string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := hm.publish(ctx, workspace, user); err != nil && ctx.Err() == nil {
		logctx.Logger(ctx, hm.log).Warn("App Home not refreshed after a check-in", "workspace", workspace, "user", user, "err", err)
	}
}

// homeRefreshers is how many App Home refreshes run at once. Each builds
// a whole tab, and views.publish has a budget per minute: a burst of
// check-ins (a reminder to 500 reps) must neither take the CPU that
// answers /log nor queue a publish per check-in.
const homeRefreshers = 4

// refresher runs App Home refreshes in the background, at most one per
// user at a time and a few in all. A check-in while the user's refresh
// waits adds nothing: it will read the new entry. A check-in while it
// runs asks for one more, after it.
type refresher struct {
	mu      sync.Mutex
	state   map[string]refreshState
	queue   []refreshJob
	running int
	stopped bool
	wg      sync.WaitGroup
	// base is the context of every refresh; stop cancels it.
	base   context.Context
	cancel context.CancelFunc
}

type refreshState int

const (
	refreshQueued refreshState = iota + 1
	refreshRunning
	refreshRunningAgain
)

type refreshJob struct {
	ctx             context.Context
	key             string
	workspace, user string
	run             func(ctx context.Context, workspace, user string)
}

func (r *refresher) add(ctx context.Context, workspace, user string, run func(ctx context.Context, workspace, user string)) {
	key := workspace + "/" + user
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return
	}
	if r.state == nil {
		r.state = map[string]refreshState{}
		r.base, r.cancel = context.WithCancel(context.Background())
	}
	switch r.state[key] {
	case refreshQueued, refreshRunningAgain:
		return
	case refreshRunning:
		r.state[key] = refreshRunningAgain
		return
	}
	r.state[key] = refreshQueued
	// The request's values (its workspace's token, its request ID), not
	// its deadline: the request is answered by now.
	r.queue = append(r.queue, refreshJob{ctx: context.WithoutCancel(ctx), key: key, workspace: workspace, user: user, run: run})
	if r.running < homeRefreshers {
		r.running++
		r.wg.Add(1)
		go r.work()
	}
}

func (r *refresher) work() {
	defer r.wg.Done()
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.queue) > 0 && !r.stopped {
		j := r.queue[0]
		r.queue = r.queue[1:]
		r.state[j.key] = refreshRunning
		base := r.base
		r.mu.Unlock()
		ctx, cancel := context.WithCancel(j.ctx)
		stop := context.AfterFunc(base, cancel)
		j.run(ctx, j.workspace, j.user)
		stop()
		cancel()
		r.mu.Lock()
		if r.state[j.key] == refreshRunningAgain && !r.stopped {
			r.state[j.key] = refreshQueued
			r.queue = append(r.queue, j)
		} else {
			delete(r.state, j.key)
		}
	}
	r.running--
}

// wait blocks until every refresh asked for so far is done.
func (r *refresher) wait() { r.wg.Wait() }

// stop drops the refreshes not yet started and cancels those running:
// at shutdown, a tab is published again anyway when it is next opened.
func (r *refresher) stop() {
	r.mu.Lock()
	r.stopped = true
	r.queue = nil
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// opened answers app_home_opened on the Home tab.
func (hm *home) opened(ctx context.Context, ev Event) error {
	if ev.Tab != "" && ev.Tab != "home" {
		return nil
	}
	hm.saw(ev.Workspace, ev.User)
	return hm.publish(ctx, ev.Workspace, ev.User)
}

// completeCommitment marks the clicking rep's commitment done and
// publishes their App Home again. A code that is not the rep's own is
// refused and logged: buttons only carry the rep's own.
func (hm *home) completeCommitment(ctx context.Context, cb slack.InteractionCallback, code string) error {
	cmd := interactionCommand(cb)
	if _, err := hm.store.CompleteCommitment(ctx, cmd.Workspace, cmd.User, code, hm.now()); errors.Is(err, storage.ErrNotFound) {
		logctx.Logger(ctx, hm.log).Warn("refused: a commitment that is not the clicking user's", "workspace", cmd.Workspace, "user", cmd.User, "code", code)
		return nil
	} else if err != nil {
		return err
	}
	return hm.publish(ctx, cmd.Workspace, cmd.User)
}

// wait blocks until the refreshes asked for are done.
func (hm *home) wait() { hm.refresher.wait() }
