package console

// The Lookup pane's subject directory: built in the background, polled for
// changes, or attached to the process's shared one.

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/lookup"
)

// directoryRecords turns subjects into the directory's input, cleaned once here:
// the directory shows names as given.
func directoryRecords(subs []model.Subject) []lookup.Record {
	out := make([]lookup.Record, len(subs))
	for i, s := range subs {
		out[i] = lookup.Record{
			ID: s.ID, TenantID: s.TenantID, AccountID: model.CleanLine(s.AccountID), Name: model.CleanLine(s.Name),
			Emails: s.Emails, Phones: s.Phones, Address: model.CleanLine(s.Address), Status: model.CleanLine(string(s.Status)),
			Version: s.Version,
		}
	}
	return out
}

// build streams the scope's subjects into a new directory. Progress and
// the end arrive on a channel the pane listens to; the stream never holds
// Update up, and a scope change cancels it.
func (p *lookupPane) build() tea.Cmd {
	if p.shared != nil {
		return p.attach()
	}
	p.Close()
	p.buildGen++
	p.started, p.building = true, true
	p.done, p.total, p.buildErr = 0, -1, ""
	p.dir = lookup.NewDirectory()
	p.scope = p.ctx.Scope
	p.state, p.res, p.jump = nil, lookup.Result{}, nil
	c := p.ctx
	backend, actor, scope, gen, dir := c.Backend, c.Actor, p.scope, p.buildGen, p.dir
	mark := c.Clock.Now().Add(-directorySkew)
	ctx, cancel := context.WithCancel(context.Background())
	p.buildCancel = cancel
	ch := make(chan tea.Msg, 1)
	go func() {
		defer cancel()
		err := backend.SubjectDirectory(ctx, actor, scope, time.Time{}, func(b []model.Subject) error {
			dir.Put(directoryRecords(b))
			return nil
		}, func(done, total int) {
			select {
			case ch <- dirProgressMsg{gen: gen, done: done, total: total, ch: ch}:
			default: // the listener is behind; a newer report follows
			}
		})
		msg := dirBuiltMsg{gen: gen, err: err, mark: mark}
		if err == nil {
			var counts map[string]int
			if counts, msg.countsErr = backend.OpenRequestCounts(ctx, actor, scope); msg.countsErr == nil {
				dir.SetOpen(counts)
			}
		}
		// The only sender: after a drain the last message always fits.
		select {
		case <-ch:
		default:
		}
		ch <- msg
	}()
	return tea.Batch(listen(ch), p.spin.Tick, p.search())
}

func listen(ch <-chan tea.Msg) tea.Cmd { return func() tea.Msg { return <-ch } }

// attach is build for a pane on the process's shared directory: nothing
// is read, the pane waits for the shared build (at once when it is done)
// and searches within its scope.
func (p *lookupPane) attach() tea.Cmd {
	p.Close()
	p.buildGen++
	p.started, p.building = true, true
	p.done, p.total, p.buildErr = 0, -1, ""
	p.dir = nil
	p.scope = p.ctx.Scope
	p.state, p.res, p.jump = nil, lookup.Result{}, nil
	shared, gen := p.shared, p.buildGen
	shared.start()
	wait := func() tea.Msg {
		<-shared.Ready()
		return dirBuiltMsg{gen: gen, err: shared.Err()}
	}
	return tea.Batch(wait, p.spin.Tick)
}

// refresh brings in the subjects written since the last poll and re-reads
// the open-request counts.
func (p *lookupPane) refresh() tea.Cmd {
	if !p.started || p.building || p.polling {
		return nil
	}
	if p.shared != nil {
		// The shared directory polls for every session; this pane only
		// searches again to show what the last poll brought in.
		return p.research()
	}
	p.polling = true
	c := p.ctx
	backend, actor, scope, gen, dir, since, timeout := c.Backend, c.Actor, p.scope, p.buildGen, p.dir, p.mark, c.Timeout
	next := c.Clock.Now().Add(-directorySkew)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		msg := dirPolledMsg{gen: gen, mark: next}
		msg.err = backend.SubjectDirectory(ctx, actor, scope, since, func(b []model.Subject) error {
			msg.changed += dir.Put(directoryRecords(b))
			return nil
		}, nil)
		if msg.err == nil {
			var counts map[string]int
			if counts, msg.err = backend.OpenRequestCounts(ctx, actor, scope); msg.err == nil {
				dir.SetOpen(counts)
			}
		}
		return msg
	}
}
