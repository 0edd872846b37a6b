package console

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// sortKey is a queue ordering the operator can cycle through with s.
type sortKey int

const (
	sortDue sortKey = iota
	sortReceived
	sortStatus
	sortTenant
	sortType
	sortID
	numSorts
)

func (k sortKey) String() string {
	return [...]string{"due", "received", "status", "tenant", "type", "id"}[k]
}

func (k sortKey) column() colKey {
	return [...]colKey{colDue, colReceived, colStatus, colTenant, colType, colID}[k]
}

// row is one request, reduced to what the queue draws, sorts and filters
// on. Everything in it is already cleaned and masked, so the render path
// cannot forget to.
type row struct {
	// key is the id as stored, for asking the backend; id is its cleaned
	// form for the screen. They differ only for a hostile id.
	key       string
	id        string
	cells     [numCols]string
	due       time.Time
	received  time.Time
	loc       *time.Location
	statusIdx int
	// urg is the row's urgency, judged at some instant before urgUntil;
	// the pane re-judges it once urgUntil has passed (see recount).
	urg      urgencyLevel
	urgUntil time.Time
	// cw are the cells' display widths, measured once: grapheme-aware
	// width is the expensive part of laying out a cell.
	cw [numCols]uint16
	// hay is the lower-cased text the live filter searches.
	hay string
	// rules is what the rule book reads of the request to hint its keys.
	rules *model.Request
}

func (r *row) setCell(k colKey, s string) {
	r.cells[k] = s
	r.cw[k] = uint16(min(textWidth(s), 1<<16-1))
}

// newRow derives the display row of r. It runs inside a tea.Cmd because
// deadlines need the tenant's time zone and loading one reads the zoneinfo
// database (~20µs), which a page of rows must not spend inside Update.
func newRow(r model.Request, t model.Tenant, loc *time.Location, subj *model.Subject, now time.Time) row {
	d := model.ComputeDeadlinesIn(r, t, loc)
	// Masking the stored label again is a no-op for a real label and keeps
	// a tampered one from putting a full name on screen.
	name := r.SubjectLabel
	switch {
	case subj != nil && subj.Name != "":
		name = subj.Name
	case name == "":
		name = r.Requester.Name
	}
	var flags []string
	for _, f := range r.Flags {
		flags = append(flags, model.CleanLine(f.Kind.Short()))
	}
	x := row{
		key:       r.ID,
		id:        model.CleanLine(r.ID),
		due:       d.Next,
		received:  r.ReceivedAt,
		loc:       loc,
		statusIdx: slices.Index(model.Statuses(), r.Status),
	}
	x.rules = rulesView(r)
	x.setCell(colID, x.id)
	x.setCell(colTenant, tenantShort(r.TenantID))
	x.setCell(colType, model.CleanLine(r.Type.Label()))
	x.setCell(colSubject, model.CleanLine(model.Mask(model.KindName, model.CleanLine(name))))
	x.setCell(colStatus, model.CleanLine(r.Status.Label()))
	x.setCell(colReceived, day(r.ReceivedAt, loc))
	x.setCell(colAssignee, orDash(model.CleanLine(r.AssignedTo)))
	x.setCell(colFlags, strings.Join(flags, ","))
	x.judge(now)
	var hay []string
	for _, k := range []colKey{colID, colTenant, colType, colSubject, colStatus, colAssignee, colFlags} {
		hay = append(hay, x.cells[k])
	}
	x.hay = strings.ToLower(strings.Join(hay, "\x00"))
	return x
}

// judge sets the row's urgency at now.
func (r *row) judge(now time.Time) {
	_, r.urg = urgency(now, r.due, r.loc)
	r.urgUntil = urgencyUntil(r.due, r.loc, r.urg)
}

// queuePageMsg is one keyset page, already turned into rows.
type queuePageMsg struct {
	gen      int
	rows     []row
	lastDue  time.Time
	lastID   string
	received int
	err      error
}

// queueLoad is everything a page fetch needs, copied out of the pane so the
// Cmd goroutine shares nothing mutable with Update.
type queueLoad struct {
	ctx     context.Context
	backend Backend
	actor   model.Actor
	clock   model.Clock
	tenants map[string]model.Tenant
	filter  model.QueueFilter
}

