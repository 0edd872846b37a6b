package console

import (
	"strings"
	"sync"
	"testing"
)

// fakeConn is a connection whose state the test flips, as *db.Conn's
// watcher does when the database service goes away and comes back.
type fakeConn struct {
	mu      sync.Mutex
	lost    bool
	changed chan struct{}
}

func newFakeConn() *fakeConn { return &fakeConn{changed: make(chan struct{})} }

func (c *fakeConn) ConnLost() (bool, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost, c.changed
}

func (c *fakeConn) set(lost bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lost = lost
	close(c.changed)
	c.changed = make(chan struct{})
}

// The status line says when the database connection is lost and when it
// is back, without a key press: the console learns it from the connection.
func TestStatusLineFollowsTheConnection(t *testing.T) {
	conn := newFakeConn()
	cfg := testConfig(fixture(10))
	cfg.Conn = conn
	h := start(t, New(cfg), 120, 40)
	h.loaded()

	conn.set(true)
	screen := h.waitFor("the loss on the status line", func(a *App) bool { return a.status == connLostText && a.statusErr })
	if !strings.Contains(screen, "reconnecting") {
		t.Errorf("the screen does not say the connection is lost:\n%s", screen)
	}
	conn.set(false)
	h.waitFor("the return on the status line", func(a *App) bool { return a.status == connRestoredText && !a.statusErr })

	// Lost and back again: each change is reported, not only the first.
	conn.set(true)
	h.waitFor("a second loss", func(a *App) bool { return a.status == connLostText })
	conn.set(false)
	h.waitFor("a second return", func(a *App) bool { return a.status == connRestoredText })
}
