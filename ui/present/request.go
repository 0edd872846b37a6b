package present

import (
	"time"

	"github.com/custodian-dev/custodian/model"
)

// Request is a request as every front end shows it: personal information
// masked, every text from the database cleaned of control characters, and
// the deadlines computed in the tenant's time zone. Its JSON is what
// `custodian requests show --json` prints; fields tagged json:"-" are for
// the views that show more than the CLI's JSON carries.
type Request struct {
	ID          string            `json:"id"`
	ExternalRef string            `json:"external_ref,omitempty"`
	TenantID    string            `json:"tenant_id"`
	TenantName  string            `json:"tenant_name"`
	TimeZone    string            `json:"time_zone"`
	Type        model.RequestType `json:"type"`
	Channel     model.Channel     `json:"channel"`
	Status      model.Status      `json:"status"`
	ReceivedAt  time.Time         `json:"received_at"`
	SubjectID   string            `json:"subject_id,omitempty"`
	// Subject is the subject's masked name, or why there is none. The
	// subject is another record, so RequestOf leaves this empty and the
	// front end that read the subject fills it in.
	Subject        string `json:"subject"`
	Requester      Person `json:"requester"`
	Agent          *Agent `json:"agent,omitempty"`
	ResidencyState string `json:"residency_state"`
	// ResidencyFrom says where the state came from: stated, subject or
	// tenant (empty on requests logged before it was recorded).
	ResidencyFrom string `json:"residency_from,omitempty"`
	// AccessScope is what a request to know asks for (access only).
	AccessScope model.AccessScope `json:"access_scope,omitempty"`
	// RequiredLevel is the verification the request type needs:
	// reasonable, high or none (model.RequiredLevel).
	RequiredLevel string            `json:"required_verification"`
	Corrections   map[string]string `json:"corrections,omitempty"` // masked values
	LoggedBy      string            `json:"logged_by"`
	AssignedTo    string            `json:"assigned_to,omitempty"`
	InfoRequested string            `json:"info_requested,omitempty"`
	Deadlines     Deadlines         `json:"deadlines"`
	// Limit is the two-requests-to-know check; it needs the subject's other
	// requests, so the front end that read them fills it in (LimitOf).
	Limit        *Limit              `json:"know_limit,omitempty"`
	Flags        []model.Flag        `json:"flags"`
	Verification *model.Verification `json:"verification,omitempty"`
	Decision     *model.Decision     `json:"decision,omitempty"`
	// PriorDecisions are recorded decisions a lead corrected, oldest first.
	PriorDecisions []model.Decision `json:"prior_decisions,omitempty"`
	Fee            *model.Fee       `json:"fee,omitempty"`
	// Reminders are the chasers sent to the Customer while its decision
	// was awaited.
	Reminders []model.Reminder `json:"-"`
	// AwaitingSince is when the request last began waiting on the
	// Customer; zero when it is not waiting.
	AwaitingSince time.Time `json:"-"`
	// ClosedDeadlines say, for a closed request, whether each deadline was
	// met; a closed request has no countdown.
	ClosedDeadlines []ClosedDeadline `json:"closed_deadlines,omitempty"`
	Extension       *model.Extension `json:"extension,omitempty"`
	Outcome         string           `json:"outcome,omitempty"`
	DenialReason    string           `json:"denial_reason,omitempty"`
	FailureReason   string           `json:"failure_reason,omitempty"`
	RespondedAt     *time.Time       `json:"responded_at,omitempty"`
	Notes           []Note           `json:"notes"`
	// Fulfilment.
	Fulfilment *Fulfilment         `json:"fulfilment,omitempty"`
	Export     *model.AccessExport `json:"export,omitempty"`
	// Delivery is how the access package is encrypted and, for a
	// passphrase, the record of its second channel.
	Delivery *model.AccessDelivery `json:"delivery,omitempty"`
	Withheld []model.Withheld      `json:"withheld,omitempty"`
	// ExportDir is where the store writes access packages, for a view
	// that shows the package's full path; machine output leaves it out.
	ExportDir string        `json:"-"`
	History   []model.Event `json:"history"`
	Version   int64         `json:"version"`
}

