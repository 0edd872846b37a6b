package console

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// probeMsg asks the running program, from inside its event loop, whether
// cond holds, and for the screen. Reading the model any other way would
// race with Update; reading the renderer's byte stream would see diffs.
type probeMsg struct {
	cond  func(*App) bool
	reply chan probeResult
}

type probeResult struct {
	ok   bool
	view string
}

// clearInfoMsg drops the info message from the status line, so a golden
// screen does not depend on whether its timer fired before the capture.
type clearInfoMsg struct{}

func probeFilter(m tea.Model, msg tea.Msg) tea.Msg {
	if _, ok := msg.(clearInfoMsg); ok {
		if a := m.(*App); !a.statusErr {
			a.status = ""
		}
		return nil
	}
	p, ok := msg.(probeMsg)
	if !ok {
		return msg
	}
	a := m.(*App)
	p.reply <- probeResult{ok: p.cond(a), view: a.View().Content}
	return nil
}

// harness drives an App in a real tea.Program through teatest.
type harness struct {
	t  testing.TB
	tm *teatest.TestModel
	w  int
	h  int
}

func start(t testing.TB, a *App, w, h int) *harness {
	t.Helper()
	tm := teatest.NewTestModel(t, a,
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithFilter(probeFilter)))
	hs := &harness{t: t, tm: tm, w: w, h: h}
	t.Cleanup(func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	})
	return hs
}

// waitFor polls until cond holds and returns the raw screen at that moment.
func (h *harness) waitFor(what string, cond func(*App) bool) string {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second) // -race on a loaded 2-core machine: one write can take seconds
	var last string
	for time.Now().Before(deadline) {
		reply := make(chan probeResult, 1)
		h.tm.Send(probeMsg{cond: cond, reply: reply})
		select {
		case r := <-reply:
			if r.ok {
				return r.view
			}
			last = r.view
		case <-time.After(5 * time.Second):
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.t.Fatalf("timed out waiting for %s; screen:\n%s", what, ansi.Strip(last))
	return ""
}

// settled is the screen once loading is done and info messages are gone:
// the same on every run, for golden files.
func (h *harness) settled() string {
	h.t.Helper()
	h.tm.Send(clearInfoMsg{})
	return h.waitFor("a settled screen", func(a *App) bool {
		for _, p := range a.allPanes() {
			switch p := p.(type) {
			case *queuePane:
				if p.loading {
					return false
				}
			case *detailPane:
				if p.loading {
					return false
				}
			}
		}
		return a.status == "" || a.statusErr
	})
}

// screen returns the raw screen once every message sent so far is handled.
func (h *harness) screen() string {
	h.t.Helper()
	return h.waitFor("the screen", func(*App) bool { return true })
}

func (h *harness) loaded() string {
	h.t.Helper()
	return h.waitFor("the queue to load", func(a *App) bool {
		q := a.queue()
		return q.loaded && !q.loading
	})
}

// keyMsg builds the KeyPressMsg a terminal sends for s ("enter", "ctrl+r", "S").
func keyMsg(s string) tea.KeyPressMsg {
	named := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "space": tea.KeySpace,
		"up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace,
	}
	var mod tea.KeyMod
	base := s
	switch {
	case strings.HasPrefix(s, "ctrl+"):
		mod, base = tea.ModCtrl, strings.TrimPrefix(s, "ctrl+")
	case strings.HasPrefix(s, "shift+"):
		mod, base = tea.ModShift, strings.TrimPrefix(s, "shift+")
	}
	if code, ok := named[base]; ok {
		return tea.KeyPressMsg{Code: code, Mod: mod}
	}
	r, _ := utf8.DecodeRuneInString(base)
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: base}
}

func (h *harness) press(keys ...string) {
	for _, k := range keys {
		h.tm.Send(keyMsg(k))
	}
}

func (h *harness) typ(s string) { h.tm.Type(s) }

func (h *harness) resize(w, hh int) {
	h.w, h.h = w, hh
	h.tm.Send(tea.WindowSizeMsg{Width: w, Height: hh})
}

// queue returns the queue pane; tests reach into it to read selection.
func (a *App) queue() *queuePane { return a.panes[0].(*queuePane) }

// checkFits fails unless screen is exactly h lines, none wider than w.
func checkFits(t *testing.T, screen string, w, h int) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	if len(lines) != h {
		t.Errorf("screen has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got > w {
			t.Errorf("line %d is %d cells wide, terminal is %d: %q", i+1, got, w, ansi.Strip(l))
		}
	}
}

// rowOrder lists the request ids in the order the queue screen shows them.
func rowOrder(screen string) []string {
	var ids []string
	for _, l := range strings.Split(ansi.Strip(screen), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && strings.HasPrefix(f[0], "R-") {
			ids = append(ids, f[0])
		}
	}
	return ids
}
