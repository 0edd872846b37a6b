package command

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// progressLine redraws one line of progress on a terminal with a carriage
// return. Each redraw blanks whatever the previous one left past its end,
// so "requests 5/160" after "subjects 3000/3000" leaves no stray digits.
type progressLine struct {
	w    io.Writer
	prev int // runes written by the last redraw
}

func (p *progressLine) show(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	n := utf8.RuneCountInString(s)
	fmt.Fprint(p.w, "\r"+s+strings.Repeat(" ", max(0, p.prev-n)))
	p.prev = n
}

// done ends the line, when anything was drawn on it.
func (p *progressLine) done() {
	if p.prev > 0 {
		fmt.Fprintln(p.w)
		p.prev = 0
	}
}
