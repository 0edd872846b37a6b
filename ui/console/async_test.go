package console

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/model"
)

// TestCallAcceptsOnlyItsTicket: a slot takes the result of the call it
// awaits and nothing else — not a superseded call's, not another slot's,
// not one that arrives after a cancel, and not the same result twice.
func TestCallAcceptsOnlyItsTicket(t *testing.T) {
	value := func(v int) backendFunc[int] {
		return func(context.Context, Backend, model.Actor) (int, error) { return v, nil }
	}
	tests := []struct {
		name string
		// run starts calls on slot (and other) and returns the messages
		// delivered to the slot, oldest first.
		run  func(c *Context, slot, other *call[int]) []tea.Msg
		want []int // the values the slot accepts, in order
		// busy: the slot still awaits a call at the end
		busy bool
	}{
		{"the awaited call", func(c *Context, slot, _ *call[int]) []tea.Msg {
			return []tea.Msg{slot.start(c, value(1))()}
		}, []int{1}, false},
		{"a superseded call is dropped", func(c *Context, slot, _ *call[int]) []tea.Msg {
			first := slot.start(c, value(1))
			second := slot.start(c, value(2))
			return []tea.Msg{first(), second()}
		}, []int{2}, false},
		{"a superseded call arriving last is dropped", func(c *Context, slot, _ *call[int]) []tea.Msg {
			first := slot.start(c, value(1))
			second := slot.start(c, value(2))
			return []tea.Msg{second(), first()}
		}, []int{2}, false},
		{"another slot's result is not taken", func(c *Context, slot, other *call[int]) []tea.Msg {
			theirs := other.start(c, value(7))
			mine := slot.start(c, value(1))
			return []tea.Msg{theirs(), mine()}
		}, []int{1}, false},
		{"a cancelled call is dropped", func(c *Context, slot, _ *call[int]) []tea.Msg {
			cmd := slot.start(c, value(1))
			slot.cancel()
			return []tea.Msg{cmd()}
		}, nil, false},
		{"an interrupted call still reports", func(c *Context, slot, _ *call[int]) []tea.Msg {
			cmd := slot.start(c, value(1))
			slot.interrupt()
			return []tea.Msg{cmd()}
		}, []int{1}, false},
		{"a result is taken once", func(c *Context, slot, _ *call[int]) []tea.Msg {
			msg := slot.start(c, value(1))()
			return []tea.Msg{msg, msg}
		}, []int{1}, false},
		{"other messages are not results", func(c *Context, slot, _ *call[int]) []tea.Msg {
			slot.start(c, value(1))
			return []tea.Msg{resultMsg[string]{ticket: c.lastTicket}, tea.KeyPressMsg{}}
		}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Context{Timeout: time.Minute}
			var slot, other call[int]
			var got []int
			for _, msg := range tc.run(c, &slot, &other) {
				if v, err, ok := slot.accept(msg); ok {
					if err != nil {
						t.Fatalf("accepted error %v", err)
					}
					got = append(got, v)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("accepted %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("accepted %v, want %v", got, tc.want)
				}
			}
			if slot.busy() != tc.busy {
				t.Errorf("busy = %v, want %v", slot.busy(), tc.busy)
			}
		})
	}
}

