package console

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// The Metrics pane: a year's request metrics (11 CCR §7102) of the tenant
// the console is scoped to, or of every tenant in scope — the requests
// received per month by type, the days to respond against the 45-day
// line, and the figure table `custodian report metrics` prints. Leads and
// admins only; the controller refuses anyone else anyway.

type metricsPane struct {
	ctx *Context

	year    int
	scope   string // the tenant the shown figures are of
	m       model.Metrics
	loaded  bool
	loading bool
	err     string
	loader  call[model.Metrics]
	spin    spinner.Model

	offset        int // the first content line shown
	width, height int
}

func newMetricsPane(ctx *Context) *metricsPane {
	return &metricsPane{ctx: ctx, year: ctx.Clock.Now().UTC().Year(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Theme.Spinner))}
}

func (p *metricsPane) Title() string        { return "Metrics" }
func (p *metricsPane) Init() tea.Cmd        { return nil }
func (p *metricsPane) Capturing() bool      { return false }
func (p *metricsPane) keyPane() keymap.Pane { return keymap.PaneMetrics }
func (p *metricsPane) HelpGroups() []string { return []string{keymap.GroupMetrics} }
func (p *metricsPane) SetSize(w, h int)     { p.width, p.height = w, h; p.clamp() }
func (p *metricsPane) Close()               { p.loader.cancel() }

func (p *metricsPane) KeyHelp() []key.Binding {
	return p.ctx.Keys.ShortHelp(keymap.MetricsPrevYear, keymap.MetricsNextYear, keymap.Down)
}

// Activate loads the figures the first time the tab is shown, and again
// when the tenant scope changed since.
func (p *metricsPane) Activate() tea.Cmd {
	if (p.loaded || p.loading) && p.scope == p.ctx.Scope {
		return nil
	}
	return p.reload()
}

func (p *metricsPane) reload() tea.Cmd {
	p.loading, p.err = true, ""
	year, scope := p.year, p.ctx.Scope
	p.scope = scope
	load := p.loader.start(p.ctx, func(ctx context.Context, b Backend, actor model.Actor) (model.Metrics, error) {
		return b.RequestMetrics(ctx, actor, year, scope)
	})
	return tea.Batch(load, p.spin.Tick)
}

func (p *metricsPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if m, err, ok := p.loader.accept(msg); ok {
		p.loading = false
		if err != nil {
			p.err = "could not load the metrics"
			return p, p.ctx.Error(fmt.Sprintf("metrics: %s — press %s to retry", errText(err), p.ctx.keyFor(keymap.Refresh)))
		}
		p.m, p.loaded = m, true
		p.clamp()
		return p, nil
	}
	switch msg := msg.(type) {
	case tenantsReadyMsg:
		// A scope change or a refresh: reload what was already shown.
		if p.loaded || p.loading {
			return p, p.reload()
		}
	case themeMsg:
		p.spin.Style = p.ctx.Theme.Spinner
	case spinner.TickMsg:
		return p, spinWhile(p.loading, &p.spin, msg)
	case tea.KeyPressMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func (p *metricsPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	switch {
	case k.Matches(msg, keymap.MetricsPrevYear):
		p.year--
		return p.reload()
	case k.Matches(msg, keymap.MetricsNextYear):
		p.year++
		return p.reload()
	case k.Matches(msg, keymap.Down):
		p.offset++
	case k.Matches(msg, keymap.Up):
		p.offset--
	case k.Matches(msg, keymap.PageDown):
		p.offset += max(1, p.height-1)
	case k.Matches(msg, keymap.PageUp):
		p.offset -= max(1, p.height-1)
	case k.Matches(msg, keymap.Top):
		p.offset = 0
	case k.Matches(msg, keymap.Bottom):
		p.offset = len(p.content())
	}
	p.clamp()
	return nil
}

func (p *metricsPane) clamp() {
	p.offset = max(0, min(p.offset, len(p.content())-p.height))
}

// content is every line of the pane, before it is windowed to the height.
func (p *metricsPane) content() []string {
	th := p.ctx.Theme
	head := fmt.Sprintf("Request metrics %d — %s (11 CCR §7102)", p.year, p.ctx.ScopeLabel())
	lines := []string{th.Section.Render(head)}
	switch {
	case p.loading && !p.loaded:
		return append(lines, p.spin.View()+" counting the year's requests…")
	case p.err != "":
		return append(lines, th.Error.Render(p.err))
	case !p.loaded:
		return lines
	}
	if p.loading {
		lines[0] += " " + p.spin.View()
	}
	lines = append(lines, th.Dim.Render(fmt.Sprintf("%d received in %d, counted in each tenant's own year; %s %s change the year",
		p.m.Total.Received, p.m.Year, p.ctx.keyFor(keymap.MetricsPrevYear), p.ctx.keyFor(keymap.MetricsNextYear))), "")
	months, days := monthChart(p.m, th), daysChart(p.m, th)
	if side := lipgloss.Width(strings.Join(months, "\n")) + 4 + lipgloss.Width(strings.Join(days, "\n")); side <= p.width {
		joined := lipgloss.JoinHorizontal(lipgloss.Top, strings.Join(months, "\n"), "    ", strings.Join(days, "\n"))
		lines = append(lines, strings.Split(joined, "\n")...)
	} else {
		lines = append(append(append(lines, months...), ""), days...)
	}
	lines = append(lines, "")
	for i, row := range strings.Split(strings.TrimRight(present.PadTable(present.MetricsFigures(p.m)), "\n"), "\n") {
		if i == 0 {
			row = th.ColHeader.Render(row)
		}
		lines = append(lines, row)
	}
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return lines
}

func (p *metricsPane) View() string {
	lines := p.content()
	if p.offset < len(lines) {
		lines = lines[p.offset:]
	}
	return fitLines(strings.Join(lines, "\n"), p.width, p.height)
}
