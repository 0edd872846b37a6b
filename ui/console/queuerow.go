package console

// One request as a row of the queue: its cells, sort keys and urgency.

import (
	"slices"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// sortKey is a queue ordering the operator can cycle through with s.
type sortKey int

const (
	sortDue sortKey = iota
	sortReceived
	sortStatus
	sortTenant
	sortType
	sortID
	numSorts
)

func (k sortKey) String() string {
	return [...]string{"due", "received", "status", "tenant", "type", "id"}[k]
}

func (k sortKey) column() colKey {
	return [...]colKey{colDue, colReceived, colStatus, colTenant, colType, colID}[k]
}

// row is one request, reduced to what the queue draws, sorts and filters
// on. Everything in it is already cleaned and masked, so the render path
// cannot forget to.
type row struct {
	// key is the id as stored, for asking the backend; id is its cleaned
	// form for the screen. They differ only for a hostile id.
	key       string
	id        string
	cells     [numCols]string
	due       time.Time
	received  time.Time
	statusIdx int
	// tenant is the request's tenant, whose calendar its due date is
	// counted in; the rows of one tenant share it.
	tenant *model.Tenant
	// urg is the row's urgency, judged at some instant before urgUntil;
	// the pane re-judges it once urgUntil has passed (see recount).
	urg      urgencyLevel
	urgUntil time.Time
	// cw are the cells' display widths, measured once: grapheme-aware
	// width is the expensive part of laying out a cell.
	cw [numCols]uint16
	// hay is the lower-cased text the live filter searches.
	hay string
	// rules is what the rule book reads of the request to hint its keys.
	rules *model.Request
	// status sorts failed rows first (model.CompareFailedFirst).
	status model.Status
}

func (r *row) setCell(k colKey, s string) {
	r.cells[k] = s
	r.cw[k] = uint16(min(textWidth(s), 1<<16-1))
}

// newRow derives the display row of r, a request of tenant t. It runs
// inside a tea.Cmd: a page of rows computes a page of deadlines, which
// Update must not spend its time on.
func newRow(r model.Request, t *model.Tenant, subj *model.Subject, now time.Time) row {
	d := model.ComputeDeadlines(r, *t)
	// Masking the stored label again is a no-op for a real label and keeps
	// a tampered one from putting a full name on screen.
	name := r.SubjectLabel
	switch {
	case subj != nil && subj.Name != "":
		name = subj.Name
	case name == "":
		name = r.Requester.Name
	}
	var flags []string
	for _, f := range r.Flags {
		flags = append(flags, model.CleanLine(f.Kind.Short()))
	}
	x := row{
		key:       r.ID,
		id:        model.CleanLine(r.ID),
		due:       d.Next,
		received:  r.ReceivedAt,
		tenant:    t,
		statusIdx: slices.Index(model.Statuses(), r.Status),
		status:    r.Status,
	}
	x.rules = rulesView(r)
	x.setCell(colID, x.id)
	x.setCell(colTenant, tenantShort(r.TenantID))
	x.setCell(colType, model.CleanLine(r.Type.Label()))
	x.setCell(colSubject, model.CleanLine(model.Mask(model.KindName, model.CleanLine(name))))
	x.setCell(colStatus, statusCell(r))
	x.setCell(colReceived, day(r.ReceivedAt, t.Location()))
	x.setCell(colAssignee, orDash(model.CleanLine(r.AssignedTo)))
	x.setCell(colFlags, strings.Join(flags, ","))
	x.setCell(colFailure, failureCell(r, t.Location()))
	x.judge(now)
	var hay []string
	for _, k := range []colKey{colID, colTenant, colType, colSubject, colStatus, colAssignee, colFlags, colFailure} {
		hay = append(hay, x.cells[k])
	}
	x.hay = strings.ToLower(strings.Join(hay, "\x00"))
	return x
}

// judge sets the row's urgency at now.
func (r *row) judge(now time.Time) {
	loc := r.tenant.Location()
	_, r.urg = urgency(now, r.due, loc)
	r.urgUntil = urgencyUntil(r.due, loc, r.urg)
}

// rowPaints are the row styles as raw escape pairs: a lipgloss Render per
// cell per frame was most of the cost of drawing the queue.
type rowPaints struct{ overdue, soon, selected paint }

// failureCell is a failed request's failure in one cell: when (the
// tenant's local time), the step it stopped at, and why.
func failureCell(r model.Request, loc *time.Location) string {
	f, ok := model.FailureOf(r)
	if !ok {
		return ""
	}
	parts := []string{}
	if !f.At.IsZero() {
		parts = append(parts, f.At.In(loc).Format("01-02 15:04"))
	}
	if f.Step != "" {
		parts = append(parts, f.Step+":")
	}
	return strings.Join(append(parts, orDash(f.Cause())), " ")
}

// fitFailureColumn gives the queue its FAILURE column only while a row
// has failed: an always-empty column would take room from the others.
func (p *queuePane) fitFailureColumn() {
	want := slices.ContainsFunc(p.rows, func(r row) bool { return r.status == model.StatusFailed })
	has := slices.ContainsFunc(p.cols, func(c column) bool { return c.key == colFailure })
	if want == has {
		return
	}
	p.cols = slices.DeleteFunc(queueColumns(), func(c column) bool { return !want && c.key == colFailure })
	p.widths = layoutColumns(p.cols, p.width)
}

// passes reports whether the row passes the queue filter f at now; the
// rule of what each term means is model's (ParseQueueQuery).
func (r *row) passes(f *model.QueueQuery, now time.Time) bool {
	if f.WordsOnly() {
		for _, w := range f.Words {
			if !strings.Contains(r.hay, w) {
				return false
			}
		}
		return true
	}
	it := model.QueueItem{Text: r.hay, Due: r.due, Loc: r.tenant.Location()}
	if r.rules != nil {
		it.Type, it.Status, it.TenantID = r.rules.Type, r.rules.Status, r.rules.TenantID
	}
	if a := r.cells[colAssignee]; a != "-" {
		it.Assignee = a
	}
	return f.Match(&it, now)
}
