package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// RequestView is a request as `requests show` prints it: personal
// information masked, every text from the database cleaned of control
// characters, and the deadlines computed in the tenant's time zone.
type RequestView struct {
	ID             string            `json:"id"`
	ExternalRef    string            `json:"external_ref,omitempty"`
	TenantID       string            `json:"tenant_id"`
	TenantName     string            `json:"tenant_name"`
	TimeZone       string            `json:"time_zone"`
	Type           model.RequestType `json:"type"`
	Channel        model.Channel     `json:"channel"`
	Status         model.Status      `json:"status"`
	ReceivedAt     time.Time         `json:"received_at"`
	SubjectID      string            `json:"subject_id,omitempty"`
	Subject        string            `json:"subject"` // masked name, or why there is none
	Requester      PersonView        `json:"requester"`
	Agent          *AgentView        `json:"agent,omitempty"`
	ResidencyState string            `json:"residency_state"`
	// ResidencyFrom says where the state came from: stated, subject or
	// tenant (empty on requests logged before it was recorded).
	ResidencyFrom string `json:"residency_from,omitempty"`
	// AccessScope is what a request to know asks for (access only).
	AccessScope model.AccessScope `json:"access_scope,omitempty"`
	// RequiredLevel is the verification the request type needs:
	// reasonable, high or none (model.RequiredLevel).
	RequiredLevel string              `json:"required_verification"`
	Corrections   map[string]string   `json:"corrections,omitempty"` // masked values
	LoggedBy      string              `json:"logged_by"`
	AssignedTo    string              `json:"assigned_to,omitempty"`
	InfoRequested string              `json:"info_requested,omitempty"`
	Deadlines     DeadlinesView       `json:"deadlines"`
	Limit         *LimitView          `json:"know_limit,omitempty"`
	Flags         []model.Flag        `json:"flags"`
	Verification  *model.Verification `json:"verification,omitempty"`
	Decision      *model.Decision     `json:"decision,omitempty"`
	// PriorDecisions are recorded decisions a lead corrected, oldest first.
	PriorDecisions []model.Decision `json:"prior_decisions,omitempty"`
	Fee            *model.Fee       `json:"fee,omitempty"`
	// ClosedDeadlines say, for a closed request, whether each deadline was
	// met; a closed request has no countdown.
	ClosedDeadlines []ClosedDeadline `json:"closed_deadlines,omitempty"`
	Extension       *model.Extension `json:"extension,omitempty"`
	Outcome         string           `json:"outcome,omitempty"`
	DenialReason    string           `json:"denial_reason,omitempty"`
	FailureReason   string           `json:"failure_reason,omitempty"`
	RespondedAt     *time.Time       `json:"responded_at,omitempty"`
	Notes           []model.Note     `json:"notes"`
	// Fulfilment.
	Fulfilment *FulfilmentView     `json:"fulfilment,omitempty"`
	Export     *model.AccessExport `json:"export,omitempty"`
	Withheld   []model.Withheld    `json:"withheld,omitempty"`
	// exportDir is where the store writes packages, for the text view's path.
	exportDir string
	History   []model.Event `json:"history"`
	Version   int64         `json:"version"`
}

