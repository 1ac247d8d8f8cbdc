package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/bot/views"
	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
	"github.com/kpibot/kpibot/rituals"
	"github.com/kpibot/kpibot/storage"
)

// CoachStore keeps coaching threads, commitments and cadences.
type CoachStore interface {
	SaveThread(ctx context.Context, t storage.Thread) (storage.Thread, error)
	DecideThread(ctx context.Context, workspace, code, state string, questions []string) (storage.Thread, error)
	Thread(ctx context.Context, workspace, code string) (storage.Thread, error)
	Threads(ctx context.Context, workspace, rep string) ([]storage.Thread, error)
	ThreadIn(ctx context.Context, workspace, channel string) (storage.Thread, error)
	SaveCommitment(ctx context.Context, c storage.Commitment) (storage.Commitment, error)
	Commitments(ctx context.Context, workspace, rep string) ([]storage.Commitment, error)
	SetCadence(ctx context.Context, workspace, rep string, weeks int) error
	Cadences(ctx context.Context, workspace string) (map[string]int, error)
}

// coachingStore is the storage of coaching threads, of the teams they
// are between, and of whether the rep shares their raw activity counts
// with the manager who reads the thread.
type coachingStore interface {
	CoachStore
	teamFinder
	ShareCounts(ctx context.Context, workspace, user string) (bool, error)
}

// Drafter proposes coaching questions; prompts.Coach is one, with an
// optional LLM behind it.
type Drafter interface {
	Draft(ctx context.Context, f prompts.CoachFacts, seed uint64) (questions []string, source string)
}

// templateDrafter drafts from the templates alone.
type templateDrafter struct{}

func (templateDrafter) Draft(_ context.Context, f prompts.CoachFacts, seed uint64) ([]string, string) {
	return prompts.Questions(f, seed), "template"
}

const (
	// DefaultCadenceWeeks is how often a rep's coaching conversation opens
	// on its own, as the design suggests.
	DefaultCadenceWeeks = 2
	// maxQuestionRunes bounds one edited question, as the guardrail does.
	maxQuestionRunes = 300
)

// coaching is the manager's coaching conversations with each rep: the
// fact base both see, the questions drafted for the manager alone, the
// commitments, the history, and the cadence at which threads open.
type coaching struct {
	store   coachingStore
	figures figures
	outbox  Outbox
	drafter Drafter
	ui      slackUI
	// commands answers the draft's buttons as /kpi coach post|skip would.
	commands CommandHandler
	env
}

// command handles /kpi coach @rep | post|skip|edit <code> | history @rep
// | cadence @rep <weeks|off>.
func (co *coaching) command(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	usage := func() (slack.Msg, error) {
		return views.Reply(lang, "coach.usage", nil), nil
	}
	if len(r.args) == 0 {
		return usage()
	}
	switch sub := strings.ToLower(r.args[0]); sub {
	case "post", "skip", "edit":
		if len(r.args) < 2 {
			return usage()
		}
		var edited []string
		if sub == "edit" {
			_, rest, _ := strings.Cut(strings.TrimSpace(r.cmd.Text), r.args[1])
			for _, q := range strings.Split(rest, "|") {
				if q = strings.TrimSpace(q); q != "" {
					edited = append(edited, q)
				}
			}
			if len(edited) == 0 {
				return views.Usage(lang, "coach.edit.empty", nil, "`/kpi coach edit "+views.Escape(r.args[1])+" …| …`"), nil
			}
			for _, q := range edited {
				if utf8.RuneCountInString(q) > maxQuestionRunes {
					return views.Usage(lang, "coach.edit.long", map[string]int{"Max": maxQuestionRunes}, "`/kpi coach edit "+views.Escape(r.args[1])+" …`"), nil
				}
			}
		}
		return co.decide(ctx, r, strings.Trim(strings.ToLower(r.args[1]), "`"), sub, edited)
	case "history", "historique":
		if len(r.args) != 2 {
			return usage()
		}
		rep, ok := userArg(r.cmd, r.args[1])
		if !ok {
			return usage()
		}
		return co.history(ctx, r, rep)
	case "cadence":
		return co.cadence(ctx, r)
	}
	rep, ok := userArg(r.cmd, r.args[0])
	if !ok || len(r.args) != 1 {
		return usage()
	}
	// The same refusal whether or not the person exists or is in a team:
	// it reveals nothing.
	if !r.who.managesRep(rep) {
		return denied(lang, "their_manager")
	}
	if co.outbox == nil {
		return slack.Msg{}, errors.New("bot: coaching has no outbox")
	}
	if _, err := co.open(ctx, r.cmd.Workspace, r.who.team, rep, co.now(), "manual-"+randomKey()); err != nil {
		return slack.Msg{}, err
	}
	return views.Reply(lang, "coach.opened", map[string]string{"Rep": views.Mention(rep)}), nil
}

