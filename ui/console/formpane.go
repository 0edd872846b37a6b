package console

// The form pane: an action's form stacked over the view it was opened from.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// formPane hosts a form as a stacked view: the title, the form, and the
// save's outcome.
type formPane struct {
	ctx    *Context
	seq    int
	title  string
	form   *form
	width  int
	height int
	// save builds the save's Cmd from the values as they are now; a save
	// of one request starts it on saved.
	save  func(p *formPane) tea.Cmd
	saved call[model.Request]
	// reload (ctrl+r) re-reads what the form acts on, keeping the input.
	reload func(p *formPane) tea.Cmd
	// body, when set, replaces the form's lines (a result to read).
	body     func(p *formPane) []string
	helpKeys func(p *formPane) []key.Binding
	cursor   *tea.Cursor
	// after follows a successful save, once the form is closed.
	after func(r model.Request) tea.Cmd
	// savedText, when set, is the status line's news of a save.
	savedText func(r model.Request) string
	// ids are the requests the form acts on; warn says one of them was
	// changed by someone else since it opened (live.go).
	ids  []string
	warn string
}

func (p *formPane) viewSeq() int { return p.seq }

func (p *formPane) Title() string { return p.title }

func (p *formPane) Init() tea.Cmd { return nil }

// Capturing is always true: a form types every printable key, and esc is
// its own (cancel) rather than the shell's.
func (p *formPane) Capturing() bool { return true }

func (p *formPane) HelpGroups() []string { return []string{keymap.GroupForm} }

func (p *formPane) KeyHelp() []key.Binding {
	if p.helpKeys != nil {
		return p.helpKeys(p)
	}
	return p.form.help()
}

func (p *formPane) SetSize(w, h int) { p.width, p.height = w, h }

func (p *formPane) Cursor() *tea.Cursor { return p.cursor }

func (p *formPane) close() tea.Cmd {
	seq := p.seq
	return func() tea.Msg { return closeViewMsg{seq: seq} }
}

func (p *formPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case themeMsg:
		p.form.th = p.ctx.Theme
		p.form.spin.Style = p.ctx.Theme.Spinner
		for _, fd := range p.form.fields {
			fd.input.SetStyles(inputStyles(p.ctx.Theme))
		}
	case spinner.TickMsg:
		return p, spinWhile(p.form.saving, &p.form.spin, msg)
	case liveChangedMsg:
		if w := changedWarning(p.ctx, msg, p.ids); w != "" {
			p.warn = w
		}
	case resultMsg[model.Request]:
		r, err, ok := p.saved.accept(msg)
		if !ok {
			return p, nil
		}
		p.form.saving = false
		if err != nil {
			p.form.err = p.ctx.errText(err)
			// A lost race names the winner; offer to re-read it.
			if p.reload != nil && errors.Is(err, model.ErrConflict) {
				p.form.err += " — " + p.ctx.keyFor(keymap.Refresh) + " re-reads it and keeps what you typed"
			}
			return p, nil
		}
		closing := p.close()
		if p.after != nil {
			// In order: the next view must not open under the closing form.
			closing = tea.Sequence(closing, p.after(r))
		}
		news := fmt.Sprintf("%s: saved — now %s", p.title, r.Status.Label())
		if p.savedText != nil {
			news = p.savedText(r)
		}
		return p, tea.Batch(closing, changed(r), p.ctx.Info(news))
	case tea.KeyPressMsg:
		if p.ctx.Keys.Matches(msg, keymap.Refresh) && p.reload != nil && !p.form.saving {
			return p, p.reload(p)
		}
		res, cmd := p.form.update(msg)
		switch res {
		case formCancel:
			return p, tea.Batch(p.close(), p.ctx.Info(p.title+": cancelled, nothing changed"))
		case formSubmit:
			p.form.saving, p.form.err = true, ""
			return p, tea.Batch(p.save(p), p.form.spin.Tick)
		}
		return p, cmd
	case tea.PasteMsg:
		_, cmd := p.form.update(msg)
		return p, cmd
	}
	return p, nil
}

