package kpi

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// gcase is one /log phrasing and what it must record. want is a compact
// spec: "calls=3 meetings=2 rev=1200000 pipe=1500000 day=2026-11-28
// sub=calls:3"; counts not listed must be absent. err is the refusal
// expected instead. doubt means the reading needs confirmation: a parser
// WithDoubts returns it with Entry.Doubts, a parser without refuses it,
// unless legacy (a reading the old parser stored, still accepted).
type gcase struct {
	text   string
	want   string
	err    ErrorKind
	doubt  bool
	legacy bool
}

// The reference day of these tables: Tuesday 1 December 2026, so Monday 30
// November is "hier" and Thursday 26 November "jeudi 26".
func grammarNow(t testing.TB) time.Time {
	return time.Date(2026, 12, 1, 10, 0, 0, 0, loadZoneT(t, "Europe/Paris"))
}

// A status word qualifies the noun beside it: one counted thing, one count.
var statusCases = []gcase{
	{text: "perdu 1 deal", want: "lost=1"},
	{text: "1 deal perdu", want: "lost=1"},
	{text: "1 devis perdu", want: "lost=1"},
	{text: "lost 2 deals", want: "lost=2"},
	{text: "2 deals lost", want: "lost=2"},
	{text: "2 lost deals", want: "lost=2"},
	{text: "2 closed lost", want: "lost=2"},
	{text: "2 closed-lost", want: "lost=2"},
	{text: "1 offre perdue", want: "lost=1"},
	{text: "2 offres perdues", want: "lost=2"},
	{text: "1 vente perdue", want: "lost=1"},
	{text: "1 affaire perdue", want: "lost=1"},
	{text: "2 devis refusés", want: "lost=2"},
	{text: "perdus 2 devis", want: "lost=2"},
	{text: "closed 1 deal", want: "signatures=1"},
	{text: "closed a deal", want: "signatures=1"},
	{text: "won 2 deals", want: "signatures=2"},
	{text: "2 deals won", want: "signatures=2"},
	{text: "2 closed won", want: "signatures=2"},
	{text: "1 closed-won deal", want: "signatures=1"},
	{text: "1 vente signée", want: "signatures=1"},
	{text: "1 vente signee", want: "signatures=1"},
	{text: "1 affaire gagnée", want: "signatures=1"},
	{text: "2 affaires gagnees", want: "signatures=2"},
	{text: "1 proposition signée", want: "signatures=1"},
	{text: "1 devis signé", want: "signatures=1"},
	{text: "signé 1 devis", want: "signatures=1"},
	{text: "2 contrats signés", want: "signatures=2"},
	{text: "signed 2 contracts", want: "signatures=2"},
	{text: "1 deal signé", want: "signatures=1"},
	{text: "1 deal conclu", want: "signatures=1"},
	{text: "1 renouvellement signé", want: "renewals=1"},
	{text: "1 renewal closed", want: "renewals=1"},
	{text: "2 devis envoyés", want: "proposals=2"},
	{text: "envoyé 2 devis", want: "proposals=2"},
	{text: "sent 3 proposals", want: "proposals=3"},
	{text: "3 quotes sent", want: "proposals=3"},
	{text: "2 offres émises", want: "proposals=2"},
	{text: "5 appels sortants", want: "calls=5"},
	{text: "5 appels entrants", want: "calls=5"},
	{text: "10 appels passés", want: "calls=10"},
	{text: "made 10 calls", want: "calls=10"},
	{text: "10 outbound calls", want: "calls=10"},
	{text: "2 meetings booked", want: "meetings=2"},
	{text: "booked 2 meetings", want: "meetings=2"},
	{text: "2 rdv calés", want: "meetings=2"},
	{text: "2 rdv pris", want: "meetings=2"},
	{text: "3 rdv fixés", want: "meetings=3"},
	{text: "2 rdv tenus", want: "meetings=2"},
	{text: "2 meetings held", want: "meetings=2"},
	{text: "2 rdv planifiés", want: "meetings=2"},
	{text: "2 démos faites", want: "demos=2"},
	{text: "1 demo done", want: "demos=1"},
	{text: "3 leads qualifiés", want: "leads=3"},
	{text: "3 qualified leads", want: "leads=3"},
	{text: "3 appels décrochés", want: "calls=3"},
	{text: "2 signés", want: "signatures=2"},
	{text: "signé", want: "signatures=1"},
	{text: "2 perdus", want: "lost=2"},
	{text: "2 ventes", want: "signatures=2"},
	{text: "1 sale", want: "signatures=1"},
	{text: "1 signature", want: "signatures=1"},
	{text: "j'ai fait 3 rdv et envoyé 2 devis", want: "meetings=3 proposals=2"},
	{text: "had 3 calls and sent 2 quotes", want: "calls=3 proposals=2"},
	{text: "3 proposals sent, 1 signed", want: "proposals=3 signatures=1"},
	{text: "3 offres envoyées, 1 signée", want: "proposals=3 signatures=1"},
	{text: "2 signés 1 offre", want: "signatures=2 proposals=1"},
	{text: "3 rdv closed 1 deal", want: "meetings=3 signatures=1"},
	// A bare deal could be won, lost or open: read as a signature, asked.
	{text: "2 deals", want: "signatures=2", doubt: true, legacy: true},
	{text: "1 affaire", want: "signatures=1", doubt: true},
	{text: "1 contrat", want: "signatures=1", doubt: true},
	// Words that cannot go together are refused.
	{text: "1 rdv signé", err: ErrConflict},
	{text: "1 deal gagné perdu", err: ErrConflict},
	{text: "1 renouvellement perdu", err: ErrConflict},
	{text: "2 appels perdus", err: ErrConflict},
	{text: "3 envoyés", err: ErrDanglingWord},
	// What did not happen is not counted.
	{text: "2 rdv annulés", err: ErrNotHappened},
	{text: "1 démo reportée", err: ErrNotHappened},
	{text: "2 no-show", err: ErrNotHappened},
	{text: "3 rdv dont 1 annulé", err: ErrNotHappened},
	{text: "cancelled 2 meetings", err: ErrNotHappened},
	{text: "2 booked", err: ErrDanglingWord},
}

