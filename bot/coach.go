package bot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

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

// kpiCoach handles /kpi coach @rep | post|skip|edit <code> | history @rep
// | cadence @rep <weeks|off>.
func (h *Handler) kpiCoach(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	usage := func() (slack.Msg, error) {
		text := prompts.Text(lang, "coach.usage", nil)
		return ephemeral(text, section(text)), nil
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
				return h.kpiUsage(lang, "coach.edit.empty", nil, "`/kpi coach edit "+escape(r.args[1])+" …| …`"), nil
			}
			for _, q := range edited {
				if utf8.RuneCountInString(q) > maxQuestionRunes {
					return h.kpiUsage(lang, "coach.edit.long", map[string]int{"Max": maxQuestionRunes}, "`/kpi coach edit "+escape(r.args[1])+" …`"), nil
				}
			}
		}
		return h.coachDecide(ctx, r, strings.Trim(strings.ToLower(r.args[1]), "`"), sub, edited)
	case "history", "historique":
		if len(r.args) != 2 {
			return usage()
		}
		rep, ok := userArg(r.cmd, r.args[1])
		if !ok {
			return usage()
		}
		return h.coachHistory(ctx, r, rep)
	case "cadence":
		return h.coachCadence(ctx, r)
	}
	rep, ok := userArg(r.cmd, r.args[0])
	if !ok || len(r.args) != 1 {
		return usage()
	}
	// The same refusal whether or not the person exists or is in a team:
	// it reveals nothing.
	if !r.who.managesRep(rep) {
		return h.denied(lang, "their_manager")
	}
	if h.outbox == nil {
		return slack.Msg{}, errors.New("bot: coaching has no outbox")
	}
	if _, err := h.openThread(ctx, r.cmd.Workspace, r.who.team, rep, h.now(), "manual-"+randomKey()); err != nil {
		return slack.Msg{}, err
	}
	text := prompts.Text(lang, "coach.opened", map[string]string{"Rep": mention(rep)})
	return ephemeral(text, section(text)), nil
}

