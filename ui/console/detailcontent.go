package console

// The body of a request's detail: the sections, people, deadlines and
// fulfilment written into a doc.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
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
		// Wrap can leave a line one cell over when it ends at a
		// breakpoint (a comma); such a line is cut where it must be.
		for _, part := range strings.Split(ansi.Hardwrap(l, w, true), "\n") {
			d.lines = append(d.lines, strings.Repeat(" ", indent)+part)
		}
	}
}

func (d *doc) line(s string) {
	d.lines = append(d.lines, truncate(s, d.width))
}

func (p *detailPane) content() string {
	v := *p.view
	th := p.ctx.Theme
	t := p.tenant
	loc := t.Location()
	now := p.ctx.Clock.Now()
	d := &doc{th: th, width: p.width, labelW: 20}

	d.section("Deadlines · " + v.TimeZone)
	p.deadlines(d, v, now)

	d.section("Request")
	d.kv("received", stamp(v.ReceivedAt, loc)+" via "+string(v.Channel))
	if v.ExternalRef != "" {
		d.kv("external ref", v.ExternalRef)
	}
	if v.Type == model.TypeAccess {
		scope := model.AccessCategories
		if v.AccessScope != "" {
			scope = v.AccessScope
		}
		d.kv("asks for", model.CleanLine(scope.Label()))
	}
	d.kv("verification", "needs a "+v.Need().Label())
	d.kv("residency", residencyOf(v.ResidencyState, v.ResidencyFrom))
	d.kv("logged by", orDash(v.LoggedBy))
	d.kv("assigned to", orDash(v.AssignedTo))
	d.kv("subject", v.Subject)
	if v.InfoRequested != "" {
		d.kv("info requested", v.InfoRequested)
	}
	if v.Outcome != "" {
		d.kv("outcome", v.Outcome)
	}
	if v.RespondedAt != nil {
		d.kv("responded", stamp(*v.RespondedAt, loc))
	}
	if v.DenialReason != "" {
		d.kv("denial reason", v.DenialReason)
	}
	if v.FailureReason != "" {
		d.kv("failure", v.FailureReason)
	}
	if len(v.Corrections) > 0 {
		// The requested values are personal data, so only the field names show.
		d.kv("corrections", strings.Join(slices.Sorted(maps.Keys(v.Corrections)), ", ")+" (values masked)")
	}

	d.section("Requester")
	person(d, v.Requester)

	if a := v.Agent; a != nil {
		d.section("Authorized agent")
		person(d, a.Person)
		if a.Organization != "" {
			d.kv("organization", a.Organization)
		}
		d.kv("permission", orDash(a.PermissionEvidence))
	}

	d.section("Verification")
	if x := v.Verification; x != nil {
		d.kv("method", orDash(x.Method))
		d.kv("data points", orDash(strings.Join(x.DataPoints, ", ")))
		d.kv("level", orDash(string(x.Level)))
		d.kv("signed declaration", yesNo(x.SignedDecl))
		if v.Agent != nil {
			d.kv("agent verified", yesNo(x.AgentChecked))
		}
		d.kv("by", orDash(x.By)+" at "+stamp(x.At, loc))
	} else {
		d.line("   " + th.Dim.Render("not verified yet — nothing may be disclosed or changed"))
	}

	d.section("Customer decision")
	if c := v.Decision; c != nil {
		outcome := string(c.Outcome)
		if c.Outcome == model.DecisionDenied {
			outcome = th.Overdue.Render(outcome)
		}
		d.kv("outcome", outcome)
		d.kv("approver", orDash(c.Approver))
		d.kv("method", orDash(c.Method))
		d.kv("evidence", orDash(c.Evidence))
		if c.Reason != "" {
			d.kv("reason", c.Reason)
		}
		d.kv("decided", stamp(c.DecidedAt, loc))
		d.kv("recorded by", orDash(c.RecordedBy)+" at "+stamp(c.RecordedAt, loc))
	} else {
		d.line("   " + th.Dim.Render("none recorded — the Customer must approve before anything is done"))
	}

	// The chasers sent while the Customer's decision was awaited.
	if len(v.Reminders) > 0 || v.Status == model.StatusAwaitingApproval {
		d.section(fmt.Sprintf("Reminders to the Customer (%d)", len(v.Reminders)))
		if since := v.AwaitingSince; !since.IsZero() {
			d.kv("waiting since", stamp(since, loc)+fmt.Sprintf(" (%d days)", int(now.Sub(since).Hours()/24)))
		}
		for _, m := range v.Reminders {
			d.kv(stamp(m.At, loc), m.By+" → "+m.To)
		}
		if len(v.Reminders) == 0 {
			d.line("   " + th.Dim.Render("none sent"))
		}
	}

	if len(v.PriorDecisions) > 0 {
		d.section(fmt.Sprintf("Earlier records of the decision (%d)", len(v.PriorDecisions)))
		for _, old := range v.PriorDecisions {
			d.kv(stamp(old.RecordedAt, loc), model.CleanLine(model.DecisionDetail(old, t))+" — recorded by "+orDash(old.RecordedBy))
		}
	}

	if fee := v.Fee; fee != nil {
		d.section("Fee quoted")
		d.kv("amount", fee.Amount())
		d.kv("reason", orDash(fee.Reason))
		d.kv("by", orDash(fee.By)+" at "+stamp(fee.At, loc))
	}

	if x := v.Extension; x != nil {
		d.section("Extension")
		d.kv("by", orDash(x.By)+" at "+stamp(x.At, loc))
		d.kv("reason", orDash(x.Reason))
		d.kv("notice sent", stamp(x.NoticeSent, loc))
	}

	if v.Fulfilment != nil || slices.Contains([]model.Status{model.StatusApproved, model.StatusFulfilling, model.StatusFailed, model.StatusCompleted}, v.Status) {
		d.section("Fulfilment")
		p.fulfilment(d, v)
	}

	p.lettersSection(d, loc)
	if p.req != nil {
		if lines := processorLines(*p.req, t, now); len(lines) > 0 {
			d.section("Sub-processors")
			for _, l := range lines {
				d.line(l)
			}
		}
	}

	d.section(fmt.Sprintf("Flags (%d)", len(v.Flags)))
	for _, f := range v.Flags {
		d.kv(model.CleanLine(f.Kind.Short()), orDash(f.Reason))
	}
	if len(v.Flags) == 0 {
		d.line("   " + th.Dim.Render("none"))
	}
	if l := v.Limit; l != nil {
		d.kv("limit", fmt.Sprintf("%d earlier request(s) to know since %s", len(l.EarlierRequests), day(l.From, loc)))
		for _, e := range l.EarlierRequests {
			d.kv("", fmt.Sprintf("%s  %s  %s", e.ID, day(e.ReceivedAt, loc), e.Status.Label()))
		}
	}

	d.section(fmt.Sprintf("Notes (%d)", len(v.Notes)))
	for _, n := range v.Notes {
		d.line("   " + th.Label.Render(stamp(n.At, loc)+"  "+n.By))
		d.para(5, n.Body)
	}
	if len(v.Notes) == 0 {
		d.line("   " + th.Dim.Render("none"))
	}

	d.section(fmt.Sprintf("Timeline (%d)", len(v.History)))
	for _, e := range v.History {
		// Only a change of status is shown: most events (notes, assignments)
		// leave it as it was, and repeating it would read as a change.
		change := ""
		switch {
		case e.From == "" && e.To != "":
			change = "→ " + e.To.Label()
		case e.From != e.To && e.To != "":
			change = e.From.Label() + " → " + e.To.Label()
		}
		head := fmt.Sprintf("%s  %s (%s)  %s", stamp(e.At, loc), e.Actor, e.Role, model.CleanLine(e.Action.Label()))
		if change != "" {
			head += "  " + change
		}
		d.para(3, head)
		if e.Reason != "" {
			d.para(5, th.Dim.Render(e.Reason))
		}
	}
	if len(v.History) == 0 {
		d.line("   " + th.Dim.Render("no events"))
	}
	return strings.Join(d.lines, "\n")
}