// A word after a metric that narrows it does not add a second metric.
var narrowingCases = []gcase{
	{text: "3 relances mail", want: "followups=3"},
	{text: "3 relances par mail", want: "followups=3"},
	{text: "3 mails de relance", want: "followups=3"},
	{text: "3 email follow-ups", want: "followups=3"},
	{text: "3 relances téléphoniques", want: "followups=3"},
	{text: "2 rdv visio", want: "meetings=2"},
	{text: "2 rdv en visio", want: "meetings=2"},
	{text: "4 rdv physiques", want: "meetings=4"},
	{text: "3 rdv en présentiel", want: "meetings=3"},
	{text: "2 rdv sur site", want: "meetings=2"},
	{text: "2 rdv de découverte", want: "meetings=2"},
	{text: "2 rdv clients", want: "meetings=2"},
	{text: "3 appels clients", want: "calls=3"},
	{text: "3 appels prospects", want: "calls=3"},
	{text: "3 appels à froid", want: "calls=3"},
	{text: "5 appels de prospection", want: "calls=5"},
	{text: "2 appels visio", want: "calls=2"},
	{text: "2 demos produit", want: "demos=2"},
	{text: "2 product demos", want: "demos=2"},
	{text: "1 démo produit chez le client", want: "demos=1"},
	{text: "3 client meetings", want: "meetings=3"},
	{text: "3 discovery calls", want: "calls=3"},
	{text: "5 sales calls", want: "calls=5"},
	{text: "3 nouveaux leads", want: "leads=3"},
	{text: "3 new leads", want: "leads=3"},
	{text: "5 messages linkedin", want: "emails=5"},
	{text: "2 propositions commerciales", want: "proposals=2"},
	{text: "1 rdv de suivi", want: "meetings=1"},
	// Weak nouns alone are nouns.
	{text: "3 mails", want: "emails=3"},
	{text: "2 visios", want: "meetings=2"},
	{text: "3 prospects", want: "leads=3"},
	// Two nouns of different metrics side by side: which one was meant?
	{text: "3 rdv offre", want: "meetings=3", doubt: true},
	{text: "2 rdv démo", want: "meetings=2", doubt: true},
	{text: "2 demo calls", want: "demos=2", doubt: true},
	{text: "relance des devis", want: "followups=1", doubt: true},
	{text: "2 clients", err: ErrDanglingWord},
	{text: "2 linkedin", err: ErrDanglingWord},
}

// Subsets are not added.
var subsetCases = []gcase{
	{text: "12 appels dont 3 décrochés", want: "calls=12 sub=calls:3"},
	{text: "12 appels, dont 3 décrochés", want: "calls=12 sub=calls:3"},
	{text: "12 calls of which 3 connected", want: "calls=12 sub=calls:3"},
	{text: "12 calls incl. 3 connected", want: "calls=12 sub=calls:3"},
	{text: "12 calls including 3 answered", want: "calls=12 sub=calls:3"},
	{text: "10 rdv dont 3 en visio", want: "meetings=10 sub=meetings:3"},
	{text: "10 rdv dont 3 rdv visio", want: "meetings=10 sub=meetings:3"},
	{text: "3 rdv (2 en visio)", want: "meetings=3 sub=meetings:2"},
	{text: "3 rdv (2 visio) 1 offre", want: "meetings=3 proposals=1 sub=meetings:2"},
	{text: "12 appels sortants dont 4 décrochés, 2 rdv pris", want: "calls=12 meetings=2 sub=calls:4"},
	{text: "12 appels dont 3 décrochés 2 rdv", want: "calls=12 meetings=2 sub=calls:3"},
	{text: "12 appels dont 3", want: "calls=12 sub=calls:3"},
	{text: "12 appels dont 15 décrochés", err: ErrSubsetTooLarge},
	{text: "dont 3 décrochés", err: ErrDanglingWord},
	{text: "12 appels dont", err: ErrDanglingWord},
	{text: "meetings: 3 (1 onsite)", want: "meetings=3 sub=meetings:1"},
	{text: "12 appels 30 décrochés", err: ErrSubsetTooLarge},
	// A part with no "dont": most likely a part, but ask.
	{text: "12 calls 3 connected", want: "calls=12 sub=calls:3", doubt: true},
	{text: "3 rdv 2 calés", want: "meetings=3 sub=meetings:2", doubt: true},
	// A part that is another metric: counted or not?
	{text: "5 offres dont 2 signées", want: "proposals=5", doubt: true},
	{text: "3 rdv (1 démo)", want: "meetings=3", doubt: true},
}