func (l queueLoad) fetch(gen int) tea.Cmd {
	return func() tea.Msg {
		reqs, err := l.backend.Queue(l.ctx, l.actor, l.filter)
		if err != nil {
			return queuePageMsg{gen: gen, err: err}
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
			if subjects, err = l.backend.Subjects(l.ctx, l.actor, ids); err != nil {
				return queuePageMsg{gen: gen, err: err}
			}
		}
		now := l.clock.Now()
		locs := map[string]*time.Location{}
		rows := make([]row, 0, len(reqs))
		for _, r := range reqs {
			t, ok := l.tenants[r.TenantID]
			if !ok {
				t = model.Tenant{ID: r.TenantID, Name: r.TenantID}
			}
			loc, ok := locs[t.ID]
			if !ok {
				loc = t.Location()
				locs[t.ID] = loc
			}
			var subj *model.Subject
			if s, ok := subjects[r.SubjectID]; ok {
				subj = &s
			}
			rows = append(rows, newRow(r, t, loc, subj, now))
		}
		msg := queuePageMsg{gen: gen, rows: rows, received: len(reqs)}
		if n := len(reqs); n > 0 {
			msg.lastDue, msg.lastID = reqs[n-1].DueAt, reqs[n-1].ID
		}
		return msg
	}
}

// queuePane is the request queue: every open request in scope, most urgent
// first, virtualised so only the rows on screen are ever drawn.
type queuePane struct {
	ctx *Context

	cols   []column
	widths []int
	width  int
	height int

	rows   []row   // in load order
	order  []int32 // indices into rows, in sort order
	vis    []int32 // the indices in order that pass the filter
	cursor int     // index into vis
	offset int     // first visible index into vis

	sort sortKey
	desc bool

	input textinput.Model
	query string // lower-cased filter in effect

	spin    spinner.Model
	loading bool
	loaded  bool
	gen     int
	cancel  context.CancelFunc
	load    queueLoad
	pending []row
	keepID  string
	more    bool
	err     string
	paints  rowPaints

	// counts are the header's due-date counts at asOf, valid until
	// countsUntil (zero: for good). asOf is also the instant the rows'
	// countdowns are drawn at, so the counts and the colours agree.
	counts      dueCounts
	asOf        time.Time
	countsUntil time.Time
}

func newQueuePane(ctx *Context) *queuePane {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "filter: id, tenant, type, subject, status, assignee, flags"
	in.SetVirtualCursor(false)
	p := &queuePane{
		ctx:     ctx,
		cols:    queueColumns(),
		input:   in,
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		loading: true,
	}
	p.applyTheme()
	return p
}

func (p *queuePane) applyTheme() {
	th := p.ctx.Theme
	p.input.SetStyles(inputStyles(th))
	p.spin.Style = th.Spinner
	p.paints = rowPaints{overdue: paintOf(th.Overdue), soon: paintOf(th.Soon), selected: paintOf(th.Selected)}
}

// rowPaints are the row styles as raw escape pairs: a lipgloss Render per
// cell per frame was most of the cost of drawing the queue.
type rowPaints struct{ overdue, soon, selected paint }

func (p *queuePane) Title() string { return "Queue" }

// Cursor is the filter input's cursor, on the footer line.
func (p *queuePane) Cursor() *tea.Cursor {
	c := p.input.Cursor()
	if c != nil {
		c.Y = p.height - 1
	}
	return c
}

func (p *queuePane) Init() tea.Cmd { return p.spin.Tick }

func (p *queuePane) Capturing() bool { return p.input.Focused() }

func (p *queuePane) HelpGroups() []string {
	return []string{keymap.GroupQueue, keymap.GroupRequest, keymap.GroupFulfil}
}

func (p *queuePane) KeyHelp() []key.Binding {
	if p.input.Focused() {
		back := p.ctx.Keys.Binding(keymap.Back)
		back.SetHelp(back.Help().Key, "clear filter")
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")), back}
	}
	out := p.ctx.Keys.ShortHelp(keymap.Open, keymap.Filter)
	if r, ok := p.selectedRules(); ok {
		out = append(out, actionHints(p.ctx, r)...)
	}
	if !p.ctx.ReadOnly {
		out = append(out, p.ctx.Keys.ShortHelp(keymap.NewRequest)...)
	}
	return append(out, p.ctx.Keys.ShortHelp(keymap.SortNext, keymap.SortReverse)...)
}