// Need is the verification level the request type needs, RequiredLevel
// read back (its "none" is model.LevelNone).
func (v Request) Need() model.VerificationLevel {
	if v.RequiredLevel == "none" {
		return model.LevelNone
	}
	return model.VerificationLevel(v.RequiredLevel)
}

// Fulfilment is the state of a request's plan (the plan view shows the
// plan itself).
type Fulfilment struct {
	Plan      string    `json:"plan"`
	Digest    string    `json:"digest"`
	BuiltBy   string    `json:"built_by"`
	BuiltAt   time.Time `json:"built_at"`
	SignedBy  string    `json:"signed_by,omitempty"`
	SignedAt  time.Time `json:"signed_at,omitzero"`
	StepsDone int       `json:"steps_done"`
	Steps     int       `json:"steps"`
	// Stale says why the plan no longer describes what a run would do
	// (model.PlanStale); empty while it does.
	Stale string `json:"stale,omitempty"`
}

// Person is a requester or agent, masked.
type Person struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Agent is an authorized agent, masked.
type Agent struct {
	Person
	Organization       string `json:"organization,omitempty"`
	PermissionEvidence string `json:"permission_evidence"`
}

// Deadlines lists every due date of the request; zero times are absent.
type Deadlines struct {
	Acknowledgement time.Time `json:"acknowledgement"`
	Acknowledged    bool      `json:"acknowledged"`
	// AcknowledgedAt is when the request was acknowledged, if it was.
	AcknowledgedAt *time.Time         `json:"-"`
	LegalResponse  time.Time          `json:"legal_response"`
	Legal45        time.Time          `json:"legal_45"`
	Extended       bool               `json:"extended"`
	Custodian      *time.Time         `json:"custodian,omitempty"`
	OptOut         *time.Time         `json:"opt_out,omitempty"`
	Expedited      *time.Time         `json:"child_expedited,omitempty"`
	Response       time.Time          `json:"response"`
	ResponseKind   model.DeadlineKind `json:"response_kind"`
	// Next is the earliest deadline still pending: absent once the request
	// is closed, whose deadlines are judged in closed_deadlines instead.
	Next     *time.Time         `json:"next,omitempty"`
	NextKind model.DeadlineKind `json:"next_kind,omitempty"`
}

// ClosedDeadline is one deadline of a closed request, met or missed.
type ClosedDeadline struct {
	Kind model.DeadlineKind `json:"kind"`
	Due  time.Time          `json:"due"`
	// At is when it was met, or when the request closed.
	At   time.Time `json:"at"`
	Met  bool      `json:"met"`
	Line string    `json:"line"` // e.g. "legal response due 2026-11-20: met 2026-11-18"
}

// ClosedDeadlines judges each deadline of a closed request in the tenant's
// calendar; nil for an open request.
func ClosedDeadlines(r model.Request, t model.Tenant) []ClosedDeadline {
	loc := t.Location()
	var out []ClosedDeadline
	for _, d := range model.ClosedDeadlines(r, t) {
		out = append(out, ClosedDeadline{Kind: d.Kind, Due: d.Due, At: d.At, Met: d.Met, Line: model.CleanLine(d.Line(loc))})
	}
	return out
}

// Limit is the two-requests-to-know per 12 months evaluation.
type Limit struct {
	Over    bool     `json:"over"`
	Earlier []string `json:"earlier"`
	Reason  string   `json:"reason"`
	// From is the start of the 12-month window.
	From time.Time `json:"-"`
	// EarlierRequests are the requests Earlier names, for a view that
	// lists them with their dates and states.
	EarlierRequests []LimitEntry `json:"-"`
}

// LimitEntry is one earlier request to know counted by a Limit.
type LimitEntry struct {
	ID         string
	ReceivedAt time.Time
	Status     model.Status
}

// LimitOf shows a two-requests-to-know evaluation, cleaned.
func LimitOf(res model.LimitResult) *Limit {
	c := model.CleanLine
	l := &Limit{Over: res.Over, Earlier: []string{}, Reason: c(res.Reason()), From: res.From}
	for _, e := range res.Earlier {
		l.Earlier = append(l.Earlier, c(e.ID))
		l.EarlierRequests = append(l.EarlierRequests, LimitEntry{ID: c(e.ID), ReceivedAt: e.ReceivedAt, Status: model.Status(c(string(e.Status)))})
	}
	return l
}

