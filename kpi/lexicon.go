package kpi

import (
	"strings"
	"time"
)

// This file holds the grammar words of /log: every word that is not a
// counted noun. Nouns live in Vocabulary, because teams add their own;
// grammar words are fixed, because their meaning is a rule of the parser
// ("perdu" turns the noun beside it into a lost deal), not a metric.

// statusKind is what a status word says about the noun beside it.
type statusKind uint8

const (
	stNeutral statusKind = iota + 1 // sent, booked, done, outbound...: the noun keeps its metric
	stWon                           // signé, won, closed: a deal or offer becomes a signature
	stLost                          // perdu, lost: a deal or offer becomes a lost deal
	stUndone                        // annulé, postponed: it did not happen, so it is not counted
)

// modKind is the role of a word that qualifies a weekday.
type modKind uint8

const (
	modPast modKind = iota + 1 // dernier, passé, last: strictly before today
	modNext                    // prochain, next: in the future
	modThis                    // ce, this, on: the latest such day, today included
)

// wordInfo is everything a grammar word may be. A word can have several
// roles ("passé" is a status and a weekday modifier, "sept" is seven and
// September, "le" marks a day or is an article); the passes pick the one
// the context calls for.
type wordInfo struct {
	status    statusKind
	narrow    bool // narrows the noun beside it: client, visio, physique...
	link      bool // de, à, pour, for...: inside a noun group, or ties an amount to it
	filler    bool // articles, pronouns, auxiliaries: dropped
	sep       bool // et, and, puis: separates items
	subset    bool // dont, of which, including: a part of the count before it
	each      bool // each, chacun: an amount per item
	total     bool // total, en tout: an amount for all items
	number    int  // a number word's value, or -1
	dateRel   *dateWord
	weekday   time.Weekday
	isWeekday bool
	month     time.Month
	mod       modKind
	dayMarker bool // le, the: before a day of the month
	timeOfDay bool // matin, soir: ignored beside a date
	ordinal   bool // er, th, ème: glued after a day number
	currency  string
	kilo      bool // k
	mega      bool // m, only between a number and a currency
	times     bool // x
	pipeline  bool // pipeline, pipe: the value of open offers
	nothing   bool // rien, RAS, nothing: the rep did nothing to log that day
	// accept: accepté, accepted. Neutral beside most nouns ("rdv
	// accepté"), but an offer or a deal the client accepted is won.
	accept bool
}

// dateWord is a relative day: daysAgo before today (negative: after).
type dateWord struct {
	daysAgo int
}

// grammarTables are built once, as a variable initialiser so that the
// default parser, itself a package variable, is built after them.
type grammarTables struct {
	words    map[string]*wordInfo
	maxWords int      // the longest grammar phrase, in words
	fuzzy    []string // words offered as "did you mean", in a fixed order
}

var tables = buildGrammar()

var (
	grammar         = tables.words
	grammarMaxWords = tables.maxWords
	// fuzzyGrammar lists the grammar words offered as "did you mean":
	// whole words only, never abbreviations.
	fuzzyGrammar = tables.fuzzy
)

func (g *grammarTables) gw(phrase string) *wordInfo {
	key := phraseKey(phrase)
	w, ok := g.words[key]
	if !ok {
		w = &wordInfo{number: -1}
		g.words[key] = w
		if n := len(strings.Fields(key)); n > g.maxWords {
			g.maxWords = n
		}
	}
	return w
}

func (g *grammarTables) each(list string, f func(w *wordInfo)) {
	for _, p := range strings.Split(list, "|") {
		f(g.gw(p))
	}
}

