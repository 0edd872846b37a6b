package console

import (
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
)

// scrollTo clamps cursor to a list of n rows and returns it with the first
// visible row of a window height rows tall that keeps the cursor in view.
// Every list pane scrolls through it, so they all behave alike: the window
// moves only as far as needed, and never leaves blank rows below the last
// row while earlier rows are hidden.
func scrollTo(cursor, offset, n, height int) (int, int) {
	if n <= 0 {
		return 0, 0
	}
	height = max(1, height)
	cursor = min(max(cursor, 0), n-1)
	if cursor < offset {
		offset = cursor
	}
	if cursor >= offset+height {
		offset = cursor - height + 1
	}
	return cursor, max(0, min(offset, n-height))
}

// listWindow is a list pane's selection and scroll position: the row the
// cursor is on and the first row the window shows. List panes embed it and
// move it only through its methods, so a key moves every list alike.
type listWindow struct {
	cursor int
	offset int
}

// moveBy moves the cursor d rows through a list of n rows shown height at
// a time, scrolling only as far as needed. moveBy(0, …) brings the cursor
// back into view after the list or the window changed.
func (w *listWindow) moveBy(d, n, height int) {
	w.cursor, w.offset = scrollTo(w.cursor+d, w.offset, n, height)
}

// navigate moves the cursor by a navigation key; ok is false, and nothing
// moves, for any other key.
func (w *listWindow) navigate(k keymap.KeyMap, msg tea.KeyPressMsg, n, height int) (ok bool) {
	d, ok := navStep(k, msg, n, height)
	if ok {
		w.moveBy(d, n, height)
	}
	return ok
}

// selectRow puts the cursor on row i, or leaves it where it was for a
// negative i (the row it was on has gone), and brings it into view. The
// scroll offset stays put if it can, so rows that arrive above the
// selection show up on screen and the selection moves down with its row.
func (w *listWindow) selectRow(i, n, height int) {
	if i >= 0 {
		w.cursor = i
	}
	w.moveBy(0, n, height)
}

// navStep is how far a navigation key moves the cursor of a list of n rows
// showing page at a time; ok is false for any other key.
func navStep(k keymap.KeyMap, msg tea.KeyPressMsg, n, page int) (delta int, ok bool) {
	switch {
	case k.Matches(msg, keymap.Up):
		return -1, true
	case k.Matches(msg, keymap.Down):
		return 1, true
	case k.Matches(msg, keymap.PageUp):
		return -page, true
	case k.Matches(msg, keymap.PageDown):
		return page, true
	case k.Matches(msg, keymap.Top):
		return -n, true
	case k.Matches(msg, keymap.Bottom):
		return n, true
	}
	return 0, false
}

// isNav reports whether msg is a navigation key, for a switch that must
// handle it among other cases.
func isNav(k keymap.KeyMap, msg tea.KeyPressMsg) bool {
	_, ok := navStep(k, msg, 0, 0)
	return ok
}

// scrollViewport moves a full-text view (a request, an audit entry) by a
// navigation key; ok is false for any other key.
func scrollViewport(k keymap.KeyMap, msg tea.KeyPressMsg, vp *viewport.Model) (ok bool) {
	switch {
	case k.Matches(msg, keymap.Up):
		vp.ScrollUp(1)
	case k.Matches(msg, keymap.Down):
		vp.ScrollDown(1)
	case k.Matches(msg, keymap.PageUp):
		vp.PageUp()
	case k.Matches(msg, keymap.PageDown):
		vp.PageDown()
	case k.Matches(msg, keymap.Top):
		vp.GotoTop()
	case k.Matches(msg, keymap.Bottom):
		vp.GotoBottom()
	default:
		return false
	}
	return true
}

// typingStep is navStep while a search box has focus: only the keys that
// cannot be typed (arrows, page up/down) move the list, so j, k, g and G
// still reach the box as letters.
func typingStep(msg tea.KeyPressMsg, page int) (delta int, ok bool) {
	switch msg.String() {
	case "up":
		return -1, true
	case "down":
		return 1, true
	case "pgup":
		return -page, true
	case "pgdown":
		return page, true
	}
	return 0, false
}