// Note is a note on a request, cleaned.
type Note struct {
	By string    `json:"by"`
	At time.Time `json:"at"`
	// Text is the note on one line, for output read line by line.
	Text string `json:"text"`
	// Body is the note with its own line breaks, for a view that wraps it.
	Body string `json:"-"`
}

// SubjectName is a subject's name masked: enough to tell people apart on
// a call, not enough to leak who they are to a shoulder-surfer.
func SubjectName(s model.Subject) string {
	return maskedLine(model.KindName, s.Name)
}

func maskedLine(kind model.FieldKind, s string) string {
	c := model.CleanLine
	return c(model.Mask(kind, c(s)))
}

func personOf(p model.Person) Person {
	return Person{
		Name:  maskedLine(model.KindName, p.Name),
		Email: maskedLine(model.KindEmail, p.Email),
		Phone: maskedLine(model.KindPhone, p.Phone),
	}
}

// RequestOf is request r of tenant t as the front ends show it. It reads
// nothing: Subject, Limit and ExportDir come from other records, and the
// front end that read them sets them.
func RequestOf(r model.Request, t model.Tenant) Request {
	c := model.CleanLine
	loc := t.Location()
	v := Request{
		ID: c(r.ID), ExternalRef: c(r.ExternalRef), TenantID: c(r.TenantID), TenantName: c(t.Name), TimeZone: loc.String(),
		Type: model.RequestType(c(string(r.Type))), Channel: model.Channel(c(string(r.Channel))), Status: model.Status(c(string(r.Status))),
		ReceivedAt: r.ReceivedAt, SubjectID: c(r.SubjectID), Requester: personOf(r.Requester),
		ResidencyState: c(r.ResidencyState), ResidencyFrom: c(r.ResidencyFrom), AccessScope: model.AccessScope(c(string(r.AccessScope))),
		RequiredLevel: levelName(model.RequiredLevel(r)), ClosedDeadlines: ClosedDeadlines(r, t), LoggedBy: c(r.LoggedBy), AssignedTo: c(r.AssignedTo),
		InfoRequested: c(r.InfoRequested), Outcome: c(r.Outcome), DenialReason: c(r.DenialReason),
		FailureReason: c(r.FailureReason), RespondedAt: r.RespondedAt, Version: r.Version,
		Flags: []model.Flag{}, Notes: []Note{}, History: []model.Event{},
	}
	if r.Agent != nil {
		v.Agent = &Agent{Person: personOf(r.Agent.Person), Organization: c(r.Agent.Organization), PermissionEvidence: c(r.Agent.PermissionEvidence)}
	}
	if len(r.Corrections) > 0 {
		v.Corrections = map[string]string{}
		for f, val := range r.Corrections {
			v.Corrections[c(f)] = maskedLine(model.DataPoint(f).Kind(), val)
		}
	}
	v.Deadlines = deadlinesOf(r, t, loc)
	for _, f := range r.Flags {
		v.Flags = append(v.Flags, model.Flag{Kind: model.FlagKind(c(string(f.Kind))), Reason: c(f.Reason)})
	}
	if x := r.Verification; x != nil {
		vv := *x
		vv.Method, vv.By, vv.Level = c(x.Method), c(x.By), model.VerificationLevel(c(string(x.Level)))
		vv.DataPoints = make([]string, len(x.DataPoints))
		for i, d := range x.DataPoints {
			vv.DataPoints[i] = c(d)
		}
		v.Verification = &vv
	}
	if x := r.Decision; x != nil {
		d := cleanDecision(*x)
		v.Decision = &d
	}
	for _, x := range r.PriorDecisions {
		v.PriorDecisions = append(v.PriorDecisions, cleanDecision(x))
	}
	if x := r.Fee; x != nil {
		fee := *x
		fee.Reason, fee.By = c(x.Reason), c(x.By)
		v.Fee = &fee
	}
	for _, m := range r.Reminders {
		v.Reminders = append(v.Reminders, model.Reminder{By: c(m.By), At: m.At, To: c(m.To)})
	}
	v.AwaitingSince, _ = r.AwaitingSince()
	if x := r.Extension; x != nil {
		e := *x
		e.By, e.Reason = c(x.By), c(x.Reason)
		v.Extension = &e
	}
	for _, n := range r.Notes {
		v.Notes = append(v.Notes, Note{By: c(n.By), At: n.At, Text: c(n.Text), Body: model.CleanText(n.Text)})
	}
	if p := r.Plan; p != nil {
		v.Fulfilment = &Fulfilment{Plan: c(p.ID), Digest: c(p.Digest), BuiltBy: c(p.BuiltBy), BuiltAt: p.BuiltAt,
			SignedBy: c(p.SignedBy), SignedAt: p.SignedAt, Steps: len(p.Steps), StepsDone: len(p.Steps) - len(p.Pending()),
			Stale: c(model.PlanStale(r))}
	}
	if x := r.Export; x != nil {
		e := *x
		e.Dir, e.Files = c(x.Dir), nil
		for _, f := range x.Files {
			e.Files = append(e.Files, model.ExportFile{Name: c(f.Name), SHA256: c(f.SHA256), Bytes: f.Bytes})
		}
		if x.Sealed != nil {
			e.Sealed = &model.ExportFile{Name: c(x.Sealed.Name), SHA256: c(x.Sealed.SHA256), Bytes: x.Sealed.Bytes}
		}
		v.Export = &e
	}
	if x := r.Delivery; x != nil {
		d := *x
		d.Recipient, d.ChosenBy = c(x.Recipient), c(x.ChosenBy)
		if x.Sent != nil {
			sent := *x.Sent
			sent.By = c(x.Sent.By)
			d.Sent = &sent
		}
		v.Delivery = &d
	}
	for _, x := range r.Withheld {
		wh := model.Withheld{Category: model.Category(c(string(x.Category))), Reason: c(x.Reason)}
		for _, where := range x.Where {
			wh.Where = append(wh.Where, c(where))
		}
		v.Withheld = append(v.Withheld, wh)
	}
	for _, e := range r.History {
		v.History = append(v.History, model.Event{ID: c(e.ID), At: e.At, Actor: c(e.Actor), Role: model.Role(c(string(e.Role))),
			Action: model.Action(c(string(e.Action))), From: model.Status(c(string(e.From))), To: model.Status(c(string(e.To))), Reason: c(e.Reason)})
	}
	return v
}

