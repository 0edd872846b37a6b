package model

import (
	"math"
	"slices"
	"time"
)

// CiteMetrics is the rule the request metrics answer: a business that
// handles many consumers' data discloses, for the previous calendar year
// and per kind of request, how many it received, complied with in whole or
// in part, and denied, and the median or mean days it took to respond.
const CiteMetrics = "11 CCR §7102(a): per request type, received, complied with in whole or in part, denied, and the days to respond"

// DenialBasis is why a request was denied, as the metrics count it.
type DenialBasis string

const (
	// DenyUnverifiable: identity could not be verified (§7062, §7063).
	DenyUnverifiable DenialBasis = "unverifiable"
	// DenyExcessive: refused as baseless, repetitive or excessive, the
	// requests over the two-per-12-months limit included.
	DenyExcessive DenialBasis = "excessive"
	// DenyCustomer: the data-owning Customer denied it.
	DenyCustomer DenialBasis = "customer"
	// DenyExempt: the Customer denied it because the records are exempt
	// (open-records or retention law, a legal hold): the request carried
	// the exempt flag.
	DenyExempt DenialBasis = "exempt"
)

// DenialBases lists every basis in report order.
func DenialBases() []DenialBasis {
	return []DenialBasis{DenyUnverifiable, DenyExcessive, DenyCustomer, DenyExempt}
}

// Label is the column heading of a basis.
func (b DenialBasis) Label() string {
	if b == DenyCustomer {
		return "Customer denial"
	}
	return string(b)
}

// DenialBasisOf is the basis of a denied request, taken from the action
// that denied it in its history; "" for a request that is not denied. A
// Customer denial of a request flagged exempt counts as exempt. Without a
// denying event in the history (a record imported bare), a denying
// Customer decision is the Customer's, a verified request was refused as
// excessive, and anything else could not be verified.
func DenialBasisOf(r Request) DenialBasis {
	if r.Status != StatusDenied {
		return ""
	}
	var by Action
	for i := len(r.History) - 1; i >= 0; i-- {
		if e := r.History[i]; e.To == StatusDenied && e.From != StatusDenied {
			by = e.Action
			break
		}
	}
	customer := by == ActDeny || by == "" && r.Decision != nil && r.Decision.Outcome == DecisionDenied
	switch {
	case customer && r.HasFlag(FlagExempt):
		return DenyExempt
	case customer:
		return DenyCustomer
	case by == ActRefuseExcessive:
		return DenyExcessive
	case by == ActDenyUnverifiable:
		return DenyUnverifiable
	case r.Verification != nil && r.Verification.Level != LevelNone:
		return DenyExcessive
	}
	return DenyUnverifiable
}

// MetricsAllowed reports whether role may read the request metrics: the
// privacy leads who answer to the Customers, and admins. The figures hold
// no personal data, but they are the vendor's report to its Customers.
func MetricsAllowed(r Role) bool { return r.Can(PermSignOff) || r.Can(PermManageOperators) }

// OnTimeKind names a deadline the metrics judge: the acknowledgement
// (§7021(a)), the response (§7021(b), 90 days once extended) and the
// custodian's promise to its Customer (45 days from approval).
type OnTimeKind string

const (
	OnTimeAck       OnTimeKind = "acknowledgement"
	OnTimeResponse  OnTimeKind = "response"
	OnTimeCustodian OnTimeKind = "custodian"
)

// OnTimeKinds lists the judged deadlines in report order.
func OnTimeKinds() []OnTimeKind { return []OnTimeKind{OnTimeAck, OnTimeResponse, OnTimeCustodian} }

// Rate is how many of Of met a deadline.
type Rate struct {
	Met int `json:"met"`
	Of  int `json:"of"`
}

// Percent is Met/Of in percent, or -1 when nothing was judged.
func (r Rate) Percent() float64 {
	if r.Of == 0 {
		return -1
	}
	return 100 * float64(r.Met) / float64(r.Of)
}

