package console

// The body of a request's detail: the sections, people, deadlines and
// fulfilment written into a doc.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// doc accumulates the detail's lines, wrapping every value to the width so
// the viewport never has to (its wrapping would pad through styles).
type doc struct {
	th     Theme
	width  int
	labelW int
	lines  []string
}

func (d *doc) section(title string) {
	if len(d.lines) > 0 {
		d.lines = append(d.lines, "")
	}
	d.lines = append(d.lines, d.th.Section.Render(truncate(" "+title, d.width)))
}

// kv adds "label  value", continuing a long value under itself.
func (d *doc) kv(label, value string) {
	indent := 3 + d.labelW + 1
	w := max(8, d.width-indent)
	wrapped := strings.Split(ansi.Wrap(value, w, " ,;/"), "\n")
	for i, l := range wrapped {
		prefix := strings.Repeat(" ", indent)
		if i == 0 {
			prefix = "   " + d.th.Label.Render(padRight(label, d.labelW)) + " "
		}
		d.lines = append(d.lines, prefix+l)
	}
}

// para adds free text (notes, reasons) indented, keeping its own newlines.
func (d *doc) para(indent int, text string) {
	w := max(8, d.width-indent)
	for _, l := range strings.Split(ansi.Wrap(text, w, " ,;/"), "\n") {
		d.lines = append(d.lines, strings.Repeat(" ", indent)+l)
	}
}

func (d *doc) line(s string) {
	d.lines = append(d.lines, truncate(s, d.width))
}