func deadlinesOf(r model.Request, t model.Tenant, loc *time.Location) Deadlines {
	dl := model.ComputeDeadlinesIn(r, t, loc)
	d := Deadlines{
		Acknowledgement: dl.Ack, Acknowledged: dl.AckDone, LegalResponse: dl.Legal, Legal45: dl.Legal45, Extended: dl.Extended,
		Response: dl.Response, ResponseKind: dl.ResponseKind,
	}
	if dl.AckDone {
		d.AcknowledgedAt = r.AcknowledgedAt
	}
	if r.Status.Open() {
		next := dl.Next
		d.Next, d.NextKind = &next, dl.NextKind
	}
	for _, p := range []struct {
		at  time.Time
		dst **time.Time
	}{{dl.Custodian, &d.Custodian}, {dl.OptOut, &d.OptOut}, {dl.Expedited, &d.Expedited}} {
		if !p.at.IsZero() {
			at := p.at
			*p.dst = &at
		}
	}
	return d
}

func cleanDecision(x model.Decision) model.Decision {
	c := model.CleanLine
	d := x
	d.Outcome, d.Approver, d.Method, d.Evidence = model.DecisionOutcome(c(string(x.Outcome))), c(x.Approver), c(x.Method), c(x.Evidence)
	d.Reason, d.RecordedBy = c(x.Reason), c(x.RecordedBy)
	return d
}

// levelName is a verification level by name, "none" for none.
func levelName(l model.VerificationLevel) string {
	if l == model.LevelNone {
		return "none"
	}
	return string(l)
}
