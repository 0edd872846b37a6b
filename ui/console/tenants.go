package console

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// The Tenants pane, for admins: every Customer in scope with its state,
// zone, approvers, holds and next holiday; enter shows every field and the
// computed holidays of this year and next; n adds a Customer and e edits
// one. A save goes through the same controller calls as `custodian
// tenants add|edit` (AddTenant, EditTenant), which validate with
// model.Tenant.Validate, check the version read and put the change on the
// audit chain; the form shows the diff first and asks, Cancel focused.

type tenantsPane struct {
	ctx *Context
	loadedList[model.Tenant]
	// detail shows the selected tenant's every field instead of the list;
	// top is the detail's first shown line.
	detail bool
	top    int
	// formSeq numbers the forms this pane opens, below zero so they never
	// meet the shell's own view numbers.
	formSeq       int
	width, height int
}

func newTenantsPane(ctx *Context) *tenantsPane {
	return &tenantsPane{ctx: ctx,
		loadedList: newLoadedList(ctx, "tenants", func(x model.Tenant) string { return x.ID },
			func(ctx context.Context, b Backend, actor model.Actor) ([]model.Tenant, error) {
				return b.Tenants(ctx, actor)
			})}
}

func (p *tenantsPane) Title() string        { return "Tenants" }
func (p *tenantsPane) Init() tea.Cmd        { return nil }
func (p *tenantsPane) Capturing() bool      { return false }
func (p *tenantsPane) keyPane() keymap.Pane { return keymap.PaneTenants }
func (p *tenantsPane) HelpGroups() []string { return []string{keymap.GroupTenants} }
func (p *tenantsPane) Close()               { p.loader.cancel() }

func (p *tenantsPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.moveBy(0, len(p.items), p.listRows())
}

func (p *tenantsPane) KeyHelp() []key.Binding {
	if p.detail {
		return p.ctx.Keys.ShortHelp(keymap.Back, keymap.TenantEdit)
	}
	return p.ctx.Keys.ShortHelp(keymap.Open, keymap.TenantAdd, keymap.TenantEdit)
}

func (p *tenantsPane) listRows() int { return max(1, p.height-3) }

// Activate loads the list the first time the tab is shown.
func (p *tenantsPane) Activate() tea.Cmd {
	return p.activate(p.ctx)
}

// tenantSavedMsg says a tenant was added or edited: the shell re-reads the
// tenants, and this list with them.
type tenantSavedMsg struct{}

func (p *tenantsPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if cmd, ok := p.update(p.ctx, msg, p.listRows()); ok {
		return p, cmd
	}
	switch msg := msg.(type) {
	case tenantsReadyMsg:
		return p, p.reloadIfShown(p.ctx)
	case tea.KeyPressMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func (p *tenantsPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	if p.detail {
		if k.Matches(msg, keymap.Back) {
			p.detail = false
			return nil
		}
		if d, ok := navStep(k, msg, len(p.detailLines()), p.height); ok {
			p.top = max(0, min(p.top+d, len(p.detailLines())-p.height+1))
			return nil
		}
	} else if p.navigate(k, msg, len(p.items), p.listRows()) {
		return nil
	}
	t, ok := p.selected()
	var build func(seq int) Pane
	switch {
	case k.Matches(msg, keymap.TenantAdd):
		build = func(seq int) Pane { return newTenantForm(p.ctx, seq, true, model.Tenant{}) }
	case !ok:
		return nil
	case k.Matches(msg, keymap.Open) && !p.detail:
		p.detail, p.top = true, 0
		return nil
	case k.Matches(msg, keymap.TenantEdit):
		build = func(seq int) Pane { return newTenantForm(p.ctx, seq, false, t) }
	default:
		return nil
	}
	// The controller refuses anyway; saying so here spares filling a form.
	if !p.ctx.Actor.Can(model.PermManageTenants) {
		return p.ctx.Error(p.ctx.Actor.Refusal(model.PermManageTenants, "manage tenants"))
	}
	p.formSeq--
	form := build(p.formSeq)
	return func() tea.Msg { return pushPaneMsg{pane: form} }
}

func (p *tenantsPane) View() string {
	if p.detail {
		if t, ok := p.selected(); ok {
			return p.detailView(t)
		}
	}
	th := p.ctx.Theme
	head := th.Section.Render(fmt.Sprintf("Tenants (%d)", len(p.items)))
	switch {
	case p.loading && !p.loaded:
		head += "  " + p.spin.View() + " loading…"
	case p.err != "":
		head += "  " + th.Error.Render(p.err)
	}
	// The name last, as in the operators list: it is the longest, and a
	// narrow terminal cuts it rather than the figures.
	rows := [][]string{{"ID", "STATE", "TIME ZONE", "APPROVERS", "HOLDS", "NEXT HOLIDAY", "NAME"}}
	for _, t := range p.items {
		rows = append(rows, p.tenantRow(t))
	}
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], textWidth(c))
		}
	}
	render := func(r []string) string {
		parts := make([]string, len(r))
		for i, c := range r {
			parts[i] = padRight(c, widths[i])
		}
		return strings.TrimRight(strings.Join(parts, "  "), " ")
	}
	lines := []string{head, th.ColHeader.Render(padRight(render(rows[0]), p.width))}
	end := min(len(p.items), p.offset+p.listRows())
	for i := p.offset; i < end; i++ {
		line := padRight(render(rows[i+1]), p.width)
		if i == p.cursor {
			line = th.Selected.Render(line)
		}
		lines = append(lines, line)
	}
	return fitLines(strings.Join(lines, "\n"), p.width, p.height)
}

// tenantRow is one tenant as the list shows it, every stored text cleaned.
func (p *tenantsPane) tenantRow(t model.Tenant) []string {
	state := t.State
	if state == "" {
		state = "—"
	}
	next := "—"
	if h, ok := nextHoliday(t, p.ctx.Clock); ok {
		next = h.Date + " " + h.Name
	}
	return []string{model.CleanLine(t.ID), model.CleanLine(state), model.CleanLine(t.TimeZone),
		strconv.Itoa(len(t.Approvers)), strconv.Itoa(len(t.Holds)), model.CleanLine(next), model.CleanLine(t.Name)}
}

// nextHoliday is the tenant's first holiday from today (its local date)
// on, looking into next year's calendar near the year's end.
func nextHoliday(t model.Tenant, clock model.Clock) (model.Holiday, bool) {
	now := clock.Now().In(t.Location())
	today := now.Format("2006-01-02")
	for _, y := range []int{now.Year(), now.Year() + 1} {
		for _, h := range t.Calendar().Holidays(y) {
			if h.Date >= today {
				return h, true
			}
		}
	}
	return model.Holiday{}, false
}
