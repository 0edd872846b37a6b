package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// MaxRequestText bounds free text in a request (names, notes, reasons): the
// console refuses longer input, so the 5000-character hostile value appears
// in requests cut to this length and in full only in subject and product data.
const MaxRequestText = 2000

// systemHandle is the console itself: web intake, automatic acknowledgements,
// fulfilment failures.
const systemHandle = "custodian"

// draft is a request being built, with what the generator knows about it.
type draft struct {
	model.Request
	seq      int // creation order, the tie-break when sorting by receipt
	t        *model.Tenant
	p        *person // nil when the requester matched no subject
	repeatOf *draft
}

// plan says what a request should look like; build makes it coherent.
type plan struct {
	typ      model.RequestType
	status   model.Status
	p        *person
	tenant   string // when p is nil
	age      float64
	ageTo    float64 // when set, age is drawn from [age, ageTo)
	agent    bool
	extend   bool
	unacked  bool
	deny     string // "unverifiable", "excessive", "customer"
	via      model.Status
	exempt   string // flag reason
	repeatOf *draft
	hostile  string
	channel  model.Channel
	limitRef bool // over-limit group member: refuse as excessive when denied
}

type reqGen struct {
	r        *rand.Rand
	now      time.Time
	tenants  map[string]*model.Tenant
	staff    []model.Operator
	people   []*person
	drafts   []*draft
	max      int
	eventSeq int
}

func (g *reqGen) full() bool { return len(g.drafts) >= g.max }

func (g *reqGen) ageBetween(a, b float64) float64 { return a + g.r.Float64()*(b-a) }

// actor picks an enabled operator of role in scope for the tenant.
func (g *reqGen) actor(role model.Role, tenant string, not ...string) model.Operator {
	if role == model.RoleSystem {
		return model.Operator{Handle: systemHandle, Role: model.RoleSystem}
	}
	c := actorsFor(g.staff, role, tenant)
	var ok []model.Operator
	for _, o := range c {
		if !slices.Contains(not, o.Handle) {
			ok = append(ok, o)
		}
	}
	if len(ok) == 0 {
		ok = c
	}
	return ok[g.r.IntN(len(ok))]
}

// lead is the first privacy lead of tenant other than never, preferring
// one not named in rather: a choice without a random draw.
func (g *reqGen) lead(tenant, never string, rather ...string) model.Operator {
	c := slices.DeleteFunc(actorsFor(g.staff, model.RoleLead, tenant), func(o model.Operator) bool { return o.Handle == never })
	for _, o := range c {
		if !slices.Contains(rather, o.Handle) {
			return o
		}
	}
	if len(c) == 0 {
		panic("demo: tenant " + tenant + " has a single privacy lead; a plan needs two")
	}
	return c[0]
}

// withPlanSteps adds the plan and its sign-off between the approval and
// the start of the run, at a third and two thirds of the way.
func withPlanSteps(steps []step) []step {
	var approved, started time.Time
	for _, s := range steps {
		switch s.action {
		case model.ActApprove:
			approved = s.at
		case model.ActStartFulfilment:
			if started.IsZero() {
				started = s.at
			}
		}
	}
	if approved.IsZero() || started.IsZero() || !started.After(approved) {
		return steps
	}
	gap := started.Sub(approved)
	return append(steps,
		step{at: approved.Add(gap / 3), action: model.ActPlan, role: model.RoleLead},
		step{at: approved.Add(2 * gap / 3), action: model.ActSignOff, role: model.RoleLead})
}

// NeedsPlan reports whether r is a demo request whose history has a plan
// signed off but which carries none yet: its plan depends on the records
// as stored and on the tenant's erasure key, so db.Seed computes it.
func NeedsPlan(r model.Request) bool {
	if r.Plan != nil || (r.Status != model.StatusFulfilling && r.Status != model.StatusFailed) {
		return false
	}
	return slices.ContainsFunc(r.History, func(e model.Event) bool { return e.Action == model.ActSignOff })
}