// TypeMetrics are the figures of one request type (Type "all" for the total).
type TypeMetrics struct {
	Type          RequestType `json:"type"`
	Received      int         `json:"received"`
	CompliedWhole int         `json:"complied_whole"`
	// CompliedPart is a completed request that withheld something
	// (retention rules, legal holds): complied with in part.
	CompliedPart int                 `json:"complied_part"`
	Denied       map[DenialBasis]int `json:"denied"`
	Withdrawn    int                 `json:"withdrawn"`
	// Open are still being worked on: no outcome yet.
	Open int `json:"open"`
	// Responded counts the responses (completed or denied) the days are over.
	Responded  int                 `json:"responded"`
	MedianDays float64             `json:"median_days"`
	MeanDays   float64             `json:"mean_days"`
	OnTime     map[OnTimeKind]Rate `json:"on_time"`
	Extensions int                 `json:"extensions"`
	days       []int
}

// DeniedTotal is the number denied on any basis.
func (m TypeMetrics) DeniedTotal() int {
	n := 0
	for _, c := range m.Denied {
		n += c
	}
	return n
}

// MonthCount is the requests received in one month of the year, by type.
type MonthCount struct {
	Month  time.Month          `json:"month"`
	ByType map[RequestType]int `json:"by_type"`
}

// Total is the month's requests of every type.
func (c MonthCount) Total() int {
	n := 0
	for _, v := range c.ByType {
		n += v
	}
	return n
}

// DaysBin is one bar of the histogram of days to respond: responses that
// took From to To days inclusive (To -1: From or more).
type DaysBin struct {
	From  int `json:"from"`
	To    int `json:"to"`
	Count int `json:"count"`
}

// MetricsBinDays is the width of a histogram bar: 5 days, so the 45-day
// line (§7021(b)) falls between two bars.
const MetricsBinDays = 5

// metricsLastBin is where the open-ended bar starts: past the 90 days an
// extended response may take.
const metricsLastBin = ResponseDays + ExtensionDays

// Metrics are the request metrics of one calendar year, of one tenant or
// of every tenant in scope.
type Metrics struct {
	Year     int           `json:"year"`
	TenantID string        `json:"tenant_id,omitempty"`
	Types    []TypeMetrics `json:"types"`
	Total    TypeMetrics   `json:"total"`
	Months   []MonthCount  `json:"months"`
	Days     []DaysBin     `json:"days_to_respond"`
}

// MetricsFacts is what the metrics read of one request: its §7101 record
// (the type, dates, status, outcome and denial basis), the extension, and
// the deadlines judged in its tenant's calendar.
type MetricsFacts struct {
	Type      RequestType
	Status    Status
	Received  time.Time
	Responded *time.Time
	Withheld  bool
	Extended  bool
	Basis     DenialBasis
	Loc       *time.Location
	Deadlines []DeadlineResult
}

// FactsOf reads a request's metrics facts in its tenant's calendar.
// Responded is the response date; for an encrypted access package it is
// also the delivery date (AccessDelivery.DeliveredAt is stamped from the
// same completion), so days-to-respond count to the delivery.
func FactsOf(r Request, t Tenant) MetricsFacts {
	f := MetricsFacts{Type: r.Type, Status: r.Status, Received: r.ReceivedAt, Responded: r.RespondedAt,
		Withheld: len(r.Withheld) > 0, Extended: r.Extension != nil, Basis: DenialBasisOf(r), Loc: t.Location()}
	if r.Status == StatusCompleted || r.Status == StatusDenied {
		f.Deadlines = ClosedDeadlines(r, t)
	}
	return f
}