// open opens the conversation of manager, rep and bot, posts the
// fact base and the follow-up of past commitments there, and sends the
// draft questions to the manager alone. occurrence makes the posts
// exactly-once when the scheduler opens it.
func (co *coaching) open(ctx context.Context, workspace string, team storage.Team, rep string, at time.Time, occurrence string) (storage.Thread, error) {
	repProfile := co.users.known(ctx, workspace, rep)
	mgrLang := co.users.known(ctx, workspace, team.Manager).Lang
	lang := repProfile.Lang // the shared thread speaks the rep's language
	today := kpi.DateOf(at.In(repProfile.Loc))
	recent := kpi.Period{Start: today.AddDays(-13), End: today}
	prev := kpi.Trailing(recent, trendWeeks)
	facts, err := co.figures.facts(ctx, workspace, []string{rep}, earliest(prev.Start, judgeFrom(today)), today)
	if err != nil {
		return storage.Thread{}, err
	}
	cur, trail := kpi.Sum(facts, recent), kpi.Sum(facts, prev)
	objectives, err := co.figures.objectivesFor(ctx, workspace, rep, "")
	if err != nil {
		return storage.Thread{}, err
	}
	progress := judgeAll(objectives, facts, today, repProfile.Loc)
	signals := kpi.CoachingSignals(cur, trail, progress, kpi.DefaultMinEvents)
	commitments, err := co.store.Commitments(ctx, workspace, rep)
	if err != nil {
		return storage.Thread{}, err
	}

	currency, err := co.figures.currency(ctx, workspace)
	if err != nil {
		return storage.Thread{}, err
	}
	// The manager reads the fact base: the rep's raw activity counts stay
	// out of it unless the rep shares them.
	shares, err := co.store.ShareCounts(ctx, workspace, rep)
	if err != nil {
		return storage.Thread{}, err
	}
	base := views.Facts(lang, views.FactsData{
		Figures: views.Figures{Cur: cur, Trail: trail, Progress: progress, Currency: currency, HideCounts: !shares},
		Manager: team.Manager, Rep: rep, Today: today, Signals: signals, Commitments: commitmentsOf(commitments),
	})
	factText := views.PlainText(base)

	channel, err := co.outbox.OpenGroup(ctx, []string{team.Manager, rep})
	if err != nil {
		return storage.Thread{}, fmt.Errorf("bot: open coaching conversation: %w", err)
	}
	id := rituals.OccurrenceID(workspace, team.Manager, "coaching", occurrence+"/"+rep)
	ts, _, err := co.outbox.Send(ctx, channel, base, id)
	if err != nil {
		return storage.Thread{}, err
	}

	drafter := co.drafter
	if drafter == nil {
		drafter = templateDrafter{}
	}
	questions, source := drafter.Draft(ctx, coachFacts(mgrLang, currency, signals, cur, trail, progress, !shares), seedOf(workspace, rep, today))
	thread, err := co.store.SaveThread(ctx, storage.Thread{
		Workspace: workspace, Manager: team.Manager, Rep: rep, Channel: channel, TS: ts, Facts: factText,
		Draft: questions, Source: source, State: storage.ThreadDraft, CreatedAt: co.now(),
	})
	if err != nil {
		return storage.Thread{}, err
	}
	draft := views.Draft(mgrLang, rep, thread.Code, source, questions)
	if _, _, err := co.outbox.Send(ctx, team.Manager, draft, id+"/draft"); err != nil {
		return storage.Thread{}, err
	}
	return thread, nil
}

