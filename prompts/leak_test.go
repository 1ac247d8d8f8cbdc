package prompts

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"
)

// The leak test: every message, rendered with realistic data, reads as one
// language. A French reader must meet no English word and an English
// reader no French one; the only exception is text the user typed, which
// the data below does not contain. The word lists live here, in the test,
// so that a new message is held to them the day it is added.

// englishWords must not appear in a French text: stop-words, the labels
// and schedule words kpibot used to leak, and flags that have a French
// form. Inside a code span, the command words themselves (below) are
// allowed, because /kpi's subcommands are typed the same in both
// languages.
var englishWords = words(`
	the and of to your you with for by from this that these is are was be been it its
	at or not no yes all only any our their his her them they we what when which who will would can cannot
	below above weekday weekdays tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday
	jan feb apr jun jul aug sep oct dec january february march april june july august september october november december
	today yesterday week weeks month months day days year working
	rituals ritual meeting meetings call calls proposal proposals sale sales demos followups follow-ups signed lost renewals
	revenue goal goals objective objectives alert alerts reminder reminders review digest thread private
	store file embedded memory example team reps rep number numbers rate rates trend needs per
	christmas easter new labour day
	set list add remove rm off run away practice shoutout words settings currency history commit remind holiday work
	edit undo cancel help channel move post skip counts manager-view
`)

// frenchWords must not appear in an English text.
var frenchWords = words(`
	le la les des du de et ou pour avec ton ta tes ma mes sur une est sont pas que qui dans ce cette ces au aux
	je tu il elle nous vous ils y
	semaine semaines mois jour jours ouvré ouvrés ouvrées aujourd'hui hier demain
	lun mer jeu ven sam dim lundi mardi mercredi jeudi vendredi samedi dimanche
	janv févr avr mai juin juil août sept déc janvier février mars avril juillet septembre octobre novembre décembre
	rdv offre offres appel appels démos relance relances vente ventes signée signées perdu perdus renouvellements ca
	sous au-dessus équipe commercial commerciaux canal rituel rituels rappel rappels revue objectif objectifs alerte
	noël pâques fête toussaint assomption victoire pentecôte
	exemple saisie saisies taux chiffres
`)

// commandWords are kpibot's subcommands and ritual names, the same in
// both languages; they are allowed inside code spans only.
var commandWords = words(`
	kpi log me team plan goal set list rm add manager channel move ritual run off on away practice shoutout words
	settings currency coach post edit skip history cadence commit remind holiday work undo ok cancel help
	digest review reminder alert coaching quit user action
`)

func words(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(s) {
		out[w] = true
	}
	return out
}