func changed(r model.Request) tea.Cmd {
	return func() tea.Msg { return requestChangedMsg{req: r} }
}

func (p *formPane) View() string {
	th := p.ctx.Theme
	title := th.Crumb.Render(truncate(" "+p.title, p.width))
	h := max(1, p.height-2)
	var lines []string
	cy, cx := -1, -1
	if p.body != nil {
		lines = p.body(p)
	} else {
		lines, cy, cx = p.form.lines(p.width, h)
	}
	p.cursor = nil
	if cy >= 0 && cy < h {
		c := tea.NewCursor(min(cx, p.width-1), cy+1) // below the title line
		p.cursor = c
	}
	warn := ""
	if p.warn != "" {
		warn = th.Soon.Render(truncate(" ⚠ "+p.warn, p.width))
	}
	return title + "\n" + fitLines(strings.Join(lines, "\n"), p.width, h) + "\n" + warn
}

// newActionPane builds the form of spec for request r.
func newActionPane(c *Context, seq int, spec actionSpec, r model.Request, t model.Tenant, in formInput) Pane {
	var fields []*formField
	if spec.fields != nil {
		fields = spec.fields(c, r, t, in)
	}
	f := newForm(c, fields)
	f.intro = []string{}
	if spec.intro != nil {
		f.intro = spec.intro(c, r, t)
	}
	if spec.preview != nil {
		f.preview = spec.preview(c, r, t, in)
	}
	if spec.confirm != nil {
		f.confirm = spec.confirm(c, r, t)
		f.confirmLabel = capitalize(spec.verb)
	}
	if spec.confirmWith != nil {
		f.confirm = spec.confirmWith(c, r, t, in)
		f.confirmLabel = capitalize(spec.verb)
	}
	target := r
	p := &formPane{ctx: c, seq: seq, form: f, after: afterWithLetter(c, spec),
		title: fmt.Sprintf("%s %s", capitalize(spec.verb), model.CleanLine(r.ID)), ids: []string{r.ID}}
	fr := &formPaneReloading{formPane: p, target: &target, spec: spec}
	p.save = func(p *formPane) tea.Cmd {
		reason, edit := spec.apply(p.form, target, t, c.Clock.Now())
		id, version := target.ID, target.Version
		return p.saved.start(c, func(ctx context.Context, b Backend, actor model.Actor) (model.Request, error) {
			return b.Apply(ctx, actor, id, version, spec.act, reason, edit)
		})
	}
	p.reload = func(p *formPane) tea.Cmd {
		id := target.ID
		return fr.reread.start(c, func(ctx context.Context, b Backend, actor model.Actor) (model.Request, error) {
			return b.Request(ctx, actor, id)
		})
	}
	return fr
}

// formPaneReloading is an action form that can re-read its request after a
// lost race: the input stays, the version moves to the one just read, and
// the form says what the request is now.
type formPaneReloading struct {
	*formPane
	target *model.Request
	spec   actionSpec
	reread call[model.Request]
}

func (p *formPaneReloading) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if r, err, ok := p.reread.accept(msg); ok {
		if err != nil {
			p.form.err = p.ctx.errText(err)
			return p, nil
		}
		*p.target = r
		p.form.err, p.warn = "", ""
		note := fmt.Sprintf("re-read: now %s, version %d, last changed by %s — your input is kept",
			r.Status.Label(), r.Version, model.CleanLine(r.UpdatedBy))
		if ref := model.Check(p.spec.act, requestFacts(p.ctx, r)); ref != nil {
			note += "; " + p.ctx.errText(ref)
		}
		p.form.intro = append(slices.Clone(p.form.intro), note)
		return p, changed(r)
	}
	_, cmd := p.formPane.Update(msg)
	return p, cmd
}

func (p *formPane) keyPane() keymap.Pane { return keymap.PaneForm }