// Abbreviations and jargon, accents and plurals.
var jargonCases = []gcase{
	{text: "1 propal", want: "proposals=1"},
	{text: "3 propales", want: "proposals=3"},
	{text: "3 propals", want: "proposals=3"},
	{text: "2 props", want: "proposals=2"},
	{text: "4 rdv 1 propal", want: "meetings=4 proposals=1"},
	{text: "R1", want: "meetings=1"},
	{text: "2 R2", want: "meetings=2"},
	{text: "1 r3", want: "meetings=1"},
	{text: "visio", want: "meetings=1"},
	{text: "3 cold calls", want: "calls=3"},
	{text: "3 cold-calls", want: "calls=3"},
	{text: "10 dials", want: "calls=10"},
	{text: "2 coups de fil", want: "calls=2"},
	{text: "2 follow ups", want: "followups=2"},
	{text: "2 follow-ups", want: "followups=2"},
	{text: "2 followups", want: "followups=2"},
	{text: "3 fu", want: "followups=3"},
	{text: "2 mtgs", want: "meetings=2"},
	{text: "1 mtg", want: "meetings=1"},
	{text: "3 relances", want: "followups=3"},
	{text: "2 démos", want: "demos=2"},
	{text: "2 demos", want: "demos=2"},
	{text: "2 DÉMOS", want: "demos=2"},
	{text: "1 démonstration", want: "demos=1"},
	{text: "4 rendez-vous", want: "meetings=4"},
	{text: "4 rendez vous", want: "meetings=4"},
	{text: "3 e-mails envoyés", want: "emails=3"},
	{text: "3 inmails", want: "emails=3"},
	{text: "3rdv 2offres 1sig", want: "meetings=3 proposals=2 signatures=1"},
	{text: "deux rdv et trois appels", want: "meetings=2 calls=3"},
	{text: "one demo", want: "demos=1"},
	{text: "a call", want: "calls=1"},
	{text: "un rdv", want: "meetings=1"},
	{text: "l'offre", want: "proposals=1"},
	{text: "mon rdv", want: "meetings=1"},
	{text: "RDV: 3 / Offres: 2 / Signatures: 1", want: "meetings=3 proposals=2 signatures=1"},
	{text: "rdv=3 offre=2", want: "meetings=3 proposals=2"},
	{text: "appels x10", want: "calls=10"},
	{text: "10x appels", want: "calls=10"},
	{text: "Journée : 15 appels, 3 rdv fixés, 1 devis envoyé", want: "calls=15 meetings=3 proposals=1"},
	{text: "today: 5 calls, 2 demos, 1 proposal sent", want: "calls=5 demos=2 proposals=1 day=2026-12-01"},
	{text: "I had 5 calls today", want: "calls=5 day=2026-12-01"},
	{text: "1 signature 1 renouvellement", want: "signatures=1 renewals=1"},
	{text: "closed won: 2", want: "signatures=2"},
	{text: "lost: 1", want: "lost=1"},
	{text: "5 follow up emails", want: "followups=5"},
	{text: "2 follow-up calls", want: "followups=2", doubt: true},
	{text: "Today: 30 dials, 6 connects, 2 meetings booked", err: ErrUnknownWord},
	{text: "3 calls 2 meetings 1 demo 1 proposal 1 closed won", want: "calls=3 meetings=2 demos=1 proposals=1 signatures=1"},
	// Typos: read as the nearest word, to be confirmed.
	{text: "3 offfre", want: "proposals=3", doubt: true},
	{text: "2 rvd", want: "meetings=2", doubt: true},
	{text: "3 apels", want: "calls=3", doubt: true},
	{text: "2 rdv yesterdy", want: "meetings=2 day=2026-11-30", doubt: true},
	{text: "1 offre perdeu", want: "lost=1", doubt: true},
	{text: "3 zzzzzz", err: ErrUnknownWord},
	{text: "semaine : 20 appels", err: ErrUnknownWord}, // not "demain"
	{text: "1 deal en cours", err: ErrUnknownWord},
	{text: "3 rdv chez Acme", err: ErrUnknownWord},
	{text: "1er rdv", err: ErrAmbiguous},
}

// Separators between items, and notes.
var separatorCases = []gcase{
	{text: "3 rdv, 2 offres", want: "meetings=3 proposals=2"},
	{text: "3 rdv; 2 offres", want: "meetings=3 proposals=2"},
	{text: "3 rdv / 2 offres", want: "meetings=3 proposals=2"},
	{text: "10 appels / 2 rdv / 1 offre", want: "calls=10 meetings=2 proposals=1"},
	{text: "3 rdv + 2 offres", want: "meetings=3 proposals=2"},
	{text: "3 rdv et 2 offres", want: "meetings=3 proposals=2"},
	{text: "3 meetings and 2 proposals", want: "meetings=3 proposals=2"},
	{text: "3 rdv & 2 offres", want: "meetings=3 proposals=2"},
	{text: "3 rdv - 2 offres", want: "meetings=3 proposals=2"},
	{text: "3 rdv; 2 offres + 1 signature et 2 relances & 1 démo", want: "meetings=3 proposals=2 signatures=1 followups=2 demos=1"},
	{text: "5 cold calls, 2 meetings booked", want: "calls=5 meetings=2"},
	{text: "offre, 3 rdv", want: "proposals=1 meetings=3"},
	{text: "rdv, offre", want: "meetings=1 proposals=1"},
	{text: "3 rdv – bon feeling", want: "meetings=3"},
	{text: "3 rdv — bon feeling", want: "meetings=3"},
	{text: "3 rdv -- bon feeling", want: "meetings=3"},
	{text: "3 rdv # bon feeling", want: "meetings=3"},
	{text: "3 rdv bon feeling", err: ErrUnknownWord}, // not "meeting": a far typo keeps its first letter
	{text: "3 rdv super journée avec Acme", err: ErrUnknownWord},
	{text: "3 rdv 2", err: ErrNumberWithoutMetric},
	{text: "3", err: ErrNumberWithoutMetric},
	{text: "x3 rdv", err: ErrUnknownWord},
}