// realistic is the data a key is rendered with in each language: what
// the code passes, already rendered in that language. A field the table
// does not know gets a figure, which reads the same in both.
var realistic = map[Lang]map[string]any{
	French: {
		"Token": "trucs", "Code": "k3m9x", "User": "@julie", "Label": "rdv", "LabelN": "rdv", "Day": "aujourd'hui (mar. 1 déc.)",
		"Value": "3", "Items": "3 rdv · 1 offre", "Suggestion": "rdv", "Rep": "@julie", "Phrase": "visioconf", "N": 2,
		"Period": "semaine du lun. 30 nov.", "Limit": 200, "Raw": "3 rdv 1 offre", "To": "@marc", "From": "@sophie",
		"Stage": "offres → signatures", "Reference": "33 %", "Name": "rappel de saisie", "Days": 90, "Date": "vendredi 4 décembre",
		"Currency": "EUR", "By": "@sophie", "Text": "relancer les offres ouvertes", "Rate": "25 %", "Action": "rappeler les leads chauds",
		"Target": "rdv", "TZ": "Europe/Paris", "Spec": "jours ouvrés 17:30", "Owner": "équipe · ", "Max": 280, "When": "mar. 1 déc. 09:12",
		"Threshold": "4", "Team": "@marc", "State": "questions publiées", "Left": 3, "Goal": "10", "Example": "12 500 €",
		"Due": " (d'ici vendredi 4 décembre)", "Direction": "sous", "Words": 2, "Where": " → #ventes", "Total": 210, "Time": "18:30",
		"Status": "en retard", "Source": "ton taux", "Reason": "offres → signatures est passé de 33 % à 20 %", "Pages": 2, "Page": 1,
		"Objective": "k3m9x", "Next": "lun. 7 déc. 09:30", "Min": 5, "Forecast": "8", "Emoji": "🟠", "DayMonth": "4 décembre",
		"Count": 3, "Channel": "#ventes", "Cause": "Slack n'a pas répondu", "Already": 1, "Workspace": "console-demo",
		"WinRate": "25 %", "Who": "au commercial et à son manager", "Weeks": 2, "Weekday": "vendredi", "Trend": " · avant 30 % ↘",
		"Sub": "goal frobnicate", "Store": "fichier intégré dans /var/lib/kpibot", "Ritual": "reminder", "Resources": " Ton rythme récent suffit.",
		"Reps": "2 commerciaux", "Reading": "2 rdv", "Rates": "offres → signatures 25 %", "Questions": "\n1. Sur quel dossier ?",
		"Previous": "USD", "Plan": " Il faut 3 rdv par jour ouvré d'ici la fin.", "PerDay": "3 rdv", "Note": "le client veut une démo",
		"Need": 12, "Month": "décembre 2026", "Manager": "@marc", "Kind": "équilibre", "Followups": "1,5", "Failed": 1, "Den": 4,
		"Daily": "6", "Command": "/frobnicate", "Codes": "EUR, USD", "Cap": 3, "Bench": " · réf. 33 %", "Before": "appels",
		"AvgProposal": "7 500 €", "AvgDeal": "12 500 €", "Arrow": "↘", "Advice": "Renforce les actions en cours.",
		"Users": "@marc + @julie", "Thread": "1733050000.000100", "Dir": "/var/lib/kpibot",
	},
	English: {
		"Token": "stuff", "Code": "k3m9x", "User": "@alice", "Label": "meetings", "LabelN": "meetings", "Day": "today (Tue 1 Dec)",
		"Value": "3", "Items": "3 meetings · 1 proposal", "Suggestion": "meetings", "Rep": "@alice", "Phrase": "video call", "N": 2,
		"Period": "week of Mon 30 Nov", "Limit": 200, "Raw": "3 meetings 1 proposal", "To": "@mark", "From": "@sophie",
		"Stage": "proposals → signatures", "Reference": "33%", "Name": "check-in reminder", "Days": 90, "Date": "Fri 4 Dec",
		"Currency": "USD", "By": "@sophie", "Text": "follow up on the open proposals", "Rate": "25%", "Action": "call the hot leads",
		"Target": "meetings", "TZ": "America/New_York", "Spec": "weekdays 17:30", "Owner": "team · ", "Max": 280, "When": "Tue 1 Dec 09:12",
		"Threshold": "4", "Team": "@mark", "State": "questions posted", "Left": 3, "Goal": "10", "Example": "$12,500",
		"Due": " (by Fri 4 Dec)", "Direction": "below", "Words": 2, "Where": " → #sales", "Total": 210, "Time": "18:30",
		"Status": "off track", "Source": "your rate", "Reason": "proposals → signatures went from 33% to 20%", "Pages": 2, "Page": 1,
		"Objective": "k3m9x", "Next": "Mon 7 Dec 09:30", "Min": 5, "Forecast": "8", "Emoji": "🟠", "DayMonth": "4 December",
		"Count": 3, "Channel": "#sales", "Cause": "Slack did not answer", "Already": 1, "Workspace": "console-demo",
		"WinRate": "25%", "Who": "the rep and their manager", "Weeks": 2, "Weekday": "Friday", "Trend": " · before 30% ↘",
		"Sub": "goal frobnicate", "Store": "embedded file in /var/lib/kpibot", "Ritual": "reminder", "Resources": " Your recent pace is enough.",
		"Reps": "2 reps", "Reading": "2 meetings", "Rates": "proposals → signatures 25%", "Questions": "\n1. Which deal?",
		"Previous": "EUR", "Plan": " It needs 3 meetings a working day from now on.", "PerDay": "3 meetings", "Note": "the client wants a demo",
		"Need": 12, "Month": "December 2026", "Manager": "@mark", "Kind": "balance", "Followups": "1.5", "Failed": 1, "Den": 4,
		"Daily": "6", "Command": "/frobnicate", "Codes": "EUR, USD", "Cap": 3, "Bench": " · ref. 33%", "Before": "calls",
		"AvgProposal": "$7,500", "AvgDeal": "$12,500", "Arrow": "↘", "Advice": "Step up what you are doing.",
		"Users": "@mark + @alice", "Thread": "1733050000.000100", "Dir": "/var/lib/kpibot",
	},
}

