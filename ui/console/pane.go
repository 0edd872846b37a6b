package console

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// Pane is one screen of the console: a top-level tab (the queue, and later
// approvals, lookup, audit) or a view pushed on top of one (a request's
// detail). The shell talks to every pane only through this interface, so
// adding a pane is adding one element to the list New builds.
type Pane interface {
	// Title names the pane in the tab line and the command palette.
	Title() string
	Init() tea.Cmd
	Update(tea.Msg) (Pane, tea.Cmd)
	// View renders exactly the size last given to SetSize.
	View() string
	SetSize(width, height int)
	// KeyHelp is the short help the status line offers for this pane.
	KeyHelp() []key.Binding
	// HelpGroups are the keymap groups this pane acts on; the full help shows
	// these after the global and navigation groups.
	HelpGroups() []string
	// Capturing is true while a text input has focus, so keys such as q are
	// typed rather than acted on.
	Capturing() bool
}

// Optional capabilities. The shell asks a pane for these by type
// assertion; a pane that has no use for one simply lacks the method.

// closer is a pane holding something to stop when it goes away (a
// backend call in flight, a timer, a subscription): the shell calls Close
// when the pane is popped off the stack or the console quits.
type closer interface {
	Close()
}

// activator is a tab that loads only once it is looked at: the shell calls
// Activate each time the tab is switched to.
type activator interface {
	Activate() tea.Cmd
}

// cursorPlacer is a pane with a text input that has focus: Cursor is where
// the terminal's own cursor goes, relative to the pane's body, or nil.
type cursorPlacer interface {
	Cursor() *tea.Cursor
}

// dueCounter is a pane that counts, as it loads, how many requests are
// overdue and due this week; the header shows the sum over the tabs.
type dueCounter interface {
	DueCounts() (dueCounts, bool)
}

// keymapPane is a view whose keys belong to one keymap pane, so the help
// screen shows that pane's bindings.
type keymapPane interface {
	keyPane() keymap.Pane
}

// sequenced is a stacked view numbered when it was pushed: a late close
// aimed at a view already gone cannot pop the one that replaced it.
type sequenced interface {
	viewSeq() int
}

// ruleHinted is a pane showing one request (the detail) or a selected one
// (a list), whose request keys follow the rule book.
type ruleHinted interface {
	hintedRequest() (model.Request, bool)
}

// The panes that offer each capability: a method whose signature drifted
// would otherwise be skipped by the shell without a word.
var (
	_ closer       = (*queuePane)(nil)
	_ closer       = (*approvalsPane)(nil)
	_ closer       = (*lookupPane)(nil)
	_ closer       = (*auditPane)(nil)
	_ closer       = (*detailPane)(nil)
	_ closer       = (*subjectPane)(nil)
	_ closer       = (*planPane)(nil)
	_ closer       = (*runPane)(nil)
	_ activator    = (*lookupPane)(nil)
	_ activator    = (*auditPane)(nil)
	_ activator    = (*metricsPane)(nil)
	_ activator    = (*operatorsPane)(nil)
	_ closer       = (*metricsPane)(nil)
	_ closer       = (*operatorsPane)(nil)
	_ keymapPane   = (*metricsPane)(nil)
	_ keymapPane   = (*operatorsPane)(nil)
	_ sequenced    = (*operatorFormPane)(nil)
	_ activator    = (*tenantsPane)(nil)
	_ closer       = (*tenantsPane)(nil)
	_ keymapPane   = (*tenantsPane)(nil)
	_ sequenced    = (*tenantFormPane)(nil)
	_ cursorPlacer = (*queuePane)(nil)
	_ cursorPlacer = (*lookupPane)(nil)
	_ cursorPlacer = (*auditPane)(nil)
	_ cursorPlacer = (*subjectPane)(nil)
	_ cursorPlacer = (*formPane)(nil)
	_ cursorPlacer = (*planPane)(nil)
	_ dueCounter   = (*queuePane)(nil)
	_ keymapPane   = (*queuePane)(nil)
	_ keymapPane   = (*approvalsPane)(nil)
	_ keymapPane   = (*detailPane)(nil)
	_ keymapPane   = (*formPane)(nil)
	_ keymapPane   = (*planPane)(nil)
	_ keymapPane   = (*runPane)(nil)
	_ sequenced    = (*formPane)(nil)
	_ sequenced    = (*planPane)(nil)
	_ sequenced    = (*runPane)(nil)
	_ ruleHinted   = (*queuePane)(nil)
	_ ruleHinted   = (*approvalsPane)(nil)
	_ ruleHinted   = (*detailPane)(nil)
	_ ruleHinted   = (*planPane)(nil)
	_ ruleHinted   = (*runPane)(nil)
)

// fitLines makes s exactly h lines of at most w cells each. It is the last
// line of defence for "nothing wraps or overflows": a terminal wraps a line
// that is one cell too wide, and that shifts every line below it.
func fitLines(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "") // unchanged when it fits
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// padRight pads plain or styled s with spaces to exactly w cells, cutting it
// with an ellipsis when it is wider.
func padRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

// truncate cuts s to w cells with an ellipsis.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…") // unchanged when it fits
}

// spread puts left and right on one line of width w, giving left priority:
// right is dropped before left is cut.
func spread(left, right string, w int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if right == "" || lw+1+rw > w {
		return truncate(left, w)
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

func textWidth(s string) int { return ansi.StringWidth(s) }

// spinWhile advances a pane's spinner while its work is under way; once
// the work is done it returns no command, so the ticks stop by themselves.
func spinWhile(active bool, s *spinner.Model, msg spinner.TickMsg) tea.Cmd {
	if !active {
		return nil
	}
	var cmd tea.Cmd
	*s, cmd = s.Update(msg)
	return cmd
}
