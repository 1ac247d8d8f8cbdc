package views

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// The draft's buttons and edit modal. The same choices exist as commands
// (/kpi coach post|edit|skip), which the console uses.
const (
	ActionCoachPost = "coach_post"
	ActionCoachEdit = "coach_edit"
	ActionCoachSkip = "coach_skip"
	CoachCallback   = "coach_edit"
	CoachBlock      = "questions"
)

// FactsData is what a coaching conversation starts from: the rep's
// figures against their own trend, what is worth talking about, and the
// commitments from last time.
type FactsData struct {
	Figures
	Manager, Rep string
	Today        kpi.Date
	Signals      []kpi.Signal
	Commitments  []Commitment
}

// Facts is the fact base posted where the manager and the rep both see
// it: quality metrics against the rep's own trend, outcomes, and the
// rep's raw activity counts only when they share them with their manager
// (HideCounts otherwise); never anyone else's.
func Facts(lang prompts.Lang, f FactsData) slack.Msg {
	title := prompts.Text(lang, "coach.facts.title", map[string]string{"Manager": Mention(f.Manager), "Rep": Mention(f.Rep), "Date": prompts.Date(lang, f.Today)})
	var reasons []string
	for i, s := range f.Signals {
		if i == 3 {
			break
		}
		reasons = append(reasons, "• "+privateSignalText(lang, f.Currency, "ritual.reason.", s, f.HideCounts))
	}
	if len(reasons) == 0 {
		reasons = []string{prompts.Text(lang, "coach.facts.signals.none", nil)}
	}
	follow := []string{prompts.Text(lang, "coach.followup.title", nil)}
	for _, c := range f.Commitments {
		follow = append(follow, commitmentLine(lang, c))
	}
	if len(f.Commitments) == 0 {
		follow = append(follow, prompts.Text(lang, "coach.followup.none", nil))
	}
	blocks := []slack.Block{
		Section(title),
		// The manager reads it too: counts only when the rep shares them.
		Section(totalsText(lang, f.Currency, f.Cur, f.HideCounts)),
	}
	if f.HideCounts {
		// Both read it: the rep learns why their activity is not there.
		blocks = append(blocks, Context(prompts.Text(lang, "kpi.me.counts.private", nil)))
	}
	blocks = append(blocks,
		Section(funnelText(lang, f.Cur, &f.Trail, f.HideCounts)),
		Section(objectivesText(lang, f.Currency, f.Progress, theirManager, f.HideCounts, nil)),
		Section(prompts.Text(lang, "coach.facts.signals.title", nil)+"\n"+strings.Join(reasons, "\n")),
		Section(strings.Join(follow, "\n")),
	)
	return slack.Msg{Text: title, Blocks: slack.Blocks{BlockSet: blocks}}
}

// Draft is the manager's private draft of questions for the thread code
// with rep, from source ("llm" says so), with buttons to post, edit or
// skip it.
func Draft(lang prompts.Lang, rep, code, source string, questions []string) slack.Msg {
	srcNote := ""
	if source == "llm" {
		srcNote = prompts.Text(lang, "coach.draft.source.llm", nil)
	}
	draft := prompts.Text(lang, "coach.draft.title", map[string]string{"Rep": Mention(rep), "Source": srcNote}) + "\n" + numbered(questions)
	actions := prompts.Text(lang, "coach.draft.actions", map[string]string{"Code": code})
	return slack.Msg{Text: draft, Blocks: slack.Blocks{BlockSet: []slack.Block{Section(draft), draftButtons(lang, code), Context(actions)}}}
}

// draftButtons lets the manager post, edit or skip the draft with code.
func draftButtons(lang prompts.Lang, code string) *slack.ActionBlock {
	button := func(action, key string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(action, code, slack.NewTextBlockObject(slack.PlainTextType, prompts.Text(lang, prompts.Key(key), nil), true, false))
	}
	post := button(ActionCoachPost, "coach.button.post")
	post.Style = slack.StylePrimary
	return slack.NewActionBlock("coach_draft", post, button(ActionCoachEdit, "coach.button.edit"), button(ActionCoachSkip, "coach.button.skip"))
}

// Questions are the manager's chosen questions, posted in the thread of
// threadTS.
func Questions(lang prompts.Lang, threadTS string, questions []string) slack.Msg {
	msg := Message(prompts.Text(lang, "coach.questions.title", nil) + "\n" + numbered(questions))
	msg.ThreadTimestamp = threadTS
	return msg
}

