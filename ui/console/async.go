package console

// Backend calls and progress streams, off the Update loop. Every pane
// starts its calls through a call or a stream slot: the slot applies the
// timeout, hands the function the session's backend and actor, runs it in
// a tea.Cmd and numbers it with a ticket. The result comes back as a
// resultMsg carrying that ticket, and the slot accepts only the ticket it
// is waiting for, so a late answer to superseded work (a refresh pressed
// twice, a scope change mid-load, a pane already closed) is dropped.

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/model"
)

// backendFunc is the work of one call: it gets a context bounded by the
// call's timeout and the session's backend and actor, read when the call
// starts (Update may change the Context while the call runs).
type backendFunc[T any] func(ctx context.Context, b Backend, actor model.Actor) (T, error)

// resultMsg is the outcome of the call numbered ticket.
type resultMsg[T any] struct {
	ticket uint64
	value  T
	err    error
}

// call is one slot for a pane's backend call of one kind (the detail's
// load, a form's save): starting a call supersedes the slot's previous
// one, which is cancelled and whose result is dropped.
type call[T any] struct {
	ticket uint64 // the call awaited; 0: none
	stop   context.CancelFunc
}

// start runs fn within the session's timeout for backend calls.
func (s *call[T]) start(c *Context, fn backendFunc[T]) tea.Cmd {
	return s.startWithin(c, c.Timeout, fn)
}

// startWithin runs fn within timeout; 0 or less runs it until it returns
// or the slot is cancelled.
func (s *call[T]) startWithin(c *Context, timeout time.Duration, fn backendFunc[T]) tea.Cmd {
	ctx, ticket := s.begin(c, timeout)
	backend, actor, stop := c.Backend, c.Actor, s.stop
	return func() tea.Msg {
		defer stop()
		v, err := fn(ctx, backend, actor)
		return resultMsg[T]{ticket: ticket, value: v, err: err}
	}
}

// begin supersedes the slot's call and opens the next one's context.
func (s *call[T]) begin(c *Context, timeout time.Duration) (context.Context, uint64) {
	s.cancel()
	ctx, stop := context.WithCancel(context.Background())
	if timeout > 0 {
		ctx, stop = context.WithTimeout(context.Background(), timeout)
	}
	c.lastTicket++
	s.ticket, s.stop = c.lastTicket, stop
	return ctx, s.ticket
}

// accept takes msg when it is the result the slot awaits: its value and
// error, and ok. Anything else (another message, another slot's result, a
// superseded or cancelled call's) gives ok false and leaves the slot as it
// was.
func (s *call[T]) accept(msg tea.Msg) (value T, err error, ok bool) {
	m, isResult := msg.(resultMsg[T])
	if !isResult || !s.awaits(m.ticket) {
		return value, nil, false
	}
	s.release()
	return m.value, m.err, true
}

// owns says whether msg is the result the slot awaits, without taking it.
func (s *call[T]) owns(msg tea.Msg) bool {
	m, ok := msg.(resultMsg[T])
	return ok && s.awaits(m.ticket)
}

func (s *call[T]) awaits(ticket uint64) bool { return ticket != 0 && ticket == s.ticket }

// release ends the awaited call: its context's resources go back.
func (s *call[T]) release() {
	if s.stop != nil {
		s.stop()
	}
	s.ticket, s.stop = 0, nil
}

// busy is true while a call is awaited.
func (s *call[T]) busy() bool { return s.ticket != 0 }

// interrupt cancels the call's context but still awaits its result, for
// work that reports how far it got when stopped (esc during a verify).
func (s *call[T]) interrupt() {
	if s.stop != nil {
		s.stop()
	}
}

// cancel abandons the call: its context is cancelled and its result,
// whenever it comes, is dropped.
func (s *call[T]) cancel() { s.release() }

// calls is a slot whose calls do not supersede one another: each is
// awaited until it reports. For work where every call counts (a refused
// key press the controller must hear and audit, each time it is pressed).
type calls[T any] struct {
	awaited map[uint64]context.CancelFunc
}

// start runs fn within the session's timeout, alongside the slot's others.
func (s *calls[T]) start(c *Context, fn backendFunc[T]) tea.Cmd {
	if s.awaited == nil {
		s.awaited = map[uint64]context.CancelFunc{}
	}
	ctx, stop := context.WithTimeout(context.Background(), c.Timeout)
	c.lastTicket++
	ticket, backend, actor := c.lastTicket, c.Backend, c.Actor
	s.awaited[ticket] = stop
	return func() tea.Msg {
		defer stop()
		v, err := fn(ctx, backend, actor)
		return resultMsg[T]{ticket: ticket, value: v, err: err}
	}
}