func (p *queuePane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.widths = layoutColumns(p.cols, w)
	p.input.SetWidth(max(1, w-2-len(p.input.Prompt)))
	p.ensureVisible()
}

// pageRows is how many rows fit between the column header and the footer.
func (p *queuePane) pageRows() int { return max(1, p.height-2) }

func (p *queuePane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case themeMsg:
		p.applyTheme()
	case tenantsReadyMsg:
		return p, p.reload(msg.keep)
	case tenantsFailedMsg:
		p.stopLoading()
		p.err = "could not load tenants"
	case queuePageMsg:
		return p, p.page(msg)
	case requestChangedMsg:
		p.applyChange(msg.req)
	case spinner.TickMsg:
		return p, spinWhile(p.loading, &p.spin, msg)
	case tea.PasteMsg:
		if p.input.Focused() {
			return p, p.typeInto(msg)
		}
	case tea.KeyPressMsg:
		if p.input.Focused() {
			return p, p.filterKey(msg)
		}
		return p, p.key(msg)
	}
	return p, nil
}

func (p *queuePane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	if d, ok := navStep(k, msg, len(p.vis), p.pageRows()); ok {
		p.move(d)
		return nil
	}
	switch {
	case k.Matches(msg, keymap.Open):
		if id, ok := p.selectedID(); ok {
			return func() tea.Msg { return openRequestMsg{id: id} }
		}
	case k.Matches(msg, keymap.Filter):
		p.input.CursorEnd()
		return p.input.Focus()
	case k.Matches(msg, keymap.ClearFilter):
		p.clearFilter()
	case k.Matches(msg, keymap.SortNext):
		p.setSort((p.sort+1)%numSorts, p.desc)
		return p.ctx.Info(p.sortLabel())
	case k.Matches(msg, keymap.SortReverse):
		p.setSort(p.sort, !p.desc)
		return p.ctx.Info(p.sortLabel())
	case k.Matches(msg, keymap.NewRequest):
		return openActionCmd(keymap.NewRequest, "", nil)
	case k.Matches(msg, keymap.Back):
		switch {
		case p.query != "":
			p.clearFilter()
		case p.loading && p.cancel != nil:
			p.cancel()
			p.stopLoading()
			return p.ctx.Info("load cancelled — " + p.ctx.keyFor(keymap.Refresh) + " loads again")
		}
	default:
		// A request action on the selected row; the shell reads the
		// request and opens its form.
		if ka, ok := requestActionKey(k, msg); ok {
			if id, ok := p.selectedID(); ok {
				return openActionCmd(ka, id, nil)
			}
		}
		// Fulfilment
		if ka, ok := fulfilActionKey(k, msg); ok {
			if id, ok := p.selectedID(); ok {
				return openFulfilCmd(ka, id, nil)
			}
		}
	}
	return nil
}

// applyChange puts a request just written by this console into the list
// in place, keeping the selection: a closed request leaves the queue and
// the cursor stays where it was.
func (p *queuePane) applyChange(r model.Request) {
	if !p.loaded || (p.ctx.Scope != "" && r.TenantID != p.ctx.Scope) {
		return
	}
	id, _ := p.selectedID()
	i := slices.IndexFunc(p.rows, func(x row) bool { return x.key == r.ID })
	switch {
	case !r.Status.Open() && i >= 0:
		p.rows = slices.Delete(p.rows, i, i+1)
	case r.Status.Open():
		t, _ := p.ctx.Tenant(r.TenantID)
		nr := newRow(r, t, t.Location(), nil, p.ctx.Clock.Now())
		if i >= 0 {
			p.rows[i] = nr
		} else {
			p.rows = append(p.rows, nr)
		}
	default:
		return
	}
	p.order = nil
	p.sortRows()
	p.refilter()
	p.reselect(id)
	p.recount(p.ctx.Clock.Now())
}