// PlanEvents are the plan and sign-off events of a request NeedsPlan
// names: who built it and when, who signed it and when.
func PlanEvents(r model.Request) (built, signed model.Event, ok bool) {
	for _, e := range r.History {
		switch e.Action {
		case model.ActPlan:
			built = e
		case model.ActSignOff:
			signed = e
		}
	}
	return built, signed, built.Actor != "" && signed.Actor != ""
}

// FailedStepReason is a demo failure as a run records it: the step that
// failed (the plan's first, none having run) and the passing cause.
func FailedStepReason(p model.Plan, cause string) string {
	if len(p.Steps) == 0 {
		return "stopped before its first step: " + cause
	}
	return fmt.Sprintf("step 1/%d %s: %s", len(p.Steps), model.StepTarget(p, 0), cause)
}

// step is one event to apply, in time order.
type step struct {
	at       time.Time
	action   model.Action
	role     model.Role
	reason   string
	optional bool // dropped when the lifecycle does not allow it at that point
	apply    func(d *draft, op model.Operator, at time.Time)
}

var (
	infoAsks = []string{
		"Please send a copy of a recent utility bill showing your service address.",
		"Please confirm the last four digits of the phone number on your account.",
		"Please return the signed declaration under penalty of perjury (form PR-7).",
		"Please confirm the date of your most recent payment and its amount.",
		"The agent's letter is unsigned: please send a signed copy of the permission.",
	}
	noteTexts = []string{
		"Called requester to confirm mailing address; left voicemail.",
		"Requester prefers e-mail; do not call after 5pm.",
		"Customer clerk out until Monday; approval expected then.",
		"Export prepared; waiting on the Customer's records officer.",
		"Duplicate web form submission merged into this request.",
		"Requester asked for the response in Spanish.",
	}
	// failReasons are what stopped a demo run: passing causes, so a retry
	// runs. db.Seed names the step that failed (the first of the signed
	// plan it computes from the records, see FailedStepReason).
	failReasons = []string{
		"the product's API returned 503 Service Unavailable",
		"the write timed out after 30s",
		"the storage service refused the change (permission denied)",
	}
	extendReasons = []string{
		"records span four products and the Customer's archive; notice sent with the reason",
		"Customer's records officer on leave; archived applicant files must be retrieved from storage",
		"request covers 9 years of payment history held by two departments",
	}
	customerDenials = []string{
		"records belong to an open code-enforcement case file (open-records exemption)",
		"requester is not the account holder on file and provided no authority",
		"records are part of pending litigation; counsel advised against release",
	}
	decisionMethods = []string{"email", "ticket", "signed letter", "customer portal"}
)