// fields names every field the template of key uses, with its parse tree.
func fields(lang Lang, key Key) []string {
	tmpl := catalogs[lang][key]
	var out []string
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			out = append(out, strings.Join(n.Ident, "."))
		}
	}
	walk(tmpl.Tree.Root)
	slices.Sort(out)
	return slices.Compact(out)
}

func TestEveryKeyHasTheSamePlaceholdersInEveryLanguage(t *testing.T) {
	for _, k := range keys(French) {
		if _, ok := catalogs[English][k]; !ok {
			t.Errorf("%s is French only", k)
			continue
		}
		if fr, en := fields(French, k), fields(English, k); !slices.Equal(fr, en) {
			t.Errorf("%s: French uses %v, English %v", k, fr, en)
		}
	}
	for _, k := range keys(English) {
		if _, ok := catalogs[French][k]; !ok {
			t.Errorf("%s is English only", k)
		}
	}
}

var (
	codeSpan = regexp.MustCompile("`[^`]*`")
	wordRe   = regexp.MustCompile(`[\p{L}][\p{L}'’-]*`)
	// "(s)", "(e)", "(es)", "(x)": a plural or a gender left to the reader.
	parenthesisForm = regexp.MustCompile(`\p{L}\((s|e|es|x|ne|le)\)`)
	doubleStop      = regexp.MustCompile(`\.\.(\s|$)|\.\s*\.(\s|$)`)
	quoteMarker     = regexp.MustCompile(`(?m)^> `)
)

// leaks lists the words of text that belong to the other language.
func leaks(lang Lang, text string) []string {
	other := englishWords
	if lang == English {
		other = frenchWords
	}
	var found []string
	check := func(s string, inCode bool) {
		for _, w := range wordRe.FindAllString(s, -1) {
			w = strings.ToLower(strings.Trim(w, "'’-"))
			// French elision: "l'équipe", "d'ici", "qu'il".
			if lang == French {
				if _, rest, ok := strings.Cut(w, "'"); ok && len(rest) > 0 {
					w = rest
				}
			}
			if inCode && commandWords[w] {
				continue
			}
			if other[w] {
				found = append(found, w)
			}
		}
	}
	for _, span := range codeSpan.FindAllString(text, -1) {
		check(span, true)
	}
	check(codeSpan.ReplaceAllString(text, " "), false)
	return found
}

// typography lists what a native writer would not leave in a text.
func typography(text string) []string {
	var out []string
	if m := parenthesisForm.FindString(text); m != "" {
		out = append(out, "parenthesised form "+m)
	}
	if doubleStop.MatchString(strings.ReplaceAll(text, "…", "")) {
		out = append(out, "double full stop")
	}
	// A ">" that starts a line opens a quote block: that one is meant.
	if strings.ContainsAny(quoteMarker.ReplaceAllString(text, ""), "<>") {
		out = append(out, "raw < or > (Slack reads them as a link or a control sequence)")
	}
	return out
}

func TestNoMessageLeaksTheOtherLanguage(t *testing.T) {
	for _, lang := range Langs {
		for _, k := range keys(lang) {
			data := map[string]any{}
			for _, f := range fields(lang, k) {
				v, ok := realistic[lang][f]
				if !ok {
					v = 7
				}
				data[f] = v
			}
			text := Text(lang, k, data)
			if text == string(k) {
				t.Errorf("%s %s does not render", lang, k)
				continue
			}
			if w := leaks(lang, text); len(w) > 0 {
				t.Errorf("%s %s: %q in %q", lang, k, w, text)
			}
			for _, p := range typography(text) {
				t.Errorf("%s %s: %s in %q", lang, k, p, text)
			}
		}
	}
}

// oneThing is a count of one followed by its word.
var oneThing = regexp.MustCompile(`(?:^|[\s(])1\s+(\p{L}+)`)