// ComputeMetrics computes the metrics of year from the requests' facts;
// facts received in another year (in their tenant's zone) are skipped.
// Days to respond are calendar days from the local date of receipt to the
// local date of the response; on-time rates judge only responded requests
// (completed or denied), against each deadline that applied to them.
func ComputeMetrics(year int, tenantID string, facts []MetricsFacts) Metrics {
	m := Metrics{Year: year, TenantID: tenantID}
	byType := map[RequestType]*TypeMetrics{}
	for _, t := range RequestTypes() {
		byType[t] = newTypeMetrics(t)
	}
	total := newTypeMetrics("all")
	for mo := time.January; mo <= time.December; mo++ {
		m.Months = append(m.Months, MonthCount{Month: mo, ByType: map[RequestType]int{}})
	}
	for b := 0; b <= metricsLastBin; b += MetricsBinDays {
		to := b + MetricsBinDays - 1
		if b == metricsLastBin {
			to = -1
		}
		m.Days = append(m.Days, DaysBin{From: b, To: to})
	}
	for _, f := range facts {
		loc := f.Loc
		if loc == nil {
			loc = time.UTC
		}
		recv := f.Received.In(loc)
		if recv.Year() != year {
			continue
		}
		tm, ok := byType[f.Type]
		if !ok {
			tm = newTypeMetrics(f.Type)
			byType[f.Type] = tm
		}
		m.Months[recv.Month()-1].ByType[f.Type]++
		for _, x := range []*TypeMetrics{tm, total} {
			x.add(f, loc)
		}
		if f.Responded != nil && (f.Status == StatusCompleted || f.Status == StatusDenied) {
			d := DaysLeft(f.Received, *f.Responded, loc)
			i := min(max(d, 0)/MetricsBinDays, len(m.Days)-1)
			m.Days[i].Count++
		}
	}
	for _, t := range RequestTypes() {
		m.Types = append(m.Types, byType[t].finish())
	}
	for t, tm := range byType {
		if !slices.Contains(RequestTypes(), t) {
			m.Types = append(m.Types, tm.finish())
		}
	}
	m.Total = total.finish()
	return m
}

func newTypeMetrics(t RequestType) *TypeMetrics {
	return &TypeMetrics{Type: t, Denied: map[DenialBasis]int{}, OnTime: map[OnTimeKind]Rate{}}
}

func (m *TypeMetrics) add(f MetricsFacts, loc *time.Location) {
	m.Received++
	if f.Extended {
		m.Extensions++
	}
	switch f.Status {
	case StatusCompleted:
		if f.Withheld {
			m.CompliedPart++
		} else {
			m.CompliedWhole++
		}
	case StatusDenied:
		m.Denied[f.Basis]++
	case StatusWithdrawn:
		m.Withdrawn++
	default:
		m.Open++
	}
	if f.Responded != nil && (f.Status == StatusCompleted || f.Status == StatusDenied) {
		m.Responded++
		m.days = append(m.days, DaysLeft(f.Received, *f.Responded, loc))
	}
	for _, d := range f.Deadlines {
		k := onTimeKind(d.Kind)
		if k == "" {
			continue
		}
		r := m.OnTime[k]
		r.Of++
		if d.Met {
			r.Met++
		}
		m.OnTime[k] = r
	}
}

func onTimeKind(k DeadlineKind) OnTimeKind {
	switch k {
	case DueAck:
		return OnTimeAck
	case DueLegal, DueExtended:
		return OnTimeResponse
	case DueCustodian:
		return OnTimeCustodian
	}
	return ""
}

func (m *TypeMetrics) finish() TypeMetrics {
	out := *m
	out.days = nil
	if n := len(m.days); n > 0 {
		d := slices.Clone(m.days)
		slices.Sort(d)
		sum := 0
		for _, x := range d {
			sum += x
		}
		out.MeanDays = math.Round(10*float64(sum)/float64(n)) / 10
		if n%2 == 1 {
			out.MedianDays = float64(d[n/2])
		} else {
			out.MedianDays = float64(d[n/2-1]+d[n/2]) / 2
		}
	}
	return out
}
