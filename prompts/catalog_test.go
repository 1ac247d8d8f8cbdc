package prompts

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/kpibot/kpibot/kpi"
)

// allKeys is every key the code uses; a key missing from a language file
// would show as the bare key in a reply.
var allKeys = []Key{
	LogRecordedTitle, LogRecordedNote, LogAlready, LogWeekTitle, LogWeekEmpty, LogWeekLine, LogFooter,
	LogSaving, LogFailed, LogUndoDone, LogUndoNone, LogUndoFailed, LogHelp, LogErrorExample,
	LogErrorEmpty, LogErrorUnknown, LogErrorUnknownSuggest, LogErrorNumberNoMetric, LogErrorMetricNoNumber,
	LogErrorNegative, LogErrorNotWhole, LogErrorTooMany, LogErrorTooManyDay, LogErrorRevenueTooLarge,
	LogErrorBadAmount, LogErrorBadDate, LogErrorFutureDate, LogErrorTooOld, LogErrorTwoDates,
	LogErrorTooLong, LogErrorImpossibleDate, LogErrorWeekdayMismatch, LogErrorOtherCurrency, LogErrorBareAmount,
	LogErrorAmbiguous, LogErrorConflict, LogErrorDangling, LogErrorSubsetTooLarge, LogErrorNotHappened, LogErrorNothingSaved, CommandUnknown, ConsoleBanner, ConsoleConnect, ConsoleUser,
	ConsoleUnknown, DayToday, DayYesterday,
}

func TestLanguagesDefineTheSameKeys(t *testing.T) {
	fr, en := keys(French), keys(English)
	slices.Sort(fr)
	slices.Sort(en)
	if !slices.Equal(fr, en) {
		t.Fatalf("fr and en differ:\nfr: %v\nen: %v", fr, en)
	}
	for _, k := range allKeys {
		if !slices.Contains(fr, k) {
			t.Errorf("key %q is used but not translated", k)
		}
	}
	for _, m := range kpi.Metrics {
		for _, form := range []string{"one", "other"} {
			if !slices.Contains(fr, Key("metric."+string(m)+"."+form)) {
				t.Errorf("metric %s has no %s label", m, form)
			}
		}
	}
}

func TestEveryMessageRenders(t *testing.T) {
	// Give every field any template names a value: what is tested is that
	// each template parses, executes and says something.
	data := map[string]any{}
	for _, lang := range Langs {
		for _, k := range keys(lang) {
			for _, f := range fields(lang, k) {
				// A count compared in a template must be a number.
				if v, ok := realistic[lang][f]; ok {
					data[f] = v
				} else {
					data[f] = 7
				}
			}
		}
	}
	for _, lang := range Langs {
		for _, k := range keys(lang) {
			got := Text(lang, k, data)
			if got == string(k) || strings.Contains(got, "<no value>") {
				t.Errorf("%s %s renders %q", lang, k, got)
			}
			// Only a resource answer may be empty: "unknown" says nothing.
			if strings.TrimSpace(got) == "" && k != "kpi.resources.unknown" {
				t.Errorf("%s %s is empty", lang, k)
			}
		}
	}
}

func TestTextFallsBack(t *testing.T) {
	if got := Text("de", DayToday, nil); got != "aujourd'hui" {
		t.Errorf("unknown language: %q, want French", got)
	}
	if got := Text(English, "no.such.key", nil); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
	// A template missing its data shows the key rather than half a sentence.
	if got := Text(English, LogErrorUnknown, map[string]string{}); got != string(LogErrorUnknown) {
		t.Errorf("missing data: %q", got)
	}
}

