package console

import (
	"cmp"
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

// queuePane is the request queue: every open request in scope, most urgent
// first, virtualised so only the rows on screen are ever drawn.
type queuePane struct {
	ctx *Context

	cols   []column
	widths []int
	idW    int // the widest id loaded: the id column is never narrower
	width  int
	height int

	rows  []row   // in load order
	order []int32 // indices into rows, in sort order
	vis   []int32 // the indices in order that pass the filter
	// listWindow's cursor and offset index vis.
	listWindow

	sort sortKey
	desc bool

	input textinput.Model
	query string // lower-cased filter in effect
	// filter is query parsed; filterErr says why it could not be, and
	// while it is set no row shows.
	filter    model.QueueQuery
	filterErr string

	spin    spinner.Model
	loading bool
	loaded  bool
	pages   call[queuePage]
	load    queueLoad
	pending []row
	keepID  string
	more    bool
	err     string
	paints  rowPaints
	// stale: a live change arrived during a load; load again after it.
	stale bool

	// counts are the header's due-date counts at asOf, valid until
	// countsUntil (zero: for good). asOf is also the instant the rows'
	// countdowns are drawn at, so the counts and the colours agree.
	counts      dueCounts
	asOf        time.Time
	countsUntil time.Time
	// statuses are the statuses browsed with :requests (nil: the open
	// queue); browseLabel names them in the footer (requestsbrowse.go).
	statuses    []model.Status
	browseLabel string
}

func newQueuePane(ctx *Context) *queuePane {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "filter: " + model.QueueFilterHelp
	in.SetVirtualCursor(false)
	p := &queuePane{
		ctx:     ctx,
		cols:    slices.DeleteFunc(queueColumns(), func(c column) bool { return c.key == colFailure }),
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
	p.widths = layoutColumns(fitIDColumn(p.cols, p.idW), w)
	p.input.SetWidth(max(1, w-2-len(p.input.Prompt)))
	p.ensureVisible()
}

// pageRows is how many rows fit between the column header and the footer.
func (p *queuePane) pageRows() int { return max(1, p.height-2) }

func (p *queuePane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if page, err, ok := p.pages.accept(msg); ok {
		return p, p.page(page, err)
	}
	switch msg := msg.(type) {
	case themeMsg:
		p.applyTheme()
	case tenantsReadyMsg:
		return p, p.reload(msg.keep)
	case tenantsFailedMsg:
		p.stopLoading()
		p.err = "could not load tenants"
	case requestChangedMsg:
		p.applyChange(msg.req)
	case liveChangedMsg:
		// Changed elsewhere: read the queue again, the cursor staying on
		// its request. A load under way finishes first and is followed by
		// one more: restarting it at every poll could starve a slow load.
		switch {
		case p.loading && p.pages.busy():
			p.stale = true
		case p.loaded:
			return p, p.reload(true)
		}
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
	if p.navigate(k, msg, len(p.vis), p.pageRows()) {
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
		case p.loading && p.pages.busy():
			p.stopLoading()
			return p.ctx.Info("load cancelled — " + p.ctx.keyFor(keymap.Refresh) + " loads again")
		case p.statuses != nil:
			return p.browse("")
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
	case !p.shows(r.Status) && i >= 0:
		p.rows = slices.Delete(p.rows, i, i+1)
	case p.shows(r.Status):
		t, _ := p.ctx.Tenant(r.TenantID)
		nr := newRow(r, &t, nil, p.ctx.Clock.Now())
		if i >= 0 {
			p.rows[i] = nr
		} else {
			p.rows = append(p.rows, nr)
		}
	default:
		return
	}
	p.order = nil
	p.fitFailureColumn()
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
	p.moveBy(delta, len(p.vis), p.pageRows())
}

func (p *queuePane) ensureVisible() {
	p.moveBy(0, len(p.vis), p.pageRows())
}

func (p *queuePane) selectedID() (string, bool) {
	if p.cursor < 0 || p.cursor >= len(p.vis) {
		return "", false
	}
	return p.rows[p.vis[p.cursor]].key, true
}

// reselect moves the cursor back onto id after the rows changed under it.
// Rows that arrived above the selection show up where new urgent work
// belongs, at the top, and the selection moves down with its row.
func (p *queuePane) reselect(id string) {
	i := -1
	if id != "" {
		i = slices.IndexFunc(p.vis, func(ri int32) bool { return p.rows[ri].key == id })
	}
	p.selectRow(i, len(p.vis), p.pageRows())
}

func (p *queuePane) setQuery(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == p.query {
		return
	}
	id, _ := p.selectedID()
	prev, prevFilter, prevErr := p.query, p.filter, p.filterErr
	p.query = q
	f, err := model.ParseQueueQuery(q, p.ctx.Actor.Operator.Handle)
	p.filter, p.filterErr = f, ""
	if err != nil {
		p.filter, p.filterErr = model.QueueQuery{}, err.Error()
	}
	if prev != "" && prevErr == "" && p.filterErr == "" && prevFilter.WordsOnly() && f.WordsOnly() && strings.Contains(q, prev) {
		// A longer query of words only ever removes rows, so search what
		// is left rather than every row: typing stays fast on a large queue.
		p.vis = p.filterFrom(p.vis)
	} else {
		p.refilter()
	}
	p.reselect(id)
}

func (p *queuePane) filterFrom(from []int32) []int32 {
	out := make([]int32, 0, len(from))
	if p.filterErr != "" {
		return out
	}
	now := p.now()
	for _, i := range from {
		if p.rows[i].passes(&p.filter, now) {
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
	// Failed rows come first among the due order: they need action now.
	byDue := func(a, b *row) int {
		return cmp.Or(model.CompareFailedFirst(a.status, b.status), a.due.Compare(b.due), strings.Compare(a.id, b.id))
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
	p.fitIDs()
}

// fitIDs measures the widest id (widths were measured when each row was
// made) and lays the columns out again when it changed; sorting has just
// visited every row anyway.
func (p *queuePane) fitIDs() {
	w := 0
	for i := range p.rows {
		w = max(w, int(p.rows[i].cw[colID]))
	}
	if w != p.idW {
		p.idW = w
		p.widths = layoutColumns(fitIDColumn(p.cols, w), p.width)
	}
}

// Close abandons a load in flight when the console quits.
func (p *queuePane) Close() { p.stopLoading() }

func (p *queuePane) keyPane() keymap.Pane { return keymap.PaneQueue }
