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
			Version: s.Version, Others: directoryOthers(s.OtherContacts),
		}
	}
	return out
}

// directoryOthers cleans other people's contacts: they come from product
// records, which hold whatever a product let a resident type.
func directoryOthers(cs []model.OtherContact) []lookup.Other {
	if len(cs) == 0 {
		return nil
	}
	out := make([]lookup.Other, len(cs))
	for i, c := range cs {
		out[i] = lookup.Other{Relation: model.CleanLine(c.Relation), Name: model.CleanLine(c.Name), Email: model.CleanLine(c.Email), Phone: model.CleanLine(c.Phone)}
	}
	return out
}

// dirProgress is how far a directory build has read: done of total
// subjects (total -1 until the backend knows).
type dirProgress struct{ done, total int }

// dirBuilt is how a build (or a poll) ended: mark is where the next poll
// starts from, changed how many subjects a poll brought in, and countsErr
// why the open-request counts are missing, when they are.
type dirBuilt struct {
	mark      time.Time
	changed   int
	countsErr error
}

// resetDirectory forgets the directory, its polls and its searches, for a
// build (or an attach) for the scope as it is now.
func (p *lookupPane) resetDirectory(dir *lookup.Directory) {
	p.Close()
	p.polls.cancel()
	p.polling = false
	p.started, p.building = true, true
	p.done, p.total, p.buildErr = 0, -1, ""
	p.dir = dir
	p.scope = p.ctx.Scope
	p.state, p.res, p.jump = nil, lookup.Result{}, nil
}

// build streams the scope's subjects into a new directory, as long as it
// takes; the stream never holds Update up, and a scope change cancels it.
func (p *lookupPane) build() tea.Cmd {
	if p.shared != nil {
		return p.attach()
	}
	p.resetDirectory(lookup.NewDirectory())
	scope, dir := p.scope, p.dir
	mark := p.ctx.Clock.Now().Add(-directorySkew)
	stream := p.dirLoad.start(p.ctx, 0, func(ctx context.Context, backend Backend, actor model.Actor, report func(dirProgress)) (dirBuilt, error) {
		err := backend.SubjectDirectory(ctx, actor, scope, time.Time{}, func(b []model.Subject) error {
			dir.Put(directoryRecords(b))
			return nil
		}, func(done, total int) { report(dirProgress{done: done, total: total}) })
		if err != nil {
			return dirBuilt{}, err
		}
		built := dirBuilt{mark: mark}
		var counts map[string]int
		if counts, built.countsErr = backend.OpenRequestCounts(ctx, actor, scope); built.countsErr == nil {
			dir.SetOpen(counts)
		}
		return built, nil
	})
	return tea.Batch(stream, p.spin.Tick, p.search())
}

// attach is build for a pane on the process's shared directory: nothing
// is read, the pane waits for the shared build (at once when it is done)
// and searches within its scope.
func (p *lookupPane) attach() tea.Cmd {
	p.resetDirectory(nil)
	shared := p.shared
	shared.start()
	wait := p.dirLoad.start(p.ctx, 0, func(ctx context.Context, _ Backend, _ model.Actor, _ func(dirProgress)) (dirBuilt, error) {
		select {
		case <-shared.Ready():
			return dirBuilt{}, shared.Err()
		case <-ctx.Done():
			return dirBuilt{}, ctx.Err()
		}
	})
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
	scope, dir, since := p.scope, p.dir, p.mark
	next := p.ctx.Clock.Now().Add(-directorySkew)
	return p.polls.start(p.ctx, func(ctx context.Context, backend Backend, actor model.Actor) (dirBuilt, error) {
		polled := dirBuilt{mark: next}
		err := backend.SubjectDirectory(ctx, actor, scope, since, func(b []model.Subject) error {
			polled.changed += dir.Put(directoryRecords(b))
			return nil
		}, nil)
		if err != nil {
			return polled, err
		}
		counts, err := backend.OpenRequestCounts(ctx, actor, scope)
		if err == nil {
			dir.SetOpen(counts)
		}
		return polled, err
	})
}
