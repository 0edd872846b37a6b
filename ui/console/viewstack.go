package console

import tea "charm.land/bubbletea/v2"

// viewStack holds the views opened over the active pane (a request's
// detail, a form, a run); esc pops them and the pane below is exactly as it
// was left. It is a slice so a test can look at what is on it.
type viewStack []Pane

// top is the view on top, if any.
func (s viewStack) top() (Pane, bool) {
	if len(s) == 0 {
		return nil, false
	}
	return s[len(s)-1], true
}

// push sizes view p to the body and opens it on top.
func (s *viewStack) push(p Pane, w, h int) tea.Cmd {
	p.SetSize(w, h)
	*s = append(*s, p)
	return p.Init()
}

// pop closes the top view; a view holding resources (a running stream) is
// told first.
func (s *viewStack) pop() {
	n := len(*s)
	if n == 0 {
		return
	}
	if c, ok := (*s)[n-1].(closer); ok {
		c.Close()
	}
	*s = (*s)[:n-1]
}

// clear closes every view, top first.
func (s *viewStack) clear() {
	for len(*s) > 0 {
		s.pop()
	}
}

// popSeq closes view seq if it is on top: a close that arrives after the
// operator already left that view is ignored.
func (s *viewStack) popSeq(seq int) {
	if p, ok := s.top(); ok {
		if v, ok := p.(sequenced); ok && v.viewSeq() == seq {
			s.pop()
		}
	}
}

// update hands msg to every view.
func (s viewStack) update(msg tea.Msg) []tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(s))
	for i, p := range s {
		var cmd tea.Cmd
		s[i], cmd = p.Update(msg)
		cmds = append(cmds, cmd)
	}
	return cmds
}
