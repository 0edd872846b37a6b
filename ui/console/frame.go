package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// The frame the App draws around the pane on top: header, tabs, status
// line, and the message shown when the terminal is too small.

func centre(s string, w int) string {
	s = truncate(s, w)
	return strings.Repeat(" ", max(0, (w-textWidth(s))/2)) + s
}

func roleLabel(r model.Role) string {
	if r == model.RoleLead {
		return "privacy lead"
	}
	return model.CleanLine(string(r))
}

// tooSmallScreen is the whole screen when the terminal is below
// MinWidth×MinHeight: what is needed, what there is, and how to leave.
func tooSmallScreen(c *Context, width, height int) string {
	th := c.Theme
	msg := []string{
		th.Error.Render("terminal too small"),
		th.Error.Render(fmt.Sprintf("(need %d×%d, have %d×%d)", MinWidth, MinHeight, width, height)),
		th.Dim.Render("enlarge the window, or press " + c.keyFor(keymap.Quit) + " to quit"),
	}
	if width >= 60 {
		msg = []string{
			th.Error.Render(fmt.Sprintf("terminal too small (need %d×%d, have %d×%d)", MinWidth, MinHeight, width, height)),
			th.Dim.Render("enlarge the window, or press " + c.keyFor(keymap.Quit) + " to quit"),
		}
	}
	lines := make([]string, height)
	top := max(0, (height-len(msg))/2)
	for i, m := range msg {
		if top+i < height {
			lines[top+i] = centre(m, width)
		}
	}
	return fitLines(strings.Join(lines, "\n"), width, height)
}

// frameHeader is the top line: who is working, in which scope, and (when
// a pane has counted them) how much is overdue and due this week.
func frameHeader(c *Context, due dueCounts, haveDue bool, width int) string {
	th := c.Theme
	op := c.Actor.Operator
	leftWith := func(scope string) string {
		left := " " + th.AppName.Render("custodian") + th.HeaderDim.Render(" │ ") + th.Header.Render(scope) +
			th.HeaderDim.Render(" │ ") + th.Header.Render(model.CleanLine(op.Handle)) + th.HeaderDim.Render(" ("+roleLabel(op.Role)+")")
		if c.ReadOnly {
			left += " " + th.Badge.Render("[read-only]")
		}
		return left
	}
	right := ""
	if haveDue {
		over := fmt.Sprintf("%d overdue", due.overdue)
		if due.overdue > 0 {
			over = th.Overdue.Render(over)
		}
		week := fmt.Sprintf("%d due this week", due.week)
		if due.week > 0 {
			week = th.Soon.Render(week)
		}
		right = over + th.HeaderDim.Render(" · ") + week + " "
	}
	left := leftWith(c.ScopeLabel())
	if c.Scope == "" && textWidth(left)+textWidth(right)+1 > width {
		// The counts matter more than the tenants' names: name how many.
		left = leftWith(operatorScopeShort(op.Tenants))
	}
	return spread(left, right, width)
}

// sumDueCounts adds up the due counts of the panes that keep them.
func sumDueCounts(panes []Pane) (dueCounts, bool) {
	var total dueCounts
	found := false
	for _, p := range panes {
		if s, ok := p.(dueCounter); ok {
			if c, ok := s.DueCounts(); ok {
				total.overdue += c.overdue
				total.week += c.week
				found = true
			}
		}
	}
	return total, found
}

// frameTabs is the tab line: the panes, the active one marked, then the
// views stacked over it as breadcrumbs.
func frameTabs(th Theme, panes, stack []Pane, active, width int) string {
	var b strings.Builder
	b.WriteString(" ")
	for i, p := range panes {
		label := " " + p.Title() + " "
		if i == active {
			b.WriteString(th.TabActive.Render(label))
		} else {
			b.WriteString(th.Tab.Render(label))
		}
	}
	for _, p := range stack {
		b.WriteString(th.Dim.Render(" › ") + th.Crumb.Render(p.Title()))
	}
	return truncate(b.String(), width)
}

// statusHints are the key hints the status line offers for the view on
// top, most important first.
func statusHints(c *Context, top Pane, help, paletteOpen bool) []string {
	if help {
		return []string{c.keyFor(keymap.Back) + " close help"}
	}
	var hints []string
	for _, b := range top.KeyHelp() {
		h := b.Help()
		hints = append(hints, h.Key+" "+h.Desc)
	}
	if !top.Capturing() && !paletteOpen {
		for _, b := range c.Keys.ShortHelp(keymap.Help, keymap.Palette, keymap.Quit) {
			h := b.Help()
			hints = append(hints, h.Key+" "+h.Desc)
		}
	}
	return hints
}

// frameStatus is the bottom line: the message, if any, then as many hints
// as fit beside it.
func frameStatus(th Theme, hints []string, status string, isErr bool, width int) string {
	left := ""
	if status != "" {
		if isErr {
			left = " " + th.Error.Render("✗ "+status)
		} else {
			left = " " + th.Info.Render(status)
		}
	}
	// As many hints as fit beside the message, most important first: a
	// message beats the hints, which are always one ? away.
	room := width - textWidth(left) - 2
	shown := ""
	for _, h := range hints {
		next := h
		if shown != "" {
			next = shown + " · " + h
		}
		if textWidth(next) > room {
			break
		}
		shown = next
	}
	right := ""
	if shown != "" {
		right = th.Dim.Render(shown + " ")
	}
	return spread(left, right, width)
}

// Minimum terminal size the layout is designed for.
const (
	MinWidth  = 80
	MinHeight = 24
)

// chrome is the lines the shell draws around a pane: header, tabs, status.
const chrome = 3

// infoTTL is how long an info message stays on the status line.
const infoTTL = 4 * time.Second

// operatorScopeShort is operatorScope without the names, for a header
// with no room for them.
func operatorScopeShort(tenants []string) string {
	if len(tenants) == 0 {
		return "all tenants"
	}
	return model.Count(len(tenants), "tenant")
}

// scopeLabelOf names what an operator unscoped in the console sees: every
// tenant, or, for an operator limited to some, those — "all tenants" to an
// operator who sees three would be a lie about what the counts cover.
func scopeLabelOf(tenants []string) string {
	switch n := len(tenants); {
	case n == 0:
		return "all tenants"
	case n == 1:
		return "1 tenant: " + model.CleanLine(tenants[0])
	case n <= 3:
		return fmt.Sprintf("%d tenants: %s", n, model.CleanLine(strings.Join(tenants, ", ")))
	default:
		return fmt.Sprintf("%d tenants: %s, +%d more", n, model.CleanLine(strings.Join(tenants[:2], ", ")), n-2)
	}
}
