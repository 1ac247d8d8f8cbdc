package prompts

import (
	"bytes"
	"embed"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"

	"github.com/kpibot/kpibot/kpi"
)

// CoachSignal is one coaching signal as the drafter sees it: names of
// things, numbers, never people. Per Kind, as kpi.Signal:
//   - stage_drop: Stage is the stage key, Value its current rate, Reference
//     the rep's own trailing rate;
//   - no_followup: Count is the proposals without follow-up, Value
//     follow-ups per proposal, Reference 1; Private, when the rep keeps
//     their raw activity counts from their manager, who reads the
//     questions: Count is then left out, and the questions give no number;
//   - deal_value_drop: Value and Reference are average deals in cents;
//   - objective_at_risk: Value is the forecast, Reference the target, and
//     Stage may carry the objective's Target key ("signatures", "revenue",
//     "proposals_signatures") so that the target is written in its unit.
type CoachSignal struct {
	Kind             string
	Stage            string
	Value, Reference float64
	Count            int
	Private          bool
}

// CoachFacts is everything a draft may use: aggregates, rates, signal names
// and a pseudonym. No name, Slack ID, e-mail, note or company ever goes in.
type CoachFacts struct {
	Pseudonym string // e.g. "Rep A"
	Lang      Lang
	// Currency is the ISO code amounts are in; the default currency when
	// empty or unknown.
	Currency   string
	Signals    []CoachSignal      // ranked, most important first
	Rates      map[string]float64 // stage key -> current rate (only rates with enough data)
	Trend      map[string]float64 // stage key -> the rep's own previous 4-week rate
	Objectives []CoachObjective
}

// CoachObjective is one objective as the drafter sees it: Target is a metric
// or stage key (kpi.Objective.Target), Status a kpi.Status, Ratio the share
// of the target reached so far.
type CoachObjective struct {
	Target string
	Status string
	Ratio  float64
}

// Limits of a set of coaching questions: Slack allows 3,000 characters in a
// section; the questions keep a margin for the fact base around them.
const (
	MinQuestions        = 2
	MaxQuestions        = 4
	MaxQuestionChars    = 300
	MaxQuestionsChars   = 2500
	genericSection      = "generic"
	defaultPseudonym    = "Rep"
	maxPseudonymRunes   = 24
	rankingWindowTokens = 3
)

//go:embed coach/*.txt
var coachFiles embed.FS

// questionData fills the placeholders of a question template. Every field
// is already formatted for the language.
type questionData struct {
	Stage, Value, Reference, Count string
}

// Parsed once at start-up, like the message catalog: a broken template file
// is a programming error that tests catch.
var (
	questionTemplates = mustLoadQuestions()
	surveillanceWords = mustLoadPhrases("coach/surveillance.txt", "")
	comparisonWords   = mustLoadPhrases("coach/comparison.txt", "")
	rankWords         = mustLoadPhrases("coach/ranking.txt", "rank")
	activityWords     = mustLoadPhrases("coach/ranking.txt", "activity")
	refusalPrefixes   = mustLoadRefusals()
	systemPrompt      = mustRead("coach/system.txt")
)

// signalKinds are the kinds with templates, in kpi's order.
var signalKinds = []string{
	string(kpi.SignalStageDrop), string(kpi.SignalNoFollowup),
	string(kpi.SignalDealValueDrop), string(kpi.SignalObjectiveAtRisk),
}

// privateSuffix names the questions of a signal whose count the rep keeps
// to themselves: [no_followup.private] says no number.
const privateSuffix = ".private"

func mustRead(name string) string {
	raw, err := coachFiles.ReadFile(name)
	if err != nil {
		panic(fmt.Sprintf("prompts: read %s: %v", name, err))
	}
	return strings.TrimSpace(string(raw))
}

// sections reads a coach file: blank lines and lines starting with # are
// skipped, "[name]" starts a section, every other line is one entry of the
// current section ("" before the first header).
func sections(name string) map[string][]string {
	out := map[string][]string{}
	current := ""
	for _, line := range strings.Split(mustRead(name), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			current = strings.TrimSpace(line[1 : len(line)-1])
		default:
			out[current] = append(out[current], line)
		}
	}
	return out
}