// Dates, day first in both languages.
var dateCases = []gcase{
	{text: "28/11 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "2 rdv 28/11", want: "meetings=2 day=2026-11-28"},
	{text: "28/11/2026 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "28/11/26 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "28.11 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "28.11.2026 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "28-11-2026 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "1/12 2 rdv", want: "meetings=2 day=2026-12-01"},
	{text: "2026-11-28 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "le 28 3 appels", want: "calls=3 day=2026-11-28"},
	{text: "2 rdv le 28", want: "meetings=2 day=2026-11-28"},
	{text: "le 1er 2 rdv", want: "meetings=2 day=2026-12-01"},
	{text: "the 28th 2 calls", want: "calls=2 day=2026-11-28"},
	{text: "28th 2 calls", want: "calls=2 day=2026-11-28"},
	{text: "28 nov 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "28 nov. 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "28 novembre 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "28 nov 2026 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "le 28 nov 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "nov 28 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "nov. 28 2 rdv", want: "meetings=2 day=2026-11-28"},
	{text: "november 28th 2 calls", want: "calls=2 day=2026-11-28"},
	{text: "jeudi 26 2 rdv", want: "meetings=2 day=2026-11-26"},
	{text: "jeudi 26 novembre 2 rdv", want: "meetings=2 day=2026-11-26"},
	{text: "jeudi 26/11 2 rdv", want: "meetings=2 day=2026-11-26"},
	{text: "thursday nov 26 2 calls", want: "calls=2 day=2026-11-26"},
	{text: "thu 26/11 2 calls", want: "calls=2 day=2026-11-26"},
	{text: "vendredi dernier 4 appels", want: "calls=4 day=2026-11-27"},
	{text: "last friday 2 demos", want: "demos=2 day=2026-11-27"},
	{text: "mardi dernier 1 rdv", want: "meetings=1 day=2026-11-24"},
	{text: "last tuesday 1 call", want: "calls=1 day=2026-11-24"},
	{text: "mardi 1 appel", want: "calls=1 day=2026-12-01"},
	{text: "on monday 3 calls", want: "calls=3 day=2026-11-30"},
	{text: "monday 3 calls", want: "calls=3 day=2026-11-30"},
	{text: "mon 3 calls", want: "calls=3 day=2026-11-30"},
	{text: "lundi 2 rdv", want: "meetings=2 day=2026-11-30"},
	{text: "ce lundi 2 rdv", want: "meetings=2 day=2026-11-30"},
	{text: "vendredi 3 rdv", want: "meetings=3 day=2026-11-27"},
	{text: "ven. 3 rdv", want: "meetings=3 day=2026-11-27"},
	{text: "hier 2 rdv", want: "meetings=2 day=2026-11-30"},
	{text: "3 rdv hier", want: "meetings=3 day=2026-11-30"},
	{text: "hier soir 3 appels", want: "calls=3 day=2026-11-30"},
	{text: "(hier) 3 rdv", want: "meetings=3 day=2026-11-30"},
	{text: "yesterday 2 calls", want: "calls=2 day=2026-11-30"},
	{text: "avant-hier 1 offre", want: "proposals=1 day=2026-11-29"},
	{text: "avant hier 1 offre", want: "proposals=1 day=2026-11-29"},
	{text: "aujourd'hui 1 offre", want: "proposals=1 day=2026-12-01"},
	{text: "ce matin 2 rdv", want: "meetings=2 day=2026-12-01"},
	{text: "today 1 demo", want: "demos=1 day=2026-12-01"},
	{text: "Nov 27: 2 meetings", want: "meetings=2 day=2026-11-27"},
	{text: "2 meetings on the 27th", want: "meetings=2 day=2026-11-27"},
	{text: "2 meetings last friday", want: "meetings=2 day=2026-11-27"},
	{text: "2 rdv le jeudi 26", want: "meetings=2 day=2026-11-26"},
	{text: "lundi 2026-11-30 1 rdv", want: "meetings=1 day=2026-11-30"},
	// The future, impossible days, mismatches, too old.
	{text: "demain 3 rdv", err: ErrFutureDate},
	{text: "tomorrow 2 calls", err: ErrFutureDate},
	{text: "après-demain 1 rdv", err: ErrFutureDate},
	{text: "mardi prochain 1 rdv", err: ErrFutureDate},
	{text: "next monday 1 call", err: ErrFutureDate},
	{text: "le 3 3 rdv", err: ErrFutureDate},
	{text: "3/12 1 rdv", err: ErrFutureDate},
	{text: "2026-12-02 1 rdv", err: ErrFutureDate},
	{text: "31/11 2 rdv", err: ErrImpossibleDate},
	{text: "30/02 2 rdv", err: ErrImpossibleDate},
	{text: "32/11 1 rdv", err: ErrImpossibleDate},
	{text: "28/13 1 rdv", err: ErrImpossibleDate},
	{text: "le 32 2 rdv", err: ErrImpossibleDate},
	{text: "2026-02-30 1 rdv", err: ErrImpossibleDate},
	{text: "31 nov 1 rdv", err: ErrImpossibleDate},
	{text: "mercredi 26 2 rdv", err: ErrWeekdayMismatch},
	{text: "wednesday 26/11 2 calls", err: ErrWeekdayMismatch},
	{text: "lundi 2026-11-26 1 rdv", err: ErrWeekdayMismatch},
	{text: "2026-08-01 1 rdv", err: ErrTooOld},
	{text: "1/8 1 rdv", err: ErrTooOld},
	{text: "hier 2 rdv lundi", want: "meetings=2 day=2026-11-30"}, // the same Monday
	{text: "hier 2 rdv vendredi", err: ErrTwoDates},
	{text: "hier 2 rdv 28/11", err: ErrTwoDates},
	{text: "nov 2 rdv", err: ErrBadDate},
	{text: "2 rdv last", err: ErrBadDate},
	{text: "hier", err: ErrEmpty},
	// "le 28 rdv": the 28th, or 28 meetings?
	{text: "le 28 rdv", want: "meetings=1 day=2026-11-28", doubt: true},
}

// Money: revenue beside a sale, pipeline beside offers, never bare.
var moneyCases = []gcase{
	{text: "1 vente 12k", want: "signatures=1 rev=1200000"},
	{text: "1 vente 12k€", want: "signatures=1 rev=1200000"},
	{text: "1 vente à 12k€", want: "signatures=1 rev=1200000"},
	{text: "1 vente de 12 000 €", want: "signatures=1 rev=1200000"},
	{text: "1 vente pour 12k€", want: "signatures=1 rev=1200000"},
	{text: "1 signature 8 500 €", want: "signatures=1 rev=850000"},
	{text: "1 signature (15k€)", want: "signatures=1 rev=1500000"},
	{text: "signé 12 000 €", want: "signatures=1 rev=1200000"},
	{text: "1 deal signé 10k€", want: "signatures=1 rev=1000000"},
	{text: "1 closed won deal 10k€", want: "signatures=1 rev=1000000"},
	{text: "1 vente 1,2M€", want: "signatures=1 rev=120000000"},
	{text: "1 renouvellement 8k€", want: "renewals=1 rev=800000"},
	{text: "2 renewals 15k€", want: "renewals=2 rev=1500000"},
	{text: "ca 12k", want: "rev=1200000"},
	{text: "CA 12000", want: "rev=1200000"},
	{text: "CA: 12 000 €", want: "rev=1200000"},
	{text: "CA de 12k", want: "rev=1200000"},
	{text: "12k de CA", want: "rev=1200000"},
	{text: "12 000 € de CA", want: "rev=1200000"},
	{text: "chiffre d'affaires : 5 000 €", want: "rev=500000"},
	{text: "CA: 15k€ HT", want: "rev=1500000"},
	{text: "revenue 12000.5", want: "rev=1200050"},
	{text: "2 signatures CA 24k€", want: "signatures=2 rev=2400000"},
	{text: "2 signés 3k€ 1,5k€", want: "signatures=2 rev=450000"},
	{text: "2 signatures pour un total de 24k€", want: "signatures=2 rev=2400000"},
	{text: "2 ventes 12k€ chacune", want: "signatures=2 rev=2400000"},
	{text: "2 offres 15k€", want: "proposals=2 pipe=1500000"},
	{text: "1 offre de 15k€", want: "proposals=1 pipe=1500000"},
	{text: "2 devis envoyés 15k€", want: "proposals=2 pipe=1500000"},
	{text: "pipe 30k", want: "pipe=3000000"},
	{text: "pipeline 30k€", want: "pipe=3000000"},
	{text: "2 offres 15k€ 1 vente 8k€", want: "proposals=2 pipe=1500000 signatures=1 rev=800000"},
	{text: "7 appels 2 rdv 1 offre 12 000,50 €", want: "calls=7 meetings=2 proposals=1 pipe=1200050"},
	{text: "1 vente 12 rdv", want: "signatures=1 meetings=12"},
	{text: "5 appels 1 offre CA 3000", want: "calls=5 proposals=1 rev=300000"},
	{text: "1 deal 8k€", want: "signatures=1 rev=800000", doubt: true, legacy: true},
	{text: "1 vente 500", want: "signatures=1 rev=50000", doubt: true},
	{text: "2 ventes à 12k€", want: "signatures=2 rev=1200000", doubt: true},
	{text: "2 signatures 12k et 3k", want: "signatures=2 rev=1500000"},
	{text: "CA 12k + 3k", want: "rev=1500000"},
	{text: "signed 1 contract worth 20k", want: "signatures=1 rev=2000000"},
	{text: "1 deal 20k signed", want: "signatures=1 rev=2000000"},
	{text: "1 renewal signed 5k", want: "renewals=1 rev=500000"},
	{text: "1 quote sent for 4.5k", want: "proposals=1 pipe=450000"},
	{text: "1 quote sent 4500", want: "proposals=1 pipe=450000", doubt: true},
	{text: "12k€", err: ErrBareAmount},
	{text: "3 rdv, 12k€", err: ErrBareAmount},
	{text: "12k", err: ErrBareAmount},
	{text: "12 000 €", err: ErrBareAmount},
	{text: "3 rdv 12k€", err: ErrBareAmount},
	{text: "perdu 1 deal 12k€", err: ErrBareAmount},
	{text: "CA", err: ErrMetricWithoutNumber},
	{text: "3 rdv CA", err: ErrMetricWithoutNumber},
	{text: "CA 12,500k€", err: ErrBadAmount},
	{text: "CA 10000001", err: ErrRevenueTooLarge},
	{text: "CA -500€", err: ErrNegative},
	// Another currency than the workspace's is never stored as ours.
	{text: "closed 1 deal $12,500", err: ErrOtherCurrency},
	{text: "1 vente 12k$", err: ErrOtherCurrency},
	{text: "CA 5000 USD", err: ErrOtherCurrency},
	{text: "CA £5000", err: ErrOtherCurrency},
	{text: "CA 5000 CHF", err: ErrOtherCurrency},
	{text: "1 vente 12 kusd", err: ErrOtherCurrency},
}

// In a dollar workspace.
var usdCases = []gcase{
	{text: "closed 1 deal $12,500", want: "signatures=1 rev=1250000"},
	{text: "1 deal closed for $12.5k", want: "signatures=1 rev=1250000"},
	{text: "revenue 12,500 USD", want: "rev=1250000"},
	{text: "2 proposals $30k", want: "proposals=2 pipe=3000000"},
	{text: "1 sale 12k$", want: "signatures=1 rev=1200000"},
	{text: "1 sale 12k", want: "signatures=1 rev=1200000"},
	{text: "2 deals at $10k each", want: "signatures=2 rev=2000000", doubt: true, legacy: true},
	{text: "1 vente 12k€", err: ErrOtherCurrency},
	{text: "CA 12 000 EUR", err: ErrOtherCurrency},
	{text: "revenue £500", err: ErrOtherCurrency},
}

// What must never be counted twice: one noun, one count, in every
// combination of number, status and narrowing word.
var noDoubleCountCases = []gcase{
	{text: "1 vente signée 12k€", want: "signatures=1 rev=1200000"},
	{text: "signée 1 vente", want: "signatures=1"},
	{text: "1 offre signée perdue", err: ErrConflict},
	{text: "perdu 1 deal gagné", err: ErrConflict},
	{text: "signé 1 rdv", err: ErrConflict},
	{text: "perdu: 1 deal", want: "lost=1"},
	{text: "lost 1 deal, won 2 deals", want: "lost=1 signatures=2"},
	{text: "1 deal perdu 1 deal gagné", want: "lost=1 signatures=1"},
	{text: "2 offres envoyées 1 offre signée", want: "proposals=2 signatures=1"},
	{text: "1 relance mail 1 mail", want: "followups=1 emails=1"},
	{text: "3 relances mail, 2 mails", want: "followups=3 emails=2"},
	{text: "2 rdv visio 1 visio", want: "meetings=3"},
	{text: "12 appels dont 3 décrochés dont 1 rdv", want: "calls=12 sub=calls:3", doubt: true},
	{text: "12 appels sortants décrochés", want: "calls=12"},
	{text: "1 renouvellement signé 1 signature", want: "renewals=1 signatures=1"},
	{text: "closed 1 deal 1 closed", want: "signatures=2"},
	{text: "2 meetings booked 2 meetings held", want: "meetings=4"},
	{text: "3 rdv 2 rdv", want: "meetings=5"},
	{text: "2 ventes 1 perdue", want: "signatures=2 lost=1"},
	{text: "1 proposition commerciale envoyée", want: "proposals=1"},
	{text: "1 devis signé et 1 devis envoyé", want: "signatures=1 proposals=1"},
	{text: "signé 1 offre, envoyé 2 offres", want: "signatures=1 proposals=2"},
	{text: "rdv 3 offre 1", want: "meetings=3 proposals=1"},
	{text: "rdv 3 offre", want: "meetings=3 proposals=1", doubt: true},
	{text: "offre 5k€ signée", want: "signatures=1 rev=500000"},
	{text: "2 offres 15k€ envoyées", want: "proposals=2 pipe=1500000"},
	{text: "1 deal 12k€ perdu", err: ErrBareAmount},
	{text: "1 vente 12k€ perdu 1 deal", want: "signatures=1 rev=1200000 lost=1"},
	{text: "2 meetings set", want: "meetings=2"},
}

func grammarCaseTables() map[string][]gcase {
	return map[string][]gcase{
		"status": statusCases, "narrowing": narrowingCases, "subset": subsetCases, "jargon": jargonCases,
		"separator": separatorCases, "date": dateCases, "money": moneyCases, "no double count": noDoubleCountCases,
	}
}

type expectation struct {
	counts   map[Metric]int
	rev      int64
	hasRev   bool
	pipe     int64
	hasPipe  bool
	day      Date
	dayGiven bool
	subsets  []Subset
}

func parseSpec(t *testing.T, spec string, today Date) expectation {
	t.Helper()
	x := expectation{counts: map[Metric]int{}, day: today}
	for _, f := range strings.Fields(spec) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "rev":
			n, _ := strconv.ParseInt(v, 10, 64)
			x.rev, x.hasRev = n, true
		case "pipe":
			n, _ := strconv.ParseInt(v, 10, 64)
			x.pipe, x.hasPipe = n, true
		case "day":
			d, err := ParseDate(v)
			if err != nil {
				t.Fatalf("bad spec %q", spec)
			}
			x.day, x.dayGiven = d, true
		case "sub":
			m, n, _ := strings.Cut(v, ":")
			c, _ := strconv.Atoi(n)
			x.subsets = append(x.subsets, Subset{Of: Metric(m), Count: c})
		default:
			n, err := strconv.Atoi(v)
			if err != nil || !Metric(k).Valid() {
				t.Fatalf("bad spec %q", spec)
			}
			x.counts[Metric(k)] = n
		}
	}
	return x
}

func checkEntry(t *testing.T, text string, e Entry, x expectation) {
	t.Helper()
	if !maps.Equal(e.Counts, x.counts) {
		t.Errorf("%q counts = %v, want %v", text, e.Counts, x.counts)
	}
	if e.RevenueCents != x.rev || e.HasRevenue != x.hasRev {
		t.Errorf("%q revenue = %d/%v, want %d/%v", text, e.RevenueCents, e.HasRevenue, x.rev, x.hasRev)
	}
	if e.PipelineCents != x.pipe || e.HasPipeline != x.hasPipe {
		t.Errorf("%q pipeline = %d/%v, want %d/%v", text, e.PipelineCents, e.HasPipeline, x.pipe, x.hasPipe)
	}
	if e.Date != x.day || e.DateGiven != x.dayGiven {
		t.Errorf("%q day = %v/%v, want %v/%v", text, e.Date, e.DateGiven, x.day, x.dayGiven)
	}
	var subs []Subset
	for _, s := range e.Subsets {
		subs = append(subs, Subset{Of: s.Of, Count: s.Count})
	}
	if !slices.Equal(subs, x.subsets) {
		t.Errorf("%q subsets = %v, want %v", text, e.Subsets, x.subsets)
	}
}

// runGrammar checks one table with a confirming parser (WithDoubts) and the
// same parser without doubts, as the bot uses it today.
func runGrammar(t *testing.T, cases []gcase, confirm, plain *Parser) {
	now := grammarNow(t)
	today := DateOf(now)
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			e, err := confirm.Parse(tc.text, now)
			pe := (*ParseError)(nil)
			errors.As(err, &pe)
			if tc.err != 0 {
				if pe == nil || pe.Kind != tc.err {
					t.Fatalf("Parse(%q) = %+v, %v; want refusal %v", tc.text, e, err, tc.err)
				}
				if pe.Token == "" && pe.Kind != ErrEmpty && pe.Kind != ErrTooLong {
					t.Errorf("Parse(%q): refusal %v quotes no token", tc.text, pe)
				}
				if pe.Kind == ErrFutureDate && pe.Suggestion != "" {
					t.Errorf("Parse(%q): a future date got a suggestion %q", tc.text, pe.Suggestion)
				}
				if _, err2 := plain.Parse(tc.text, now); err2 == nil {
					t.Errorf("plain Parse(%q) accepted what a confirming parser refuses", tc.text)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q) error = %v, want %q", tc.text, err, tc.want)
			}
			checkEntry(t, tc.text, e, parseSpec(t, tc.want, today))
			if tc.doubt != (len(e.Doubts) > 0) {
				t.Errorf("Parse(%q) doubts = %+v, want doubt=%v", tc.text, e.Doubts, tc.doubt)
			}
			for _, d := range e.Doubts {
				if d.Token == "" || d.Reading == "" || (d.Kind != DoubtFuzzy && d.Kind != DoubtAmbiguous) {
					t.Errorf("Parse(%q): incomplete doubt %+v", tc.text, d)
				}
			}
			e2, err2 := plain.Parse(tc.text, now)
			switch {
			case !tc.doubt || tc.legacy:
				if err2 != nil {
					t.Fatalf("plain Parse(%q) error = %v", tc.text, err2)
				}
				checkEntry(t, tc.text, e2, parseSpec(t, tc.want, today))
			default:
				var pe2 *ParseError
				if !errors.As(err2, &pe2) || pe2.Kind != ErrAmbiguous && pe2.Kind != ErrUnknownWord {
					t.Errorf("plain Parse(%q) = %+v, %v; want it refused as a doubt", tc.text, e2, err2)
				}
			}
		})
	}
}