func (p *detailPane) content() string {
	r := *p.req
	th := p.ctx.Theme
	t, loc := p.tenant, p.loc
	now := p.ctx.Clock.Now()
	d := &doc{th: th, width: p.width, labelW: 20}
	clean := model.CleanLine

	d.section("Deadlines · " + clean(loc.String()))
	p.deadlines(d, r, t, loc, now)

	d.section("Request")
	d.kv("received", stamp(r.ReceivedAt, loc)+" via "+clean(string(r.Channel)))
	if r.ExternalRef != "" {
		d.kv("external ref", clean(r.ExternalRef))
	}
	if r.Type == model.TypeAccess {
		scope := model.AccessCategories
		if r.AccessScope != "" {
			scope = r.AccessScope
		}
		d.kv("asks for", clean(scope.Label()))
	}
	d.kv("verification", "needs a "+model.RequiredLevel(r).Label())
	d.kv("residency", residencyLine(r))
	d.kv("logged by", orDash(clean(r.LoggedBy)))
	d.kv("assigned to", orDash(clean(r.AssignedTo)))
	var subj string
	switch {
	case p.subject != nil:
		subj = clean(model.Mask(model.KindName, clean(p.subject.Name))) + "  (" + clean(p.subject.ID) + ", account " + clean(string(p.subject.Status)) + ")"
	case p.subjectErr != nil:
		subj = clean(r.SubjectID) + " (cannot be read: " + errText(p.subjectErr) + ")"
	case r.SubjectID != "":
		subj = clean(r.SubjectID) + " (not found)"
	default:
		subj = "not matched to a subject yet"
	}
	d.kv("subject", subj)
	if r.InfoRequested != "" {
		d.kv("info requested", clean(r.InfoRequested))
	}
	if r.Outcome != "" {
		d.kv("outcome", clean(r.Outcome))
	}
	if r.RespondedAt != nil {
		d.kv("responded", stamp(*r.RespondedAt, loc))
	}
	if r.DenialReason != "" {
		d.kv("denial reason", clean(r.DenialReason))
	}
	if r.FailureReason != "" {
		d.kv("failure", clean(r.FailureReason))
	}
	if len(r.Corrections) > 0 {
		fields := make([]string, 0, len(r.Corrections))
		for f := range r.Corrections {
			fields = append(fields, clean(f))
		}
		slices.Sort(fields)
		// The requested values are personal data, so only the field names show.
		d.kv("corrections", strings.Join(fields, ", ")+" (values masked)")
	}

	d.section("Requester")
	p.person(d, r.Requester)

	if r.Agent != nil {
		d.section("Authorized agent")
		p.person(d, r.Agent.Person)
		if r.Agent.Organization != "" {
			d.kv("organization", clean(r.Agent.Organization))
		}
		d.kv("permission", orDash(clean(r.Agent.PermissionEvidence)))
	}

	d.section("Verification")
	if v := r.Verification; v != nil {
		d.kv("method", orDash(clean(v.Method)))
		pts := make([]string, len(v.DataPoints))
		for i, x := range v.DataPoints {
			pts[i] = clean(x)
		}
		d.kv("data points", orDash(strings.Join(pts, ", ")))
		d.kv("level", orDash(clean(string(v.Level))))
		d.kv("signed declaration", yesNo(v.SignedDecl))
		if r.Agent != nil {
			d.kv("agent verified", yesNo(v.AgentChecked))
		}
		d.kv("by", orDash(clean(v.By))+" at "+stamp(v.At, loc))
	} else {
		d.line("   " + th.Dim.Render("not verified yet — nothing may be disclosed or changed"))
	}

	d.section("Customer decision")
	if c := r.Decision; c != nil {
		outcome := clean(string(c.Outcome))
		if c.Outcome == model.DecisionDenied {
			outcome = th.Overdue.Render(outcome)
		}
		d.kv("outcome", outcome)
		d.kv("approver", orDash(clean(c.Approver)))
		d.kv("method", orDash(clean(c.Method)))
		d.kv("evidence", orDash(clean(c.Evidence)))
		if c.Reason != "" {
			d.kv("reason", clean(c.Reason))
		}
		d.kv("decided", stamp(c.DecidedAt, loc))
		d.kv("recorded by", orDash(clean(c.RecordedBy))+" at "+stamp(c.RecordedAt, loc))
	} else {
		d.line("   " + th.Dim.Render("none recorded — the Customer must approve before anything is done"))
	}

	// The chasers sent while the Customer's decision was awaited.
	if len(r.Reminders) > 0 || r.Status == model.StatusAwaitingApproval {
		d.section(fmt.Sprintf("Reminders to the Customer (%d)", len(r.Reminders)))
		if since, ok := r.AwaitingSince(); ok {
			d.kv("waiting since", stamp(since, loc)+fmt.Sprintf(" (%d days)", int(now.Sub(since).Hours()/24)))
		}
		for _, m := range r.Reminders {
			d.kv(stamp(m.At, loc), clean(m.By)+" → "+clean(m.To))
		}
		if len(r.Reminders) == 0 {
			d.line("   " + th.Dim.Render("none sent"))
		}
	}

	if len(r.PriorDecisions) > 0 {
		d.section(fmt.Sprintf("Earlier records of the decision (%d)", len(r.PriorDecisions)))
		for _, old := range r.PriorDecisions {
			d.kv(stamp(old.RecordedAt, loc), clean(model.DecisionDetail(old, t))+" — recorded by "+orDash(clean(old.RecordedBy)))
		}
	}

	if fee := r.Fee; fee != nil {
		d.section("Fee quoted")
		d.kv("amount", fee.Amount())
		d.kv("reason", orDash(clean(fee.Reason)))
		d.kv("by", orDash(clean(fee.By))+" at "+stamp(fee.At, loc))
	}

	if x := r.Extension; x != nil {
		d.section("Extension")
		d.kv("by", orDash(clean(x.By))+" at "+stamp(x.At, loc))
		d.kv("reason", orDash(clean(x.Reason)))
		d.kv("notice sent", stamp(x.NoticeSent, loc))
	}

	// Fulfilment
	if r.Plan != nil || slices.Contains([]model.Status{model.StatusApproved, model.StatusFulfilling, model.StatusFailed, model.StatusCompleted}, r.Status) {
		d.section("Fulfilment")
		p.fulfilment(d, r, loc)
	}

	d.section(fmt.Sprintf("Flags (%d)", len(r.Flags)))
	for _, f := range r.Flags {
		d.kv(clean(f.Kind.Short()), orDash(clean(f.Reason)))
	}
	if len(r.Flags) == 0 {
		d.line("   " + th.Dim.Render("none"))
	}
	if l := p.limit; l != nil && l.Applies {
		d.kv("limit", fmt.Sprintf("%d earlier request(s) to know since %s", len(l.Earlier), day(l.From, loc)))
		for _, e := range l.Earlier {
			d.kv("", fmt.Sprintf("%s  %s  %s", clean(e.ID), day(e.ReceivedAt, loc), clean(e.Status.Label())))
		}
	}

	d.section(fmt.Sprintf("Notes (%d)", len(r.Notes)))
	for _, n := range r.Notes {
		d.line("   " + th.Label.Render(stamp(n.At, loc)+"  "+clean(n.By)))
		d.para(5, model.CleanText(n.Text))
	}
	if len(r.Notes) == 0 {
		d.line("   " + th.Dim.Render("none"))
	}

	d.section(fmt.Sprintf("Timeline (%d)", len(r.History)))
	for _, e := range r.History {
		// Only a change of status is shown: most events (notes, assignments)
		// leave it as it was, and repeating it would read as a change.
		change := ""
		switch {
		case e.From == "" && e.To != "":
			change = "→ " + clean(e.To.Label())
		case e.From != e.To && e.To != "":
			change = clean(e.From.Label()) + " → " + clean(e.To.Label())
		}
		head := fmt.Sprintf("%s  %s (%s)  %s", stamp(e.At, loc), clean(e.Actor), clean(string(e.Role)), clean(e.Action.Label()))
		if change != "" {
			head += "  " + change
		}
		d.para(3, head)
		if e.Reason != "" {
			d.para(5, th.Dim.Render(clean(e.Reason)))
		}
	}
	if len(r.History) == 0 {
		d.line("   " + th.Dim.Render("no events"))
	}
	return strings.Join(d.lines, "\n")
}