func mustLoadQuestions() map[Lang]map[string][]*template.Template {
	sample := questionData{Stage: "s", Value: "v", Reference: "r", Count: "c"}
	out := make(map[Lang]map[string][]*template.Template, len(Langs))
	for _, lang := range Langs {
		name := "coach/questions." + string(lang) + ".txt"
		out[lang] = map[string][]*template.Template{}
		for section, lines := range sections(name) {
			for i, line := range lines {
				id := fmt.Sprintf("%s %s #%d", name, section, i+1)
				tmpl, err := template.New(id).Option("missingkey=error").Parse(line)
				if err != nil {
					panic(fmt.Sprintf("prompts: %s: %v", id, err))
				}
				if err := tmpl.Execute(new(bytes.Buffer), sample); err != nil {
					panic(fmt.Sprintf("prompts: %s: %v", id, err))
				}
				out[lang][section] = append(out[lang][section], tmpl)
			}
		}
		for _, kind := range slices.Concat(signalKinds, []string{string(kpi.SignalNoFollowup) + privateSuffix, genericSection}) {
			if len(out[lang][kind]) == 0 {
				panic(fmt.Sprintf("prompts: %s has no [%s] question", name, kind))
			}
		}
	}
	return out
}

// phrase is one entry of a word list, as normalised tokens; prefix means
// the last token matches any word starting with it.
type phrase struct {
	text   string
	tokens []string
	prefix bool
}