// singularEndings are words that end like a plural and are not one.
var singularEndings = words(`mois fois cas pas plus jours-là this is was has its`)

// counted are the fields that carry a count that may be one; the others
// are limits and periods that never are (200 a day, 90 days).
var counted = words(`N Count Weeks Left Failed Daily Already`)

// A count of one takes the singular: every count is 1 here, and "1
// commerciaux", "1 reps" or "1 messages" fail. A ".other" key is the
// plural form the code picks for other counts.
func TestOneTakesTheSingular(t *testing.T) {
	for _, lang := range Langs {
		for _, k := range keys(lang) {
			if strings.HasSuffix(string(k), ".other") {
				continue
			}
			data := map[string]any{}
			for _, f := range fields(lang, k) {
				v, ok := realistic[lang][f]
				if counted[f] || !ok {
					v = 1
				}
				data[f] = v
			}
			text := Text(lang, k, data)
			for _, m := range oneThing.FindAllStringSubmatch(text, -1) {
				w := strings.ToLower(m[1])
				if (strings.HasSuffix(w, "s") || strings.HasSuffix(w, "x")) && !singularEndings[w] {
					t.Errorf("%s %s: %q in %q", lang, k, "1 "+m[1], text)
				}
			}
		}
	}
}

// The golden files of rendered messages are held to the same lists: a
// label or a date the code builds outside the catalogue leaks there.
func TestGoldenMessagesDoNotLeak(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "bot", "testdata", "golden", "*.json"))
	for _, f := range files {
		var lang Lang
		switch {
		case strings.HasSuffix(f, "_fr.json"):
			lang = French
		case strings.HasSuffix(f, "_en.json"):
			lang = English
		default:
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range goldenTexts(string(raw)) {
			// What the user typed is quoted back as typed, in a code span
			// or a quote block. The examples in code spans come from the
			// catalogue, which TestNoMessageLeaksTheOtherLanguage checks
			// key by key.
			text = quoteLine.ReplaceAllString(text, "")
			text = codeSpan.ReplaceAllString(text, "“”")
			// A plain-text field, such as a confirmation dialog, cannot
			// show code: there it is between quotation marks.
			text = quoted.ReplaceAllString(text, "“”")
			if w := leaks(lang, text); len(w) > 0 && !slices.Equal(w, typedWords[filepath.Base(f)]) {
				t.Errorf("%s: %q in %q", filepath.Base(f), w, text)
			}
		}
	}
}

// quoteLine is a line of a quote block, which shows what a user wrote.
var quoteLine = regexp.MustCompile(`(?m)^> .*$`)

// quoted is text the user typed, shown between quotation marks.
var quoted = regexp.MustCompile(`“[^”]*”|«[^»]*»`)

// typedWords are the other language's words a golden file shows because
// the user typed them: a reading of a misspelt word names the word.
var typedWords = map[string][]string{
	// A French manager's alert action, "rappeler les leads chauds", read
	// by the team in English.
	"ritual_digest_en.json": {"les"},
	"ritual_review_en.json": {"les"},
}

var jsonText = regexp.MustCompile(`"text":\s*"((?:[^"\\]|\\.)*)"`)

// goldenTexts pulls the texts out of a golden message.
func goldenTexts(raw string) []string {
	var out []string
	for _, m := range jsonText.FindAllStringSubmatch(raw, -1) {
		s := strings.NewReplacer(`\n`, "\n", `\"`, `"`, `\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(m[1])
		if strings.IndexFunc(s, unicode.IsLetter) >= 0 {
			out = append(out, s)
		}
	}
	return out
}

// The coaching questions, drafted from the templates in prompts/coach,
// are held to the same lists: a manager posts them as they are.
func TestCoachingQuestionsDoNotLeak(t *testing.T) {
	for _, lang := range Langs {
		raw, err := coachFiles.ReadFile("coach/questions." + string(lang) + ".txt")
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(raw), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
				continue
			}
			line = regexp.MustCompile(`\{\{[^}]*\}\}`).ReplaceAllString(line, "7")
			if w := leaks(lang, line); len(w) > 0 {
				t.Errorf("questions.%s.txt:%d: %q in %q", lang, i+1, w, line)
			}
		}
	}
}
