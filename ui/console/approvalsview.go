package console

// Drawing the approvals pane: the list, its columns, the info block and
// the footer.

import (
	"fmt"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

func (p *approvalsPane) View() string {
	th := p.ctx.Theme
	w := p.width
	p.idW = p.idWidth()
	var lines []string
	lines = append(lines, th.ColHeader.Render(padRight(p.headerLine(), w)))
	n := p.listRows()
	now := p.ctx.Clock.Now()
	switch {
	case len(p.rows) == 0:
		msg := "nothing waits on a Customer's decision in " + p.ctx.ScopeLabel()
		switch {
		case p.loading:
			msg = p.spin.View() + " loading approvals…"
		case p.err != "":
			msg = p.err + " — press " + p.ctx.keyFor(keymap.Refresh) + " to retry"
		}
		body := make([]string, n)
		body[n/2] = th.Dim.Render(centre(msg, w))
		lines = append(lines, body...)
	default:
		// Tenant headings take lines too: scroll on until the selected row
		// is among those drawn.
		for {
			body, shown := p.listLines(n, now)
			if shown || p.offset >= p.cursor {
				lines = append(lines, body...)
				break
			}
			p.offset++
		}
	}
	lines = fitSlice(lines, n+1)
	lines = append(lines, p.info(now)...)
	lines = append(lines, p.footer())
	return strings.Join(lines, "\n")
}

// listLines draws up to n lines of rows from the offset, and says whether
// the selected row is among them.
func (p *approvalsPane) listLines(n int, now time.Time) ([]string, bool) {
	th, w := p.ctx.Theme, p.width
	var lines []string
	shown := false
	prevTenant := ""
	if p.offset > 0 {
		prevTenant = p.rows[p.offset-1].tenant.ID
	}
	for i := p.offset; i < len(p.rows) && len(lines) < n; i++ {
		r := p.rows[i]
		if p.byTen && r.tenant.ID != prevTenant {
			lines = append(lines, th.Section.Render(truncate(" "+model.CleanLine(r.tenant.Name)+" ("+tenantShort(r.tenant.ID)+")", w)))
			if len(lines) >= n {
				break
			}
		}
		prevTenant = r.tenant.ID
		lines = append(lines, p.rowLine(r, i == p.cursor, now))
		shown = shown || i == p.cursor
	}
	return lines, shown
}

func fitSlice(lines []string, n int) []string {
	if len(lines) > n {
		return lines[:n]
	}
	for len(lines) < n {
		lines = append(lines, "")
	}
	return lines
}

// approval columns: mark, id, tenant, type, subject, waited, due, reminders.
var approvalCols = []struct {
	title string
	w     int
	min   int // what the column may shrink to when the id needs room
}{{"", 2, 2}, {"ID", 14, 14}, {"TENANT", 15, 8}, {"TYPE", 10, 8}, {"SUBJECT", 13, 9}, {"WAITED", 6, 6}, {"DUE", 5, 5}, {"REMINDED", 0, 0}}

// approvalWidths sizes the columns for a pane width wide whose longest
// request id is idW cells: the id is never cut, so the subject, tenant and
// type columns give way, in that order, down to their minimums; the
// reminders column takes what is left.
func approvalWidths(width, idW int) []int {
	ws := make([]int, len(approvalCols))
	used := len(approvalCols) - 1 // separators
	for i, c := range approvalCols {
		ws[i] = c.w
		used += c.w
	}
	ws[1] = max(ws[1], idW)
	used += ws[1] - approvalCols[1].w
	const remMin = 8 // "2× 11-02"
	for _, i := range []int{4, 2, 3} {
		if over := used + remMin - width; over > 0 {
			cut := min(over, ws[i]-approvalCols[i].min)
			ws[i] -= cut
			used -= cut
		}
	}
	ws[len(ws)-1] = max(0, width-used)
	return ws
}

// idWidth is the widest request id listed, for the id column.
func (p *approvalsPane) idWidth() int {
	w := 0
	for _, r := range p.rows {
		w = max(w, textWidth(model.CleanLine(r.req.ID)))
	}
	return w
}

func (p *approvalsPane) headerLine() string {
	ws := approvalWidths(p.width, p.idW)
	var cells []string
	for i, c := range approvalCols {
		cells = append(cells, padRight(c.title, ws[i]))
	}
	return strings.Join(cells[:len(cells)-1], " ") + " " + approvalCols[len(approvalCols)-1].title
}

func (p *approvalsPane) rowLine(r approvalRow, sel bool, now time.Time) string {
	th := p.ctx.Theme
	mark := "  "
	if p.marks[r.req.ID] {
		mark = "✓ "
	} else if _, ok := p.ctx.changedBy(r.req.ID); ok {
		mark = liveGlyph + " "
	}
	waited := fmt.Sprintf("%dd", int(now.Sub(r.since).Hours()/24))
	loc := r.tenant.Location()
	days, level := urgency(now, r.due, loc)
	due := daysLabel(days)
	rem := "—"
	if last, ok := r.req.LastReminder(); ok {
		rem = fmt.Sprintf("%d× %s", len(r.req.Reminders), last.At.In(loc).Format("01-02"))
	}
	cells := []string{mark, model.CleanLine(r.req.ID), tenantShort(r.req.TenantID), model.CleanLine(r.req.Type.Label()),
		model.CleanLine(model.Mask(model.KindName, model.CleanLine(r.req.SubjectLabel))), waited, due}
	ws := approvalWidths(p.width, p.idW)
	var b strings.Builder
	for i, c := range cells {
		b.WriteString(padRight(c, ws[i]))
		b.WriteByte(' ')
	}
	b.WriteString(rem)
	line := padRight(b.String(), p.width)
	if sel {
		return th.Selected.Render(line)
	}
	if st, ok := urgencyStyle(th, level); ok {
		return st.Render(line)
	}
	return line
}

// info is the panel about the selected row: its Customer's approver
// contacts, its deadline and who verified it.
func (p *approvalsPane) info(now time.Time) []string {
	th := p.ctx.Theme
	out := []string{th.Dim.Render(strings.Repeat("─", p.width))}
	r, ok := p.selected()
	if !ok {
		return fitSlice(out, approvalsInfoLines)
	}
	clean := model.CleanLine
	loc := r.tenant.Location()
	out = append(out, truncate(fmt.Sprintf(" %s · %s · waiting since %s · due %s (%s)", clean(r.req.ID), clean(r.tenant.Name),
		day(r.since, loc), day(r.due, loc), model.ComputeDeadlines(r.req, r.tenant).NextKind), p.width))
	var contacts []string
	for _, ct := range r.tenant.Approvers {
		contacts = append(contacts, clean(ct.Name)+" ("+clean(ct.Title)+", "+clean(ct.Email)+")")
	}
	if len(contacts) == 0 {
		contacts = []string{"none listed — ask the Customer who decides"}
	}
	out = append(out, truncate(" approvers: "+strings.Join(contacts, "; "), p.width))
	ver := "not verified"
	if v := r.req.Verification; v != nil {
		ver = "verified by " + clean(v.By) + " (" + clean(string(v.Level)) + ")"
	}
	out = append(out, truncate(" "+ver+" · logged by "+clean(r.req.LoggedBy), p.width))
	out = append(out, truncate(" "+reminderSummary(r.req, loc), p.width))
	return fitSlice(out, approvalsInfoLines)
}

func (p *approvalsPane) footer() string {
	th := p.ctx.Theme
	left := fmt.Sprintf(" %d waiting", len(p.rows))
	if len(p.rows) > 0 {
		left = fmt.Sprintf(" %d/%d waiting", p.cursor+1, len(p.rows))
	}
	if n := len(p.marks); n > 0 {
		left += th.Soon.Render(fmt.Sprintf(" · %d marked — %s approves them all, %s clears", n, p.ctx.keyFor(keymap.Approve), p.ctx.keyFor(keymap.Back)))
	}
	order := "oldest wait first"
	if p.byTen {
		order = "by tenant"
	}
	if age := p.ctx.liveAge(); age != "" {
		order = age + " · " + order
	}
	return spread(left, th.Dim.Render(order+" "), p.width)
}