// rulesView keeps of r what the rule book's preconditions and the
// deadlines read, so a row can hint the keys its request allows without
// holding its notes, requester and records.
func rulesView(r model.Request) *model.Request {
	return &model.Request{ID: r.ID, TenantID: r.TenantID, SubjectID: r.SubjectID, Type: r.Type, Status: r.Status,
		ReceivedAt: r.ReceivedAt, AccessScope: r.AccessScope, LoggedBy: r.LoggedBy, AcknowledgedAt: r.AcknowledgedAt,
		Verification: r.Verification, Decision: r.Decision, Fee: r.Fee, Extension: r.Extension, Flags: r.Flags,
		History: r.History, Plan: r.Plan, RespondedAt: r.RespondedAt, Version: r.Version}
}

func (p *queuePane) hintedRequest() (model.Request, bool) { return p.selectedRules() }

// selectedRules is the selected row's request as the rule book reads it.
func (p *queuePane) selectedRules() (model.Request, bool) {
	if p.cursor < 0 || p.cursor >= len(p.vis) {
		return model.Request{}, false
	}
	if r := p.rows[p.vis[p.cursor]].rules; r != nil {
		return *r, true
	}
	return model.Request{}, false
}

// filterKey handles keys while the filter input has focus: arrows still
// move the selection so the operator can filter and pick without leaving it.
func (p *queuePane) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	if p.ctx.Keys.Matches(msg, keymap.Back) {
		p.input.Blur()
		p.clearFilter()
		return nil
	}
	if d, ok := typingStep(msg, p.pageRows()); ok {
		p.move(d)
		return nil
	}
	if msg.String() == "enter" {
		p.input.Blur()
		return nil
	}
	if p.ctx.Keys.Matches(msg, keymap.ClearFilter) {
		p.clearFilter()
		return nil
	}
	return p.typeInto(msg)
}

func (p *queuePane) clearFilter() {
	p.input.SetValue("")
	p.setQuery("")
}

func (p *queuePane) typeInto(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	keepClean(&p.input)
	p.setQuery(p.input.Value())
	return cmd
}

func (p *queuePane) sortLabel() string {
	dir := "ascending"
	if p.desc {
		dir = "descending"
	}
	return fmt.Sprintf("sorted by %s, %s", p.sort, dir)
}

func (p *queuePane) move(delta int) {
	p.cursor, p.offset = scrollTo(p.cursor+delta, p.offset, len(p.vis), p.pageRows())
}

func (p *queuePane) ensureVisible() {
	p.cursor, p.offset = scrollTo(p.cursor, p.offset, len(p.vis), p.pageRows())
}

func (p *queuePane) selectedID() (string, bool) {
	if p.cursor < 0 || p.cursor >= len(p.vis) {
		return "", false
	}
	return p.rows[p.vis[p.cursor]].key, true
}

// reselect moves the cursor back onto id after the rows changed under it.
// The scroll offset stays put, so rows that arrived above the selection
// show up where new urgent work belongs, at the top, and the selection
// moves down with its row; only if that would push it off screen does the
// view scroll.
func (p *queuePane) reselect(id string) {
	if id != "" {
		for i, ri := range p.vis {
			if p.rows[ri].key == id {
				p.cursor = i
				p.ensureVisible()
				return
			}
		}
	}
	p.cursor = min(max(p.cursor, 0), max(len(p.vis)-1, 0))
	p.ensureVisible()
}

func (p *queuePane) setQuery(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == p.query {
		return
	}
	id, _ := p.selectedID()
	prev := p.query
	p.query = q
	if prev != "" && strings.Contains(q, prev) {
		// A longer query only ever removes rows, so search what is left
		// rather than every row: typing stays fast on a large queue.
		p.vis = p.filterFrom(p.vis)
	} else {
		p.refilter()
	}
	p.reselect(id)
}

func (p *queuePane) filterFrom(from []int32) []int32 {
	out := make([]int32, 0, len(from))
	for _, i := range from {
		if strings.Contains(p.rows[i].hay, p.query) {
			out = append(out, i)
		}
	}
	return out
}

func (p *queuePane) refilter() {
	if p.query == "" {
		p.vis = slices.Clone(p.order)
		return
	}
	p.vis = p.filterFrom(p.order)
}

func (p *queuePane) setSort(k sortKey, desc bool) {
	id, _ := p.selectedID()
	p.sort, p.desc = k, desc
	p.sortRows()
	p.refilter()
	p.reselect(id)
}

