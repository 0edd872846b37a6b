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
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// The Customer approvals pane: every verified request waiting on its
// data-owning Customer, oldest wait first (or grouped by tenant), with the
// tenant's approver contacts, how long it has waited, its deadline and the
// reminders sent. Privacy leads record decisions here, one at a time or in
// bulk over marked rows.

// approvalRow is one waiting request with what the pane derives from it.
type approvalRow struct {
	req    model.Request
	tenant model.Tenant
	since  time.Time // entered awaiting_approval
	due    time.Time
}

type approvalsPane struct {
	ctx *Context
	listWindow

	rows  []approvalRow
	idW   int // the widest id listed, measured once a frame (approvalsview.go)
	marks map[string]bool
	byTen bool
	// stale: a live change arrived during a load; load again after it.
	stale   bool
	loading bool
	loaded  bool
	err     string
	loader  call[[]approvalRow]
	spin    spinner.Model
	width   int
	height  int
}

func newApprovalsPane(ctx *Context) *approvalsPane {
	return &approvalsPane{ctx: ctx, marks: map[string]bool{}, loading: true,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Theme.Spinner))}
}

func (p *approvalsPane) Title() string { return "Approvals" }

func (p *approvalsPane) Init() tea.Cmd { return nil }

func (p *approvalsPane) Capturing() bool { return false }

func (p *approvalsPane) keyPane() keymap.Pane { return keymap.PaneApprovals }

func (p *approvalsPane) hintedRequest() (model.Request, bool) {
	if r, ok := p.selected(); ok {
		return r.req, true
	}
	return model.Request{}, false
}

func (p *approvalsPane) HelpGroups() []string {
	return []string{keymap.GroupApprovals, keymap.GroupRequest}
}

func (p *approvalsPane) KeyHelp() []key.Binding {
	k := p.ctx.Keys
	out := k.ShortHelp(keymap.Open, keymap.Mark)
	if r, ok := p.selected(); ok {
		out = append(out, actionHints(p.ctx, r.req)...)
	}
	return append(out, k.ShortHelp(keymap.GroupByTenant)...)
}

func (p *approvalsPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.ensureVisible()
}

// Close abandons a load in flight.
func (p *approvalsPane) Close() { p.loader.cancel() }

func (p *approvalsPane) reload() tea.Cmd {
	c := p.ctx
	p.loading, p.err = true, ""
	scope, tenants := c.Scope, c.tenants
	load := p.loader.start(c, func(ctx context.Context, backend Backend, actor model.Actor) ([]approvalRow, error) {
		reqs, err := backend.Approvals(ctx, actor, scope)
		if err != nil {
			return nil, err
		}
		rows := make([]approvalRow, 0, len(reqs))
		for _, r := range reqs {
			rows = append(rows, newApprovalRow(r, tenants))
		}
		return rows, nil
	})
	return tea.Batch(load, p.spin.Tick)
}

func newApprovalRow(r model.Request, tenants map[string]model.Tenant) approvalRow {
	t, ok := tenants[r.TenantID]
	if !ok {
		t = model.Tenant{ID: r.TenantID, Name: r.TenantID}
	}
	since, ok := r.AwaitingSince()
	if !ok {
		since = r.UpdatedAt
	}
	return approvalRow{req: r, tenant: t, since: since, due: model.ComputeDeadlines(r, t).Next}
}

func (p *approvalsPane) sortRows() {
	slices.SortStableFunc(p.rows, func(a, b approvalRow) int {
		if p.byTen {
			if c := strings.Compare(a.tenant.Name, b.tenant.Name); c != 0 {
				return c
			}
		}
		return cmp.Or(a.since.Compare(b.since), strings.Compare(a.req.ID, b.req.ID))
	})
}

func (p *approvalsPane) selected() (*approvalRow, bool) {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return nil, false
	}
	return &p.rows[p.cursor], true
}

func (p *approvalsPane) reselect(id string) {
	i := slices.IndexFunc(p.rows, func(r approvalRow) bool { return r.req.ID == id })
	p.selectRow(i, len(p.rows), p.listRows())
}

func (p *approvalsPane) listRows() int { return max(1, p.height-2-approvalsInfoLines) }

// approvalsInfoLines is the panel under the list about the selected row.
const approvalsInfoLines = 5 // rule, request, approvers, verification, reminders

func (p *approvalsPane) ensureVisible() {
	p.moveBy(0, len(p.rows), p.listRows())
}

