package console

// The plan view: a request's fulfilment plan, made behind a spinner and
// previewed before a second lead signs it off.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// planLoad is what a plan pane's load read (or made).
type planLoad struct {
	req model.Request
	// made is set when the answer is a plan just made (or the failure to).
	made bool
}

// planPane previews a request's fulfilment plan: the header, the counts
// per collection, every document and field, what is withheld and the
// steps. It makes the plan when there is none and the actor may.
type planPane struct {
	ctx *Context
	seq int
	id  string

	req     *model.Request
	loading bool // reading the request
	making  bool // PlanFulfilment in flight
	err     string
	spin    spinner.Model
	vp      viewport.Model
	width   int
	height  int
	loader  call[planLoad]
	// replanArmed is set by a first P on a signed plan: a new plan drops
	// a colleague's sign-off, so it takes a second P.
	replanArmed bool
	reveal      planReveal // R on a correction's plan (planreveal.go)
	// discloseAt maps viewport lines to the withheld third-party field
	// shown there (plandisclose.go).
	discloseAt map[int]string
}

// newPlanPane reads the request itself: a list row carries no plan.
func newPlanPane(c *Context, seq int, id string) *planPane {
	p := &planPane{ctx: c, seq: seq, id: id,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.Theme.Spinner)),
		vp:   viewport.New(), reveal: newPlanReveal(c)}
	p.vp.KeyMap = viewport.KeyMap{}
	p.vp.MouseWheelEnabled = false
	return p
}

func (p *planPane) viewSeq() int { return p.seq }

func (p *planPane) Title() string { return "Plan " + model.CleanLine(p.id) }

func (p *planPane) Init() tea.Cmd { return p.load(false) }

// Capturing while a reveal's reason is typed.
func (p *planPane) Capturing() bool { return p.reveal.asking }

func (p *planPane) HelpGroups() []string { return []string{keymap.GroupFulfil, keymap.GroupRequest} }

func (p *planPane) keyPane() keymap.Pane { return keymap.PanePlan }

func (p *planPane) Close() { p.loader.cancel() }

// hintedRequest lets `?` follow the rule book on the plan's request, as the
// status line does.
func (p *planPane) hintedRequest() (model.Request, bool) {
	if p.req == nil {
		return model.Request{}, false
	}
	return *p.req, true
}

func (p *planPane) KeyHelp() []key.Binding {
	k := p.ctx.Keys
	if p.reveal.asking {
		return p.revealHelp()
	}
	out := k.ShortHelp(keymap.Back)
	out = append(out, p.revealHelp()...)
	out = append(out, p.discloseHelp()...)
	if p.req != nil && p.req.Plan != nil && !p.making {
		f := requestFacts(p.ctx, *p.req)
		may := func(a model.Action) bool { return model.Check(a, f) == nil }
		pl := p.req.Plan
		if pl.SignedBy == "" && may(model.ActSignOff) {
			out = append(out, k.Binding(keymap.SignOff))
		}
		if pl.SignedBy != "" && (may(model.ActStartFulfilment) || may(model.ActFulfilStep)) {
			out = append(out, k.Binding(keymap.Fulfil))
		}
		if may(model.ActPlan) {
			out = append(out, k.Binding(keymap.Replan))
		}
	}
	return append(out, k.ShortHelp(keymap.Down, keymap.Up, keymap.PageDown)...)
}

// load reads the request and, when it has no plan and the actor may make
// one, makes it; remake makes a new plan against the version on screen.
func (p *planPane) load(remake bool) tea.Cmd {
	p.err = ""
	c := p.ctx
	id := p.id
	var version int64 = -1
	if remake && p.req != nil {
		version = p.req.Version
	}
	if remake {
		p.making = true
	} else {
		p.loading = true
	}
	fetch := p.loader.start(c, func(ctx context.Context, backend Backend, actor model.Actor) (planLoad, error) {
		var msg planLoad
		r, err := backend.Request(ctx, actor, id)
		if err != nil {
			return msg, err
		}
		mayPlan := func() bool {
			tr, _ := model.TransitionFor(model.ActPlan)
			_, err := model.Next(r.Status, model.ActPlan, actor.Operator.Role)
			return err == nil && actor.Can(tr.Perm)
		}
		if remake || (r.Plan == nil && mayPlan()) {
			if version < 0 {
				version = r.Version
			}
			msg.made = true
			got, err := backend.PlanFulfilment(ctx, actor, id, version)
			if err != nil {
				msg.req = r
				return msg, err
			}
			r = got
		}
		msg.req = r
		return msg, nil
	})
	return tea.Batch(fetch, p.spin.Tick)
}

