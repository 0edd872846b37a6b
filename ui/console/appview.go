package console

// The frame the App draws around the pane on top: header, tabs, status
// line, and the message shown when the terminal is too small.

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// View draws the whole screen: exactly height lines, none wider than width.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.WindowTitle = "custodian"
	v.Cursor = a.cursor()
	return v
}

// cursor places the terminal's own cursor in the focused text input. A real
// cursor, not a drawn one: the terminal blinks it without redraws, and the
// screen carries no styling of ours that text could be confused with.
func (a *App) cursor() *tea.Cursor {
	if a.tooSmall() || a.help {
		return nil
	}
	var c *tea.Cursor
	switch {
	case a.palette.open:
		c = a.palette.input.Cursor()
		if c != nil {
			c.X += 1 // the palette line is indented by one cell
		}
	default:
		if p, ok := a.view().(interface{ Cursor() *tea.Cursor }); ok {
			c = p.Cursor()
		}
	}
	if c == nil {
		return nil
	}
	c.Y += chrome - 1 // below the header and tab lines
	c.X = min(c.X, a.width-1)
	return c
}

func (a *App) render() string {
	if a.width <= 0 || a.height <= 0 {
		return ""
	}
	if a.tooSmall() {
		return a.tooSmallView()
	}
	w, h := a.bodySize()
	var body string
	switch {
	case a.help:
		title := "Keys · " + a.view().Title()
		body = helpView(a.ctx.Theme, title, a.ctx.keyFor(keymap.Back)+" or "+a.ctx.keyFor(keymap.Help)+" closes this help", helpGroups(a.ctx.Keys, a.view().HelpGroups(), keyPaneOf(a.view()), hiddenKeys(a.ctx, a.view())), w, h)
	default:
		body = fitLines(a.view().View(), w, h)
	}
	if a.palette.open {
		// The palette drops over the top of the body, k9s-style, so the rows
		// under it stay in view for context.
		lines := strings.Split(body, "\n")
		pl := a.palette.lines(a.ctx.Theme, w, min(8, h-3))
		copy(lines, pl)
		body = strings.Join(lines, "\n")
	}
	out := a.header() + "\n" + a.tabs() + "\n" + body + "\n" + a.statusLine()
	return fitLines(out, a.width, a.height)
}

func (a *App) tooSmallView() string {
	th := a.ctx.Theme
	msg := []string{
		th.Error.Render("terminal too small"),
		th.Error.Render(fmt.Sprintf("(need %d×%d, have %d×%d)", MinWidth, MinHeight, a.width, a.height)),
		th.Dim.Render("enlarge the window, or press " + a.ctx.keyFor(keymap.Quit) + " to quit"),
	}
	if a.width >= 60 {
		msg = []string{
			th.Error.Render(fmt.Sprintf("terminal too small (need %d×%d, have %d×%d)", MinWidth, MinHeight, a.width, a.height)),
			th.Dim.Render("enlarge the window, or press " + a.ctx.keyFor(keymap.Quit) + " to quit"),
		}
	}
	lines := make([]string, a.height)
	top := max(0, (a.height-len(msg))/2)
	for i, m := range msg {
		if top+i < a.height {
			lines[top+i] = centre(m, a.width)
		}
	}
	return fitLines(strings.Join(lines, "\n"), a.width, a.height)
}

func centre(s string, w int) string {
	s = truncate(s, w)
	return strings.Repeat(" ", max(0, (w-textWidth(s))/2)) + s
}

func (a *App) header() string {
	th, c := a.ctx.Theme, a.ctx
	op := c.Actor.Operator
	left := " " + th.AppName.Render("custodian") + th.HeaderDim.Render(" │ ") + th.Header.Render(c.ScopeLabel()) +
		th.HeaderDim.Render(" │ ") + th.Header.Render(model.CleanLine(op.Handle)) + th.HeaderDim.Render(" ("+roleLabel(op.Role)+")")
	if c.ReadOnly {
		left += " " + th.Badge.Render("[read-only]")
	}
	right := ""
	if c, ok := a.dueCounts(); ok {
		over := fmt.Sprintf("%d overdue", c.overdue)
		if c.overdue > 0 {
			over = th.Overdue.Render(over)
		}
		week := fmt.Sprintf("%d due this week", c.week)
		if c.week > 0 {
			week = th.Soon.Render(week)
		}
		right = over + th.HeaderDim.Render(" · ") + week + " "
	}
	return spread(left, right, a.width)
}

// dueCounts asks the panes that know (the queue) how much is overdue and
// due this week; they count when they load, so the header costs nothing.
func (a *App) dueCounts() (dueCounts, bool) {
	var total dueCounts
	found := false
	for _, p := range a.panes {
		if s, ok := p.(interface{ DueCounts() (dueCounts, bool) }); ok {
			if c, ok := s.DueCounts(); ok {
				total.overdue += c.overdue
				total.week += c.week
				found = true
			}
		}
	}
	return total, found
}

func roleLabel(r model.Role) string {
	if r == model.RoleLead {
		return "privacy lead"
	}
	return model.CleanLine(string(r))
}

func (a *App) tabs() string {
	th := a.ctx.Theme
	var b strings.Builder
	b.WriteString(" ")
	for i, p := range a.panes {
		label := " " + p.Title() + " "
		if i == a.active {
			b.WriteString(th.TabActive.Render(label))
		} else {
			b.WriteString(th.Tab.Render(label))
		}
	}
	for _, p := range a.stack {
		b.WriteString(th.Dim.Render(" › ") + th.Crumb.Render(p.Title()))
	}
	return truncate(b.String(), a.width)
}

func (a *App) statusLine() string {
	th := a.ctx.Theme
	var hints []string
	if a.help {
		hints = []string{a.ctx.keyFor(keymap.Back) + " close help"}
	} else {
		for _, b := range a.view().KeyHelp() {
			h := b.Help()
			hints = append(hints, h.Key+" "+h.Desc)
		}
		if !a.view().Capturing() && !a.palette.open {
			for _, b := range a.ctx.Keys.ShortHelp(keymap.Help, keymap.Palette, keymap.Quit) {
				h := b.Help()
				hints = append(hints, h.Key+" "+h.Desc)
			}
		}
	}
	left := ""
	if a.status != "" {
		if a.statusErr {
			left = " " + th.Error.Render("✗ "+a.status)
		} else {
			left = " " + th.Info.Render(a.status)
		}
	}
	// As many hints as fit beside the message, most important first: a
	// message beats the hints, which are always one ? away.
	room := a.width - textWidth(left) - 2
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
	return spread(left, right, a.width)
}