func numbered(qs []string) string {
	var b strings.Builder
	for i, q := range qs {
		fmt.Fprintf(&b, "%d. %s\n", i+1, Escape(q))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// AlreadyDecided answers a second decision on a draft, now in state.
func AlreadyDecided(lang prompts.Lang, state string) slack.Msg {
	return Reply(lang, "coach.already", map[string]string{"State": prompts.Text(lang, prompts.Key("coach.state."+state), nil)})
}

// PastThread is one coaching thread in a rep's history.
type PastThread struct {
	CreatedAt time.Time
	State     string
	// Posted shows the Questions: a draft stays the manager's alone.
	Posted    bool
	Questions []string
}

// History is /kpi coach history: a rep's threads, newest first, and
// their commitments.
func History(lang prompts.Lang, rep string, threads []PastThread, commitments []Commitment) slack.Msg {
	lines := []string{prompts.Text(lang, "coach.history.title", map[string]string{"Rep": Mention(rep)})}
	for i, t := range threads {
		if i == 20 {
			break
		}
		qs := ""
		if t.Posted {
			qs = "\n" + numbered(t.Questions)
		}
		lines = append(lines, prompts.Text(lang, "coach.history.line", map[string]string{
			"Date": prompts.Date(lang, kpi.DateOf(t.CreatedAt)) + " " + strconv.Itoa(t.CreatedAt.Year()), "State": prompts.Text(lang, prompts.Key("coach.state."+t.State), nil), "Questions": qs,
		}))
	}
	if len(threads) == 0 {
		lines = append(lines, prompts.Text(lang, "coach.history.none", nil))
	}
	blocks := []slack.Block{Section(strings.Join(lines, "\n"))}
	if len(commitments) > 0 {
		c := []string{prompts.Text(lang, "coach.history.commitments", nil)}
		for _, cm := range commitments {
			c = append(c, commitmentLine(lang, cm))
		}
		blocks = append(blocks, Section(strings.Join(c, "\n")))
	}
	return Ephemeral(lines[0], blocks...)
}

// CommitmentSaved confirms /kpi commit.
func CommitmentSaved(lang prompts.Lang, c Commitment) slack.Msg {
	due := ""
	if c.Due != "" {
		due = prompts.Text(lang, "coach.due", map[string]string{"Due": dueDate(lang, c.Due)})
	}
	return Reply(lang, "coach.commit.saved", map[string]string{"Text": Escape(c.Text), "Due": due})
}

// CoachModal holds the draft's questions, one per line, for editing; the
// thread's code rides in private_metadata.
func CoachModal(lang prompts.Lang, code string, questions []string) slack.ModalViewRequest {
	in := slack.NewPlainTextInputBlockElement(nil, CoachBlock)
	in.Multiline, in.InitialValue = true, strings.Join(questions, "\n")
	block := slack.NewInputBlock(CoachBlock, plainText(prompts.Text(lang, "coach.modal.label", nil)), plainText(prompts.Text(lang, "coach.modal.hint", nil)), in)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      CoachCallback,
		PrivateMetadata: code,
		Title:           plainText(prompts.Text(lang, "coach.modal.title", nil)),
		Submit:          plainText(prompts.Text(lang, "coach.modal.submit", nil)),
		Close:           plainText(prompts.Text(lang, "coach.modal.close", nil)),
		Blocks:          slack.Blocks{BlockSet: []slack.Block{block}},
	}
}

// ReadQuestions reads the edit modal's questions, one a line, blank lines
// left out. A submission without state (forged or broken) reads as none.
func ReadQuestions(state *slack.ViewState) []string {
	var raw string
	if state != nil {
		raw = state.Values[CoachBlock][CoachBlock].Value
	}
	var questions []string
	for _, q := range strings.Split(raw, "\n") {
		if q = strings.TrimSpace(q); q != "" {
			questions = append(questions, q)
		}
	}
	return questions
}

// dueDate shows a commitment's stored ISO date as prose: "vendredi 4
// décembre", "Fri 4 Dec".
func dueDate(lang prompts.Lang, iso string) string {
	d, err := kpi.ParseDate(iso)
	if err != nil {
		return Escape(iso)
	}
	return prompts.ProseDate(lang, d)
}
