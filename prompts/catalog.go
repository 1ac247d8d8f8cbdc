package prompts

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/template"
	"unicode"
	"unicode/utf8"
)

// Lang is a language kpibot speaks.
type Lang string

// The languages kpibot speaks. French is the workspace default, as in the
// source documents.
const (
	French  Lang = "fr"
	English Lang = "en"
)

// Langs lists every supported language.
var Langs = []Lang{French, English}

// ParseLang reads a language code ("fr", "en", "FR") and reports whether it
// is supported.
func ParseLang(s string) (Lang, bool) {
	switch Lang(strings.ToLower(strings.TrimSpace(s))) {
	case French:
		return French, true
	case English:
		return English, true
	}
	return "", false
}

// LangFromLocale maps a Slack user locale such as "fr-FR" or "en-US" to a
// supported language, or fallback when the locale is empty or unsupported.
func LangFromLocale(locale string, fallback Lang) Lang {
	base, _, _ := strings.Cut(locale, "-")
	base, _, _ = strings.Cut(base, "_")
	if l, ok := ParseLang(base); ok {
		return l
	}
	return fallback
}

// Key names one message of the catalog.
type Key string

// Message keys. Every key must exist in every language; a test enforces it.
const (
	LogRecordedTitle        Key = "log.recorded.title"
	LogRecordedNote         Key = "log.recorded.note"
	LogAlready              Key = "log.already"
	LogWeekTitle            Key = "log.week.title"
	LogWeekEmpty            Key = "log.week.empty"
	LogWeekLine             Key = "log.week.line"
	LogFooter               Key = "log.footer"
	LogSaving               Key = "log.saving"
	LogFailed               Key = "log.failed"
	LogUndoDone             Key = "log.undo.done"
	LogUndoNone             Key = "log.undo.none"
	LogUndoFailed           Key = "log.undo.failed"
	LogHelp                 Key = "log.help"
	LogHelpWords            Key = "log.help.words"
	LogErrorExample         Key = "log.error.example"
	LogErrorEmpty           Key = "log.error.empty"
	LogErrorUnknown         Key = "log.error.unknown"
	LogErrorUnknownSuggest  Key = "log.error.unknown.suggest"
	LogErrorNumberNoMetric  Key = "log.error.number_without_metric"
	LogErrorMetricNoNumber  Key = "log.error.metric_without_number"
	LogErrorNegative        Key = "log.error.negative"
	LogErrorNotWhole        Key = "log.error.not_whole"
	LogErrorTooMany         Key = "log.error.too_many"
	LogErrorTooManyDay      Key = "log.error.too_many_day"
	LogErrorRevenueTooLarge Key = "log.error.revenue_too_large"
	LogErrorBadAmount       Key = "log.error.bad_amount"
	LogErrorBadDate         Key = "log.error.bad_date"
	LogErrorFutureDate      Key = "log.error.future_date"
	LogErrorTooOld          Key = "log.error.too_old"
	LogErrorTwoDates        Key = "log.error.two_dates"
	LogErrorTooLong         Key = "log.error.too_long"
	// Texts for the parse error kinds added with the /log grammar; the
	// bot maps kpi.ErrImpossibleDate... to them.
	LogErrorImpossibleDate  Key = "log.error.impossible_date"
	LogErrorWeekdayMismatch Key = "log.error.weekday_mismatch"
	LogErrorOtherCurrency   Key = "log.error.other_currency"
	LogErrorBareAmount      Key = "log.error.bare_amount"
	LogErrorAmbiguous       Key = "log.error.ambiguous"
	LogErrorConflict        Key = "log.error.conflict"
	LogErrorDangling        Key = "log.error.dangling"
	LogErrorSubsetTooLarge  Key = "log.error.subset_too_large"
	LogErrorNotHappened     Key = "log.error.not_happened"
	LogErrorNothingSaved    Key = "log.error.nothing_saved"
	CommandUnknown          Key = "command.unknown"
	ConsoleBanner           Key = "console.banner"
	ConsoleConnect          Key = "console.connect"
	ConsoleUser             Key = "console.user"
	ConsoleUnknown          Key = "console.unknown"
	ConsoleError            Key = "console.error"
	DayToday                Key = "day.today"
	DayYesterday            Key = "day.yesterday"
	// PipelineLabel names the value of the offers sent, as a line of
	// figures shows it ("pipeline 15 000 €").
	PipelineLabel Key = "money.pipeline"
)

//go:embed messages/*.json
var messageFiles embed.FS

// catalogs is parsed once at start-up: a broken translation file is a
// programming error that tests catch, so failing loudly at init is right.
var catalogs = mustLoad()

func mustLoad() map[Lang]map[Key]*template.Template {
	out := make(map[Lang]map[Key]*template.Template, len(Langs))
	for _, lang := range Langs {
		raw, err := messageFiles.ReadFile("messages/" + string(lang) + ".json")
		if err != nil {
			panic(fmt.Sprintf("prompts: read %s messages: %v", lang, err))
		}
		var texts map[Key]string
		if err := json.Unmarshal(raw, &texts); err != nil {
			panic(fmt.Sprintf("prompts: parse %s messages: %v", lang, err))
		}
		out[lang] = make(map[Key]*template.Template, len(texts))
		for key, text := range texts {
			tmpl, err := template.New(string(key)).Option("missingkey=error").Funcs(funcs(lang)).Parse(text)
			if err != nil {
				panic(fmt.Sprintf("prompts: %s %s: %v", lang, key, err))
			}
			out[lang][key] = tmpl
		}
	}
	return out
}

// funcs are the functions a catalogue text may call.
//
// {{capital .Name}} writes .Name with a capital first letter, for a name
// that is written in lower case inside a sentence and starts one here.
//
// {{plural .N "commercial" "commerciaux"}} writes the form of a word for
// the count .N with lang's rule: French uses the singular below 2 ("0
// commercial", "1,5 jour"), English only for exactly 1. The count may be
// any integer or float, or a figure already written ("1,5", "12").
func funcs(lang Lang) template.FuncMap {
	return template.FuncMap{
		"capital": capital,
		"plural": func(n any, one, other string) string {
			if singular(lang, count(n)) {
				return one
			}
			return other
		},
	}
}

// capital upper-cases the first letter of s.
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// singular reports whether lang writes the count v with the singular.
func singular(lang Lang, v float64) bool {
	if lang == French {
		return math.Abs(v) < 2
	}
	return v == 1
}

// count reads the number a template was given.
func count(n any) float64 {
	switch v := n.(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case float64:
		return v
	case string:
		f, err := strconv.ParseFloat(strings.NewReplacer(",", ".", "\u202f", "", "\u00a0", "", " ", "").Replace(v), 64)
		if err == nil {
			return f
		}
	}
	return 2
}

// Text renders the message key in lang with data (a struct or a map). An
// unknown language falls back to French; a missing key or a template error
// yields the key itself, so a gap in a translation shows up in tests and
// never breaks a reply.
func Text(lang Lang, key Key, data any) string {
	c, ok := catalogs[lang]
	if !ok {
		c = catalogs[French]
	}
	tmpl, ok := c[key]
	if !ok {
		return string(key)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return string(key)
	}
	return buf.String()
}

// keys lists the keys a language defines; tests use it to check that the
// languages stay in step.
func keys(lang Lang) []Key {
	var out []Key
	for k := range catalogs[lang] {
		out = append(out, k)
	}
	return out
}