func (g *reqGen) build(pl plan) *draft {
	if g.full() || (pl.p == nil && pl.tenant == "") || (pl.agent && pl.p == nil) {
		return nil
	}
	r := g.r
	if len(pl.hostile) > MaxRequestText {
		pl.hostile = pl.hostile[:MaxRequestText]
	}
	d := &draft{seq: len(g.drafts), p: pl.p, repeatOf: pl.repeatOf}
	tid := pl.tenant
	if pl.p != nil {
		tid = pl.p.TenantID
	}
	d.t = g.tenants[tid]
	d.TenantID = tid
	d.Type = pl.typ
	d.Status = model.StatusReceived
	d.Flags, d.Notes, d.History = []model.Flag{}, []model.Note{}, []model.Event{}

	age := pl.age
	if pl.ageTo > pl.age {
		age = g.ageBetween(pl.age, pl.ageTo)
	}
	d.Channel = pl.channel
	if d.Channel == "" {
		switch n := r.IntN(100); {
		case n < 50:
			d.Channel = model.ChannelWeb
		case n < 75:
			d.Channel = model.ChannelEmail
		case n < 90:
			d.Channel = model.ChannelPhone
		default:
			d.Channel = model.ChannelMail
		}
	}

	recv := g.now.Add(-time.Duration(age * float64(24*time.Hour))).Truncate(time.Second)
	if d.Channel != model.ChannelWeb {
		// Calls, e-mails and letters are logged in office hours.
		local := recv.In(d.t.Location())
		y, m, day := local.Date()
		office := time.Date(y, m, day, 9+local.Hour()%8, local.Minute(), local.Second(), 0, local.Location())
		if wd := office.Weekday(); wd == time.Saturday {
			office = office.AddDate(0, 0, 2)
		} else if wd == time.Sunday {
			office = office.AddDate(0, 0, 1)
		}
		if office.Before(g.now.Add(-20 * time.Minute)) {
			recv = office.UTC()
		}
	}
	if recv.After(g.now.Add(-20 * time.Minute)) {
		recv = g.now.Add(-20 * time.Minute).Truncate(time.Second)
	}
	d.ReceivedAt = recv

	// Who asked, as they typed it.
	if p := pl.p; p != nil {
		d.SubjectID = p.ID
		d.SubjectLabel = model.SubjectLabelFor(p.Name)
		d.ResidencyState = p.ResidencyState
		if p.child {
			d.Requester = p.guardian
		} else {
			d.Requester = typedPerson(r, p)
		}
	} else {
		name, handle := randomName(r)
		d.Requester = model.Person{Name: name, Email: fmt.Sprintf("%s%d@%s", handle, r.IntN(100), pick(r, emailDomains))}
		d.SubjectLabel = model.SubjectLabelFor(name)
		d.ResidencyState = d.t.State
	}
	if d.Channel == model.ChannelMail {
		d.Requester.Email = ""
	}
	if pl.hostile != "" {
		d.Requester.Name = pl.hostile
	}
	if pl.agent {
		an, ah := randomName(r)
		a := &model.Agent{Person: model.Person{Name: an, Email: ah + "@agents.example", Phone: phoneTyped(r, phoneDigits(r, &tenantDefs[indexOfTenant(tid)]))}}
		if r.IntN(10) < 7 {
			a.Organization = pick(r, agentOrgs)
		}
		if r.IntN(2) == 0 {
			a.PermissionEvidence = fmt.Sprintf("signed permission letter dated %s, scanned to ticket CUST-%04d", recv.AddDate(0, 0, -r.IntN(20)).Format(time.DateOnly), r.IntN(10000))
		} else {
			a.PermissionEvidence = fmt.Sprintf("power of attorney (notarized %s), file ref POA-%04d", recv.AddDate(0, -r.IntN(24), 0).Format(time.DateOnly), r.IntN(10000))
		}
		if pl.hostile != "" {
			a.Organization = pl.hostile
		}
		d.Agent = a
		who := a.Name
		if a.Organization != "" {
			who = a.Organization
		}
		d.Flags = append(d.Flags, model.Flag{Kind: model.FlagAgent, Reason: "authorized agent " + who + "; permission: " + a.PermissionEvidence})
	}
	if d.Type == model.TypeChildDeletion && pl.p != nil {
		age, _ := pl.p.AgeOn(recv)
		d.Flags = append(d.Flags, model.Flag{Kind: model.FlagChild, Reason: fmt.Sprintf("subject was %d on receipt (born %s): data a child under 14 provided is deleted on an expedited basis", age, pl.p.real.BirthDate)})
	}
	if pl.exempt != "" {
		d.Flags = append(d.Flags, model.Flag{Kind: model.FlagExempt, Reason: pl.exempt})
	}
	if d.Type == model.TypeRectification {
		d.Corrections = corrections(r, pl.p, pl.hostile)
	}

	g.timeline(d, pl, recv)
	g.drafts = append(g.drafts, d)
	return d
}

