package kpi

// Metric names one activity a rep logs. The string value is the stable key
// stored in the database, so it must never be renamed.
type Metric string

// The metrics a rep can log.
const (
	Calls      Metric = "calls"
	Emails     Metric = "emails"
	Leads      Metric = "leads"
	Meetings   Metric = "meetings"
	Demos      Metric = "demos"
	Proposals  Metric = "proposals"
	Followups  Metric = "followups"
	Signatures Metric = "signatures"
	Lost       Metric = "lost"
	Revenue    Metric = "revenue"
	Renewals   Metric = "renewals"
)

// Metrics lists every metric in funnel/display order. Revenue comes last
// because it is an amount, not a count, and reads best after the counts.
var Metrics = []Metric{
	Calls, Emails, Leads, Meetings, Demos, Proposals, Followups,
	Signatures, Lost, Renewals, Revenue,
}

// CountMetrics is Metrics without Revenue: the metrics whose values are
// whole counts rather than amounts of money.
var CountMetrics = []Metric{
	Calls, Emails, Leads, Meetings, Demos, Proposals, Followups,
	Signatures, Lost, Renewals,
}

// Valid reports whether m is one of the known metrics. Metric values come
// back from storage and team configuration, so they cannot be trusted to
// be one of the constants.
func (m Metric) Valid() bool {
	switch m {
	case Calls, Emails, Leads, Meetings, Demos, Proposals, Followups,
		Signatures, Lost, Revenue, Renewals:
		return true
	}
	return false
}

// Activity reports whether m counts a rep's activity (calls, e-mails,
// leads, meetings, demos, proposals, follow-ups) rather than an outcome
// (signatures, lost deals, renewals, revenue). A rep's activity counts are
// theirs: their manager sees rates and outcomes, not how much they typed.
func (m Metric) Activity() bool {
	switch m {
	case Calls, Emails, Leads, Meetings, Demos, Proposals, Followups:
		return true
	}
	return false
}