func TestGrammar(t *testing.T) {
	confirm := NewParser(nil).WithPipeline().WithDoubts()
	plain := NewParser(nil).WithPipeline()
	total := 0
	for name, cases := range grammarCaseTables() {
		total += len(cases)
		t.Run(name, func(t *testing.T) { runGrammar(t, cases, confirm, plain) })
	}
	t.Run("usd", func(t *testing.T) {
		runGrammar(t, usdCases, confirm.WithCurrency("usd"), plain.WithCurrency("USD"))
	})
	total += len(usdCases)
	if total < 200 {
		t.Fatalf("only %d grammar cases; the tables are the spec, keep them rich", total)
	}
}

// Without WithPipeline, an amount beside offers stays revenue, as it was,
// and is flagged.
func TestOffersAmountWithoutPipeline(t *testing.T) {
	now := grammarNow(t)
	e, err := Parse("2 offres 15k€", now)
	if err != nil || e.RevenueCents != 1_500_000 || e.HasPipeline || len(e.Doubts) != 1 {
		t.Fatalf("Parse = %+v, %v; want revenue with a doubt", e, err)
	}
	if _, err := Parse("pipeline 15k", now); err == nil {
		t.Error("the word pipeline is known without WithPipeline")
	}
}

func TestParseErrorDetails(t *testing.T) {
	now := grammarNow(t)
	usd := NewParser(nil).WithCurrency("USD")
	tests := []struct {
		p    *Parser
		text string
		want ParseError
	}{
		{nil, "mercredi 26 2 rdv", ParseError{Kind: ErrWeekdayMismatch, Token: "mercredi 26", Suggestion: "jeudi 26", Date: ymd(2026, time.November, 26)}},
		{nil, "wednesday 26/11 2 calls", ParseError{Kind: ErrWeekdayMismatch, Token: "wednesday 26/11", Suggestion: "thursday 26/11", Date: ymd(2026, time.November, 26)}},
		{nil, "closed 1 deal $12,500", ParseError{Kind: ErrOtherCurrency, Token: "$12,500", Suggestion: "EUR", Currency: "USD"}},
		{usd, "1 vente 12k€", ParseError{Kind: ErrOtherCurrency, Token: "12k€", Suggestion: "USD", Currency: "EUR"}},
		{nil, "demain 3 rdv", ParseError{Kind: ErrFutureDate, Token: "demain", Date: ymd(2026, time.December, 2)}},
		{nil, "31/11 2 rdv", ParseError{Kind: ErrImpossibleDate, Token: "31/11"}},
		{nil, "12k€", ParseError{Kind: ErrBareAmount, Token: "12k€"}},
		{nil, "3 offfre", ParseError{Kind: ErrUnknownWord, Token: "offfre", Suggestion: "offre"}},
		{nil, "rdv 3 offre", ParseError{Kind: ErrAmbiguous, Token: "rdv 3 offre", Suggestion: "3 rdv 1 offre"}},
		{nil, "1 rdv signé", ParseError{Kind: ErrConflict, Token: "rdv signé"}},
		{nil, "3 envoyés", ParseError{Kind: ErrDanglingWord, Token: "envoyés"}},
		{nil, "12 appels dont 15 décrochés", ParseError{Kind: ErrSubsetTooLarge, Token: "dont 15 décrochés", Metric: Calls}},
		{nil, "1001 appels", ParseError{Kind: ErrTooMany, Token: "1001", Metric: Calls, Limit: MaxPerMetric}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			_, err := tc.p.Parse(tc.text, now)
			var pe *ParseError
			if !errors.As(err, &pe) || *pe != tc.want {
				t.Errorf("Parse(%q) error = %+v, want %+v", tc.text, pe, tc.want)
			}
		})
	}
}