// person shows a requester or agent masked: enough to tell people apart on
// a call, not enough to leak who they are to a shoulder-surfer.
func (p *detailPane) person(d *doc, x model.Person) {
	clean := model.CleanLine
	d.kv("name", orDash(clean(model.Mask(model.KindName, clean(x.Name)))))
	if x.Email != "" {
		d.kv("email", clean(model.Mask(model.KindEmail, clean(x.Email))))
	}
	if x.Phone != "" {
		d.kv("phone", clean(model.Mask(model.KindPhone, clean(x.Phone))))
	}
}

func (p *detailPane) deadlines(d *doc, r model.Request, t model.Tenant, loc *time.Location, now time.Time) {
	th := p.ctx.Theme
	// A closed request's deadlines were met or missed; counting down to
	// them would read as work still to do.
	if results := model.ClosedDeadlines(r, t); results != nil {
		for _, res := range results {
			line := model.CleanLine(res.Line(loc))
			if !res.Met {
				line = th.Overdue.Render(line)
			}
			d.line("   " + line)
		}
		return
	}
	dl := model.ComputeDeadlinesIn(r, t, loc)
	row := func(kind model.DeadlineKind, due time.Time, note string) {
		days, level := urgency(now, due, loc)
		left := padRight(daysLabel(days), 6)
		if st, ok := urgencyStyle(th, level); ok {
			left = st.Render(left)
		}
		line := "   " + th.Label.Render(padRight(string(kind), d.labelW)) + " " + day(due, loc) + "  " + left
		if note != "" {
			line += " " + note
		}
		if kind == dl.NextKind {
			line += " " + th.Next.Render("◀ next")
		}
		d.line(line)
	}
	ack := ""
	if dl.AckDone && r.AcknowledgedAt != nil {
		ack = "met " + day(*r.AcknowledgedAt, loc)
	}
	row(model.DueAck, dl.Ack, ack)
	if dl.Extended {
		row(model.DueExtended, dl.Legal, "45-day date was "+day(dl.Legal45, loc))
	} else {
		row(model.DueLegal, dl.Legal, "")
	}
	if dl.Custodian.IsZero() {
		d.line("   " + th.Label.Render(padRight(string(model.DueCustodian), d.labelW)) + " " + th.Dim.Render("starts when the Customer approves"))
	} else {
		row(model.DueCustodian, dl.Custodian, "")
	}
	if !dl.OptOut.IsZero() {
		row(model.DueOptOut, dl.OptOut, "")
	}
	if !dl.Expedited.IsZero() {
		row(model.DueExpedited, dl.Expedited, "")
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// fulfilment is the plan's state, the access package and the response.
func (p *detailPane) fulfilment(d *doc, r model.Request, loc *time.Location) {
	th := p.ctx.Theme
	clean := model.CleanLine
	pl := r.Plan
	switch {
	case pl == nil && (r.Status == model.StatusApproved || r.Status == model.StatusFailed):
		d.kv("plan", th.Dim.Render("none yet — a privacy lead makes one with "+p.ctx.keyFor(keymap.Plan)))
	case pl == nil:
		d.kv("plan", th.Dim.Render("none recorded"))
	default:
		d.kv("plan", clean(pl.ID)+" built by "+clean(pl.BuiltBy)+" at "+stamp(pl.BuiltAt, loc))
		d.kv("sign-off", planSignature(pl, loc))
		d.kv("steps", fmt.Sprintf("%d of %d done", doneSteps(pl), len(pl.Steps)))
		if st := staleText(p.ctx, r); st != "" {
			d.kv("stale", th.Overdue.Render(st))
		}
	}
	if r.Status == model.StatusFailed {
		d.kv("failed", th.Overdue.Render(orDash(clean(r.FailureReason))))
	}
	if x := r.Export; x != nil {
		d.kv("export", exportPath(x, p.ctx.ExportDir)+fmt.Sprintf(" (%d records)", x.Records))
		for _, f := range x.Files {
			d.kv("", clean(f.Name)+fmt.Sprintf(" · %d bytes", f.Bytes))
			d.kv("", "sha256 "+clean(f.SHA256))
		}
	}
	if r.Status == model.StatusCompleted || r.RespondedAt != nil {
		responded := "-"
		if r.RespondedAt != nil {
			responded = stamp(*r.RespondedAt, loc)
		}
		d.kv("responded", responded)
		d.kv("outcome", orDash(clean(r.Outcome)))
	}
	for _, wh := range r.Withheld {
		where := make([]string, len(wh.Where))
		for i, x := range wh.Where {
			where[i] = clean(x)
		}
		d.kv("withheld", clean(string(wh.Category))+": "+orDash(clean(wh.Reason))+" ("+strings.Join(where, ", ")+")")
	}
}

// residencyLine is the state whose law applies and where that came from.
func residencyLine(r model.Request) string {
	st := orDash(model.CleanLine(r.ResidencyState))
	switch r.ResidencyFrom {
	case model.ResidencyStated:
		return st + " (stated by the requester)"
	case model.ResidencySubject:
		return st + " (the subject's on file)"
	case model.ResidencyTenant:
		return st + " (the tenant's: nothing else known)"
	}
	return st
}