func mustLoadPhrases(name, section string) []phrase {
	var out []phrase
	for _, line := range sections(name)[section] {
		p := phrase{text: line}
		if strings.HasSuffix(line, "*") {
			p.prefix = true
			line = strings.TrimSuffix(line, "*")
		}
		p.tokens = tokens(line)
		if len(p.tokens) == 0 {
			panic(fmt.Sprintf("prompts: %s: empty entry %q", name, p.text))
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		panic(fmt.Sprintf("prompts: %s [%s] is empty", name, section))
	}
	return out
}

func mustLoadRefusals() []string {
	var out []string
	for _, line := range sections("coach/refusal.txt")[""] {
		out = append(out, fold(line))
	}
	return out
}

// Questions returns 2 to 4 open questions from the templates, in f.Lang:
// one per signal (most important first), topped up with generic open
// questions when there are fewer than 2 signals. The phrasing of each
// question is drawn with a PCG seeded from seed: the same seed gives the
// same questions, another seed usually another wording. Signals of an
// unknown kind, or with unusable numbers, are skipped.
func Questions(f CoachFacts, seed uint64) []string {
	f = sanitizeFacts(f)
	byKind, ok := questionTemplates[f.Lang]
	if !ok {
		byKind = questionTemplates[French]
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	used := map[string]map[int]bool{}
	pick := func(kind string, data questionData) (string, bool) {
		all := byKind[kind]
		if used[kind] == nil || len(used[kind]) >= len(all) {
			used[kind] = map[int]bool{}
		}
		var free []int
		for i := range all {
			if !used[kind][i] {
				free = append(free, i)
			}
		}
		i := free[rng.IntN(len(free))]
		used[kind][i] = true
		var buf bytes.Buffer
		if err := all[i].Execute(&buf, data); err != nil {
			return "", false
		}
		return strings.TrimSpace(buf.String()), true
	}

	var out []string
	for _, s := range f.Signals {
		if len(out) == MaxQuestions {
			break
		}
		kind := s.Kind
		if s.Private {
			kind += privateSuffix // the same question, without the rep's count
		}
		if q, ok := pick(kind, signalData(f.Lang, f.Currency, s)); ok {
			out = append(out, q)
		}
	}
	for len(out) < MinQuestions {
		q, ok := pick(genericSection, questionData{})
		if !ok {
			break
		}
		out = append(out, q)
	}
	return out
}

// signalData formats the numbers of s for its templates.
func signalData(lang Lang, cur string, s CoachSignal) questionData {
	d := questionData{Count: fmt.Sprint(s.Count)}
	switch kpi.SignalKind(s.Kind) {
	case kpi.SignalStageDrop:
		st, _ := kpi.StageByKey(s.Stage)
		d.Stage = StageLabel(lang, st)
		d.Value, d.Reference = Percent(lang, s.Value), Percent(lang, s.Reference)
	case kpi.SignalNoFollowup:
		d.Value, d.Reference = Percent(lang, s.Value), Percent(lang, s.Reference)
		d.Count = fmt.Sprintf("%d %s", s.Count, MetricLabel(lang, kpi.Proposals, s.Count))
	case kpi.SignalDealValueDrop:
		d.Value = Money(lang, int64(math.Round(s.Value)), cur)
		d.Reference = Money(lang, int64(math.Round(s.Reference)), cur)
	case kpi.SignalObjectiveAtRisk:
		d.Value = Percent(lang, s.Value/s.Reference)
		d.Stage, d.Reference = targetText(lang, cur, s.Stage, s.Reference)
	}
	return d
}

// targetText names an objective's target and writes its value in its unit:
// a rate for a stage, money for revenue, a count with its label otherwise.
func targetText(lang Lang, cur, target string, v float64) (label, value string) {
	if st, ok := kpi.StageByKey(target); ok {
		return StageLabel(lang, st), Percent(lang, v)
	}
	m := kpi.Metric(target)
	switch {
	case m == kpi.Revenue:
		return MetricLabel(lang, m, 2), Money(lang, int64(math.Round(v)), cur)
	case m.Valid():
		n := int(math.Round(v))
		return MetricLabel(lang, m, 2), fmt.Sprintf("%d %s", n, MetricLabel(lang, m, n))
	}
	return "", Number(lang, math.Round(v*100)/100)
}

// sanitizeFacts keeps only what a draft may use, in a form that cannot carry
// free text: known signal kinds with finite numbers, stage and metric keys
// that kpi knows, kpi statuses, and a short "Rep A"-like pseudonym. It is
// the last line of defence of the privacy rule; callers must still build
// CoachFacts from aggregates only.
func sanitizeFacts(f CoachFacts) CoachFacts {
	out := CoachFacts{
		Pseudonym:  sanitizePseudonym(f.Pseudonym),
		Lang:       f.Lang,
		Currency:   DefaultCurrency,
		Signals:    []CoachSignal{},
		Rates:      sanitizeRates(f.Rates),
		Trend:      sanitizeRates(f.Trend),
		Objectives: []CoachObjective{},
	}
	if _, ok := questionTemplates[out.Lang]; !ok {
		out.Lang = French
	}
	if KnownCurrency(f.Currency) {
		out.Currency = strings.ToUpper(f.Currency)
	}
	for _, s := range f.Signals {
		if !finite(s.Value) || !finite(s.Reference) || s.Count < 0 {
			continue
		}
		switch kpi.SignalKind(s.Kind) {
		case kpi.SignalStageDrop:
			if _, ok := kpi.StageByKey(s.Stage); !ok {
				continue
			}
		case kpi.SignalNoFollowup:
			if s.Private {
				s.Count = 0
			} else if s.Count == 0 {
				continue
			}
			s.Stage = ""
		case kpi.SignalDealValueDrop:
			s.Stage = ""
		case kpi.SignalObjectiveAtRisk:
			if !(s.Reference > 0) {
				continue
			}
			if !validTarget(s.Stage) {
				s.Stage = ""
			}
		default:
			continue
		}
		out.Signals = append(out.Signals, s)
	}
	for _, o := range f.Objectives {
		if !validTarget(o.Target) || !validStatus(o.Status) || !finite(o.Ratio) {
			continue
		}
		out.Objectives = append(out.Objectives, o)
	}
	return out
}

func sanitizeRates(in map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(in))
	for k, v := range in {
		if _, ok := kpi.StageByKey(k); ok && finite(v) {
			out[k] = v
		}
	}
	return out
}

// sanitizePseudonym accepts a short label of letters, digits and spaces with
// at most two words ("Rep A", "Commercial 3"), and "Rep" otherwise: an
// e-mail, a Slack ID pattern or a full sentence never reaches the LLM.
func sanitizePseudonym(s string) string {
	s = strings.TrimSpace(s)
	words := strings.Fields(s)
	if s == "" || len(words) > 2 || utf8.RuneCountInString(s) > maxPseudonymRunes {
		return defaultPseudonym
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' {
			return defaultPseudonym
		}
	}
	// Slack IDs look like U01ABCDEF: long upper-case alphanumerics.
	for _, w := range words {
		if len(w) >= 8 && strings.ToUpper(w) == w {
			return defaultPseudonym
		}
	}
	return strings.Join(words, " ")
}

