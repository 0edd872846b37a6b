package console

// The failed requests (:failed), newest failure first, with the step and
// the cause: the list `custodian failed` and `ssh … failed` print, from
// the same rows (ui/present.FailureRows). enter opens the request, where
// its retry key is.

import (
	"context"
	"slices"
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
		// The console's tenant scope (T) narrows this list as every pane.
		if sc := p.ctx.Scope; sc != "" {
			fs = slices.DeleteFunc(fs, func(f model.Failure) bool { return f.TenantID != sc })
		}
		p.failures, p.loaded, p.err = fs, true, ""
		p.moveBy(0, len(fs), p.rowsShown())
		return p, nil
	}
	switch msg := msg.(type) {
	case tenantsReadyMsg, liveChangedMsg:
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

// failedWidths are the columns' widths (time, age, id, tenant, step;
// the cause takes what is left). Ids are never cut: the id column fits the
// longest; the failure time gives way first on a narrow screen, the age
// says when as well.
func (p *failedPane) failedWidths(rows []present.FailureRow) [5]int {
	w := [5]int{textWidth(present.FailureHeader.FailedAt), textWidth(present.FailureHeader.Age), textWidth(present.FailureHeader.ID), textWidth(present.FailureHeader.Tenant), 0}
	step := 0
	for _, r := range rows {
		w[0], w[1], w[2] = max(w[0], textWidth(r.FailedAt)), max(w[1], textWidth(r.Age)), max(w[2], textWidth(r.ID))
		w[3], step = max(w[3], textWidth(r.Tenant)), max(step, textWidth(r.Step))
	}
	w[3] = min(w[3], 20)
	if p.width < 120 {
		w[0] = 0
	}
	w[4] = min(step, max(12, p.width/4))
	return w
}

func (p *failedPane) line(r present.FailureRow, w [5]int) string {
	rest := p.width - gutter
	var cells []string
	for i, c := range []struct {
		text  string
		right bool
	}{{r.FailedAt, false}, {r.Age, true}, {r.ID, false}, {r.Tenant, false}, {r.Step, false}} {
		if w[i] == 0 {
			continue
		}
		cells = append(cells, cell(c.text, w[i], c.right))
		rest -= w[i] + 1
	}
	cells = append(cells, cell(r.Reason, max(0, rest), false))
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
		rows := present.FailureRows(p.failures, p.ctx.Clock.Now())
		w := p.failedWidths(rows)
		b.WriteString(th.ColHeader.Render(p.line(present.FailureHeader, w)) + "\n")
		end := min(len(rows), p.offset+p.rowsShown())
		for i := p.offset; i < end; i++ {
			l := p.line(rows[i], w)
			if i == p.cursor {
				l = th.Selected.Render(padRight(l, p.width))
			}
			b.WriteString(l + "\n")
		}
	}
	return fitLines(b.String(), p.width, p.height)
}