func (p *planPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.vp.SetWidth(w)
	p.vp.SetHeight(max(1, h-2))
	p.reveal.prompt.SetWidth(max(10, w-12))
	p.render()
}

// loaded shows the request (and plan) a load read or made, or why not.
func (p *planPane) loaded(got planLoad, err error) tea.Cmd {
	c := p.ctx
	p.loading, p.making = false, false
	if got.req.ID != "" {
		r := got.req
		p.req = &r
	}
	p.render()
	if err != nil {
		p.err = p.ctx.errText(err)
		what := "read"
		if got.made {
			what = "make the plan of"
		}
		hint := ""
		if errors.Is(err, model.ErrConflict) {
			hint = " — " + c.keyFor(keymap.Refresh) + " re-reads it"
		}
		return c.Error(fmt.Sprintf("could not %s %s: %s%s", what, model.CleanLine(p.id), p.err, hint))
	}
	if p.req.Plan == nil {
		tr, _ := model.TransitionFor(model.ActPlan)
		why := "no plan yet"
		if !c.Actor.Can(tr.Perm) {
			why += " — " + c.Actor.Refusal(tr.Perm, "make a plan")
		} else if _, err := model.Next(p.req.Status, model.ActPlan, c.Actor.Operator.Role); err != nil {
			why += " — " + model.CleanLine(err.Error())
		}
		p.err = why
		return nil
	}
	if got.made {
		pl := p.req.Plan
		return tea.Batch(changed(*p.req), c.Info(fmt.Sprintf("%s: plan made, %s — a privacy lead other than %s signs it off (%s)",
			model.CleanLine(p.id), model.Count(len(pl.Steps), "step"), model.CleanLine(pl.BuiltBy), c.keyFor(keymap.SignOff))))
	}
	return nil
}

func (p *planPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	c := p.ctx
	if got, err, ok := p.loader.accept(msg); ok {
		return p, p.loaded(got, err)
	}
	if lines, err, ok := p.reveal.call.accept(msg); ok {
		return p, p.revealed(lines, err)
	}
	switch msg := msg.(type) {
	case requestChangedMsg:
		if msg.req.ID == p.id && p.req != nil && msg.req.Version >= p.req.Version {
			if msg.req.Plan == nil && p.req.Plan != nil {
				return p, p.load(false) // a list row, not the whole request
			}
			r := msg.req
			p.req = &r
			p.render()
		}
	case tenantsReadyMsg:
		if !p.making {
			return p, p.load(false)
		}
	case themeMsg:
		p.spin.Style = c.Theme.Spinner
		p.render()
	case spinner.TickMsg:
		return p, spinWhile(p.loading || p.making, &p.spin, msg)
	case planHideMsg:
		if msg.seq == p.seq && msg.token == p.reveal.token && p.reveal.lines != nil {
			p.reveal.lines = nil
			p.render()
		}
	case tea.KeyPressMsg:
		k := c.Keys
		if p.reveal.asking {
			return p, p.revealKey(msg)
		}
		if !k.Matches(msg, keymap.Replan) {
			p.replanArmed = false
		}
		switch {
		case k.Matches(msg, keymap.Reveal):
			return p, p.askReveal()
		case k.Matches(msg, keymap.Disclose):
			return p, p.openDisclose()
		case scrollViewport(k, msg, &p.vp):
		case k.Matches(msg, keymap.Replan):
			if p.making || p.req == nil {
				return p, nil
			}
			tr, _ := model.TransitionFor(model.ActPlan)
			if !c.Actor.Can(tr.Perm) {
				return p, c.Error(c.Actor.Refusal(tr.Perm, "make a plan"))
			}
			if _, err := model.Next(p.req.Status, model.ActPlan, c.Actor.Operator.Role); err != nil {
				return p, c.Error(model.CleanLine(p.id) + ": " + model.CleanLine(err.Error()))
			}
			if pl := p.req.Plan; pl != nil && pl.SignedBy != "" && !p.replanArmed {
				p.replanArmed = true
				key := c.keyFor(keymap.Replan)
				return p, c.Error(fmt.Sprintf("this plan is signed off by %s: %s again makes a new one, which needs a new sign-off", model.CleanLine(pl.SignedBy), key))
			}
			p.replanArmed = false
			return p, p.load(true)
		case k.Matches(msg, keymap.SignOff):
			if p.making || p.req == nil {
				return p, nil
			}
			r := *p.req
			return p, openFulfilCmd(keymap.SignOff, p.id, &r)
		case k.Matches(msg, keymap.Fulfil):
			if p.making || p.req == nil {
				return p, nil
			}
			return p, openFulfilCmd(keymap.Fulfil, p.id, nil)
		}
	}
	return p, nil
}

