package console

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// subjectLoad is what a subject pane's load read.
type subjectLoad struct {
	sub    model.Subject
	recs   []model.PIRecord
	reqs   []model.Request
	recErr error
	reqErr error
}

// revealedValue is one revealed value.
type revealedValue struct {
	ref   model.FieldRef
	label string
	value string
}

// hideRevealMsg ends a reveal; token names which one.
type hideRevealMsg struct {
	to    *subjectPane
	token int
}

// subjectItem is a line the cursor can rest on: a field that can be
// revealed, or a request that can be opened.
type subjectItem struct {
	ref     model.FieldRef
	label   string
	request string
	line    int
}

// subjectPane shows everything held about one subject, masked: identity,
// requests (with the two-per-12-months window), and every record the data
// map knows of. A privacy lead reveals one field at a time with R, giving
// a reason; the value shows for a limited time and the reveal is audited.
type subjectPane struct {
	ctx       *Context
	id        string
	revealFor time.Duration

	sub     *model.Subject
	recs    []model.PIRecord
	reqs    []model.Request
	err     string
	recErr  string
	reqErr  string
	loading bool
	loader  call[subjectLoad]

	spin          spinner.Model
	vp            viewport.Model
	width, height int

	items []subjectItem
	cur   int

	prompt    textinput.Model
	asking    bool
	revealing bool
	reveals   call[revealedValue]
	revealed  *revealedValue
	until     time.Time
	token     int
}

func newSubjectPane(ctx *Context, id string, revealFor time.Duration) *subjectPane {
	in := textinput.New()
	in.Prompt = "reason: "
	in.SetVirtualCursor(false)
	in.CharLimit = 500
	in.SetStyles(inputStyles(ctx.Theme))
	p := &subjectPane{
		ctx: ctx, id: id, revealFor: revealFor,
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(ctx.Theme.Spinner)),
		vp:     viewport.New(),
		prompt: in,
	}
	p.vp.KeyMap = viewport.KeyMap{}
	p.vp.MouseWheelEnabled = false
	return p
}

func (p *subjectPane) Title() string { return "Subject " + model.CleanLine(p.id) }

func (p *subjectPane) Init() tea.Cmd { return p.load() }

func (p *subjectPane) Capturing() bool { return p.asking }

func (p *subjectPane) HelpGroups() []string { return []string{keymap.GroupDetail} }

func (p *subjectPane) KeyHelp() []key.Binding {
	if p.asking {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "reveal")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		}
	}
	return p.ctx.Keys.ShortHelp(keymap.Back, keymap.Down, keymap.Up, keymap.Reveal, keymap.NewRequest, keymap.Open)
}

// Cursor is the reason prompt's cursor, on the last line.
func (p *subjectPane) Cursor() *tea.Cursor {
	if !p.asking {
		return nil
	}
	c := p.prompt.Cursor()
	if c != nil {
		c.X++
		c.Y = p.height - 1
	}
	return c
}

// Close abandons a load in flight and hides a revealed value: leaving the
// subject ends the reveal.
func (p *subjectPane) Close() {
	p.loader.cancel()
	p.revealed = nil
}

func (p *subjectPane) load() tea.Cmd {
	p.loading, p.err = true, ""
	id := p.id
	fetch := p.loader.start(p.ctx, func(ctx context.Context, backend Backend, actor model.Actor) (subjectLoad, error) {
		s, err := backend.Subject(ctx, actor, id)
		if err != nil {
			return subjectLoad{}, err
		}
		msg := subjectLoad{sub: s}
		msg.reqs, msg.reqErr = backend.SubjectRequests(ctx, actor, id)
		msg.recs, msg.recErr = backend.SubjectRecords(ctx, actor, id)
		return msg, nil
	})
	return tea.Batch(fetch, p.spin.Tick)
}

func (p *subjectPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.vp.SetWidth(w)
	p.vp.SetHeight(max(1, h-2))
	p.prompt.SetWidth(max(10, w-12))
	p.render()
}

// loaded shows what the load read, or why it could not.
func (p *subjectPane) loaded(got subjectLoad, err error) tea.Cmd {
	p.loading = false
	if err != nil {
		p.err = errText(err)
		return p.ctx.Error(fmt.Sprintf("subject %s: %s — %s goes back", model.CleanLine(p.id), p.err, p.ctx.keyFor(keymap.Back)))
	}
	p.sub, p.recs, p.reqs = &got.sub, got.recs, got.reqs
	p.recErr, p.reqErr = "", ""
	if got.recErr != nil {
		p.recErr = errText(got.recErr)
	}
	if got.reqErr != nil {
		p.reqErr = errText(got.reqErr)
	}
	p.render()
	return nil
}

// shown shows a revealed value for revealFor, or why it was not revealed.
func (p *subjectPane) shown(got revealedValue, err error) tea.Cmd {
	p.revealing = false
	if err != nil {
		return p.ctx.Error(revealError(err))
	}
	p.token++
	p.revealed = &got
	p.until = p.ctx.Clock.Now().Add(p.revealFor)
	p.render()
	token := p.token
	return tea.Batch(
		p.ctx.Info(fmt.Sprintf("%s revealed for %s — the reveal is on the audit record", got.label, p.revealFor)),
		tea.Tick(p.revealFor, func(time.Time) tea.Msg { return hideRevealMsg{to: p, token: token} }),
	)
}