func (p *approvalsPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if rows, err, ok := p.loader.accept(msg); ok {
		p.loading = false
		if err != nil {
			p.err = "could not load the approvals"
			return p, p.ctx.Error(fmt.Sprintf("approvals: %s — press %s to retry", errText(err), p.ctx.keyFor(keymap.Refresh)))
		}
		id := ""
		if r, ok := p.selected(); ok {
			id = r.req.ID
		}
		p.rows, p.loaded = rows, true
		p.sortRows()
		for m := range p.marks {
			if !slices.ContainsFunc(p.rows, func(r approvalRow) bool { return r.req.ID == m }) {
				delete(p.marks, m)
			}
		}
		p.reselect(id)
		if p.stale {
			p.stale = false
			return p, p.reload()
		}
		return p, nil
	}
	switch msg := msg.(type) {
	case tenantsReadyMsg:
		return p, p.reload()
	case tenantsFailedMsg:
		p.loading = false
		p.err = "could not load tenants"
	case themeMsg:
		p.spin.Style = p.ctx.Theme.Spinner
	case requestChangedMsg:
		p.applyChange(msg.req)
	case liveChangedMsg:
		switch {
		case p.loading && p.loader.busy():
			p.stale = true // load again once this load is in
		case p.loaded:
			return p, p.reload() // the selection stays on its request
		}
	case spinner.TickMsg:
		return p, spinWhile(p.loading, &p.spin, msg)
	case tea.KeyPressMsg:
		return p, p.key(msg)
	}
	return p, nil
}

// applyChange refreshes the row of a request this console just wrote: it
// stays (updated) while it still waits on the Customer, else it leaves.
func (p *approvalsPane) applyChange(r model.Request) {
	if !p.loaded || (p.ctx.Scope != "" && r.TenantID != p.ctx.Scope) {
		return
	}
	id := ""
	if s, ok := p.selected(); ok {
		id = s.req.ID
	}
	i := slices.IndexFunc(p.rows, func(x approvalRow) bool { return x.req.ID == r.ID })
	switch {
	case r.Status != model.StatusAwaitingApproval:
		if i < 0 {
			return
		}
		p.rows = slices.Delete(p.rows, i, i+1)
		delete(p.marks, r.ID)
	case len(r.History) == 0:
		return // a list row without history cannot say since when it waits
	default:
		row := newApprovalRow(r, p.ctx.tenants)
		if i >= 0 {
			p.rows[i] = row
		} else {
			p.rows = append(p.rows, row)
		}
	}
	p.sortRows()
	p.reselect(id)
}

func (p *approvalsPane) move(d int) {
	p.moveBy(d, len(p.rows), p.listRows())
}

func (p *approvalsPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	if p.navigate(k, msg, len(p.rows), p.listRows()) {
		return nil
	}
	switch {
	case k.Matches(msg, keymap.Open):
		if r, ok := p.selected(); ok {
			id := r.req.ID
			return func() tea.Msg { return openRequestMsg{id: id} }
		}
	case k.Matches(msg, keymap.Mark):
		if r, ok := p.selected(); ok {
			if p.marks[r.req.ID] {
				delete(p.marks, r.req.ID)
			} else {
				p.marks[r.req.ID] = true
			}
			p.move(1)
		}
	case k.Matches(msg, keymap.GroupByTenant):
		id := ""
		if r, ok := p.selected(); ok {
			id = r.req.ID
		}
		p.byTen = !p.byTen
		p.sortRows()
		p.reselect(id)
		if p.byTen {
			return p.ctx.Info("grouped by tenant, oldest wait first in each")
		}
		return p.ctx.Info("oldest wait first")
	case k.Matches(msg, keymap.Back):
		if len(p.marks) > 0 {
			p.marks = map[string]bool{}
			return p.ctx.Info("marks cleared")
		}
	case k.Matches(msg, keymap.Approve) && len(p.marks) > 0:
		return p.bulkApprove()
	case k.Matches(msg, keymap.NewRequest):
		return openActionCmd(keymap.NewRequest, "", nil)
	default:
		if ka, ok := requestActionKey(k, msg); ok {
			if r, ok := p.selected(); ok {
				req := r.req
				return openActionCmd(ka, req.ID, &req)
			}
		}
		// Letters — the approval request and its reminders from here.
		if composeKey(k, msg) {
			if r, ok := p.selected(); ok {
				return openLetterCmd(r.req.ID, nil, "", nil)
			}
		}
	}
	return nil
}

// marked returns the marked rows in list order, as read.
func (p *approvalsPane) marked() []approvalRow {
	var out []approvalRow
	for _, r := range p.rows {
		if p.marks[r.req.ID] {
			out = append(out, r)
		}
	}
	return out
}

// bulkApprove opens one approval form for every marked request. A
// Customer's decision covers its own requests only, so the marks must all
// belong to one tenant.
func (p *approvalsPane) bulkApprove() tea.Cmd {
	c := p.ctx
	if !c.Actor.Can(model.PermDecide) {
		return c.Error(c.Actor.Refusal(model.PermDecide, "approve"))
	}
	rows := p.marked()
	tenants := map[string]bool{}
	for _, r := range rows {
		tenants[r.req.TenantID] = true
	}
	if len(tenants) > 1 {
		return c.Error(fmt.Sprintf("the %d marked requests belong to %d tenants: a Customer decides on its own requests — mark one tenant's (%s groups them)",
			len(rows), len(tenants), c.keyFor(keymap.GroupByTenant)))
	}
	reqs := make([]model.Request, len(rows))
	for i, r := range rows {
		reqs[i] = r.req
	}
	t := rows[0].tenant
	return func() tea.Msg { return bulkOpenMsg{reqs: reqs, tenant: t} }
}