// person shows a requester or agent as the view masked them: enough to
// tell people apart on a call, not enough to leak who they are to a
// shoulder-surfer.
func person(d *doc, x present.Person) {
	d.kv("name", orDash(x.Name))
	if x.Email != "" {
		d.kv("email", x.Email)
	}
	if x.Phone != "" {
		d.kv("phone", x.Phone)
	}
}

func (p *detailPane) deadlines(d *doc, v present.Request, now time.Time) {
	th := p.ctx.Theme
	loc := p.tenant.Location()
	// A closed request's deadlines were met or missed; counting down to
	// them would read as work still to do.
	if len(v.ClosedDeadlines) > 0 {
		for _, res := range v.ClosedDeadlines {
			line := res.Line
			if !res.Met {
				line = th.Overdue.Render(line)
			}
			d.line("   " + line)
		}
		return
	}
	dl := v.Deadlines
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
	if dl.AcknowledgedAt != nil {
		ack = "met " + day(*dl.AcknowledgedAt, loc)
	}
	row(model.DueAck, dl.Acknowledgement, ack)
	if dl.Extended {
		row(model.DueExtended, dl.LegalResponse, "45-day date was "+day(dl.Legal45, loc))
	} else {
		row(model.DueLegal, dl.LegalResponse, "")
	}
	if dl.Custodian == nil {
		d.line("   " + th.Label.Render(padRight(string(model.DueCustodian), d.labelW)) + " " + th.Dim.Render("starts when the Customer approves"))
	} else {
		row(model.DueCustodian, *dl.Custodian, "")
	}
	if dl.OptOut != nil {
		row(model.DueOptOut, *dl.OptOut, "")
	}
	if dl.Expedited != nil {
		row(model.DueExpedited, *dl.Expedited, "")
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// fulfilment is the plan's state, the access package and the response.
func (p *detailPane) fulfilment(d *doc, v present.Request) {
	th := p.ctx.Theme
	loc := p.tenant.Location()
	f := v.Fulfilment
	switch {
	case f == nil && (v.Status == model.StatusApproved || v.Status == model.StatusFailed):
		d.kv("plan", th.Dim.Render("none yet — a privacy lead makes one with "+p.ctx.keyFor(keymap.Plan)))
	case f == nil:
		d.kv("plan", th.Dim.Render("none recorded"))
	default:
		d.kv("plan", f.Plan+" built by "+f.BuiltBy+" at "+stamp(f.BuiltAt, loc))
		d.kv("sign-off", signOffLine(f, loc))
		d.kv("steps", fmt.Sprintf("%d of %d done", f.StepsDone, f.Steps))
		if f.Stale != "" {
			d.kv("stale", th.Overdue.Render(staleLine(p.ctx, f.Stale)))
		}
	}
	if v.Status == model.StatusFailed {
		d.kv("failed", th.Overdue.Render(orDash(v.FailureReason)))
	}
	if x := v.Export; x != nil {
		d.kv("export", exportPath(x, v.ExportDir)+" ("+model.Count(x.Records, "record")+")")
		for _, f := range x.Files {
			d.kv("", f.Name+fmt.Sprintf(" · %d bytes", f.Bytes))
			d.kv("", "sha256 "+f.SHA256)
		}
	}
	if v.Status == model.StatusCompleted || v.RespondedAt != nil {
		responded := "-"
		if v.RespondedAt != nil {
			responded = stamp(*v.RespondedAt, loc)
		}
		d.kv("responded", responded)
		d.kv("outcome", orDash(v.Outcome))
	}
	for _, wh := range v.Withheld {
		d.kv("withheld", string(wh.Category)+": "+orDash(wh.Reason)+" ("+strings.Join(wh.Where, ", ")+")")
	}
}

// signOffLine is the detail's sign-off sentence, in the tenant's zone.
func signOffLine(f *present.Fulfilment, loc *time.Location) string {
	return signOffText(f.SignedBy, stamp(f.SignedAt, loc), f.BuiltBy)
}

// residencyLine is the state whose law applies to r and where that came
// from.
func residencyLine(r model.Request) string {
	return residencyOf(model.CleanLine(r.ResidencyState), r.ResidencyFrom)
}

// residencyOf is residencyLine of a cleaned state.
func residencyOf(state, from string) string {
	st := orDash(state)
	switch from {
	case model.ResidencyStated:
		return st + " (stated by the requester)"
	case model.ResidencySubject:
		return st + " (the subject's on file)"
	case model.ResidencyTenant:
		return st + " (the tenant's: nothing else known)"
	}
	return st
}
