package cli

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// requests list lines up by display width: a CJK subject (two cells a
// character) and a long tenant id do not push the columns after them, and
// a subject longer than its column is cut, not the flags.
func TestListLineColumnsLineUp(t *testing.T) {
	widths := []int{10, 22, 22, len("brookfield-hollow-ny"), 14, 20, listSubjectW, 0}
	rows := [][]string{
		{"DUE", "", "ID", "TENANT", "TYPE", "STATUS", "SUBJECT", "FLAGS"},
		{"2026-11-20", "in 18 days", "R-2026-00001", "brookfield-hollow-ny", "access", "received", "王•••", "CHILD"},
		{"2026-11-20", "in 18 days", "IMP-0123456789ABCDEF", "oakridge-ca", "deletion", "awaiting approval", "A••• C••• G••• d••• l•••", "AGENT"},
		{"2026-11-20", "today", "R-20261102-K3QF7M", "ca", "opt-out", "verifying", "김•••", "LIMIT"},
	}
	col := -1
	for _, r := range rows {
		line := strings.TrimSuffix(listLine(r, widths), "\n")
		at := ansi.StringWidth(line[:strings.LastIndex(line, " ")+1])
		if col < 0 {
			col = at
		} else if at != col {
			t.Errorf("FLAGS starts at %d in %q, at %d in the header", at, line, col)
		}
		if !strings.Contains(line, r[2]) {
			t.Errorf("id %s cut: %q", r[2], line)
		}
	}
}