// coachFacts is what the drafter may know: aggregates, rates and signal
// names under a pseudonym, never a name or an ID. The manager reads the
// draft: with hide, the proposals left without a follow-up go without
// their number, a raw activity count the rep keeps.
func coachFacts(lang prompts.Lang, currency string, signals []kpi.Signal, cur, trail kpi.Totals, progress []kpi.Progress, hide bool) prompts.CoachFacts {
	f := prompts.CoachFacts{Pseudonym: "Rep A", Lang: lang, Currency: currency, Rates: map[string]float64{}, Trend: map[string]float64{}}
	for _, s := range signals {
		cs := prompts.CoachSignal{Kind: string(s.Kind), Stage: s.Stage, Value: s.Value, Reference: s.Reference, Count: s.Count}
		if hide && s.Kind == kpi.SignalNoFollowup {
			cs.Count, cs.Private = 0, true
		}
		if s.Kind == kpi.SignalObjectiveAtRisk {
			// The objective goes by what it measures, never by its code.
			for _, p := range progress {
				if p.Objective.ID == s.Objective {
					cs.Stage, cs.Value, cs.Reference = p.Objective.Target, p.Forecast, p.Objective.Value
				}
			}
		}
		f.Signals = append(f.Signals, cs)
	}
	before := kpi.Funnel(trail, kpi.DefaultMinEvents)
	for i, r := range kpi.Funnel(cur, kpi.DefaultMinEvents) {
		if r.Enough {
			f.Rates[r.Stage.Key] = r.Value
		}
		if before[i].Enough {
			f.Trend[r.Stage.Key] = before[i].Value
		}
	}
	for _, p := range progress {
		f.Objectives = append(f.Objectives, prompts.CoachObjective{Target: p.Objective.Target, Status: string(p.Status), Ratio: p.Ratio})
	}
	return f
}

// seedOf varies the phrasings from one conversation to the next while
// keeping each one reproducible.
func seedOf(workspace, rep string, day kpi.Date) uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, workspace, "/", rep, "/", day.String())
	return h.Sum64()
}

// decide posts, edits-and-posts or skips a draft; only the thread's
// manager may, and only once.
func (co *coaching) decide(ctx context.Context, r kpiRequest, code, action string, edited []string) (slack.Msg, error) {
	lang := r.p.Lang
	notFound := func() (slack.Msg, error) {
		return views.Reply(lang, "coach.notfound", map[string]string{"Code": views.Escape(code)}), nil
	}
	t, err := co.store.Thread(ctx, r.cmd.Workspace, code)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && t.Manager != r.cmd.User) {
		return notFound()
	}
	if err != nil {
		return slack.Msg{}, err
	}
	state, questions := storage.ThreadPosted, t.Draft
	switch action {
	case "skip":
		state, questions = storage.ThreadSkipped, nil
	case "edit":
		questions = edited
	}
	t, err = co.store.DecideThread(ctx, r.cmd.Workspace, code, state, questions)
	if errors.Is(err, storage.ErrClaimed) {
		cur, _ := co.store.Thread(ctx, r.cmd.Workspace, code)
		return views.AlreadyDecided(lang, cur.State), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	if state == storage.ThreadSkipped {
		return views.Reply(lang, "coach.skipped", nil), nil
	}
	repLang := co.users.profile(ctx, r.cmd.Workspace, t.Rep).Lang
	if _, _, err := co.outbox.Send(ctx, t.Channel, views.Questions(repLang, t.TS, questions), t.ID+"/questions"); err != nil {
		return slack.Msg{}, err
	}
	return views.Reply(lang, "coach.posted", map[string]string{"Rep": views.Mention(t.Rep)}), nil
}

// history shows a rep's past threads to the rep and their manager only.
func (co *coaching) history(ctx context.Context, r kpiRequest, rep string) (slack.Msg, error) {
	lang := r.p.Lang
	if rep != r.cmd.User && !r.who.managesRep(rep) {
		return denied(lang, "self_or_manager")
	}
	threads, err := co.store.Threads(ctx, r.cmd.Workspace, rep)
	if err != nil {
		return slack.Msg{}, err
	}
	commitments, err := co.store.Commitments(ctx, r.cmd.Workspace, rep)
	if err != nil {
		return slack.Msg{}, err
	}
	past := make([]views.PastThread, 0, len(threads))
	for _, t := range threads {
		past = append(past, views.PastThread{CreatedAt: t.CreatedAt, State: t.State, Posted: t.State == storage.ThreadPosted, Questions: t.Questions})
	}
	return views.History(lang, rep, past, commitmentsOf(commitments)), nil
}