// sortRows orders rows by the sort key, then by due date and id so equal
// keys still list the most urgent first and the order never flickers.
func (p *queuePane) sortRows() {
	byDue := func(a, b *row) int {
		return cmp.Or(a.due.Compare(b.due), strings.Compare(a.id, b.id))
	}
	var f func(a, b *row) int
	switch p.sort {
	case sortDue:
		f = byDue
	case sortReceived:
		f = func(a, b *row) int { return cmp.Or(a.received.Compare(b.received), byDue(a, b)) }
	case sortStatus:
		f = func(a, b *row) int { return cmp.Or(cmp.Compare(a.statusIdx, b.statusIdx), byDue(a, b)) }
	case sortTenant:
		f = func(a, b *row) int {
			return cmp.Or(strings.Compare(a.cells[colTenant], b.cells[colTenant]), byDue(a, b))
		}
	case sortType:
		f = func(a, b *row) int { return cmp.Or(strings.Compare(a.cells[colType], b.cells[colType]), byDue(a, b)) }
	case sortID:
		f = func(a, b *row) int { return strings.Compare(a.id, b.id) }
	}
	if p.desc {
		g := f
		f = func(a, b *row) int { return -g(a, b) }
	}
	// Sorting indices, not rows: a row is a few hundred bytes and a sort
	// of a large queue would spend its time copying them.
	if len(p.order) != len(p.rows) {
		p.order = make([]int32, len(p.rows))
		for i := range p.order {
			p.order[i] = int32(i)
		}
	}
	slices.SortStableFunc(p.order, func(a, b int32) int { return f(&p.rows[a], &p.rows[b]) })
}

// reload starts loading the queue from the first page. With keep the
// current selection is restored by id once the new rows are in.
func (p *queuePane) reload(keep bool) tea.Cmd {
	if p.cancel != nil {
		p.cancel()
	}
	p.keepID = ""
	if keep {
		p.keepID, _ = p.selectedID()
	}
	c := p.ctx
	ctx, cancel := context.WithCancel(context.Background())
	tenants := make(map[string]model.Tenant, len(c.tenants))
	for id, t := range c.tenants {
		tenants[id] = t
	}
	p.gen++
	p.cancel = cancel
	p.pending = nil
	p.err = ""
	p.loading = true
	p.load = queueLoad{
		ctx: ctx, backend: c.Backend, actor: c.Actor, clock: c.Clock, tenants: tenants,
		filter: model.QueueFilter{TenantID: c.Scope},
	}
	return tea.Batch(p.nextPage(), p.spin.Tick)
}

// nextPage asks for one more row than the cap allows on the last page, so
// the footer can say for certain whether more requests exist.
func (p *queuePane) nextPage() tea.Cmd {
	remaining := p.ctx.QueueCap - len(p.pending)
	p.load.filter.Limit = min(p.ctx.PageSize, remaining+1)
	l := p.load
	ctx, cancel := context.WithTimeout(l.ctx, p.ctx.Timeout)
	l.ctx = ctx
	fetch := l.fetch(p.gen)
	return func() tea.Msg {
		defer cancel()
		return fetch()
	}
}