// TestCallsAwaitEach: calls in one calls slot do not supersede each other;
// each result is taken once, and none after a cancel.
func TestCallsAwaitEach(t *testing.T) {
	value := func(v int) backendFunc[int] {
		return func(context.Context, Backend, model.Actor) (int, error) { return v, nil }
	}
	tests := []struct {
		name   string
		cancel bool
		want   []int
	}{
		{"both calls report, each once", false, []int{2, 1}},
		{"cancel drops them all", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Context{Timeout: time.Minute}
			var slot calls[int]
			var single call[int]
			first, second := slot.start(c, value(1)), slot.start(c, value(2))
			stranger := single.start(c, value(9))
			if tc.cancel {
				slot.cancel()
			}
			two := second()
			var got []int
			for _, msg := range []tea.Msg{two, first(), stranger(), two} {
				if v, err, ok := slot.accept(msg); ok && err == nil {
					got = append(got, v)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("accepted %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCallContext: the function's context ends with a timeout error when
// the call outlives its timeout, and is cancelled when the slot cancels,
// interrupts or starts another call. The tests block on the context, so a
// missing cancellation hangs rather than passes.
func TestCallContext(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		after   func(slot *call[int], c *Context) // runs while the call blocks
		wantErr error
	}{
		{"timeout is reported", time.Millisecond, func(*call[int], *Context) {}, context.DeadlineExceeded},
		{"cancel stops the call", 0, func(s *call[int], _ *Context) { s.cancel() }, context.Canceled},
		{"interrupt stops the call", 0, func(s *call[int], _ *Context) { s.interrupt() }, context.Canceled},
		{"a new call stops the old", 0, func(s *call[int], c *Context) {
			s.start(c, func(context.Context, Backend, model.Actor) (int, error) { return 0, nil })
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Context{Timeout: time.Minute}
			var slot call[int]
			started := make(chan struct{})
			cmd := slot.startWithin(c, tc.timeout, func(ctx context.Context, _ Backend, _ model.Actor) (int, error) {
				close(started)
				<-ctx.Done()
				return 0, ctx.Err()
			})
			out := make(chan tea.Msg, 1)
			go func() { out <- cmd() }()
			<-started
			tc.after(&slot, c)
			msg := (<-out).(resultMsg[int])
			if !errors.Is(msg.err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", msg.err, tc.wantErr)
			}
		})
	}
}

// TestCallHandsOverTheSession: the function gets the backend and actor the
// Context had when the call started.
func TestCallHandsOverTheSession(t *testing.T) {
	fb := fixture(1)
	c := &Context{Timeout: time.Minute, Backend: fb, Actor: testActor(model.RoleLead)}
	var slot call[string]
	cmd := slot.start(c, func(_ context.Context, b Backend, a model.Actor) (string, error) {
		if b != Backend(fb) {
			return "", errors.New("another backend")
		}
		return a.Handle(), nil
	})
	c.Actor = testActor(model.RoleSupport) // Update moves on meanwhile
	v, err, ok := slot.accept(cmd())
	if !ok || err != nil || v != testActor(model.RoleLead).Handle() {
		t.Fatalf("got %q, %v, %v; want the starting actor", v, err, ok)
	}
}

// TestStream: progress arrives coalesced (a burst of reports while nobody
// listens is one message with the newest), always before the result, and
// a superseded or cancelled stream's messages are dropped.
func TestStream(t *testing.T) {
	tests := []struct {
		name         string
		reports      []int // reported before anyone listens
		cancel       bool
		wantProgress []int // progress values accepted
		wantResult   bool
	}{
		{"no progress", nil, false, nil, true},
		{"one report", []int{5}, false, []int{5}, true},
		{"a burst is coalesced to the newest", []int{1, 2, 3, 4, 5}, false, []int{5}, true},
		{"a cancelled stream is dropped", []int{1, 2}, true, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Context{Timeout: time.Minute}
			var slot stream[int, string]
			reported := make(chan struct{})
			cmd := slot.start(c, 0, func(_ context.Context, _ Backend, _ model.Actor, report func(int)) (string, error) {
				for _, r := range tc.reports {
					report(r)
				}
				close(reported)
				return "done", nil
			})
			<-reported
			if tc.cancel {
				slot.cancel()
			}
			var progress []int
			result := false
			for cmd != nil {
				msg := cmd()
				cmd = nil
				if v, next, ok := slot.progress(msg); ok {
					if result {
						t.Fatal("progress after the result")
					}
					progress = append(progress, v)
					cmd = next
					continue
				}
				if m, ok := msg.(progressMsg[int]); ok {
					cmd = m.next // dropped, but drain to the end
					continue
				}
				if v, err, ok := slot.accept(msg); ok {
					if err != nil || v != "done" {
						t.Fatalf("result %q, %v", v, err)
					}
					result = true
				}
			}
			if len(progress) != len(tc.wantProgress) {
				t.Fatalf("progress %v, want %v", progress, tc.wantProgress)
			}
			for i := range progress {
				if progress[i] != tc.wantProgress[i] {
					t.Fatalf("progress %v, want %v", progress, tc.wantProgress)
				}
			}
			if result != tc.wantResult {
				t.Fatalf("result accepted %v, want %v", result, tc.wantResult)
			}
		})
	}
}

// TestStreamInterruptStillReports: esc stops a stream's work but the pane
// still hears how it ended, after its last progress.
func TestStreamInterruptStillReports(t *testing.T) {
	c := &Context{Timeout: time.Minute}
	var slot stream[int, int]
	running := make(chan struct{})
	cmd := slot.start(c, 0, func(ctx context.Context, _ Backend, _ model.Actor, report func(int)) (int, error) {
		report(1)
		close(running)
		<-ctx.Done()
		return 1, ctx.Err()
	})
	<-running
	slot.interrupt()
	v, next, ok := slot.progress(cmd())
	if !ok || v != 1 {
		t.Fatalf("progress %d, %v; want 1", v, ok)
	}
	got, err, ok := slot.accept(next())
	if !ok || got != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("result %d, %v, %v; want 1 and cancelled", got, err, ok)
	}
}