// openThread opens the conversation of manager, rep and bot, posts the
// fact base and the follow-up of past commitments there, and sends the
// draft questions to the manager alone. occurrence makes the posts
// exactly-once when the scheduler opens it.
func (h *Handler) openThread(ctx context.Context, workspace string, team storage.Team, rep string, at time.Time, occurrence string) (storage.Thread, error) {
	repProfile := h.profile(ctx, Command{Workspace: workspace, User: rep})
	mgrLang := h.profile(ctx, Command{Workspace: workspace, User: team.Manager}).Lang
	lang := repProfile.Lang // the shared thread speaks the rep's language
	today := kpi.DateOf(at.In(repProfile.Loc))
	recent := kpi.Period{Start: today.AddDays(-13), End: today}
	prev := kpi.Trailing(recent, trendWeeks)
	facts, err := h.loadFacts(ctx, workspace, []string{rep}, prev.Start, today)
	if err != nil {
		return storage.Thread{}, err
	}
	cur, trail := kpi.Sum(facts, recent), kpi.Sum(facts, prev)
	objectives, err := h.objectivesOf(ctx, workspace, func(o storage.Objective) bool { return o.Owner == rep })
	if err != nil {
		return storage.Thread{}, err
	}
	progress := h.evaluate(objectives, today, func(kind kpi.PeriodKind) kpi.Totals {
		return kpi.Sum(facts, upTo(kpi.PeriodOf(kind, today), today))
	}, trail, prev)
	signals := kpi.CoachingSignals(cur, trail, progress, kpi.DefaultMinEvents)
	commitments, err := h.store.Commitments(ctx, workspace, rep)
	if err != nil {
		return storage.Thread{}, err
	}

	// The fact base: quality metrics against the rep's own trend; counts
	// only as context, and never anyone else's.
	title := prompts.Text(lang, "coach.facts.title", map[string]string{"Manager": mention(team.Manager), "Rep": mention(rep), "Date": prompts.Date(lang, today)})
	var reasons []string
	for i, s := range signals {
		if i == 3 {
			break
		}
		reasons = append(reasons, "• "+signalText(lang, "ritual.reason.", s))
	}
	if len(reasons) == 0 {
		reasons = []string{prompts.Text(lang, "coach.facts.signals.none", nil)}
	}
	follow := []string{prompts.Text(lang, "coach.followup.title", nil)}
	for _, c := range commitments {
		due := ""
		if c.Due != "" {
			due = prompts.Text(lang, "coach.due", map[string]string{"Due": c.Due})
		}
		follow = append(follow, prompts.Text(lang, "coach.followup.line", map[string]string{"Text": escape(c.Text), "Due": due}))
	}
	if len(commitments) == 0 {
		follow = append(follow, prompts.Text(lang, "coach.followup.none", nil))
	}
	blocks := []slack.Block{
		section(title),
		section(totalsText(lang, cur)),
		section(funnelText(lang, cur, &trail)),
		section(objectivesText(lang, objectives, progress, false)),
		section(prompts.Text(lang, "coach.facts.signals.title", nil) + "\n" + strings.Join(reasons, "\n")),
		section(strings.Join(follow, "\n")),
	}
	factText := PlainText(slack.Msg{Blocks: slack.Blocks{BlockSet: blocks}})

	channel, err := h.outbox.OpenGroup(ctx, []string{team.Manager, rep})
	if err != nil {
		return storage.Thread{}, fmt.Errorf("bot: open coaching conversation: %w", err)
	}
	id := rituals.OccurrenceID(workspace, team.Manager, "coaching", occurrence+"/"+rep)
	ts, _, err := h.outbox.Send(ctx, channel, slack.Msg{Text: title, Blocks: slack.Blocks{BlockSet: blocks}}, id)
	if err != nil {
		return storage.Thread{}, err
	}

	drafter := h.drafter
	if drafter == nil {
		drafter = templateDrafter{}
	}
	questions, source := drafter.Draft(ctx, coachFacts(mgrLang, signals, cur, trail, progress), seedOf(workspace, rep, today))
	thread, err := h.store.SaveThread(ctx, storage.Thread{
		Workspace: workspace, Manager: team.Manager, Rep: rep, Channel: channel, TS: ts, Facts: factText,
		Draft: questions, Source: source, State: storage.ThreadDraft, CreatedAt: h.now(),
	})
	if err != nil {
		return storage.Thread{}, err
	}
	srcNote := ""
	if source == "llm" {
		srcNote = prompts.Text(mgrLang, "coach.draft.source.llm", nil)
	}
	draft := prompts.Text(mgrLang, "coach.draft.title", map[string]string{"Rep": mention(rep), "Source": srcNote}) + "\n" + numbered(questions)
	actions := prompts.Text(mgrLang, "coach.draft.actions", map[string]string{"Code": thread.Code})
	msg := slack.Msg{Text: draft, Blocks: slack.Blocks{BlockSet: []slack.Block{section(draft), draftButtons(mgrLang, thread.Code), contextBlock(actions)}}}
	if _, _, err := h.outbox.Send(ctx, team.Manager, msg, id+"/draft"); err != nil {
		return storage.Thread{}, err
	}
	return thread, nil
}