func (p *queuePane) page(msg queuePageMsg) tea.Cmd {
	if msg.gen != p.gen || !p.loading {
		return nil
	}
	if msg.err != nil {
		cancelled := p.load.ctx.Err() != nil
		p.stopLoading()
		if cancelled {
			return nil
		}
		p.err = "could not load the queue"
		return p.ctx.Error(fmt.Sprintf("queue: %s — press %s to retry", errText(msg.err), p.ctx.keyFor(keymap.Refresh)))
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
	return nil
}

func (p *queuePane) finish(more bool) {
	p.stopLoading()
	p.loaded = true
	p.rows, p.pending, p.more = p.pending, nil, more
	p.order = nil
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
	if !p.loaded {
		return dueCounts{}, false
	}
	p.now()
	return p.counts, true
}

// Close abandons a load in flight when the console quits.
func (p *queuePane) Close() { p.stopLoading() }

func (p *queuePane) stopLoading() {
	p.loading = false
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

// setRows replaces the rows directly; tests and benchmarks use it to skip
// the backend.
func (p *queuePane) setRows(rows []row) {
	p.pending = rows
	p.finish(false)
}

func (p *queuePane) View() string {
	th := p.ctx.Theme
	var b strings.Builder
	b.Grow((p.width + 16) * (p.height + 1))
	b.WriteString(p.headerLine())
	b.WriteByte('\n')
	n := p.pageRows()
	if len(p.vis) == 0 {
		lines := make([]string, n)
		lines[n/2] = truncate(p.emptyText(), p.width)
		if w := textWidth(lines[n/2]); w < p.width {
			lines[n/2] = strings.Repeat(" ", (p.width-w)/2) + lines[n/2]
		}
		b.WriteString(th.Dim.Render(strings.Join(lines, "\n")))
	} else {
		now := p.now()
		for i := range n {
			if i > 0 {
				b.WriteByte('\n')
			}
			vi := p.offset + i
			if vi < len(p.vis) {
				b.WriteString(p.rowLine(&p.rows[p.vis[vi]], vi == p.cursor, now))
			}
		}
	}
	b.WriteByte('\n')
	b.WriteString(p.footer())
	return b.String()
}

func (p *queuePane) emptyText() string {
	switch {
	case p.loading:
		return p.spin.View() + " loading requests…"
	case p.err != "":
		return p.err + " — press " + p.ctx.keyFor(keymap.Refresh) + " to retry"
	case p.query != "" && len(p.rows) > 0:
		return fmt.Sprintf("no requests match %q — %s clears the filter", p.query, p.ctx.keyFor(keymap.Back))
	case !p.loaded:
		return "not loaded — press " + p.ctx.keyFor(keymap.Refresh)
	}
	return "no open requests in " + p.ctx.ScopeLabel()
}

func (p *queuePane) headerLine() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutter))
	first := true
	for i, c := range p.cols {
		w := p.widths[i]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		title := c.title
		if c.key == p.sort.column() {
			arrow := "▲"
			if p.desc {
				arrow = "▼"
			}
			title += arrow
		}
		b.WriteString(cell(title, w, c.right))
	}
	return p.ctx.Theme.ColHeader.Render(padRight(b.String(), p.width))
}

func (p *queuePane) rowLine(r *row, selected bool, now time.Time) string {
	var b strings.Builder
	b.Grow(p.width + 32)
	blanks(&b, gutter)
	used := gutter
	first := true
	for i, c := range p.cols {
		w := p.widths[i]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
			used++
		}
		first = false
		used += w
		if c.key != colDue {
			writeCell(&b, r.cells[c.key], int(r.cw[c.key]), w, c.right)
			continue
		}
		days, level := urgency(now, r.due, r.loc)
		label := daysLabel(days)
		var pt paint
		switch {
		case selected:
		case level == overdue:
			pt = p.paints.overdue
		case level == dueSoon:
			pt = p.paints.soon
		}
		b.WriteString(pt.pre)
		writeCell(&b, label, len(label), w, c.right)
		b.WriteString(pt.post)
	}
	blanks(&b, p.width-used)
	if selected {
		// Per-cell colours are dropped on the selected row: their resets
		// would punch holes in the highlight.
		return p.paints.selected.pre + b.String() + p.paints.selected.post
	}
	return b.String()
}

func (p *queuePane) footer() string {
	th := p.ctx.Theme
	if p.input.Focused() {
		return p.input.View()
	}
	var left string
	switch {
	case p.loading:
		left = fmt.Sprintf("%s loading… %s", p.spin.View(), thousands(len(p.pending)))
	case len(p.vis) > 0:
		left = fmt.Sprintf("%s/%s", thousands(p.cursor+1), thousands(len(p.vis)))
		if len(p.vis) != len(p.rows) {
			left += fmt.Sprintf(" of %s", thousands(len(p.rows)))
		}
	default:
		left = "0 rows"
	}
	if p.query != "" {
		left += " · filter " + th.Prompt.Render("/"+strings.TrimSpace(p.input.Value()))
	}
	if p.more {
		left += th.Soon.Render(fmt.Sprintf(" · first %s loaded, more exist — narrow with %s", thousands(p.ctx.QueueCap), p.ctx.keyFor(keymap.ScopeTenant)))
	}
	arrow := "▲"
	if p.desc {
		arrow = "▼"
	}
	return spread(" "+left, th.Dim.Render("sort: "+p.sort.String()+" "+arrow+" "), p.width)
}

func (p *queuePane) keyPane() keymap.Pane { return keymap.PaneQueue }
