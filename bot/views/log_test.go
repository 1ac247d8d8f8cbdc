package views

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kpibot/kpibot/kpi"
	"github.com/kpibot/kpibot/prompts"
)

// Every kind of parse error kpi can return has its own words, in every
// language, and they quote the token.
func TestEveryParseErrorKindHasItsText(t *testing.T) {
	seen := map[prompts.Key]kpi.ErrorKind{}
	for _, kind := range kpi.ErrorKinds {
		key, ok := ParseErrorKey(kind)
		if !ok {
			t.Errorf("%v has no text: add it to parseErrorKeys", kind)
			continue
		}
		if other, dup := seen[key]; dup {
			t.Errorf("%v and %v share the text %s", kind, other, key)
		}
		seen[key] = kind
		pe := &kpi.ParseError{Kind: kind, Token: "tok3n"}
		for _, lang := range prompts.Langs {
			got := PlainText(ParseError(lang, "3 tok3n", pe))
			if strings.Contains(got, string(key)) || strings.Contains(got, "<no value>") {
				t.Errorf("%s %v renders %q", lang, kind, got)
			}
			if kind != kpi.ErrEmpty && kind != kpi.ErrTooLong && !strings.Contains(got, "tok3n") {
				t.Errorf("%s %v does not quote the token: %q", lang, kind, got)
			}
		}
	}
	if _, ok := ParseErrorKey(kpi.ErrorKind(0)); ok {
		t.Error("the zero kind has a text")
	}
}

func TestParseErrorsSayTheRealReason(t *testing.T) {
	nov := func(day int) kpi.Date { return kpi.Date{Year: 2026, Month: 11, Day: day} }
	tests := []struct {
		name string
		lang prompts.Lang
		pe   kpi.ParseError
		want string
	}{
		{"weekday fr", prompts.French, kpi.ParseError{Kind: kpi.ErrWeekdayMismatch, Token: "mardi 20", Suggestion: "vendredi 20", Date: nov(20)},
			"mardi 20 ne correspond pas au calendrier : le 20 novembre est un vendredi. Tu voulais dire vendredi 20 ?"},
		{"weekday en", prompts.English, kpi.ParseError{Kind: kpi.ErrWeekdayMismatch, Token: "tuesday 20", Suggestion: "friday 20", Date: nov(20)},
			"tuesday 20 does not match the calendar: 20 November is a Friday. Did you mean friday 20?"},
		{"other currency fr", prompts.French, kpi.ParseError{Kind: kpi.ErrOtherCurrency, Token: "$12,500", Suggestion: "EUR", Currency: "USD"},
			"$12,500 est un montant en USD, alors que cet espace compte en EUR. Je ne convertis pas les montants : indique-le en EUR"},
		{"other currency en", prompts.English, kpi.ParseError{Kind: kpi.ErrOtherCurrency, Token: "12k€", Suggestion: "USD", Currency: "EUR"},
			"12k€ is an amount in EUR, but this workspace counts in USD. I do not convert amounts: enter it in USD"},
		{"future with its day", prompts.French, kpi.ParseError{Kind: kpi.ErrFutureDate, Token: "demain", Date: nov(24)},
			"demain (mar. 24 nov.) est dans le futur"},
		{"impossible date", prompts.English, kpi.ParseError{Kind: kpi.ErrImpossibleDate, Token: "31/11"},
			"31/11 is not a real date."},
		{"dangling", prompts.French, kpi.ParseError{Kind: kpi.ErrDanglingWord, Token: "envoyés"},
			"envoyés précise quelque chose, mais quoi ?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlainText(ParseError(tt.lang, tt.pe.Token, &tt.pe))
			if !strings.Contains(got, tt.want) {
				t.Errorf("got\n%s\nwant it to contain\n%s", got, tt.want)
			}
		})
	}
}

// A correction for a past week shows that week as past, not "so far".
func TestRecordedNamesAPastWeekAsPast(t *testing.T) {
	today := kpi.Date{Year: 2026, Month: 12, Day: 1}
	tests := []struct {
		from     kpi.Date
		lang     prompts.Lang
		want     string
		unwanted string
	}{
		{kpi.Date{Year: 2026, Month: 11, Day: 30}, prompts.French, "*Ta semaine jusqu'ici* (lun. 30 nov. – dim. 6 déc.)", "Cette semaine-là"},
		{kpi.Date{Year: 2026, Month: 11, Day: 23}, prompts.French, "*Cette semaine-là* (lun. 23 nov. – dim. 29 nov.)", "jusqu'ici"},
		{kpi.Date{Year: 2026, Month: 11, Day: 23}, prompts.English, "*That week* (Mon 23 Nov – Sun 29 Nov)", "so far"},
	}
	for _, tt := range tests {
		e := Entry{Day: tt.from, Tally: Tally{Counts: map[kpi.Metric]int{kpi.Meetings: 2}}}
		msg := Recorded(tt.lang, e, false, today, tt.from, tt.from.AddDays(6), e.Tally)
		var all string
		for _, b := range msg.Blocks.BlockSet {
			if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
				all += s.Text.Text + "\n"
			}
		}
		if !strings.Contains(all, tt.want) || strings.Contains(all, tt.unwanted) {
			t.Errorf("%s week of %v:\n%s\nwant %q", tt.lang, tt.from, all, tt.want)
		}
	}
}
