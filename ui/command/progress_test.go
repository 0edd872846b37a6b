package command

import (
	"bytes"
	"strings"
	"testing"
)

// terminalLine is what a terminal shows after s: each \r returns to the
// start of the line and what follows overwrites what was there.
func terminalLine(s string) string {
	var line []rune
	col := 0
	for _, r := range s {
		if r == '\r' {
			col = 0
			continue
		}
		if col < len(line) {
			line[col] = r
		} else {
			line = append(line, r)
		}
		col++
	}
	return strings.TrimRight(string(line), " ")
}

// A shorter redraw leaves nothing of the longer one before it.
func TestProgressLineLeavesNoStrayDigits(t *testing.T) {
	var b bytes.Buffer
	p := &progressLine{w: &b}
	p.show("  %-12s %d/%d", "subjects", 3000, 3000)
	p.show("  %-12s %d/%d", "requests", 5, 160)
	if got, want := terminalLine(b.String()), "  requests     5/160"; got != want {
		t.Errorf("the line reads %q, want %q", got, want)
	}
	p.done()
	if !strings.HasSuffix(b.String(), "\n") {
		t.Error("done does not end the line")
	}
}