func (p *subjectPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if got, err, ok := p.loader.accept(msg); ok {
		return p, p.loaded(got, err)
	}
	if got, err, ok := p.reveals.accept(msg); ok {
		return p, p.shown(got, err)
	}
	switch msg := msg.(type) {
	case hideRevealMsg:
		if msg.to == p && msg.token == p.token && p.revealed != nil {
			p.revealed = nil
			p.render()
		}
	case tenantsReadyMsg:
		return p, p.load()
	case themeMsg:
		p.spin.Style = p.ctx.Theme.Spinner
		p.prompt.SetStyles(inputStyles(p.ctx.Theme))
		p.render()
	case spinner.TickMsg:
		return p, spinWhile(p.loading, &p.spin, msg)
	case tea.KeyPressMsg:
		return p, p.key(msg)
	case tea.PasteMsg:
		if p.asking {
			var cmd tea.Cmd
			p.prompt, cmd = p.prompt.Update(msg)
			keepClean(&p.prompt)
			return p, cmd
		}
	}
	return p, nil
}

// revealError words a refused or failed reveal for the status line; the
// controller's refusal already says who may reveal.
func revealError(err error) string { return "not revealed: " + errText(err) }

func (p *subjectPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	if p.asking {
		switch msg.String() {
		case "esc":
			p.asking = false
			p.prompt.Blur()
			return p.ctx.Info("reveal cancelled")
		case "enter":
			reason, err := model.CheckRevealReason(p.prompt.Value())
			if err != nil {
				return p.ctx.Error(err.Error() + ", or esc to cancel")
			}
			p.asking = false
			p.prompt.Blur()
			return p.reveal(reason)
		}
		var cmd tea.Cmd
		p.prompt, cmd = p.prompt.Update(msg)
		keepClean(&p.prompt)
		return cmd
	}
	switch {
	case k.Matches(msg, keymap.Up):
		p.moveCursor(-1)
	case k.Matches(msg, keymap.Down):
		p.moveCursor(1)
	case k.Matches(msg, keymap.PageUp):
		p.vp.PageUp()
	case k.Matches(msg, keymap.PageDown):
		p.vp.PageDown()
	case k.Matches(msg, keymap.Top):
		p.cur = 0
		p.render()
		p.vp.GotoTop()
	case k.Matches(msg, keymap.Bottom):
		p.cur = max(0, len(p.items)-1)
		p.render()
		p.vp.GotoBottom()
	case k.Matches(msg, keymap.Open):
		if it, ok := p.item(); ok && it.request != "" {
			id := it.request
			return func() tea.Msg { return openRequestMsg{id: id} }
		}
	case k.Matches(msg, keymap.Reveal):
		return p.askReveal()
	case k.Matches(msg, keymap.NewRequest):
		if p.sub == nil {
			return nil // still loading: there is no subject to log it for yet
		}
		s := *p.sub
		return func() tea.Msg { return actionOpenMsg{action: keymap.NewRequest, subject: &s} }
	}
	return nil
}

func (p *subjectPane) item() (subjectItem, bool) {
	if p.cur < 0 || p.cur >= len(p.items) {
		return subjectItem{}, false
	}
	return p.items[p.cur], true
}

func (p *subjectPane) moveCursor(d int) {
	if len(p.items) == 0 {
		if d < 0 {
			p.vp.ScrollUp(1)
		} else {
			p.vp.ScrollDown(1)
		}
		return
	}
	p.cur = max(0, min(len(p.items)-1, p.cur+d))
	p.render()
	line := p.items[p.cur].line
	switch {
	case line < p.vp.YOffset():
		p.vp.SetYOffset(max(0, line-1))
	case line >= p.vp.YOffset()+p.vp.Height():
		p.vp.SetYOffset(line - p.vp.Height() + 2)
	}
}

// askReveal starts a reveal of the field under the cursor. An operator who
// may not reveal is not asked for a reason: the controller refuses and
// audits the attempt, and the status line says why.
func (p *subjectPane) askReveal() tea.Cmd {
	it, ok := p.item()
	if !ok || it.request != "" || p.sub == nil {
		return p.ctx.Error("move the cursor to a personal-data field to reveal it")
	}
	if p.revealing {
		return nil
	}
	if !p.ctx.Actor.Can(model.PermReveal) {
		return p.reveal("")
	}
	p.asking = true
	p.prompt.SetValue("")
	p.prompt.Placeholder = "why do you need to see " + it.label + "?"
	return p.prompt.Focus()
}

func (p *subjectPane) reveal(reason string) tea.Cmd {
	it, _ := p.item()
	p.revealing = true
	id := p.id
	return p.reveals.start(p.ctx, func(ctx context.Context, backend Backend, actor model.Actor) (revealedValue, error) {
		v, err := backend.RevealField(ctx, actor, id, it.ref, reason)
		return revealedValue{ref: it.ref, label: it.label, value: v}, err
	})
}