// typedPerson is the subject as they typed themselves into a form: e-mail
// case and phone formatting vary, and some drop their accents.
func typedPerson(r *rand.Rand, p *person) model.Person {
	s := p.real
	out := model.Person{Name: s.Name}
	switch r.IntN(10) {
	case 0:
		out.Name = strings.ToUpper(s.Name)
	case 1:
		parts := strings.Split(p.handle, ".")
		for i, w := range parts {
			if w != "" {
				parts[i] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
		out.Name = strings.Join(parts, " ")
	}
	if len(s.Emails) > 0 {
		e := s.Emails[0]
		switch r.IntN(4) {
		case 0:
			e = strings.ToUpper(e[:1]) + e[1:]
		case 1:
			local, dom, _ := strings.Cut(e, "@")
			e = local + "@" + strings.ToUpper(dom)
		}
		out.Email = e
	}
	if len(s.Phones) > 0 {
		out.Phone = phoneTyped(r, s.Phones[0])
	}
	return out
}

func corrections(r *rand.Rand, p *person, hostileValue string) map[string]string {
	if hostileValue != "" {
		return map[string]string{"name": hostileValue}
	}
	switch r.IntN(4) {
	case 0:
		return map[string]string{"address": address(r, p.def)}
	case 1:
		if p.real.Name == "José Núñez" {
			return map[string]string{"name": "José Núñez-Ortega"}
		}
		return map[string]string{"name": p.real.Name + "-" + pick(r, []string{"Ortega", "Lindqvist", "Okafor", "Nakamura"})}
	case 2:
		return map[string]string{"phone": phoneTyped(r, phoneDigits(r, p.def)), "address": address(r, p.def)}
	}
	return map[string]string{"email": fmt.Sprintf("%s.new%d@%s", strings.ToLower(p.handle), r.IntN(100), pick(r, emailDomains))}
}

// path is the status-changing actions from received to the planned status.
func (g *reqGen) path(pl plan) []model.Action {
	r := g.r
	verify := func() []model.Action {
		a := []model.Action{model.ActStartVerification}
		if r.IntN(4) == 0 {
			a = append(a, model.ActRequestInfo, model.ActInfoReceived)
		}
		return append(a, model.ActVerify)
	}
	toApproved := func() []model.Action { return append(verify(), model.ActApprove) }
	toFulfilling := func() []model.Action { return append(toApproved(), model.ActStartFulfilment) }
	switch pl.status {
	case model.StatusReceived:
		return nil
	case model.StatusVerifying:
		if r.IntN(4) == 0 {
			return []model.Action{model.ActStartVerification, model.ActRequestInfo, model.ActInfoReceived}
		}
		return []model.Action{model.ActStartVerification}
	case model.StatusNeedsInfo:
		if r.IntN(3) == 0 {
			return []model.Action{model.ActRequestInfo}
		}
		return []model.Action{model.ActStartVerification, model.ActRequestInfo}
	case model.StatusAwaitingApproval:
		return verify()
	case model.StatusApproved:
		return toApproved()
	case model.StatusFulfilling:
		a := toFulfilling()
		if r.IntN(5) == 0 {
			a = append(a, model.ActFail, model.ActRetry)
		}
		return a
	case model.StatusFailed:
		a := append(toFulfilling(), model.ActFail)
		if r.IntN(3) == 0 {
			a = append(a, model.ActRetry, model.ActFail)
		}
		return a
	case model.StatusCompleted:
		a := toFulfilling()
		if r.IntN(8) == 0 {
			a = append(a, model.ActFail, model.ActRetry)
		}
		return append(a, model.ActComplete)
	case model.StatusDenied:
		switch pl.deny {
		case "excessive":
			return []model.Action{model.ActRefuseExcessive}
		case "unverifiable":
			return []model.Action{model.ActStartVerification, model.ActRequestInfo, model.ActDenyUnverifiable}
		}
		return append(verify(), model.ActDeny)
	case model.StatusWithdrawn:
		var a []model.Action
		switch pl.via {
		case model.StatusVerifying:
			a = []model.Action{model.ActStartVerification}
		case model.StatusNeedsInfo:
			a = []model.Action{model.ActStartVerification, model.ActRequestInfo}
		case model.StatusAwaitingApproval:
			a = verify()
		case model.StatusApproved:
			a = toApproved()
		}
		return append(a, model.ActWithdraw)
	}
	panic("no path to " + pl.status)
}

func roleFor(a model.Action) model.Role {
	switch a {
	case model.ActRefuseExcessive, model.ActApprove, model.ActDeny, model.ActStartFulfilment, model.ActComplete, model.ActExtend:
		return model.RoleLead
	case model.ActFail:
		return model.RoleSystem
	case model.ActRetry:
		return model.RoleEngineer
	}
	return model.RoleSupport
}

// timeline lays out the request's events between receipt and now and applies
// them through the lifecycle table, so every history is one the console could
// have produced.
func (g *reqGen) timeline(d *draft, pl plan, recv time.Time) {
	r := g.r
	now := g.now
	span := now.Sub(recv)
	closed := !pl.status.Open()

	// end: when the last status change happened.
	var end time.Time
	switch {
	case closed && pl.extend:
		end = recv.Add(time.Duration(g.ageBetween(50, 85) * float64(24*time.Hour)))
	case closed:
		limit := time.Duration(g.ageBetween(6, 40) * float64(24*time.Hour))
		end = recv.Add(min(time.Duration(float64(span)*g.ageBetween(0.4, 0.95)), limit))
	default:
		end = recv.Add(time.Duration(float64(span) * g.ageBetween(0.55, 0.97)))
	}
	if end.After(now.Add(-time.Minute)) {
		end = now.Add(-time.Minute)
	}

	var steps []step
	// log (and, for web forms, the automatic confirmation of receipt)
	logRole := model.RoleSupport
	if d.Channel == model.ChannelWeb {
		logRole = model.RoleSystem
	}
	steps = append(steps, step{at: recv, action: model.ActLog, role: logRole})
	cursor := recv
	if !pl.unacked && !(pl.status == model.StatusReceived && span < 6*time.Hour && d.Channel != model.ChannelWeb) {
		at := recv.Add(time.Minute)
		role := model.RoleSystem
		if d.Channel != model.ChannelWeb {
			role = model.RoleSupport
			win := min(time.Duration(g.ageBetween(0.1, 5)*float64(24*time.Hour)), end.Sub(recv)/3)
			at = recv.Add(time.Duration(r.Int64N(int64(max(win, time.Minute)))) + time.Minute)
		}
		steps = append(steps, step{at: at, action: model.ActAcknowledge, role: role})
		cursor = at
	}
	acts := g.path(pl)
	if len(acts) > 0 {
		us := make([]float64, len(acts))
		for i := range us {
			us[i] = r.Float64()
		}
		sort.Float64s(us)
		if closed {
			us[len(us)-1] = 1
		}
		for i, a := range acts {
			at := cursor.Add(time.Duration(us[i] * float64(end.Sub(cursor)))).Add(time.Duration(i+1) * time.Second)
			steps = append(steps, step{at: at.Truncate(time.Second), action: a, role: roleFor(a)})
		}
	}
	// A run starts only with a signed plan: a lead makes it and another
	// signs it off between the approval and the start. No random draw, so
	// the rest of the dataset stays as it was; db.Seed computes the plan
	// from the records (see NeedsPlan).
	if pl.status == model.StatusFulfilling || pl.status == model.StatusFailed {
		steps = withPlanSteps(steps)
	}
	// assignment soon after receipt
	if r.IntN(10) < 8 && (pl.status.Open() || r.IntN(2) == 0) {
		steps = append(steps, step{at: recv.Add(time.Duration(g.ageBetween(0.05, 0.3)*float64(min(span, 48*time.Hour))) + 2*time.Second), action: model.ActAssign, role: model.RoleSupport, optional: true})
	}
	// an extension, inside the first 45 days
	if pl.extend {
		at := recv.Add(time.Duration(g.ageBetween(30, 44) * float64(24*time.Hour)))
		if at.Before(now) {
			steps = append(steps, step{at: at, action: model.ActExtend, role: model.RoleLead, optional: true, reason: pick(r, extendReasons)})
		}
	}
	// notes, from a few minutes after receipt until now
	noteFrom, noteTo := recv.Add(min(time.Hour, span/4)), now.Add(-time.Minute)
	for n := r.IntN(3); n > 0; n-- {
		steps = append(steps, step{at: randTime(r, noteFrom, noteTo), action: model.ActNote, role: pick(r, []model.Role{model.RoleSupport, model.RoleLead}), optional: true})
	}
	if pl.hostile != "" {
		steps = append(steps, step{at: randTime(r, noteFrom, noteTo), action: model.ActNote, role: model.RoleSupport, optional: true, reason: pl.hostile})
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].at.Before(steps[j].at) })

	var verifyAt time.Time
	var approvedBy, builtBy string
	for _, s := range steps {
		s.at = s.at.Truncate(time.Second)
		from := d.Status
		var to model.Status
		if s.action == model.ActLog {
			to = model.StatusReceived
		} else {
			var err error
			to, err = model.Next(from, s.action, s.role)
			if err != nil {
				if s.optional {
					continue
				}
				panic(fmt.Sprintf("demo: planned %s on %s %s: %v", s.action, d.Type, from, err))
			}
		}
		var op model.Operator
		switch {
		case s.role == model.RoleSystem:
			op = g.actor(model.RoleSystem, d.TenantID)
		case s.action == model.ActPlan:
			op = g.lead(d.TenantID, "", approvedBy)
			builtBy = op.Handle
		case s.action == model.ActSignOff:
			op = g.lead(d.TenantID, builtBy, approvedBy) // four eyes: never the plan's builder
		case s.action == model.ActStartFulfilment:
			op = g.actor(s.role, d.TenantID, approvedBy) // four eyes: not the lead who recorded the approval
		default:
			op = g.actor(s.role, d.TenantID)
		}
		ev := model.Event{At: s.at, Actor: op.Handle, Role: op.Role, Action: s.action, From: from, To: to}
		if s.action == model.ActLog {
			ev.From = ""
			d.LoggedBy = op.Handle
		}
		switch s.action {
		case model.ActAcknowledge:
			at := s.at
			d.AcknowledgedAt = &at
		case model.ActAssign:
			who := g.actor(pick(r, []model.Role{model.RoleSupport, model.RoleSupport, model.RoleLead}), d.TenantID)
			d.AssignedTo = who.Handle
			ev.Reason = "assigned to " + who.Handle
		case model.ActRequestInfo:
			d.InfoRequested = pick(r, infoAsks)
			ev.Reason = "asked the requester for more information"
		case model.ActVerify:
			verifyAt = s.at
			d.Verification = verification(r, d, op.Handle, s.at)
		case model.ActDenyUnverifiable:
			d.Verification = &model.Verification{Method: "data points", DataPoints: []string{"email"}, Level: model.LevelNone, AgentChecked: false, By: op.Handle, At: s.at}
			d.DenialReason = "identity could not be verified: only 1 of 2 data points matched and the information requested was not provided"
			ev.Reason = d.DenialReason
		case model.ActRefuseExcessive:
			if pl.repeatOf != nil {
				d.DenialReason = "repetitive: same request as an earlier one still in progress" // the id is filled in once ids exist
			} else if pl.limitRef {
				d.DenialReason = "excessive: third request to know within 12 months from a California resident (Cal. Civ. Code §1798.130(b))"
			} else {
				d.DenialReason = "baseless: the request concerns records of another household's account"
			}
			ev.Reason = d.DenialReason
		case model.ActApprove, model.ActDeny:
			c := pick(r, d.t.Approvers)
			decided := s.at.Add(-time.Duration(1+r.IntN(20)) * time.Hour)
			if decided.Before(verifyAt) {
				decided = verifyAt.Add(time.Minute)
			}
			if decided.After(s.at) {
				decided = s.at
			}
			dec := &model.Decision{Outcome: model.DecisionApproved, Approver: c.Name + ", " + c.Title, Method: pick(r, decisionMethods),
				DecidedAt: decided.Truncate(time.Second), RecordedBy: op.Handle, RecordedAt: s.at}
			dec.Evidence = fmt.Sprintf("%s from %s on %s, ref CUST-%05d", dec.Method, c.Email, decided.Format(time.DateOnly), r.IntN(100000))
			if s.action == model.ActDeny {
				dec.Outcome = model.DecisionDenied
				dec.Reason = pick(r, customerDenials)
				if pl.exempt != "" {
					dec.Reason = pl.exempt
				}
				d.DenialReason = "Customer denied: " + dec.Reason
				ev.Reason = d.DenialReason
			} else {
				approvedBy = op.Handle
			}
			d.Decision = dec
		case model.ActFail:
			d.FailureReason = pick(r, failReasons)
			ev.Reason = d.FailureReason
		case model.ActRetry:
			ev.Reason = "retrying failed step"
		case model.ActComplete:
			d.FailureReason = ""
			d.Outcome = outcome(r, d)
		case model.ActWithdraw:
			ev.Reason = "requester withdrew the request by " + string(d.Channel)
			d.Outcome = "withdrawn by requester"
		case model.ActExtend:
			ev.Reason = s.reason
			d.Extension = &model.Extension{By: op.Handle, At: s.at, Reason: s.reason, NoticeSent: s.at.Add(time.Duration(10+r.IntN(120)) * time.Minute)}
		case model.ActNote:
			k := r.IntN(len(noteTexts))
			for slices.ContainsFunc(d.Notes, func(n model.Note) bool { return n.Text == noteTexts[k] }) {
				k = (k + 1) % len(noteTexts)
			}
			text := noteTexts[k]
			if s.reason != "" {
				text = s.reason
			}
			d.Notes = append(d.Notes, model.Note{By: op.Handle, At: s.at, Text: text})
		}
		d.Status = to
		if !d.Status.Open() && (s.action != model.ActNote) && d.RespondedAt == nil && d.Status != model.StatusWithdrawn {
			at := s.at
			d.RespondedAt = &at
			if d.Status == model.StatusDenied {
				d.Outcome = "denied"
			}
		}
		d.History = append(d.History, ev)
		d.UpdatedBy, d.UpdatedAt = op.Handle, s.at
	}
	if d.Status != pl.status {
		panic(fmt.Sprintf("demo: planned %s, reached %s", pl.status, d.Status))
	}
	if d.Status != model.StatusNeedsInfo && d.Status != model.StatusDenied {
		d.InfoRequested = ""
	}
	d.Version = int64(len(d.History))
}

