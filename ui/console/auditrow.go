package console

// One audit entry as a row of the audit pane: its cells, titles and widths.

import (
	"strconv"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// auditRow is one chain entry as the pane draws it: the entry as shown
// (every text already cleaned, so the render path cannot forget to) and its
// cells.
type auditRow struct {
	rec   model.AuditRecord
	entry present.AuditEntry
	cells [numAuditCols]string
}

type auditCol int

const (
	acSeq auditCol = iota
	acTime
	acActor
	acAction
	acTarget
	acTenant
	acOutcome
	acReason
	numAuditCols
)

// newAuditRow shows r in the zone of the tenant it belongs to when the
// console knows that tenant, else in UTC; either way the zone is named, as
// the chain's entries span tenants.
func newAuditRow(c *Context, r model.AuditRecord) auditRow {
	loc := time.UTC
	if t, ok := c.Tenant(r.TenantID); ok && r.TenantID != "" {
		loc = t.Location()
	}
	e := present.AuditEntryOf(r, loc)
	x := auditRow{rec: r, entry: e}
	x.cells[acSeq] = strconv.FormatInt(e.Seq, 10)
	x.cells[acTime] = e.Time
	x.cells[acActor] = e.Actor
	x.cells[acAction] = e.Action
	x.cells[acTarget] = orDash(e.ShortTarget)
	x.cells[acTenant] = orDash(e.Tenant)
	x.cells[acOutcome] = e.Outcome
	x.cells[acReason] = e.Note
	return x
}

func auditTitles() [numAuditCols]string {
	return [numAuditCols]string{"SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "TENANT", "OUTCOME", "REASON / DETAIL"}
}

// Widths of the time column: "2026-12-04 09:30 PST" at least, and room for
// a zone whose abbreviation is an offset ("+0530") at most.
const (
	auditTimeMin = 20
	auditTimeMax = 22
)

// auditActionMax caps the action column: every known action fits, and a
// stored name longer than that (only a forged one) is cut, not the table.
const auditActionMax = 24

// auditActionWidth is the width every known action name fits in, so the
// column does not change width as older pages load.
func auditActionWidth() int {
	w := 0
	for _, n := range auditActionNames() {
		w = max(w, len(n))
	}
	return w
}

// auditWidths sizes the columns from the terminal width, the widest time
// loaded (zones name themselves in 3 to 5 letters) and the widest action
// loaded: fixed columns first, and the action column as wide as its
// longest action; the rest is shared by target and tenant, the tenant
// giving way first when a narrow terminal has no room for both, and the
// reason column appears only when there is room for it.
func auditWidths(w, timeW, actionW int) [numAuditCols]int {
	var c [numAuditCols]int
	c[acSeq], c[acTime], c[acActor], c[acOutcome] = 7, max(auditTimeMin, min(auditTimeMax, timeW)), 8, 7
	c[acAction] = min(auditActionMax, max(auditActionWidth(), actionW))
	// rest is the room right of the fixed columns, separators included.
	rest := w - gutter - (c[acSeq] + c[acTime] + c[acActor] + c[acAction] + c[acOutcome]) - 4
	if rest < 1+8+1+6 {
		c[acTarget] = max(0, rest-1)
		return c
	}
	c[acTarget] = max(8, min(24, (rest-2)*2/3, rest-2-6))
	c[acTenant] = max(6, min(20, rest-2-c[acTarget]))
	if left := rest - 2 - c[acTarget] - c[acTenant] - 1; left >= 12 {
		c[acReason] = left
	}
	return c
}

func auditLine(cells [numAuditCols]string, widths [numAuditCols]int) string {
	var b strings.Builder
	blanks(&b, gutter)
	for i, w := range widths {
		if w == 0 {
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		writeCell(&b, cells[i], textWidth(cells[i]), w, i == int(acSeq))
	}
	return b.String()
}