// cadence sets how often a rep's conversation opens on its own.
func (co *coaching) cadence(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	usage := func() (slack.Msg, error) {
		return views.Usage(lang, "coach.cadence.usage", nil, prompts.Text(lang, "example.coach.cadence", nil)), nil
	}
	if len(r.args) != 3 {
		return usage()
	}
	rep, ok := userArg(r.cmd, r.args[1])
	if !ok {
		return usage()
	}
	if !r.who.managesRep(rep) {
		return denied(lang, "their_manager")
	}
	weeks := 0
	if !strings.EqualFold(r.args[2], "off") {
		n, err := strconv.Atoi(r.args[2])
		if err != nil || n < 1 || n > 12 {
			return usage()
		}
		weeks = n
	}
	if err := co.store.SetCadence(ctx, r.cmd.Workspace, rep, weeks); err != nil {
		return slack.Msg{}, err
	}
	key := prompts.Key("coach.cadence.off")
	if weeks > 0 {
		key = "coach.cadence.done"
	}
	return views.Reply(lang, key, map[string]any{"Rep": views.Mention(rep), "Weeks": weeks}), nil
}

// commit records a commitment in a coaching thread: the one whose
// conversation the command was typed in, else the caller's latest.
func (co *coaching) commit(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	_, text, _ := strings.Cut(strings.TrimSpace(r.cmd.Text), " ")
	text = strings.TrimSpace(text)
	due := ""
	if before, tok, ok := cutDue(text); ok {
		d, err := kpi.ParseDate(tok)
		if err != nil || d.Before(r.today) {
			return views.Usage(lang, "coach.commit.baddate", map[string]string{"Token": views.Escape(tok)}, prompts.Text(lang, "example.commit", nil)), nil
		}
		due, text = d.String(), before
	}
	if text == "" || utf8.RuneCountInString(text) > maxQuestionRunes {
		return views.Reply(lang, "coach.commit.usage", nil), nil
	}
	t, err := co.store.ThreadIn(ctx, r.cmd.Workspace, r.cmd.Channel)
	if errors.Is(err, storage.ErrNotFound) {
		t, err = co.latestThreadOf(ctx, r)
	}
	if errors.Is(err, storage.ErrNotFound) || (err == nil && t.Rep != r.cmd.User && t.Manager != r.cmd.User) {
		return views.Reply(lang, "coach.commit.nothread", nil), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	c, err := co.store.SaveCommitment(ctx, storage.Commitment{
		Workspace: r.cmd.Workspace, Rep: t.Rep, Manager: t.Manager, Thread: t.Code, Text: text, Due: due, CreatedBy: r.cmd.User, CreatedAt: co.now(),
	})
	if err != nil {
		return slack.Msg{}, err
	}
	return views.CommitmentSaved(lang, views.Commitment{Text: c.Text, Due: c.Due}), nil
}

// dueWords introduce a commitment's date, in either language: "by
// 2026-12-04", "d'ici le 2026-12-04", "avant le 2026-12-04".
var dueWords = []string{" by ", " d'ici le ", " d’ici le ", " d'ici ", " d’ici ", " avant le "}

// cutDue splits a commitment at its last date word: the text before it
// and the date after it.
func cutDue(text string) (before, date string, ok bool) {
	// Lower-casing ASCII bytes only keeps every index of lower valid in
	// text, whatever else it holds (other letters, invalid UTF-8).
	b := []byte(text)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	lower := string(b)
	at, word := -1, ""
	for _, w := range dueWords {
		if i := strings.LastIndex(lower, w); i > at {
			at, word = i, w
		}
	}
	if at < 0 {
		return text, "", false
	}
	return strings.TrimSpace(text[:at]), strings.TrimSpace(text[at+len(word):]), true
}

// latestThreadOf is the caller's newest thread: as the rep, or as the
// manager of any of their reps.
func (co *coaching) latestThreadOf(ctx context.Context, r kpiRequest) (storage.Thread, error) {
	reps := []string{r.cmd.User}
	if r.who.manages {
		reps = append(reps, r.who.team.Reps...)
	}
	var best storage.Thread
	for _, rep := range reps {
		ts, err := co.store.Threads(ctx, r.cmd.Workspace, rep)
		if err != nil {
			return storage.Thread{}, err
		}
		if len(ts) > 0 && (ts[0].Rep == r.cmd.User || ts[0].Manager == r.cmd.User) && ts[0].CreatedAt.After(best.CreatedAt) {
			best = ts[0]
		}
	}
	if best.ID == "" {
		return storage.Thread{}, storage.ErrNotFound
	}
	return best, nil
}

// click handles a draft button: post or skip at once, or open the
// edit modal on the click's trigger.
func (co *coaching) click(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) error {
	cmd := interactionCommand(cb)
	lang := co.users.profile(ctx, cmd.Workspace, cmd.User).Lang
	code := a.Value
	if a.ActionID == views.ActionCoachEdit {
		t, err := co.store.Thread(ctx, cmd.Workspace, code)
		if err != nil || t.Manager != cmd.User {
			return fmt.Errorf("bot: coach edit: not the manager's draft")
		}
		ui := co.ui
		if ui == nil {
			return errNoSlackUI
		}
		if _, err := ui.OpenViewContext(ctx, cb.TriggerID, views.CoachModal(lang, code, t.Draft)); err != nil {
			return fmt.Errorf("bot: open coaching modal: %w", err)
		}
		return nil
	}
	verb := "post"
	if a.ActionID == views.ActionCoachSkip {
		verb = "skip"
	}
	msg, err := co.commands.Handle(ctx, Command{Workspace: cmd.Workspace, User: cmd.User, Name: "/kpi", Text: "coach " + verb + " " + code, Key: cb.TriggerID, Source: "slack-interaction"})
	if err != nil {
		return err
	}
	return replaceClicked(ctx, cmd, views.Replacement(msg.Text))
}

// submitEdit posts the questions as the manager edited them. An
// empty or too long edit is refused in the modal, and the draft is kept.
func (co *coaching) submitEdit(ctx context.Context, cb slack.InteractionCallback) (any, error) {
	cmd := interactionCommand(cb)
	lang := co.users.profile(ctx, cmd.Workspace, cmd.User).Lang
	// A submission without state is forged or broken: it reads as empty,
	// which the modal refuses, rather than being dereferenced.
	questions := views.ReadQuestions(cb.View.State)
	refuse := func(key prompts.Key) (any, error) {
		return views.ModalError(lang, views.CoachBlock, key, map[string]int{"Max": maxQuestionRunes}), nil
	}
	if len(questions) == 0 {
		return refuse("coach.edit.empty")
	}
	for _, q := range questions {
		if utf8.RuneCountInString(q) > maxQuestionRunes {
			return refuse("coach.edit.long")
		}
	}
	text := "coach edit " + cb.View.PrivateMetadata + " " + strings.Join(questions, " | ")
	if _, err := co.commands.Handle(ctx, Command{Workspace: cmd.Workspace, User: cmd.User, Name: "/kpi", Text: text, Key: cb.View.ID, Source: "slack-interaction"}); err != nil {
		return nil, err
	}
	return views.ModalDone(), nil
}

// post opens a rep's conversation when their cadence says it is due:
// the weekly job checks how long ago the last one was.
func (co *coaching) post(ctx context.Context, job rituals.Job, occurrenceID string, at time.Time) (string, error) {
	cadences, err := co.store.Cadences(ctx, job.Workspace)
	if err != nil {
		return "", err
	}
	weeks, ok := cadences[job.Target]
	if !ok {
		weeks = DefaultCadenceWeeks
	}
	if weeks == 0 {
		return "", nil
	}
	threads, err := co.store.Threads(ctx, job.Workspace, job.Target)
	if err != nil {
		return "", err
	}
	// A day's slack, so a thread opened a little later last time does not
	// push this one a whole week.
	if len(threads) > 0 && at.Sub(threads[0].CreatedAt) < time.Duration(7*weeks-1)*24*time.Hour {
		return "", nil
	}
	team, err := co.store.TeamOf(ctx, job.Workspace, job.Team)
	if err != nil {
		return "", fmt.Errorf("bot: coaching team: %w", err)
	}
	if !slices.Contains(team.Reps, job.Target) {
		return "", nil
	}
	t, err := co.open(ctx, job.Workspace, team, job.Target, at, occurrenceID)
	return t.TS, err
}
