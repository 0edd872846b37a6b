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

// The Operators pane, for admins: every operator with role, state, tenant
// scope, OS user and keys; add one (pasting a public key), disable or
// enable, change the role, the scope, or add a key. Each change is a form
// with a confirmation (Cancel focused) and goes through the same
// controller call as `custodian operators` (PutOperator), which checks the
// admin permission and the key and puts the change on the audit chain.

type operatorsPane struct {
	ctx *Context
	loadedList[model.Operator]
	// formSeq numbers the forms this pane opens, below zero so they never
	// meet the shell's own view numbers.
	formSeq       int
	width, height int
}

func newOperatorsPane(ctx *Context) *operatorsPane {
	return &operatorsPane{ctx: ctx,
		loadedList: newLoadedList(ctx, "operators", func(x model.Operator) string { return x.Handle },
			func(ctx context.Context, b Backend, actor model.Actor) ([]model.Operator, error) {
				return b.Operators(ctx, actor)
			})}
}

func (p *operatorsPane) Title() string        { return "Operators" }
func (p *operatorsPane) Init() tea.Cmd        { return nil }
func (p *operatorsPane) Capturing() bool      { return false }
func (p *operatorsPane) keyPane() keymap.Pane { return keymap.PaneOperators }
func (p *operatorsPane) HelpGroups() []string { return []string{keymap.GroupOperators} }
func (p *operatorsPane) Close()               { p.loader.cancel() }

func (p *operatorsPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.moveBy(0, len(p.items), p.listRows())
}

func (p *operatorsPane) KeyHelp() []key.Binding {
	return p.ctx.Keys.ShortHelp(keymap.OperatorAdd, keymap.OperatorToggle, keymap.OperatorRole, keymap.OperatorScope, keymap.OperatorKey)
}

func (p *operatorsPane) listRows() int { return max(1, p.height-3) }

// Activate loads the list the first time the tab is shown.
func (p *operatorsPane) Activate() tea.Cmd {
	return p.activate(p.ctx)
}

// operatorSavedMsg says an operator change was saved: the list re-reads.
type operatorSavedMsg struct{}

func (p *operatorsPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if cmd, ok := p.update(p.ctx, msg, p.listRows()); ok {
		return p, cmd
	}
	switch msg := msg.(type) {
	case tenantsReadyMsg, operatorSavedMsg:
		return p, p.reloadIfShown(p.ctx)
	case tea.KeyPressMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func (p *operatorsPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	if p.navigate(k, msg, len(p.items), p.listRows()) {
		return nil
	}
	var build func(seq int) Pane
	op, ok := p.selected()
	switch {
	case k.Matches(msg, keymap.OperatorAdd):
		build = func(seq int) Pane { return newOperatorForm(p.ctx, seq, operatorAdd, model.Operator{}) }
	case !ok:
		return nil
	case k.Matches(msg, keymap.OperatorToggle):
		build = func(seq int) Pane { return newOperatorForm(p.ctx, seq, operatorToggle, op) }
	case k.Matches(msg, keymap.OperatorRole):
		build = func(seq int) Pane { return newOperatorForm(p.ctx, seq, operatorRole, op) }
	case k.Matches(msg, keymap.OperatorScope):
		build = func(seq int) Pane { return newOperatorForm(p.ctx, seq, operatorScope, op) }
	case k.Matches(msg, keymap.OperatorKey):
		build = func(seq int) Pane { return newOperatorForm(p.ctx, seq, operatorKey, op) }
	default:
		return nil
	}
	// Not ctx.ReadOnly: that says the role changes no request, which an
	// admin's never does; a read-only session is the actor's own flag.
	if !p.ctx.Actor.Can(model.PermManageOperators) {
		return p.ctx.Error(p.ctx.Actor.Refusal(model.PermManageOperators, "manage operators"))
	}
	p.formSeq--
	form := build(p.formSeq)
	return func() tea.Msg { return pushPaneMsg{pane: form} }
}

func (p *operatorsPane) View() string {
	th := p.ctx.Theme
	head := th.Section.Render(fmt.Sprintf("Operators (%d)", len(p.items)))
	switch {
	case p.loading && !p.loaded:
		head += "  " + p.spin.View() + " loading…"
	case p.err != "":
		head += "  " + th.Error.Render(p.err)
	}
	rows := [][]string{{"HANDLE", "ROLE", "STATE", "TENANTS", "OS USER", "KEYS", "NAME"}}
	for _, op := range p.items {
		rows = append(rows, operatorRow(op))
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
		switch {
		case i == p.cursor:
			line = th.Selected.Render(line)
		case p.items[i].Disabled:
			line = th.Dim.Render(line)
		}
		lines = append(lines, line)
	}
	return fitLines(strings.Join(lines, "\n"), p.width, p.height)
}

// operatorRow is one operator as the list shows it, every stored text cleaned.
func operatorRow(op model.Operator) []string {
	state := "enabled"
	if op.Disabled {
		state = "disabled"
	}
	tenants := "all"
	if len(op.Tenants) > 0 {
		tenants = strings.Join(op.Tenants, ",")
	}
	osUser := "—"
	if op.OSUser != "" {
		osUser = op.OSUser
	}
	return []string{model.CleanLine(op.Handle), model.CleanLine(string(op.Role)), state, model.CleanLine(tenants),
		model.CleanLine(osUser), strconv.Itoa(len(op.Keys)), model.CleanLine(op.Name)}
}