// Status words. Feminine forms are listed; plurals are derived.
const (
	wonWords  = "signé|signée|signed|gagné|gagnée|won|closed|closé|closée|clôturé|clôturée|conclu|conclue|remporté|remportée|closed won|closed-won|transformé|transformée"
	lostWords = "perdu|perdue|lost|closed lost|closed-lost|refusé|refusée|refused|rejeté|rejetée|rejected|declined|décliné|déclinée"
	// Undone statuses: the thing did not take place.
	undoneWords = "annulé|annulée|cancelled|canceled|reporté|reportée|postponed|rescheduled|reprogrammé|reprogrammée|" +
		"décommandé|décommandée|no show|no-show|noshow|raté|ratée|missed|manqué|manquée|lapin"
	// Neutral statuses say how the thing went, not what it is.
	neutralWords = "envoyé|envoyée|sent|booké|bookée|booked|calé|calée|fait|faite|done|made|tenu|tenue|held|" +
		"planifié|planifiée|scheduled|programmé|programmée|décroché|décrochée|connected|answered|abouti|aboutie|" +
		"sortant|sortante|outbound|entrant|entrante|inbound|qualifié|qualifiée|qualified|passé|passée|réalisé|réalisée|" +
		"effectué|effectuée|pris|prise|obtenu|obtenue|confirmé|confirmée|confirmed|émis|émise|issued|transmis|transmise|" +
		"présenté|présentée|presented|completed|reçu|reçue|received|ouvert|ouverte|opened|créé|créée|created|généré|générée|generated|" +
		"logged|placed|given|delivered|livré|livrée|organisé|organisée|fixé|fixée|décidé|décidée|validé|validée|accepté|acceptée|accepted|set|set up|arranged|out|" +
		"joint|jointe|reached|messagerie|répondeur|repondeur|voicemail|vm|vms"
	// Narrowing words: a kind of the noun they stand beside.
	narrowWords = "client|cliente|customer|clients|produit|product|physique|présentiel|en présentiel|sur site|onsite|on-site|on site|" +
		"terrain|distance|à distance|remote|online|en ligne|téléphonique|téléphone|tel|tél|phone|sms|linkedin|whatsapp|" +
		"teams|zoom|google meet|vidéo|video|découverte|discovery|disco|qualification|qualif|intro|in person|in-person|en personne|face à face|face-à-face|face to face|face-to-face|f2f|commercial|commerciale|froid|à froid|" +
		"chaud|cold|warm|hot|nouveau|nouvelle|nouvel|new|premier|première|first|négo|négociation|negotiation|" +
		"onboarding|kick-off|kickoff|perso|personnalisé|personnalisée|personalised|personalized|écrit|écrite|" +
		"inbound|outbound|b2b|b2c|grand compte|grands comptes|pme|tpe|partenaire|partner|interne|externe|" +
		"de suivi|flash|express|rapide|court|courte|long|longue|gros|grosse|petit|petite|bon|bonne|beau|belle|big|small|" +
		"ok|top|super|chouette|nice|great|good|prospection|prospecting|de prospection"
	linkWords   = "de|d'|du|des|par|en|à|a|au|aux|pour|for|at|of|worth|via|by|avec|with|chez|sur|auprès de|to"
	fillerWords = "les|la|le|l'|un|une|the|an|j'ai|jai|ai|on a|nous|avons|i|we|had|have|did|got|eu|encore|" +
		"mon|ma|mes|my|our|nos|notre|ce|cet|cette|this|today's|environ|about|around|approx|approximately|" +
		"très|very|bien|juste|just|seulement|only|que|qui|là|y|il|elle|ils|elles|me|m'|suis|am|was|were|is|are|" +
		"été|ete|avoir|ont|sont|c'est|c'était|it's|its|it|there|voilà|voila|soit|journée|journee|bilan|bilan du jour|récap|recap|" +
		"résumé|resume|summary|update|point|pour info|fyi|ma journée|my day|du jour|of the day|ht|ttc|hors taxe|hors taxes|excl vat|incl vat"
	sepWords = "et|and|puis|then|plus|ainsi que|as well as|also|aussi|ensuite|mais|but"
	// nothingWords say a day had nothing to log. Alone (with a date or
	// fillers), they log that day as empty; beside counts, they mean
	// nothing.
	nothingWords = "rien|ras|néant|neant|rien à signaler|rien a signaler|rien de spécial|rien de special|rien à noter|rien a noter|" +
		"aucune activité|aucune activite|pas d'activité|pas d'activite|nothing|none|nada|nothing to report|nothing to log|" +
		"nothing special|no activity"
	subsetWords = "dont|of which|incl|inc|including|included|among which|among them|among those|parmi lesquels|parmi lesquelles|" +
		"parmi eux|parmi elles|parmi ceux-ci|y compris"
	eachWords  = "each|chacun|chacune|pièce|piece|apiece|l'unité|l'unite|unitaire|par vente|par deal|per deal|per sale"
	totalWords = "total|au total|en tout|in total|in all|au global|globalement|cumulé|cumulés|cumulée|cumulées"
	timeWords  = "matin|soir|soirée|midi|aprem|après-midi|apres-midi|morning|afternoon|evening|night|noon"
	ordinals   = "er|ère|re|e|ème|eme|è|th|st|nd|rd|è"
)