func TestLangFromLocale(t *testing.T) {
	tests := []struct {
		locale string
		want   Lang
	}{
		{"fr-FR", French}, {"fr-CA", French}, {"en-US", English}, {"en-GB", English},
		{"EN", English}, {"de-DE", French}, {"", French}, {"pt_BR", French},
	}
	for _, tt := range tests {
		if got := LangFromLocale(tt.locale, French); got != tt.want {
			t.Errorf("LangFromLocale(%q) = %q, want %q", tt.locale, got, tt.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	d := kpi.Date{Year: 2026, Month: 11, Day: 23}
	tests := []struct {
		name, got, want string
	}{
		{"money fr", Money(French, 1_250_000, ""), "12\u202f500\u00a0€"},
		{"money en", Money(English, 1_250_000, ""), "€12,500"},
		{"money cents", Money(English, 123_456, ""), "€1,234.56"},
		{"money fr cents", Money(French, 5, ""), "0,05\u00a0€"},
		{"money millions", Money(English, 1_000_000_000, ""), "€10,000,000"},
		{"date fr", Date(French, d), "lun. 23 nov."},
		{"date en", Date(English, d), "Mon 23 Nov"},
		{"today", Day(English, d, d), "today (Mon 23 Nov)"},
		{"yesterday", Day(French, d.AddDays(-1), d), "hier (dim. 22 nov.)"},
		{"earlier", Day(French, d.AddDays(-3), d), "ven. 20 nov."},
		{"percent fr", Percent(French, 0.011), "1,1\u202f%"},
		{"percent en", Percent(English, 0.33), "33%"},
		{"percent above 100", Percent(English, 20), "2000%"},
		{"number fr", Number(French, 3.3), "3,3"},
		{"stage", StageLabel(English, kpi.Stages[3]), "proposals → signatures"},
		{"label fr zero", MetricLabel(French, kpi.Calls, 0), "appel"},
		{"label en zero", MetricLabel(English, kpi.Calls, 0), "calls"},
		{"label en one", MetricLabel(English, kpi.Proposals, 1), "proposal"},
		{"money usd fr", Money(French, 1_250_000, "USD"), "12\u202f500\u00a0$US"},
		{"money usd en", Money(English, 1_250_000, "usd"), "$12,500"},
		{"money eur named", Money(English, 1_250_000, "EUR"), "€12,500"},
		{"money gbp fr", Money(French, 99, "GBP"), "0,99\u00a0£"},
		{"money cad en", Money(English, 100, "CAD"), "CA$1"},
		{"money chf fr", Money(French, 1_250_000, "CHF"), "12\u202f500\u00a0CHF"},
		{"money chf en", Money(English, 1_250_000, "CHF"), "CHF\u00a012,500"},
		{"money unknown code", Money(English, 100, "XYZ"), "XYZ\u00a01"},
		{"money negative en", Money(English, -1_250_000, "USD"), "-$12,500"},
		{"money negative fr", Money(French, -1_250_000, "EUR"), "-12\u202f500\u00a0€"},
		{"items", Items(French, map[kpi.Metric]int{kpi.Proposals: 1, kpi.Meetings: 3, kpi.Calls: 0}, Amounts{RevenueCents: 300_000, HasRevenue: true}), "0 appel · 3 rdv · 1 offre · CA 3\u202f000\u00a0€"},
		{"items pipeline", Items(English, map[kpi.Metric]int{kpi.Proposals: 2}, Amounts{PipelineCents: 1_500_000, HasPipeline: true, Currency: "USD"}), "2 proposals · pipeline $15,000"},
		{"items empty", Items(English, nil, Amounts{}), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// Every currency kpibot writes is one the /log parser reads, so a
// workspace can never choose a currency its reps cannot type.
func TestKnownCurrenciesAreReadByTheParser(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, code := range Currencies() {
		e, err := kpi.NewParser(nil).WithCurrency(code).Parse("CA 100 "+code, now)
		if err != nil || e.Currency != code || e.RevenueCents != 10_000 {
			t.Errorf("%s: %+v, %v", code, e, err)
		}
		for _, lang := range Langs {
			if got := Money(lang, 10_000, code); !strings.Contains(got, "100") {
				t.Errorf("%s %s: %q", lang, code, got)
			}
		}
	}
	if KnownCurrency("XYZ") || !KnownCurrency(" usd ") {
		t.Error("KnownCurrency")
	}
}

// The bot renders every parse error with the same fields; the texts for
// the newer kinds must need no other, and read well with no suggestion, no
// date and no currency.
func TestParseErrorTextsRenderWithTheBotsData(t *testing.T) {
	keys := []Key{LogErrorImpossibleDate, LogErrorWeekdayMismatch, LogErrorOtherCurrency, LogErrorBareAmount,
		LogErrorAmbiguous, LogErrorConflict, LogErrorDangling, LogErrorSubsetTooLarge, LogErrorNotHappened}
	for _, lang := range Langs {
		for _, k := range keys {
			for _, sug := range []string{"", "3 rdv 1 offre"} {
				data := map[string]any{"Token": "tok", "Suggestion": sug, "Text": "3 tok", "Limit": 0, "Label": "",
					"Date": "", "Weekday": "", "DayMonth": "", "Currency": ""}
				got := Text(lang, k, data)
				if got == string(k) || strings.Contains(got, "<no value>") || strings.Contains(got, "``") {
					t.Errorf("%s %s with suggestion %q renders %q", lang, k, sug, got)
				}
				if !strings.Contains(got, "tok") {
					t.Errorf("%s %s does not quote the token: %q", lang, k, got)
				}
			}
		}
	}
}

// French texts read as a native speaker writes them: a space before : ;
// ? and !, « » for quotes, and no "(e)" or "(s)" standing for a reader
// whose gender or number the text does not know. English texts have no
// space before those signs and no guillemets. Commands in backticks and
// template actions are left out of the check.
func TestTypography(t *testing.T) {
	code := regexp.MustCompile("`[^`]*`")
	action := regexp.MustCompile(`\{\{[^}]*\}\}`)
	inclusive := regexp.MustCompile(`\((e|s|es|ne|x)\)`)
	for _, lang := range Langs {
		raw, _ := messageFiles.ReadFile("messages/" + string(lang) + ".json")
		var texts map[string]string
		if err := json.Unmarshal(raw, &texts); err != nil {
			t.Fatal(err)
		}
		for key, text := range texts {
			s := action.ReplaceAllString(code.ReplaceAllString(text, "`c`"), "X")
			if inclusive.MatchString(s) {
				t.Errorf("%s %s writes %q: say it without (e) or (s)", lang, key, inclusive.FindString(s))
			}
			rs := []rune(s)
			for i, r := range rs {
				if !strings.ContainsRune(":;?!", r) || i == 0 {
					continue
				}
				prev := rs[i-1]
				if r == ':' && unicode.IsDigit(prev) && i+1 < len(rs) && unicode.IsDigit(rs[i+1]) || strings.ContainsRune("?!", prev) {
					continue // 17:30, ?!
				}
				spaced := prev == ' ' || prev == '\u00a0' || prev == '\u202f'
				if lang == French && !spaced {
					t.Errorf("fr %s: no space before %q in %q", key, r, string(rs[max(0, i-20):min(len(rs), i+5)]))
				}
				if lang == English && spaced {
					t.Errorf("en %s: a space before %q in %q", key, r, string(rs[max(0, i-20):min(len(rs), i+5)]))
				}
			}
			if lang == French && strings.ContainsAny(s, "\"“”") {
				t.Errorf("fr %s quotes with \" or “ ”: French uses « »: %q", key, text)
			}
			if lang == English && strings.ContainsAny(s, "«»") {
				t.Errorf("en %s quotes with « »: %q", key, text)
			}
		}
	}
}

func TestCapital(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"synthèse pour le manager (MP)", "Synthèse pour le manager (MP)"},
		{"échanges de coaching", "Échanges de coaching"},
		{"Monday review", "Monday review"},
		{"", ""},
	} {
		if got := capital(tt.in); got != tt.want {
			t.Errorf("capital(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
