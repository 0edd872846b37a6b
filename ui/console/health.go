package console

// The on-call health view (:health): the report `custodian health` and
// `ssh … health` print, from the same lines (ui/present.HealthLines).

import (
	"context"
	"github.com/charmbracelet/x/ansi"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// healthPane shows the health report; ctrl+r (refresh) reads it again.
type healthPane struct {
	ctx    *Context
	width  int
	height int
	load   call[model.Health]
	report *model.Health
	err    string
	listWindow
}

func newHealthPane(ctx *Context) *healthPane { return &healthPane{ctx: ctx} }

func (p *healthPane) Title() string        { return "Health" }
func (p *healthPane) Capturing() bool      { return false }
func (p *healthPane) HelpGroups() []string { return nil }
func (p *healthPane) keyPane() keymap.Pane { return keymap.PaneHealth }
func (p *healthPane) SetSize(w, h int)     { p.width, p.height = w, h }
func (p *healthPane) Close()               { p.load.cancel() }
func (p *healthPane) Init() tea.Cmd        { return p.reload() }
func (p *healthPane) KeyHelp() []key.Binding {
	k := p.ctx.Keys
	return []key.Binding{k.Binding(keymap.Refresh), k.Binding(keymap.Back)}
}

func (p *healthPane) reload() tea.Cmd {
	return p.load.start(p.ctx, func(ctx context.Context, b Backend, actor model.Actor) (model.Health, error) {
		return b.Health(ctx, actor)
	})
}

func (p *healthPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if h, err, ok := p.load.accept(msg); ok {
		if err != nil {
			p.err = "health: " + p.ctx.errText(err)
			return p, p.ctx.Error(p.err)
		}
		p.report, p.err = &h, ""
		return p, nil
	}
	switch msg := msg.(type) {
	case tenantsReadyMsg: // ctrl+r, a scope change
		return p, p.reload()
	case livePolledMsg:
		if p.load.busy() {
			return p, nil
		}
		return p, p.reload()
	case tea.KeyPressMsg:
		p.navigate(p.ctx.Keys, msg, len(p.lines()), p.height)
	}
	return p, nil
}

// lines are the report's lines, those needing attention marked and styled.
func (p *healthPane) lines() []string {
	if p.report == nil {
		return nil
	}
	th := p.ctx.Theme
	const labelW = 18
	// A value wider than the pane wraps under itself rather than losing its
	// end: the end of a failure is its cause.
	valueW := max(20, p.width-labelW-3)
	var out []string
	for _, l := range present.HealthLines(*p.report) {
		mark, value := "  ", func(s string) string { return s }
		if l.Attention {
			mark, value = th.Error.Render("! "), func(s string) string { return th.Error.Render(s) }
		}
		for i, part := range strings.Split(ansi.Wrap(l.Value, valueW, " /"), "\n") {
			if i == 0 {
				out = append(out, mark+th.Label.Render(padRight(l.Label, labelW))+" "+value(part))
				continue
			}
			out = append(out, strings.Repeat(" ", labelW+3)+value(part))
		}
	}
	return out
}

func (p *healthPane) View() string {
	var b strings.Builder
	b.WriteString(p.ctx.Theme.Section.Render("System health") + "\n")
	switch {
	case p.err != "":
		b.WriteString(p.ctx.Theme.Error.Render(p.err) + " — " + p.ctx.keyFor(keymap.Refresh) + " tries again\n")
	case p.report == nil:
		b.WriteString(p.ctx.Theme.Dim.Render("reading the health report…") + "\n")
	default:
		lines := p.lines()
		end := min(len(lines), p.offset+max(1, p.height-2))
		for _, l := range lines[p.offset:end] {
			b.WriteString(l + "\n")
		}
		b.WriteString(p.ctx.Theme.Dim.Render("as of " + present.Time(p.report.At, time.UTC) + " — " + p.ctx.keyFor(keymap.Refresh) + " reads it again"))
	}
	return fitLines(b.String(), p.width, p.height)
}
