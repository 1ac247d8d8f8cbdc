// Package kpi holds the domain logic of kpibot that has no I/O: the metrics
// a sales rep logs, civil dates, and the parser for the text of /log.
//
// Everything here is deterministic: the current instant is always passed in
// by the caller, so the same input always gives the same result and tests
// need no fake clock.
//
// # The /log grammar
//
// A /log text is a list of items in French or English, in any order, cut by
// separators ("," ";" "/" "+" "-" "et" "and" "&"), with an optional date and
// an optional note after "--", "#", "—" or " – ". An item is a noun group
// with a number before or after it ("3 rdv", "rdv 3", "rdv: 3", "3 x rdv"),
// 1 when there is none.
//
//   - One counted thing gives one count. A status word qualifies the noun
//     beside it, before or after, across its number: "perdu 1 deal" and "1
//     devis perdu" are one lost deal; "closed 1 deal", "1 vente signée", "1
//     proposition signée" one signature; "2 devis envoyés" two offers; "5
//     appels sortants" five calls; "2 meetings booked" two meetings.
//   - A word that narrows a noun adds nothing: "3 relances mail" are
//     follow-ups, "2 rdv visio", "4 rdv physiques", "3 appels clients", "2
//     demos produit" one metric each.
//   - A part is not added: "12 appels dont 3 décrochés", "12 calls incl. 3
//     connected", "3 rdv (2 en visio)" are 12 calls, 3 meetings; the part
//     is in Entry.Subsets. So are lists of parts: "dont 2 visio et 1
//     physique", "4 rdv (2 R1, 2 R2)", "4 rdv: 2 R1, 2 R2". Words in
//     brackets qualify the noun before them: "1 rdv (visio)" is one meeting.
//   - "pas de rdv", "aucune démo", "no meetings" count 0.
//   - Dates are day first in both languages: "28/11", "28.11", "le 28", "28
//     nov", "nov 28th", "jeudi 26" (checked against the calendar), "vendredi
//     dernier", "last friday", "hier", ISO "2026-11-28". The future is
//     refused, never guessed at. A weekday after "pour" or "for" ("2 rdv
//     calés pour jeudi") is the meeting's day, not the entry's: refused as
//     ambiguous unless another date gives the entry's day.
//   - An amount beside a sale, a signature, a renewal or "CA" is revenue
//     ("1 vente à 12k€", "closed 1 deal $12,500" in a dollar workspace);
//     beside offers, their pipeline value ("2 offres 15k€", WithPipeline). An
//     amount with no such word is refused (ErrBareAmount), and so is an
//     amount in another currency than the workspace's (ErrOtherCurrency).
//     An amount given twice, "10k€ HT soit 12k€ TTC", counts once, before
//     tax, as a doubt.
//   - What did not happen ("2 rdv annulés") is refused, not counted.
//
// # Decisions
//
//   - A renewal is not also a signature: each count metric counts its own
//     events, and the win rate measures new business. A renewal's amount is
//     revenue.
//   - "vente", "sale" and "signature" are signatures. "deal", "affaire" and
//     "contrat" alone are read as signatures but flagged as a doubt.
//
// # When unsure, ask
//
// A typo ("3 offfre"), a bare deal, two nouns side by side ("3 rdv offre"),
// a number two units could take ("rdv 3 offre"), a plain number as a sale's
// amount ("1 vente 500"), "2 ventes à 12k€" (in all, or each?) are doubts.
// A parser made WithDoubts returns them in Entry.Doubts with a nil error,
// for the bot to show its reading and ask before saving. Without it they are
// refused as before (a typo is ErrUnknownWord with a Suggestion, the rest
// ErrAmbiguous), except the two readings the parser used to store: a bare
// "deal" as a signature, and an amount beside offers as revenue when the
// parser is not WithPipeline. An unknown word with no close known word is
// always refused.
package kpi