func buildGrammar() *grammarTables {
	g := &grammarTables{words: map[string]*wordInfo{}, maxWords: 1}
	each, gw := g.each, g.gw
	each(wonWords, func(w *wordInfo) { w.status = stWon })
	each(lostWords, func(w *wordInfo) { w.status = stLost })
	each(undoneWords, func(w *wordInfo) { w.status = stUndone })
	each(neutralWords, func(w *wordInfo) { w.status = stNeutral })
	each(narrowWords, func(w *wordInfo) { w.narrow = true })
	each("accepté|acceptée|accepted", func(w *wordInfo) { w.accept = true })
	each(linkWords, func(w *wordInfo) { w.link = true })
	each(fillerWords, func(w *wordInfo) { w.filler = true })
	each(sepWords, func(w *wordInfo) { w.sep = true })
	each(nothingWords, func(w *wordInfo) { w.nothing, w.filler = true, true })
	each(subsetWords, func(w *wordInfo) { w.subset = true })
	each(eachWords, func(w *wordInfo) { w.each = true })
	each(totalWords, func(w *wordInfo) { w.total = true })
	each(timeWords, func(w *wordInfo) { w.timeOfDay = true })
	each(ordinals, func(w *wordInfo) { w.ordinal = true })
	each("pipeline|pipe|valeur pipe|valeur du pipe|pipeline value", func(w *wordInfo) { w.pipeline = true })
	each("k", func(w *wordInfo) { w.kilo = true })
	each("m", func(w *wordInfo) { w.mega = true })
	each("x", func(w *wordInfo) { w.times = true })
	each("keur|keuro|keuros", func(w *wordInfo) { w.kilo, w.currency = true, "EUR" })
	each("meur", func(w *wordInfo) { w.mega, w.currency = true, "EUR" })
	each("kusd", func(w *wordInfo) { w.kilo, w.currency = true, "USD" })

	for code, words := range currencyNames {
		each(words, func(w *wordInfo) { w.currency = code })
	}

	numbers := []string{
		"zéro|zero", "one", "deux|two", "trois|three", "quatre|four", "cinq|five", "six", "sept|seven",
		"huit|eight", "neuf|nine", "dix|ten", "onze|eleven", "douze|twelve",
	}
	for n, words := range numbers {
		if words != "" {
			each(words, func(w *wordInfo) { w.number = n })
		}
	}
	// "pas de rdv", "aucune démo", "no meetings": none, as "0 rdv".
	each("pas de|aucun|aucune|no", func(w *wordInfo) { w.number = 0 })
	teens := []string{13: "treize|thirteen", 14: "quatorze|fourteen", 15: "quinze|fifteen", 16: "seize|sixteen",
		17: "dix-sept|dix sept|seventeen", 18: "dix-huit|dix huit|eighteen", 19: "dix-neuf|dix neuf|nineteen"}
	for n, words := range teens {
		if words != "" {
			each(words, func(w *wordInfo) { w.number = n })
		}
	}
	// Tens up to fifty, with their units ("vingt-cinq", "vingt et un",
	// "thirty-two"): an unknown "trente" was read as the nearest word, a
	// status, and counted 1.
	tens := []struct {
		n      int
		fr, en string
	}{{20, "vingt", "twenty"}, {30, "trente", "thirty"}, {40, "quarante", "forty"}, {50, "cinquante", "fifty"}}
	frUnits := []string{1: "un", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept", 8: "huit", 9: "neuf"}
	enUnits := []string{1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}
	for _, t := range tens {
		each(t.fr+"|"+t.en, func(w *wordInfo) { w.number = t.n })
		for u := 1; u <= 9; u++ {
			fr := t.fr + "-" + frUnits[u] + "|" + t.fr + " " + frUnits[u]
			if u == 1 {
				fr = t.fr + "-et-un|" + t.fr + " et un"
			}
			each(fr+"|"+t.en+"-"+enUnits[u]+"|"+t.en+" "+enUnits[u], func(w *wordInfo) { w.number = t.n + u })
		}
	}

	rel := map[string]int{
		"aujourd'hui": 0, "aujourdhui": 0, "aujourd hui": 0, "auj": 0, "ajd": 0, "aujd": 0, "today": 0, "ce jour": 0,
		"ce matin": 0, "ce soir": 0, "cet après-midi": 0, "cet aprem": 0, "ce midi": 0,
		"this morning": 0, "this afternoon": 0, "this evening": 0, "tonight": 0,
		"hier": 1, "yesterday": 1, "yday": 1, "yest": 1, "last night": 1, "hier soir": 1, "hier matin": 1,
		"avant-hier": 2, "avant hier": 2, "day before yesterday": 2, "the day before yesterday": 2,
		"demain": -1, "tomorrow": -1, "après-demain": -2, "apres-demain": -2, "après demain": -2,
		"day after tomorrow": -2, "the day after tomorrow": -2,
	}
	for k, d := range rel {
		gw(k).dateRel = &dateWord{daysAgo: d}
	}
	days := map[time.Weekday][2]string{
		time.Monday:    {"lundi|monday", "lun|mon"},
		time.Tuesday:   {"mardi|tuesday", "mar|tue|tues"},
		time.Wednesday: {"mercredi|wednesday", "mer|wed"},
		time.Thursday:  {"jeudi|thursday", "jeu|thu|thur|thurs"},
		time.Friday:    {"vendredi|friday", "ven|fri"},
		time.Saturday:  {"samedi|saturday", "sam|sat"},
		time.Sunday:    {"dimanche|sunday", "dim|sun"},
	}
	for wd, ns := range days {
		for _, list := range ns {
			each(list, func(w *wordInfo) { w.weekday, w.isWeekday = wd, true })
		}
	}
	months := []string{
		"janvier|january|janv|jan", "février|february|fevrier|févr|fevr|fév|fev|feb",
		"mars|march", "avril|april|avr|apr", "mai|may", "juin|june|jun",
		"juillet|july|juil|jul", "août|aout|august|aug", "septembre|september|sept|sep",
		"octobre|october|oct", "novembre|november|nov", "décembre|december|déc|dec",
	}
	for i, list := range months {
		each(list, func(w *wordInfo) { w.month = time.Month(i + 1) })
	}
	each("dernier|dernière|passé|passée|last|previous|d'avant", func(w *wordInfo) { w.mod = modPast })
	each("prochain|prochaine|next|qui vient", func(w *wordInfo) { w.mod = modNext })
	each("ce|cet|this|on", func(w *wordInfo) { w.mod = modThis })
	each("le|the|on the", func(w *wordInfo) { w.dayMarker = true })

	// Whole words that a typo can be corrected to. Short forms are left
	// out: suggesting "mar" (Tuesday) for "mars" (March) would mislead.
	seen := map[string]bool{}
	for _, list := range []string{wonWords, lostWords, undoneWords, neutralWords,
		"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday",
		"aujourd'hui|today|hier|yesterday|avant-hier|demain|tomorrow",
		"janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre",
		"january|february|march|april|june|july|august|september|october|november|december",
		"dernier|dernière|prochain|prochaine", "physique|présentiel|découverte|discovery|qualification|téléphonique|client|produit"} {
		for _, p := range strings.Split(list, "|") {
			k := phraseKey(p)
			if utf8Len(k) >= 4 && !seen[k] {
				seen[k] = true
				g.fuzzy = append(g.fuzzy, p)
			}
		}
	}
	return g
}

// currencyNames maps ISO codes to the words and signs that name them.
// "$" and "¥" are resolved against the workspace currency in currencyOf.
var currencyNames = map[string]string{
	"EUR": "eur|euro|euros|€",
	"USD": "usd|dollar|dollars|$",
	"GBP": "gbp|£|pound|pounds|livre sterling|livres sterling",
	"CHF": "chf|franc suisse|francs suisses",
	"CAD": "cad",
	"AUD": "aud",
	"JPY": "jpy|yen|yens|¥",
	"CNY": "cny|rmb|yuan",
	"SEK": "sek", "NOK": "nok", "DKK": "dkk", "PLN": "pln|zloty|zlotys", "CZK": "czk", "HUF": "huf",
	"RON": "ron", "MAD": "mad|dirham|dirhams", "TND": "tnd", "XOF": "xof|fcfa", "XAF": "xaf",
	"BRL": "brl", "MXN": "mxn", "INR": "inr|₹|roupie|roupies|rupee|rupees", "SGD": "sgd", "HKD": "hkd",
	"NZD": "nzd", "ZAR": "zar", "AED": "aed",
}

// dollarCurrencies are the workspace currencies a bare "$" means.
var dollarCurrencies = map[string]bool{"USD": true, "CAD": true, "AUD": true, "NZD": true, "SGD": true, "HKD": true, "MXN": true}

// currencyOf resolves a currency mark against the workspace currency: "$"
// is the workspace's own dollar when it has one, else USD.
func currencyOf(text, code, workspace string) string {
	switch text {
	case "$":
		if dollarCurrencies[workspace] {
			return workspace
		}
	case "¥":
		if workspace == "CNY" {
			return workspace
		}
	}
	return code
}

// isGrammarWord reports whether a normalised key is a grammar word, which a
// team word may not shadow.
func isGrammarWord(key string) bool {
	if _, ok := grammar[key]; ok {
		return true
	}
	_, ok := grammarLookup(key)
	return ok
}

// grammarLookup finds a grammar word, trying plural-stripped forms for the
// words whose plural a rep may type (statuses, narrowing words).
func grammarLookup(key string) (*wordInfo, bool) {
	if w, ok := grammar[key]; ok {
		return w, true
	}
	words := strings.Split(key, " ")
	var strippable []int
	for i, w := range words {
		if singularWord(w) != w {
			strippable = append(strippable, i)
		}
	}
	if len(strippable) > 4 {
		return nil, false
	}
	try := make([]string, len(words))
	for mask := 1; mask < 1<<len(strippable); mask++ {
		copy(try, words)
		for bit, i := range strippable {
			if mask&(1<<bit) != 0 {
				try[i] = singularWord(words[i])
			}
		}
		if w, ok := grammar[strings.Join(try, " ")]; ok && (w.status != 0 || w.narrow || w.pipeline) {
			return w, true
		}
	}
	return nil, false
}

func utf8Len(s string) int { return len([]rune(s)) }
