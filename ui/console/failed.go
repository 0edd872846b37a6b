package console

// The failed requests (:failed), newest failure first, with the step and
// the cause: the list `custodian failed` and `ssh … failed` print, from
// the same rows (ui/present.FailureRows). enter opens the request, where
// its retry key is.

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

type failedPane struct {
	ctx      *Context
	width    int
	height   int
	load     call[[]model.Failure]
	failures []model.Failure
	loaded   bool
	err      string
	listWindow
}

func newFailedPane(ctx *Context) *failedPane { return &failedPane{ctx: ctx} }

func (p *failedPane) Title() string        { return "Failed" }
func (p *failedPane) Capturing() bool      { return false }
func (p *failedPane) HelpGroups() []string { return nil }
func (p *failedPane) keyPane() keymap.Pane { return keymap.PaneFailed }
func (p *failedPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.moveBy(0, len(p.failures), p.rowsShown())
}
func (p *failedPane) Close()        { p.load.cancel() }
func (p *failedPane) Init() tea.Cmd { return p.reload() }
func (p *failedPane) KeyHelp() []key.Binding {
	k := p.ctx.Keys
	return []key.Binding{k.Binding(keymap.Open), k.Binding(keymap.Refresh), k.Binding(keymap.Back)}
}

// rowsShown is the list's height: the pane less its title and header.
func (p *failedPane) rowsShown() int { return max(1, p.height-2) }

func (p *failedPane) reload() tea.Cmd {
	return p.load.start(p.ctx, func(ctx context.Context, b Backend, actor model.Actor) ([]model.Failure, error) {
		return b.Failed(ctx, actor)
	})
}

func (p *failedPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if fs, err, ok := p.load.accept(msg); ok {
		if err != nil {
			p.err = "failed requests: " + p.ctx.errText(err)
			return p, p.ctx.Error(p.err)
		}
		p.failures, p.loaded, p.err = fs, true, ""
		p.moveBy(0, len(fs), p.rowsShown())
		return p, nil
	}
	switch msg := msg.(type) {
	case tenantsReadyMsg:
		return p, p.reload()
	case tea.KeyPressMsg:
		k := p.ctx.Keys
		if k.Matches(msg, keymap.Open) && p.cursor < len(p.failures) {
			id := p.failures[p.cursor].ID
			return p, func() tea.Msg { return openRequestMsg{id: id} }
		}
		p.navigate(k, msg, len(p.failures), p.rowsShown())
	}
	return p, nil
}

// failedWidths are the columns' widths: time, age, id, tenant, step; the
// cause takes what is left.
func (p *failedPane) failedWidths() [5]int {
	return [5]int{16, 7, 20, 14, min(40, max(12, p.width/4))}
}

func (p *failedPane) line(r present.FailureRow) string {
	w := p.failedWidths()
	rest := p.width - gutter - 5
	for _, x := range w {
		rest -= x
	}
	cells := []string{cell(r.FailedAt, w[0], false), cell(r.Age, w[1], true), cell(r.ID, w[2], false),
		cell(r.Tenant, w[3], false), cell(r.Step, w[4], false), cell(r.Reason, max(0, rest), false)}
	return strings.Repeat(" ", gutter) + strings.Join(cells, " ")
}

func (p *failedPane) View() string {
	th := p.ctx.Theme
	var b strings.Builder
	switch {
	case p.err != "":
		b.WriteString(th.Error.Render(p.err) + " — " + p.ctx.keyFor(keymap.Refresh) + " tries again\n")
	case !p.loaded:
		b.WriteString(th.Dim.Render("reading the failed requests…") + "\n")
	case len(p.failures) == 0:
		b.WriteString(th.Section.Render("Failed requests: none in your scope") + "\n")
	default:
		b.WriteString(th.Section.Render("Failed requests, newest first") + th.Dim.Render(" — "+p.ctx.keyFor(keymap.Open)+" opens one to retry it") + "\n")
		b.WriteString(th.ColHeader.Render(p.line(present.FailureHeader)) + "\n")
		rows := present.FailureRows(p.failures, p.ctx.Clock.Now())
		end := min(len(rows), p.offset+p.rowsShown())
		for i := p.offset; i < end; i++ {
			l := p.line(rows[i])
			if i == p.cursor {
				l = th.Selected.Render(padRight(l, p.width))
			}
			b.WriteString(l + "\n")
		}
	}
	return fitLines(b.String(), p.width, p.height)
}