// coachFacts is what the drafter may know: aggregates, rates and signal
// names under a pseudonym, never a name or an ID.
func coachFacts(lang prompts.Lang, signals []kpi.Signal, cur, trail kpi.Totals, progress []kpi.Progress) prompts.CoachFacts {
	f := prompts.CoachFacts{Pseudonym: "Rep A", Lang: lang, Rates: map[string]float64{}, Trend: map[string]float64{}}
	for _, s := range signals {
		cs := prompts.CoachSignal{Kind: string(s.Kind), Stage: s.Stage, Value: s.Value, Reference: s.Reference, Count: s.Count}
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

func numbered(qs []string) string {
	var b strings.Builder
	for i, q := range qs {
		fmt.Fprintf(&b, "%d. %s\n", i+1, escape(q))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// coachDecide posts, edits-and-posts or skips a draft; only the thread's
// manager may, and only once.
func (h *Handler) coachDecide(ctx context.Context, r kpiRequest, code, action string, edited []string) (slack.Msg, error) {
	lang := r.p.Lang
	notFound := func() (slack.Msg, error) {
		text := prompts.Text(lang, "coach.notfound", map[string]string{"Code": escape(code)})
		return ephemeral(text, section(text)), nil
	}
	t, err := h.store.Thread(ctx, r.cmd.Workspace, code)
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
	t, err = h.store.DecideThread(ctx, r.cmd.Workspace, code, state, questions)
	if errors.Is(err, storage.ErrClaimed) {
		cur, _ := h.store.Thread(ctx, r.cmd.Workspace, code)
		text := prompts.Text(lang, "coach.already", map[string]string{"State": prompts.Text(lang, prompts.Key("coach.state."+cur.State), nil)})
		return ephemeral(text, section(text)), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	if state == storage.ThreadSkipped {
		text := prompts.Text(lang, "coach.skipped", nil)
		return ephemeral(text, section(text)), nil
	}
	repLang := h.profile(ctx, Command{Workspace: r.cmd.Workspace, User: t.Rep}).Lang
	text := prompts.Text(repLang, "coach.questions.title", nil) + "\n" + numbered(questions)
	msg := slack.Msg{Text: text, ThreadTimestamp: t.TS, Blocks: slack.Blocks{BlockSet: []slack.Block{section(text)}}}
	if _, _, err := h.outbox.Send(ctx, t.Channel, msg, t.ID+"/questions"); err != nil {
		return slack.Msg{}, err
	}
	reply := prompts.Text(lang, "coach.posted", map[string]string{"Rep": mention(t.Rep)})
	return ephemeral(reply, section(reply)), nil
}

// coachHistory shows a rep's past threads to the rep and their manager only.
func (h *Handler) coachHistory(ctx context.Context, r kpiRequest, rep string) (slack.Msg, error) {
	lang := r.p.Lang
	if rep != r.cmd.User && !r.who.managesRep(rep) {
		return h.denied(lang, "self_or_manager")
	}
	threads, err := h.store.Threads(ctx, r.cmd.Workspace, rep)
	if err != nil {
		return slack.Msg{}, err
	}
	commitments, err := h.store.Commitments(ctx, r.cmd.Workspace, rep)
	if err != nil {
		return slack.Msg{}, err
	}
	lines := []string{prompts.Text(lang, "coach.history.title", map[string]string{"Rep": mention(rep)})}
	for i, t := range threads {
		if i == 20 {
			break
		}
		qs := ""
		// A draft stays the manager's alone until posted.
		if t.State == storage.ThreadPosted {
			qs = "\n" + numbered(t.Questions)
		}
		lines = append(lines, prompts.Text(lang, "coach.history.line", map[string]string{
			"Date": prompts.Date(lang, kpi.DateOf(t.CreatedAt)) + " " + strconv.Itoa(t.CreatedAt.Year()), "State": prompts.Text(lang, prompts.Key("coach.state."+t.State), nil), "Questions": qs,
		}))
	}
	if len(threads) == 0 {
		lines = append(lines, prompts.Text(lang, "coach.history.none", nil))
	}
	blocks := []slack.Block{section(strings.Join(lines, "\n"))}
	if len(commitments) > 0 {
		c := []string{prompts.Text(lang, "coach.history.commitments", nil)}
		for _, cm := range commitments {
			due := ""
			if cm.Due != "" {
				due = prompts.Text(lang, "coach.due", map[string]string{"Due": cm.Due})
			}
			c = append(c, prompts.Text(lang, "coach.followup.line", map[string]string{"Text": escape(cm.Text), "Due": due}))
		}
		blocks = append(blocks, section(strings.Join(c, "\n")))
	}
	return ephemeral(lines[0], blocks...), nil
}

// coachCadence sets how often a rep's conversation opens on its own.
func (h *Handler) coachCadence(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	usage := func() (slack.Msg, error) {
		return h.kpiUsage(lang, "coach.cadence.usage", nil, "`/kpi coach cadence @alice 2`"), nil
	}
	if len(r.args) != 3 {
		return usage()
	}
	rep, ok := userArg(r.cmd, r.args[1])
	if !ok {
		return usage()
	}
	if !r.who.managesRep(rep) {
		return h.denied(lang, "their_manager")
	}
	weeks := 0
	if !strings.EqualFold(r.args[2], "off") {
		n, err := strconv.Atoi(r.args[2])
		if err != nil || n < 1 || n > 12 {
			return usage()
		}
		weeks = n
	}
	if err := h.store.SetCadence(ctx, r.cmd.Workspace, rep, weeks); err != nil {
		return slack.Msg{}, err
	}
	key := prompts.Key("coach.cadence.off")
	if weeks > 0 {
		key = "coach.cadence.done"
	}
	text := prompts.Text(lang, key, map[string]any{"Rep": mention(rep), "Weeks": weeks})
	return ephemeral(text, section(text)), nil
}

// kpiCommit records a commitment in a coaching thread: the one whose
// conversation the command was typed in, else the caller's latest.
func (h *Handler) kpiCommit(ctx context.Context, r kpiRequest) (slack.Msg, error) {
	lang := r.p.Lang
	_, text, _ := strings.Cut(strings.TrimSpace(r.cmd.Text), " ")
	text = strings.TrimSpace(text)
	due := ""
	if i := strings.LastIndex(strings.ToLower(text), " by "); i >= 0 {
		tok := strings.TrimSpace(text[i+4:])
		d, err := kpi.ParseDate(tok)
		if err != nil || d.Before(r.today) {
			return h.kpiUsage(lang, "coach.commit.baddate", map[string]string{"Token": escape(tok)}, "`/kpi commit … by 2026-12-04`"), nil
		}
		due, text = d.String(), strings.TrimSpace(text[:i])
	}
	if text == "" || utf8.RuneCountInString(text) > maxQuestionRunes {
		text := prompts.Text(lang, "coach.commit.usage", nil)
		return ephemeral(text, section(text)), nil
	}
	t, err := h.store.ThreadIn(ctx, r.cmd.Workspace, r.cmd.Channel)
	if errors.Is(err, storage.ErrNotFound) {
		t, err = h.latestThreadOf(ctx, r)
	}
	if errors.Is(err, storage.ErrNotFound) || (err == nil && t.Rep != r.cmd.User && t.Manager != r.cmd.User) {
		msg := prompts.Text(lang, "coach.commit.nothread", nil)
		return ephemeral(msg, section(msg)), nil
	}
	if err != nil {
		return slack.Msg{}, err
	}
	c, err := h.store.SaveCommitment(ctx, storage.Commitment{
		Workspace: r.cmd.Workspace, Rep: t.Rep, Manager: t.Manager, Thread: t.Code, Text: text, Due: due, CreatedBy: r.cmd.User, CreatedAt: h.now(),
	})
	if err != nil {
		return slack.Msg{}, err
	}
	dueText := ""
	if c.Due != "" {
		dueText = prompts.Text(lang, "coach.due", map[string]string{"Due": c.Due})
	}
	reply := prompts.Text(lang, "coach.commit.saved", map[string]string{"Text": escape(c.Text), "Due": dueText})
	return ephemeral(reply, section(reply)), nil
}

// latestThreadOf is the caller's newest thread: as the rep, or as the
// manager of any of their reps.
func (h *Handler) latestThreadOf(ctx context.Context, r kpiRequest) (storage.Thread, error) {
	reps := []string{r.cmd.User}
	if r.who.manages {
		reps = append(reps, r.who.team.Reps...)
	}
	var best storage.Thread
	for _, rep := range reps {
		ts, err := h.store.Threads(ctx, r.cmd.Workspace, rep)
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