func (p *planPane) View() string {
	th := p.ctx.Theme
	title := th.Crumb.Render(truncate(" "+p.heading(), p.width))
	var body string
	switch {
	case p.making:
		body = " " + p.spin.View() + " making the plan of " + model.CleanLine(p.id) + ": reading the subject's documents in every mapped collection…"
		if p.req != nil && p.req.Plan != nil {
			body += "\n" + th.Dim.Render(" the stored plan stays until the new one is saved")
		}
	case p.req == nil && p.loading:
		body = " " + p.spin.View() + " loading " + model.CleanLine(p.id) + "…"
	case p.req == nil || p.req.Plan == nil:
		if p.err != "" {
			body = th.Error.Render(truncate(" "+p.err, p.width)) + "\n" +
				th.Dim.Render(" "+p.ctx.keyFor(keymap.Back)+" goes back · "+p.ctx.keyFor(keymap.Refresh)+" retries")
		}
	default:
		body = p.vp.View()
	}
	body = fitLines(body, p.width, max(1, p.height-2))
	foot := ""
	switch {
	case p.reveal.asking:
		foot = " " + p.reveal.prompt.View()
	case p.reveal.revealing:
		foot = " revealing…"
	case p.loading && p.req != nil:
		foot = " " + p.spin.View() + " refreshing"
	}
	right := ""
	if p.req != nil && p.req.Plan != nil && !p.making {
		right = fmt.Sprintf("%3.0f%% ", p.vp.ScrollPercent()*100)
	}
	return title + "\n" + body + "\n" + th.Dim.Render(spread(foot, right, p.width))
}

func (p *planPane) heading() string {
	if p.req == nil {
		return "Plan · " + model.CleanLine(p.id)
	}
	r := p.req
	return strings.Join([]string{"Plan", model.CleanLine(r.ID), model.CleanLine(r.Type.Label()), model.CleanLine(r.Status.Label())}, " · ")
}

func (p *planPane) render() {
	if p.req == nil || p.req.Plan == nil || p.width <= 0 {
		return
	}
	yoff := p.vp.YOffset()
	content, marks := planContentMarked(p.ctx.Theme, planView(p.ctx, *p.req), p.width)
	head := p.revealLines()
	if st := staleText(p.ctx, *p.req); st != "" {
		d := &doc{th: p.ctx.Theme, width: p.width}
		d.para(1, p.ctx.Theme.Overdue.Render(st))
		head += strings.Join(d.lines, "\n") + "\n"
	}
	p.setDiscloseLines(marks, strings.Count(head, "\n"))
	p.vp.SetContent(head + content)
	p.vp.SetYOffset(yoff)
}
