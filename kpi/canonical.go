package kpi

import (
	"strconv"
	"strings"
)

// canonicalWords are the words Canonical writes, [one, other], French then
// English. Each reads back as its own metric with no doubt.
var canonicalWords = map[Metric][2][2]string{
	Calls:      {{"appel", "appels"}, {"call", "calls"}},
	Emails:     {{"e-mail", "e-mails"}, {"email", "emails"}},
	Leads:      {{"lead", "leads"}, {"lead", "leads"}},
	Meetings:   {{"rdv", "rdv"}, {"meeting", "meetings"}},
	Demos:      {{"démo", "démos"}, {"demo", "demos"}},
	Proposals:  {{"offre", "offres"}, {"proposal", "proposals"}},
	Followups:  {{"relance", "relances"}, {"follow-up", "follow-ups"}},
	Signatures: {{"signature", "signatures"}, {"signature", "signatures"}},
	Lost:       {{"deal perdu", "deals perdus"}, {"lost deal", "lost deals"}},
	Renewals:   {{"renouvellement", "renouvellements"}, {"renewal", "renewals"}},
}

// Canonical writes e back as a /log text in canonical French words:
// "3 rdv 1 offre CA 12000 EUR 2026-11-20 -- note". Parsing it again gives
// the same counts, amounts, day and note. It is what the bot can show as
// "I read: ..." and what a rep can copy to correct. Subsets and doubts are
// not written.
func (e Entry) Canonical() string { return e.canonical(false, true) }

// CanonicalEnglish is Canonical in English words: "3 meetings 1 proposal".
func (e Entry) CanonicalEnglish() string { return e.canonical(true, true) }

func (e Entry) canonical(english, full bool) string {
	lang := 0
	if english {
		lang = 1
	}
	var parts []string
	for _, m := range CountMetrics {
		n, ok := e.Counts[m]
		if !ok {
			continue
		}
		w := canonicalWords[m][lang]
		word := w[1]
		if n == 1 || n == 0 && !english {
			word = w[0]
		}
		parts = append(parts, strconv.Itoa(n)+" "+word)
	}
	cur := e.Currency
	if cur == "" {
		cur = DefaultCurrency
	}
	if e.HasRevenue {
		word := "CA"
		if english {
			word = "revenue"
		}
		parts = append(parts, word+" "+formatCents(e.RevenueCents)+" "+cur)
	}
	if e.HasPipeline {
		parts = append(parts, "pipeline "+formatCents(e.PipelineCents)+" "+cur)
	}
	if e.Nothing && len(parts) == 0 {
		word := "rien"
		if english {
			word = "nothing"
		}
		parts = append(parts, word)
	}
	if full && e.DateGiven {
		parts = append(parts, e.Date.String())
	}
	s := strings.Join(parts, " ")
	if full && e.Note != "" {
		s += " -- " + e.Note
	}
	return s
}

// formatCents writes cents as the parser reads them back: "12000",
// "12000.50".
func formatCents(v int64) string {
	whole := strconv.FormatInt(v/100, 10)
	if c := v % 100; c != 0 {
		return whole + "." + strconv.FormatInt(100+c, 10)[1:]
	}
	return whole
}