// accept takes msg when it is the result of one of the slot's calls.
func (s *calls[T]) accept(msg tea.Msg) (value T, err error, ok bool) {
	m, isResult := msg.(resultMsg[T])
	if !isResult {
		return value, nil, false
	}
	stop, awaited := s.awaited[m.ticket]
	if !awaited {
		return value, nil, false
	}
	stop()
	delete(s.awaited, m.ticket)
	return m.value, m.err, true
}

// cancel abandons every call of the slot.
func (s *calls[T]) cancel() {
	for ticket, stop := range s.awaited {
		stop()
		delete(s.awaited, ticket)
	}
}

// progressMsg is the newest progress of the stream numbered ticket; next
// waits for what follows it.
type progressMsg[P any] struct {
	ticket uint64
	value  P
	next   tea.Cmd
}

// stream is a slot for a long call that reports progress (a verify, a
// run, a directory build): progress reaches Update as progressMsg,
// coalesced so a fast producer never queues more than the newest report,
// and the end as a resultMsg, always after the last progress.
type stream[P, T any] struct {
	run call[T]
}

// streamFunc is the work of a stream: report may be called from any
// goroutine, as often as the work likes.
type streamFunc[P, T any] func(ctx context.Context, b Backend, actor model.Actor, report func(P)) (T, error)

// start runs fn within timeout (0 or less: until it returns or the slot is
// cancelled) and listens for its progress and its result.
func (s *stream[P, T]) start(c *Context, timeout time.Duration, fn streamFunc[P, T]) tea.Cmd {
	ctx, ticket := s.run.begin(c, timeout)
	backend, actor, stop := c.Backend, c.Actor, s.run.stop
	pm := &pump[P, T]{wake: make(chan struct{}, 1)}
	go func() {
		defer stop()
		v, err := fn(ctx, backend, actor, pm.report)
		pm.finish(v, err)
	}()
	return pm.listen(ticket)
}

// progress takes msg when it is the awaited stream's progress: the report,
// the Cmd that listens for the next one (return it from Update), and ok.
func (s *stream[P, T]) progress(msg tea.Msg) (value P, next tea.Cmd, ok bool) {
	m, isProgress := msg.(progressMsg[P])
	if !isProgress || !s.run.awaits(m.ticket) {
		return value, nil, false
	}
	return m.value, m.next, true
}

// accept, owns, busy, interrupt and cancel are call's, for the stream's
// final result.
func (s *stream[P, T]) accept(msg tea.Msg) (T, error, bool) { return s.run.accept(msg) }
func (s *stream[P, T]) owns(msg tea.Msg) bool               { return s.run.owns(msg) }
func (s *stream[P, T]) busy() bool                          { return s.run.busy() }
func (s *stream[P, T]) interrupt()                          { s.run.interrupt() }
func (s *stream[P, T]) cancel()                             { s.run.cancel() }

// pump carries one stream's reports and result from its goroutine to the
// Cmds that listen: only the newest report is kept, and the result is
// handed over once every report before it has been.
type pump[P, T any] struct {
	mu       sync.Mutex
	latest   P
	reported bool
	done     bool
	value    T
	err      error
	wake     chan struct{} // a token when there is something to hand over
}

func (p *pump[P, T]) report(v P) {
	p.mu.Lock()
	p.latest, p.reported = v, true
	p.mu.Unlock()
	p.signal()
}

func (p *pump[P, T]) finish(v T, err error) {
	p.mu.Lock()
	p.done, p.value, p.err = true, v, err
	p.mu.Unlock()
	p.signal()
}

func (p *pump[P, T]) signal() {
	select {
	case p.wake <- struct{}{}:
	default: // a token is already waiting
	}
}

// listen is the Cmd that waits for the stream's next report or its end.
func (p *pump[P, T]) listen(ticket uint64) tea.Cmd {
	return func() tea.Msg {
		for {
			p.mu.Lock()
			switch {
			case p.reported:
				v := p.latest
				p.reported = false
				p.mu.Unlock()
				return progressMsg[P]{ticket: ticket, value: v, next: p.listen(ticket)}
			case p.done:
				p.mu.Unlock()
				return resultMsg[T]{ticket: ticket, value: p.value, err: p.err}
			}
			p.mu.Unlock()
			<-p.wake
		}
	}
}