func verification(r *rand.Rand, d *draft, by string, at time.Time) *model.Verification {
	v := &model.Verification{Method: "data points", By: by, At: at, AgentChecked: d.Agent != nil}
	points := []string{"email on file", "phone on file", "service address", "date of birth", "last payment amount", "account number"}
	for k := range d.Corrections {
		// a correction is verified with data other than the data being corrected
		points = slices.DeleteFunc(points, func(p string) bool { return strings.Contains(p, k) })
	}
	r.Shuffle(len(points), func(i, j int) { points[i], points[j] = points[j], points[i] })
	switch {
	case d.p != nil && d.p.Status == model.AccountActive && d.Channel == model.ChannelWeb && d.Agent == nil && r.IntN(2) == 0:
		v.Method = "account re-authentication"
		v.DataPoints = []string{"portal password", "one-time code to the e-mail on file"}
		v.Level = model.LevelReasonable
	case d.Type == model.TypeChildDeletion || d.Type == model.TypeDeletion && r.IntN(2) == 0 || d.Type == model.TypeAccess && r.IntN(3) == 0:
		v.DataPoints = points[:3]
		v.Level = model.LevelHigh
		v.SignedDecl = true
	default:
		v.DataPoints = points[:2]
		v.Level = model.LevelReasonable
	}
	return v
}

func outcome(r *rand.Rand, d *draft) string {
	n := 1
	if d.p != nil {
		n = len(d.p.colls)
	}
	switch d.Type {
	case model.TypeAccess:
		return fmt.Sprintf("copy of PI collected in the previous 12 months sent via secure portal link (%d collection(s))", n)
	case model.TypeDeletion:
		if d.HasFlag(model.FlagExempt) {
			return fmt.Sprintf("deleted from %d collection(s); some categories retained, response explains why", max(1, n-1))
		}
		return fmt.Sprintf("deleted from %d collection(s)", n)
	case model.TypeRectification:
		keys := make([]string, 0, len(d.Corrections))
		for k := range d.Corrections {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return "corrected " + strings.Join(keys, ", ") + " in every collection holding it"
	case model.TypeOptOut:
		return "marketing e-mail opt-in cleared in alert_subscriptions; confirmation sent"
	case model.TypeChildDeletion:
		return "child's registration data deleted on an expedited basis; guardian notified"
	}
	return "completed"
}