func TestDoubtsAreReported(t *testing.T) {
	now := grammarNow(t)
	p := NewParser(nil).WithDoubts()
	tests := []struct {
		text string
		want []Doubt
	}{
		{"3 offfre", []Doubt{{Kind: DoubtFuzzy, Token: "offfre", Reading: "offre", Metric: Proposals}}},
		{"perdu 1 deal hier", nil},
		{"1 deal", []Doubt{{Kind: DoubtAmbiguous, Token: "1 deal", Reading: "1 signature", Metric: Signatures}}},
		{"rdv 3 offre", []Doubt{{Kind: DoubtAmbiguous, Token: "rdv 3 offre", Reading: "3 rdv 1 offre"}}},
		{"1 vente 500", []Doubt{{Kind: DoubtAmbiguous, Token: "500", Reading: "CA 500 EUR"}}},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			e, err := p.Parse(tc.text, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []Doubt
			for _, d := range e.Doubts {
				got = append(got, Doubt{Kind: d.Kind, Token: d.Token, Reading: d.Reading, Metric: d.Metric})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Parse(%q).Doubts = %+v, want %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestWithCurrency(t *testing.T) {
	p := NewParser(nil)
	if got := p.WithCurrency("usd").Currency(); got != "USD" {
		t.Errorf("WithCurrency(usd) = %q", got)
	}
	if got := p.WithCurrency("dollars").Currency(); got != "EUR" {
		t.Errorf("WithCurrency(dollars) = %q, want the currency unchanged", got)
	}
	if got := p.Currency(); got != "EUR" {
		t.Errorf("WithCurrency changed its receiver: %q", got)
	}
	var nilParser *Parser
	if got := nilParser.WithCurrency("GBP").Currency(); got != "GBP" {
		t.Errorf("nil.WithCurrency = %q", got)
	}
	e, err := p.WithCurrency("GBP").Parse("1 sale £12k", grammarNow(t))
	if err != nil || e.RevenueCents != 1_200_000 || e.Currency != "GBP" {
		t.Errorf("GBP workspace: %+v, %v", e, err)
	}
}

func TestTeamWords(t *testing.T) {
	v := DefaultVocabulary()
	for _, w := range []string{"rencard", "point client"} {
		if err := v.Add(w, Meetings); err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range []string{"rdv", "RDVs", "perdu", "hier", "ven", "euros", "dont", "deux"} {
		if err := v.Add(w, Calls); !errors.Is(err, ErrBuiltinWord) {
			t.Errorf("Add(%q) = %v, want ErrBuiltinWord", w, err)
		}
		if !v.IsBuiltin(w) {
			t.Errorf("IsBuiltin(%q) = false", w)
		}
	}
	if got := v.TeamWords(); !slices.Equal(got, []TeamWord{{"rencard", Meetings}, {"point client", Meetings}}) {
		t.Errorf("TeamWords = %v", got)
	}
	if err := v.Remove("rdv"); !errors.Is(err, ErrBuiltinWord) {
		t.Errorf("Remove(rdv) = %v", err)
	}
	if err := v.Remove("inconnu"); err == nil {
		t.Error("Remove(inconnu) succeeded")
	}
	if err := v.Remove("Rencard"); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.Lookup("rencard"); ok {
		t.Error("removed word still known")
	}
	if got := v.TeamWords(); !slices.Equal(got, []TeamWord{{"point client", Meetings}}) {
		t.Errorf("TeamWords after Remove = %v", got)
	}
	e, err := NewParser(v).Parse("2 points clients", grammarNow(t))
	if err != nil || e.Counts[Meetings] != 2 {
		t.Errorf("team phrase: %+v, %v", e, err)
	}
}