// FulfilmentView is the state of a request's plan (`requests plan` shows
// the plan itself).
type FulfilmentView struct {
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

// PersonView is a requester or agent, masked.
type PersonView struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// AgentView is an authorized agent, masked.
type AgentView struct {
	PersonView
	Organization       string `json:"organization,omitempty"`
	PermissionEvidence string `json:"permission_evidence"`
}

// DeadlinesView lists every due date of the request; zero times are absent.
type DeadlinesView struct {
	Acknowledgement time.Time          `json:"acknowledgement"`
	Acknowledged    bool               `json:"acknowledged"`
	LegalResponse   time.Time          `json:"legal_response"`
	Legal45         time.Time          `json:"legal_45"`
	Extended        bool               `json:"extended"`
	Custodian       *time.Time         `json:"custodian,omitempty"`
	OptOut          *time.Time         `json:"opt_out,omitempty"`
	Expedited       *time.Time         `json:"child_expedited,omitempty"`
	Response        time.Time          `json:"response"`
	ResponseKind    model.DeadlineKind `json:"response_kind"`
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

func closedDeadlines(r model.Request, t model.Tenant, loc *time.Location) []ClosedDeadline {
	var out []ClosedDeadline
	for _, d := range model.ClosedDeadlines(r, t) {
		out = append(out, ClosedDeadline{Kind: d.Kind, Due: d.Due, At: d.At, Met: d.Met, Line: d.Line(loc)})
	}
	return out
}

// LimitView is the two-requests-to-know per 12 months evaluation.
type LimitView struct {
	Over    bool     `json:"over"`
	Earlier []string `json:"earlier"`
	Reason  string   `json:"reason"`
}

// Show prints request id, as text or as JSON.
func Show(ctx context.Context, store *db.Store, actor model.Actor, id string, asJSON bool, now time.Time, w io.Writer) error {
	r, err := store.Request(ctx, actor, id)
	if err != nil {
		return fmt.Errorf("show %s: %w", model.CleanLine(id), err)
	}
	t, err := store.Tenant(ctx, actor, r.TenantID)
	if err != nil {
		return fmt.Errorf("show %s: tenant: %w", r.ID, err)
	}
	v := viewOf(r, t)
	v.exportDir = store.ExportDir()
	switch {
	case r.SubjectID == "":
		v.Subject = "not matched to a subject yet"
	default:
		if sub, err := store.Subject(ctx, actor, r.SubjectID); err != nil {
			v.Subject = "cannot be read: " + model.CleanLine(err.Error())
		} else {
			v.Subject = model.CleanLine(model.Mask(model.KindName, model.CleanLine(sub.Name))) + " (account " + model.CleanLine(string(sub.Status)) + ")"
		}
	}
	if model.CheckKnowLimit(r, nil).Applies {
		res, err := store.KnowLimit(ctx, actor, r.ID)
		if err != nil {
			return fmt.Errorf("show %s: %w", r.ID, err)
		}
		lv := &LimitView{Over: res.Over, Earlier: []string{}, Reason: model.CleanLine(res.Reason())}
		for _, e := range res.Earlier {
			lv.Earlier = append(lv.Earlier, model.CleanLine(e.ID))
		}
		v.Limit = lv
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	writeRequestText(w, v, t.Location(), now)
	return nil
}

func maskPerson(p model.Person) PersonView {
	c := model.CleanLine
	return PersonView{
		Name:  c(model.Mask(model.KindName, c(p.Name))),
		Email: c(model.Mask(model.KindEmail, c(p.Email))),
		Phone: c(model.Mask(model.KindPhone, c(p.Phone))),
	}
}

func viewOf(r model.Request, t model.Tenant) RequestView {
	c := model.CleanLine
	loc := t.Location()
	dl := model.ComputeDeadlinesIn(r, t, loc)
	v := RequestView{
		ID: c(r.ID), ExternalRef: c(r.ExternalRef), TenantID: c(r.TenantID), TenantName: c(t.Name), TimeZone: loc.String(),
		Type: model.RequestType(c(string(r.Type))), Channel: model.Channel(c(string(r.Channel))), Status: model.Status(c(string(r.Status))),
		ReceivedAt: r.ReceivedAt, SubjectID: c(r.SubjectID), Requester: maskPerson(r.Requester),
		ResidencyState: c(r.ResidencyState), ResidencyFrom: c(r.ResidencyFrom), AccessScope: model.AccessScope(c(string(r.AccessScope))),
		RequiredLevel: levelName(model.RequiredLevel(r)), ClosedDeadlines: closedDeadlines(r, t, loc), LoggedBy: c(r.LoggedBy), AssignedTo: c(r.AssignedTo),
		InfoRequested: c(r.InfoRequested), Outcome: c(r.Outcome), DenialReason: c(r.DenialReason),
		FailureReason: c(r.FailureReason), RespondedAt: r.RespondedAt, Version: r.Version,
		Flags: []model.Flag{}, Notes: []model.Note{}, History: []model.Event{},
	}
	if r.Agent != nil {
		v.Agent = &AgentView{PersonView: maskPerson(r.Agent.Person), Organization: c(r.Agent.Organization), PermissionEvidence: c(r.Agent.PermissionEvidence)}
	}
	if len(r.Corrections) > 0 {
		v.Corrections = map[string]string{}
		for f, val := range r.Corrections {
			v.Corrections[c(f)] = c(model.Mask(model.DataPoint(f).Kind(), c(val)))
		}
	}
	v.Deadlines = DeadlinesView{
		Acknowledgement: dl.Ack, Acknowledged: dl.AckDone, LegalResponse: dl.Legal, Legal45: dl.Legal45, Extended: dl.Extended,
		Response: dl.Response, ResponseKind: dl.ResponseKind,
	}
	if r.Status.Open() {
		next := dl.Next
		v.Deadlines.Next, v.Deadlines.NextKind = &next, dl.NextKind
	}
	for _, p := range []struct {
		at  time.Time
		dst **time.Time
	}{{dl.Custodian, &v.Deadlines.Custodian}, {dl.OptOut, &v.Deadlines.OptOut}, {dl.Expedited, &v.Deadlines.Expedited}} {
		if !p.at.IsZero() {
			at := p.at
			*p.dst = &at
		}
	}
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
	if x := r.Extension; x != nil {
		e := *x
		e.By, e.Reason = c(x.By), c(x.Reason)
		v.Extension = &e
	}
	for _, n := range r.Notes {
		v.Notes = append(v.Notes, model.Note{By: c(n.By), At: n.At, Text: c(n.Text)})
	}
	if p := r.Plan; p != nil {
		v.Fulfilment = &FulfilmentView{Plan: c(p.ID), Digest: c(p.Digest), BuiltBy: c(p.BuiltBy), BuiltAt: p.BuiltAt,
			SignedBy: c(p.SignedBy), SignedAt: p.SignedAt, Steps: len(p.Steps), StepsDone: len(p.Steps) - len(p.Pending()),
			Stale: c(model.PlanStale(r))}
	}
	if x := r.Export; x != nil {
		e := *x
		e.Dir, e.Files = c(x.Dir), nil
		for _, f := range x.Files {
			e.Files = append(e.Files, model.ExportFile{Name: c(f.Name), SHA256: c(f.SHA256), Bytes: f.Bytes})
		}
		v.Export = &e
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

// residencyLine is the state whose law applies and where it came from.
func residencyLine(state, from string) string {
	switch from {
	case model.ResidencyStated:
		return orDash(state) + " (stated by the requester)"
	case model.ResidencySubject:
		return orDash(state) + " (the subject on file)"
	case model.ResidencyTenant:
		return orDash(state) + " (the tenant's state: nothing else known)"
	}
	return orDash(state)
}

func day(t time.Time, loc *time.Location) string { return present.Date(t, loc) }

func stamp(t time.Time, loc *time.Location) string { return present.Time(t, loc) }

func daysLeft(now, due time.Time, loc *time.Location) string { return present.DaysLeft(now, due, loc) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func writeRequestText(w io.Writer, v RequestView, loc *time.Location, now time.Time) {
	kv := func(k, val string) { fmt.Fprintf(w, "  %-18s %s\n", k, val) }
	fmt.Fprintf(w, "%s  %s  %s\n", v.ID, v.Type.Label(), v.Status.Label())
	kv("tenant", v.TenantID+"  "+v.TenantName)
	kv("received", stamp(v.ReceivedAt, loc)+" via "+string(v.Channel))
	if v.ExternalRef != "" {
		kv("external ref", v.ExternalRef)
	}
	kv("subject", orDash(v.SubjectID)+"  "+v.Subject)
	kv("requester", strings.Join(nonEmpty(v.Requester.Name, v.Requester.Email, v.Requester.Phone), "  "))
	if v.Agent != nil {
		kv("agent", strings.Join(nonEmpty(v.Agent.Name, v.Agent.Organization, v.Agent.Email, v.Agent.Phone), "  "))
		kv("agent permission", v.Agent.PermissionEvidence)
	}
	kv("residency", residencyLine(v.ResidencyState, v.ResidencyFrom))
	if v.AccessScope != "" {
		kv("access scope", v.AccessScope.Label())
	}
	need := model.VerificationLevel(v.RequiredLevel)
	if v.RequiredLevel == "none" {
		need = model.LevelNone
	}
	kv("verification need", need.Label())
	kv("logged by", orDash(v.LoggedBy))
	kv("assigned to", orDash(v.AssignedTo))
	for _, f := range slices.Sorted(maps.Keys(v.Corrections)) {
		kv("correct "+f, v.Corrections[f])
	}
	for _, x := range []struct{ k, v string }{{"info requested", v.InfoRequested}, {"outcome", v.Outcome}, {"denial reason", v.DenialReason}, {"failure", v.FailureReason}} {
		if x.v != "" {
			kv(x.k, x.v)
		}
	}
	if v.RespondedAt != nil {
		kv("responded", stamp(*v.RespondedAt, loc))
	}

	fmt.Fprintf(w, "\nDeadlines (%s)\n", v.TimeZone)
	if len(v.ClosedDeadlines) > 0 {
		// A closed request is judged, not counted down.
		for _, x := range v.ClosedDeadlines {
			fmt.Fprintf(w, "  %s\n", x.Line)
		}
	} else {
		writeOpenDeadlines(w, v, loc, now)
	}
	writeRest(w, v, loc)
}

func writeOpenDeadlines(w io.Writer, v RequestView, loc *time.Location, now time.Time) {
	kv := func(k, val string) { fmt.Fprintf(w, "  %-18s %s\n", k, val) }
	d := v.Deadlines
	due := func(kind model.DeadlineKind, at time.Time, note string) {
		line := fmt.Sprintf("  %-18s %s  %s", kind, day(at, loc), daysLeft(now, at, loc))
		if note != "" {
			line += "  " + note
		}
		if kind == d.NextKind {
			line += "  ◀ next"
		}
		fmt.Fprintln(w, line)
	}
	ack := ""
	if d.Acknowledged {
		ack = "(met)"
	}
	due(model.DueAck, d.Acknowledgement, ack)
	due(model.DueLegal, d.Legal45, "")
	if d.Extended {
		due(model.DueExtended, d.LegalResponse, "")
	} else {
		kv(string(model.DueExtended), "not extended")
	}
	if d.Custodian != nil {
		due(model.DueCustodian, *d.Custodian, "")
	} else {
		kv(string(model.DueCustodian), "starts when the Customer approves")
	}
	if d.OptOut != nil {
		due(model.DueOptOut, *d.OptOut, "")
	}
	if d.Expedited != nil {
		due(model.DueExpedited, *d.Expedited, "")
	}
}

func writeRest(w io.Writer, v RequestView, loc *time.Location) {
	kv := func(k, val string) { fmt.Fprintf(w, "  %-18s %s\n", k, val) }
	if v.Limit != nil {
		fmt.Fprintln(w, "\nTwo requests to know per 12 months")
		state := "within the limit"
		if v.Limit.Over {
			state = "OVER the limit"
		}
		kv(state, v.Limit.Reason)
	}

	fmt.Fprintln(w, "\nFlags")
	if len(v.Flags) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, f := range v.Flags {
		kv(f.Kind.Short(), f.Reason)
	}

	fmt.Fprintln(w, "\nVerification")
	if x := v.Verification; x == nil {
		fmt.Fprintln(w, "  not recorded")
	} else {
		kv("level", orDash(string(x.Level)))
		kv("method", orDash(x.Method))
		kv("data points", orDash(strings.Join(x.DataPoints, ", ")))
		kv("signed declaration", yesNo(x.SignedDecl))
		if v.Agent != nil {
			kv("agent verified", yesNo(x.AgentChecked))
		}
		kv("by", orDash(x.By)+" "+stamp(x.At, loc))
	}

	fmt.Fprintln(w, "\nCustomer decision")
	if x := v.Decision; x == nil {
		fmt.Fprintln(w, "  not recorded")
	} else {
		kv("outcome", string(x.Outcome))
		kv("decided by", orDash(x.Approver)+" on "+day(x.DecidedAt, loc))
		kv("evidence", orDash(x.Method)+": "+orDash(x.Evidence))
		if x.Reason != "" {
			kv("reason", x.Reason)
		}
		kv("recorded by", orDash(x.RecordedBy)+" "+stamp(x.RecordedAt, loc))
	}
	for i, x := range v.PriorDecisions {
		kv(fmt.Sprintf("corrected (%d)", i+1), fmt.Sprintf("was %s by %s on %s, %s: %s; recorded by %s %s", x.Outcome, orDash(x.Approver),
			day(x.DecidedAt, loc), orDash(x.Method), orDash(x.Evidence), orDash(x.RecordedBy), stamp(x.RecordedAt, loc)))
	}
	if x := v.Fee; x != nil {
		fmt.Fprintln(w, "\nFee")
		kv("amount", x.Amount())
		kv("reason", orDash(x.Reason))
		kv("quoted by", orDash(x.By)+" "+stamp(x.At, loc))
	}
	if x := v.Extension; x != nil {
		fmt.Fprintln(w, "\nExtension")
		kv("by", x.By+" "+stamp(x.At, loc))
		kv("reason", x.Reason)
	}
	if f := v.Fulfilment; f != nil {
		fmt.Fprintln(w, "\nFulfilment")
		kv("plan", f.Plan+"  digest "+prefix(f.Digest, minDigestPrefix))
		kv("built by", f.BuiltBy+" "+stamp(f.BuiltAt, loc))
		if f.SignedBy != "" {
			kv("signed off by", f.SignedBy+" "+stamp(f.SignedAt, loc))
		} else {
			kv("signed off by", "nobody yet (a privacy lead other than "+f.BuiltBy+")")
		}
		kv("steps", fmt.Sprintf("%d of %d done", f.StepsDone, f.Steps))
		if f.Stale != "" {
			kv("stale", StaleText(v.ID, f.Stale))
		}
		writeExport(w, v.Export, v.exportDir)
		writeWithheld(w, v.Withheld)
	}
	if len(v.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes")
		for _, n := range v.Notes {
			fmt.Fprintf(w, "  %s  %s: %s\n", stamp(n.At, loc), n.By, n.Text)
		}
	}
	fmt.Fprintln(w, "\nHistory")
	for _, e := range v.History {
		line := fmt.Sprintf("  %s  %-8s %-14s %s", stamp(e.At, loc), e.Actor, e.Action.Label(), arrow(e.From, e.To))
		if e.Reason != "" {
			line += "  " + e.Reason
		}
		fmt.Fprintln(w, line)
	}
}

func arrow(from, to model.Status) string {
	if from == "" || from == to {
		return "→ " + string(to)
	}
	return string(from) + " → " + string(to)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func nonEmpty(ss ...string) []string {
	out := []string{}
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return []string{"—"}
	}
	return out
}
