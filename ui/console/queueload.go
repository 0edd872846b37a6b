package console

// How the queue pane reads its rows: keyset pages up to the cap, counted
// for the header as they arrive.

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// queuePage is one keyset page, already turned into rows.
type queuePage struct {
	rows     []row
	lastDue  time.Time
	lastID   string
	received int
}

// queueLoad is everything a page fetch needs besides the backend, copied
// out of the pane so the Cmd goroutine shares nothing mutable with Update.
type queueLoad struct {
	clock model.Clock
	// tenants are copies the rows point to, one per tenant, read only.
	tenants map[string]*model.Tenant
	filter  model.QueueFilter
}

// fetch reads the page l.filter describes.
func (l queueLoad) fetch(ctx context.Context, backend Backend, actor model.Actor) (queuePage, error) {
	reqs, err := backend.Queue(ctx, actor, l.filter)
	if err != nil {
		return queuePage{}, err
	}
	var ids []string
	seen := map[string]bool{}
	for _, r := range reqs {
		// Requests carry their subject's masked label; only rows written
		// before labels existed need the (slow, scanning) subject read.
		if r.SubjectLabel == "" && r.SubjectID != "" && !seen[r.SubjectID] {
			seen[r.SubjectID] = true
			ids = append(ids, r.SubjectID)
		}
	}
	var subjects map[string]model.Subject
	if len(ids) > 0 {
		if subjects, err = backend.Subjects(ctx, actor, ids); err != nil {
			return queuePage{}, err
		}
	}
	now := l.clock.Now()
	rows := make([]row, 0, len(reqs))
	for _, r := range reqs {
		t, ok := l.tenants[r.TenantID]
		if !ok {
			// A dangling tenant id: UTC and no holidays, as Context.Tenant.
			t = &model.Tenant{ID: r.TenantID, Name: r.TenantID}
		}
		var subj *model.Subject
		if s, ok := subjects[r.SubjectID]; ok {
			subj = &s
		}
		rows = append(rows, newRow(r, t, subj, now))
	}
	page := queuePage{rows: rows, received: len(reqs)}
	if n := len(reqs); n > 0 {
		page.lastDue, page.lastID = reqs[n-1].DueAt, reqs[n-1].ID
	}
	return page, nil
}

// reload starts loading the queue from the first page. With keep the
// current selection is restored by id once the new rows are in.
func (p *queuePane) reload(keep bool) tea.Cmd {
	p.keepID = ""
	if keep {
		p.keepID, _ = p.selectedID()
	}
	c := p.ctx
	tenants := make(map[string]*model.Tenant, len(c.tenants))
	for id, t := range c.tenants {
		tenants[id] = &t
	}
	p.pending = nil
	p.err = ""
	p.loading = true
	p.load = queueLoad{clock: c.Clock, tenants: tenants, filter: model.QueueFilter{TenantID: c.Scope, Statuses: p.statuses}}
	return tea.Batch(p.nextPage(), p.spin.Tick)
}

// nextPage asks for one more row than the cap allows on the last page, so
// the footer can say for certain whether more requests exist.
func (p *queuePane) nextPage() tea.Cmd {
	remaining := p.ctx.QueueCap - len(p.pending)
	p.load.filter.Limit = min(p.ctx.PageSize, remaining+1)
	// Each page is a call of its own (with its own timeout); a new load or
	// esc cancels the page in flight, and with it the rest of the load.
	return p.pages.start(p.ctx, p.load.fetch)
}

// page takes one page in: it asks for the next while pages are full and
// the cap allows, else it shows the rows.
func (p *queuePane) page(msg queuePage, err error) tea.Cmd {
	if err != nil {
		p.stopLoading()
		p.err = "could not load the queue"
		return p.ctx.Error(fmt.Sprintf("queue: %s — press %s to retry", errText(err), p.ctx.keyFor(keymap.Refresh)))
	}
	remaining := p.ctx.QueueCap - len(p.pending)
	limit := p.load.filter.Limit
	rows := msg.rows
	more := false
	if len(rows) > remaining {
		rows, more = rows[:remaining], true
	}
	p.pending = append(p.pending, rows...)
	if !more && msg.received == limit {
		// A full page: there may be more. Once the cap is reached the next
		// page asks for a single row, which only answers "are there more?".
		p.load.filter.AfterDue, p.load.filter.AfterID = msg.lastDue, msg.lastID
		return p.nextPage()
	}
	p.finish(more)
	if p.stale {
		p.stale = false
		return p.reload(true)
	}
	return nil
}

func (p *queuePane) finish(more bool) {
	p.stopLoading()
	p.loaded = true
	p.rows, p.pending, p.more = p.pending, nil, more
	p.order = nil
	p.fitFailureColumn()
	id := p.keepID
	p.sortRows()
	p.refilter()
	p.reselect(id)
	p.recount(p.ctx.Clock.Now())
}

// recount recounts the header's due-date counts at now. Rows were judged
// when their page was fetched; only those whose urgency may have changed
// since are judged again.
func (p *queuePane) recount(now time.Time) {
	p.asOf = now
	p.counts = dueCounts{}
	p.countsUntil = time.Time{}
	for i := range p.rows {
		r := &p.rows[i]
		if !r.urgUntil.IsZero() && !now.Before(r.urgUntil) {
			r.judge(now)
		}
		switch r.urg {
		case overdue:
			p.counts.overdue++
		case dueSoon:
			p.counts.week++
		}
		if u := r.urgUntil; !u.IsZero() && (p.countsUntil.IsZero() || u.Before(p.countsUntil)) {
			p.countsUntil = u
		}
	}
}

// now is the instant the queue's urgency (header counts and row colours) is
// judged at. It moves only when the minute changes: every urgency change
// falls on a minute boundary (midnight, or the end of a due day), and one
// instant for a whole frame keeps the header and the rows in agreement.
func (p *queuePane) now() time.Time {
	now := p.ctx.Clock.Now()
	if now.Truncate(time.Minute).Equal(p.asOf.Truncate(time.Minute)) {
		return p.asOf
	}
	if p.loaded && !p.countsUntil.IsZero() && !now.Before(p.countsUntil) {
		p.recount(now)
	} else {
		p.asOf = now
	}
	return p.asOf
}

// DueCounts is what the header shows: counted once per load, and again only
// when a row's urgency has changed, never per frame.
func (p *queuePane) DueCounts() (dueCounts, bool) {
	// Browsed closed requests are not work due: the header counts only
	// the open queue.
	if !p.loaded || p.statuses != nil {
		return dueCounts{}, false
	}
	p.now()
	return p.counts, true
}

func (p *queuePane) stopLoading() {
	p.loading = false
	p.pages.cancel()
}

// setRows replaces the rows directly; tests and benchmarks use it to skip
// the backend.
func (p *queuePane) setRows(rows []row) {
	p.pending = rows
	p.finish(false)
}
