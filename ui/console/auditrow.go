package console

// One audit entry as a row of the audit pane: its cells, titles and widths.

import (
	"strconv"
	"strings"

	"github.com/custodian-dev/custodian/model"
)

// auditRow is one chain entry as the pane draws it: every cell already
// cleaned, so the render path cannot forget to.
type auditRow struct {
	rec   model.AuditRecord
	cells [numAuditCols]string
}

// shortTarget abbreviates a target's kind so an 80-column row has room for
// the id ("req R-2026-00042"); the entry's full view shows it whole.
func shortTarget(t string) string {
	for _, k := range [][2]string{{"request:", "req "}, {"subject:", "subj "}, {"operator:", "op "}} {
		if id, ok := strings.CutPrefix(t, k[0]); ok {
			return k[1] + id
		}
	}
	return t
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

func newAuditRow(r model.AuditRecord) auditRow {
	x := auditRow{rec: r}
	x.cells[acSeq] = strconv.FormatInt(r.Seq, 10)
	x.cells[acTime] = r.At.UTC().Format("2006-01-02 15:04")
	x.cells[acActor] = model.CleanLine(r.Actor)
	x.cells[acAction] = model.CleanLine(r.Action)
	x.cells[acTarget] = orDash(model.CleanLine(shortTarget(r.Target)))
	x.cells[acTenant] = orDash(model.CleanLine(r.TenantID))
	x.cells[acOutcome] = model.CleanLine(r.Outcome)
	x.cells[acReason] = model.CleanLine(strings.TrimSpace(r.Reason + " " + r.Detail))
	return x
}

func auditTitles() [numAuditCols]string {
	return [numAuditCols]string{"SEQ", "TIME (UTC)", "ACTOR", "ACTION", "TARGET", "TENANT", "OUTCOME", "REASON / DETAIL"}
}

// auditWidths sizes the columns from the terminal width alone: fixed
// columns first, the rest shared by target and tenant, and the reason
// column only when there is room for it.
func auditWidths(w int) [numAuditCols]int {
	var c [numAuditCols]int
	c[acSeq], c[acTime], c[acActor], c[acAction], c[acOutcome] = 7, 16, 8, 10, 7
	rest := w - gutter - (c[acSeq] + c[acTime] + c[acActor] + c[acAction] + c[acOutcome]) - int(numAuditCols-1)
	c[acTarget] = max(8, min(24, rest*2/3))
	c[acTenant] = max(6, min(20, rest-c[acTarget]))
	if left := rest - c[acTarget] - c[acTenant]; left >= 12 {
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