func validTarget(t string) bool {
	if kpi.Metric(t).Valid() {
		return true
	}
	_, ok := kpi.StageByKey(t)
	return ok
}

func validStatus(s string) bool {
	switch kpi.Status(s) {
	case kpi.Met, kpi.OnTrack, kpi.AtRisk, kpi.OffTrack, kpi.NotEnoughData:
		return true
	}
	return false
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Reasons Guard gives start with one of these.
const (
	guardNoQuestion   = "no question"
	guardEmpty        = "empty question"
	guardTooLong      = "question too long"
	guardTotalTooLong = "questions too long in total"
	guardComparison   = "compares with other people"
	guardRanking      = "ranks by activity counts"
	guardSurveillance = "surveillance vocabulary"
)

// Guard reports why generated text must be rejected, "" when it passes:
// fewer than 1 question, an empty one, a question over 300 characters or a
// total over 2,500 (Slack's section limit with a margin), a comparison with
// colleagues or other reps (coach/comparison.txt), a ranking by activity
// counts (coach/ranking.txt) or surveillance vocabulary
// (coach/surveillance.txt). The reason names the rule and the listed word,
// never the text, so it can be logged.
func Guard(questions []string) string {
	if len(questions) == 0 {
		return guardNoQuestion
	}
	total := 0
	for i, q := range questions {
		n := utf8.RuneCountInString(strings.TrimSpace(q))
		if n == 0 {
			return fmt.Sprintf("%s: question %d", guardEmpty, i+1)
		}
		if n > MaxQuestionChars {
			return fmt.Sprintf("%s: question %d has %d characters, at most %d", guardTooLong, i+1, n, MaxQuestionChars)
		}
		total += n
	}
	if total > MaxQuestionsChars {
		return fmt.Sprintf("%s: %d characters, at most %d", guardTotalTooLong, total, MaxQuestionsChars)
	}
	for _, q := range questions {
		toks := tokens(q)
		if p, ok := findPhrase(toks, comparisonWords); ok {
			return fmt.Sprintf("%s: %q", guardComparison, p.text)
		}
		if p, ok := findRanking(toks); ok {
			return fmt.Sprintf("%s: %q", guardRanking, p)
		}
		if p, ok := findPhrase(toks, surveillanceWords); ok {
			return fmt.Sprintf("%s: %q", guardSurveillance, p.text)
		}
	}
	return ""
}

// findPhrase returns the first listed phrase that occurs in toks.
func findPhrase(toks []string, list []phrase) (phrase, bool) {
	for i := range toks {
		for _, p := range list {
			if p.matchAt(toks, i) {
				return p, true
			}
		}
	}
	return phrase{}, false
}

// findRanking looks for a rank phrase followed closely by an activity word:
// "the most calls", "le plus d'appels".
func findRanking(toks []string) (string, bool) {
	for i := range toks {
		for _, r := range rankWords {
			if !r.matchAt(toks, i) {
				continue
			}
			end := i + len(r.tokens)
			for j := end; j < len(toks) && j < end+rankingWindowTokens; j++ {
				for _, a := range activityWords {
					if a.matchAt(toks, j) {
						return r.text + " … " + a.text, true
					}
				}
			}
		}
	}
	return "", false
}

func (p phrase) matchAt(toks []string, i int) bool {
	if i+len(p.tokens) > len(toks) {
		return false
	}
	last := len(p.tokens) - 1
	for k, t := range p.tokens {
		w := toks[i+k]
		if k == last && p.prefix {
			if !strings.HasPrefix(w, t) {
				return false
			}
		} else if w != t {
			return false
		}
	}
	return true
}

// accents folds the letters French uses to their base letters, so that the
// word lists match text written with or without accents.
var accents = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "á", "a",
	"ç", "c",
	"é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "í", "i",
	"ô", "o", "ö", "o", "ó", "o",
	"ù", "u", "û", "u", "ü", "u", "ú", "u",
	"ÿ", "y", "œ", "oe", "æ", "ae",
	"’", "'", "‘", "'", "`", "'",
)

// fold lower-cases s and folds accents and typographic apostrophes.
func fold(s string) string { return accents.Replace(strings.ToLower(s)) }

// tokens splits folded s into words of letters and digits.
func tokens(s string) []string {
	return strings.FieldsFunc(fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
