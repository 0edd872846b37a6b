package console

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// ConnWatch is the database connection's state as the controller sees it
// (*db.Conn implements it): whether the connection is lost now, and a
// channel closed at its next change, nil when it never changes (a MongoDB
// deployment, whose driver handles failover itself).
type ConnWatch interface {
	ConnLost() (lost bool, changed <-chan struct{})
}

// Status-line texts for the connection. While it is lost every backend
// call waits for the database to come back, and the client is restarting
// the database service meanwhile.
const (
	connLostText     = "database connection lost — reconnecting…"
	connRestoredText = "database reconnected"
)

// connRearm bounds each wait for a change, so the waiting command of a
// console that has ended (an SSH session closed) does not linger for good.
const connRearm = 30 * time.Second

// connWatcher follows a ConnWatch from Update: a command waits for the next
// change and reports it as connChangedMsg.
type connWatcher struct {
	w    ConnWatch
	lost bool
}

// connChangedMsg is the connection's state after a change, or after a
// re-arm with no change.
type connChangedMsg struct{ lost bool }

func (c connWatcher) wait() tea.Cmd {
	if c.w == nil {
		return nil
	}
	_, changed := c.w.ConnLost()
	if changed == nil {
		return nil
	}
	w := c.w
	return func() tea.Msg {
		t := time.NewTimer(connRearm)
		defer t.Stop()
		select {
		case <-changed:
		case <-t.C:
		}
		lost, _ := w.ConnLost()
		return connChangedMsg{lost: lost}
	}
}

// connChanged shows a loss as an error that stays until the next key, and
// the return as a passing note.
func (a *App) connChanged(m connChangedMsg) tea.Cmd {
	wait := a.conn.wait()
	if m.lost == a.conn.lost {
		return wait
	}
	a.conn.lost = m.lost
	if m.lost {
		return tea.Batch(wait, a.setStatus(connLostText, true))
	}
	return tea.Batch(wait, a.setStatus(connRestoredText, false))
}
