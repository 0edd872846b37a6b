package console

// The run view: a request's signed plan run (or resumed) with a progress
// bar; esc stops between steps.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

func (p *runPane) hintedRequest() (model.Request, bool) {
	if p.req == nil {
		return model.Request{}, false
	}
	return *p.req, true
}

type runState int

const (
	runReading    runState = iota // reading the request before starting
	runConfirming                 // asking before a run that changes stored data
	runRunning                    // steps running
	runStopping                   // esc pressed: the current step finishes, then it stops
	runStopped                    // stopped between steps; F resumes
	runFailed                     // a step failed, or the controller refused
	runFinished                   // every step done (completed, or waiting for a lead)
)

// runRead is the request as read before a run: a type of its own, so the
// read's result is never taken for the re-read after a run.
type runRead struct {
	req model.Request
}

// runEnd is how the backend's run returned: the request as it left it
// (empty when it returned none) and its error.
type runEnd struct {
	req model.Request
	err error
}

// runPane runs (or resumes) a request's signed plan with a progress bar.
// The run is one backend call streamed in the background; its progress
// reaches Update as messages, so nothing blocks Update.
type runPane struct {
	ctx *Context
	seq int
	id  string

	req   *model.Request
	state runState
	reads call[runRead]
	steps stream[model.StepProgress, model.Request]
	// ended is a run that returned an error (or no request) while the
	// request is read again to show where the run left it.
	ended  runEnd
	reread call[model.Request]
	done   int
	total  int
	label  string
	err    string
	hint   string
	bar    progress.Model
	spin   spinner.Model
	width  int
	height int
	// question is what the run will change, asked with Cancel focused
	// (runOK false) before steps that delete, mask, correct or opt out;
	// confirmed skips it once the operator has answered it elsewhere.
	question  string
	runOK     bool
	confirmed bool
	// passphrase is the one a sealed access package was encrypted with,
	// shown while this view is open and kept nowhere else.
	passphrase string
}

func newRunPane(c *Context, seq int, id string) *runPane {
	return &runPane{ctx: c, seq: seq, id: id, bar: progress.New(progress.WithFillCharacters('█', '░'), progress.WithoutPercentage()),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.Theme.Spinner))}
}

func (p *runPane) viewSeq() int { return p.seq }

func (p *runPane) Title() string { return "Run " + model.CleanLine(p.id) }

func (p *runPane) Init() tea.Cmd { return p.read() }

// Capturing while steps run: esc must reach the run (stop after the
// current step) rather than close the view over a run still going.
//
// Capturing while asking too: esc and tab answer the question.
func (p *runPane) Capturing() bool {
	return p.state == runRunning || p.state == runStopping || p.state == runConfirming
}

func (p *runPane) HelpGroups() []string { return []string{keymap.GroupFulfil, keymap.GroupRequest} }

func (p *runPane) keyPane() keymap.Pane { return keymap.PaneRun }

func (p *runPane) Close() {
	p.reads.cancel()
	p.steps.cancel()
	p.reread.cancel()
}

func (p *runPane) KeyHelp() []key.Binding {
	k := p.ctx.Keys
	back := k.Binding(keymap.Back)
	switch p.state {
	case runRunning:
		back.SetHelp(back.Help().Key, "stop after this step")
		return []key.Binding{back}
	case runStopping:
		return nil
	case runConfirming:
		next, open := k.Binding(keymap.FormNextOption), k.Binding(keymap.Open)
		next.SetHelp(next.Help().Key, "Cancel / Run")
		open.SetHelp(open.Help().Key, "choose")
		back.SetHelp(back.Help().Key, "cancel")
		return []key.Binding{next, open, back}
	case runStopped:
		return append(k.ShortHelp(keymap.Fulfil), back)
	case runFailed:
		var out []key.Binding
		if p.req != nil {
			if p.req.Status == model.StatusFailed {
				out = append(out, actionHintsFor(p.ctx, *p.req, keymap.Retry)...)
			}
			out = append(out, fulfilHints(p.ctx, *p.req)...)
		}
		return append(out, back)
	}
	return []key.Binding{back}
}

func (p *runPane) read() tea.Cmd {
	p.state, p.err, p.hint = runReading, "", ""
	id := p.id
	return tea.Batch(p.reads.start(p.ctx, func(ctx context.Context, backend Backend, actor model.Actor) (runRead, error) {
		r, err := backend.Request(ctx, actor, id)
		return runRead{req: r}, err
	}), p.spin.Tick)
}

// refusal is what the lifecycle already says about running r now, with
// the key that gets it going; "" when the run may start.
func (p *runPane) refusal(r model.Request) (string, string) {
	c := p.ctx
	switch r.Status {
	case model.StatusFailed:
		return "the fulfilment failed: " + orDash(model.CleanLine(r.FailureReason)),
			c.keyFor(keymap.Retry) + " retries it (audited), or " + c.keyFor(keymap.Plan) + " makes a new plan"
	case model.StatusCompleted:
		return "already completed", ""
	case model.StatusApproved:
		if r.Plan == nil {
			return "there is no plan yet", c.keyFor(keymap.Plan) + " makes one"
		}
		if r.Plan.SignedBy == "" {
			return "the plan is " + planSigned(planView(c, r)), c.keyFor(keymap.Plan) + " opens it; they press " + c.keyFor(keymap.SignOff)
		}
		if _, err := model.Next(r.Status, model.ActStartFulfilment, c.Actor.Operator.Role); err != nil {
			return model.CleanLine(err.Error()), ""
		}
		return "", ""
	case model.StatusFulfilling:
		if _, err := model.Next(r.Status, model.ActFulfilStep, c.Actor.Operator.Role); err != nil {
			return model.CleanLine(err.Error()), ""
		}
		if r.Plan != nil && len(r.Plan.Pending()) == 0 && !c.Actor.Can(model.PermSignOff) {
			return "every step is done; a privacy lead completes it with " + c.keyFor(keymap.Fulfil), ""
		}
		return "", ""
	}
	return fmt.Sprintf("cannot run the fulfilment of a request that is %s (only when approved with a signed plan, or fulfilling)", r.Status.Label()), ""
}

// run streams the backend's run: it takes as long as the steps do (esc
// stops it between steps), reporting each step's progress.
func (p *runPane) run() tea.Cmd {
	p.state, p.err, p.hint = runRunning, "", ""
	id := p.id
	return tea.Batch(p.steps.start(p.ctx, 0, func(ctx context.Context, backend Backend, actor model.Actor, report func(model.StepProgress)) (model.Request, error) {
		// Reports are coalesced (only the newest reaches Update): the
		// passphrase rides on every report after the one that made it,
		// so a later step's report cannot drop it.
		var mu sync.Mutex
		passphrase := ""
		return backend.RunFulfilment(ctx, actor, id, func(sp model.StepProgress) {
			mu.Lock()
			if sp.Passphrase != "" {
				passphrase = sp.Passphrase
			}
			sp.Passphrase = passphrase
			mu.Unlock()
			report(sp)
		})
	}), p.spin.Tick)
}

// runReturned takes the run's end. A run that returned an error (or no
// request) may have moved the request (to failed) before it returned: it
// is read again, with a fresh timeout, to show it as it is now.
func (p *runPane) runReturned(r model.Request, err error) tea.Cmd {
	if err == nil && r.ID != "" {
		return p.finished(runEnd{req: r})
	}
	p.ended = runEnd{req: r, err: err}
	id := p.id
	return p.reread.start(p.ctx, func(ctx context.Context, backend Backend, actor model.Actor) (model.Request, error) {
		return backend.Request(ctx, actor, id)
	})
}

func (p *runPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.bar.SetWidth(max(10, min(50, w-24)))
}

// finished shows how the run ended: stopped, failed or done.
func (p *runPane) finished(end runEnd) tea.Cmd {
	c := p.ctx
	stopping := p.state == runStopping
	var cmds []tea.Cmd
	if end.req.ID != "" {
		r := end.req
		p.req = &r
		if r.Plan != nil {
			p.done, p.total = doneSteps(r.Plan), len(r.Plan.Steps)
		}
		cmds = append(cmds, changed(r))
	}
	r := p.req
	switch {
	case end.err != nil && errors.Is(end.err, context.Canceled) && stopping:
		p.state = runStopped
		cmds = append(cmds, c.Info(p.stoppedText()))
	case r != nil && r.Status == model.StatusFailed:
		p.state = runFailed
		p.err = "failed: " + orDash(model.CleanLine(r.FailureReason))
		p.hint = p.failHint(r.FailureReason)
	case end.err != nil:
		p.state, p.err = runFailed, p.ctx.errText(end.err)
		if r != nil && r.Status == model.StatusFulfilling && stopping {
			p.state = runStopped
		}
	case stopping && r != nil && r.Status == model.StatusFulfilling && r.Plan != nil && len(r.Plan.Pending()) > 0:
		p.state = runStopped
		cmds = append(cmds, c.Info(p.stoppedText()))
	default:
		p.state = runFinished
		if r != nil && r.Status == model.StatusCompleted {
			cmds = append(cmds, c.Info(model.CleanLine(p.id)+": completed — "+model.CleanLine(r.Outcome)))
		}
	}
	return tea.Batch(cmds...)
}

func (p *runPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	c := p.ctx
	if sp, next, ok := p.steps.progress(msg); ok {
		if sp.Passphrase != "" {
			p.passphrase = model.CleanLine(sp.Passphrase)
		}
		p.done, p.total, p.label = sp.Done, sp.Total, model.CleanLine(sp.Label)
		return p, next
	}
	if r, err, ok := p.steps.accept(msg); ok {
		return p, p.runReturned(r, err)
	}
	if now, err, ok := p.reread.accept(msg); ok {
		end := p.ended
		p.ended = runEnd{}
		if err == nil {
			end.req = now
		}
		return p, p.finished(end)
	}
	switch msg := msg.(type) {
	case resultMsg[runRead]:
		got, err, ok := p.reads.accept(msg)
		if !ok || p.state != runReading {
			return p, nil
		}
		if err != nil {
			p.state, p.err = runFailed, p.ctx.errText(err)
			return p, nil
		}
		r := got.req
		p.req = &r
		if r.Plan != nil {
			p.done, p.total = doneSteps(r.Plan), len(r.Plan.Steps)
		}
		if why, hint := p.refusal(r); why != "" {
			p.state, p.err, p.hint = runFailed, why, hint
			if r.Status == model.StatusCompleted {
				p.state = runFinished
			}
			return p, nil
		}
		// A run that deletes, masks, corrects or opts out asks once,
		// naming what its pending steps still change; an access plan
		// (nothing changes) runs at once.
		if q := planQuestion(r); q != "" && !p.confirmed {
			p.state, p.question, p.runOK = runConfirming, q, false
			return p, nil
		}
		p.confirmed = false
		return p, p.run()
	case spinner.TickMsg:
		return p, spinWhile(p.state == runReading || p.state == runRunning || p.state == runStopping, &p.spin, msg)
	case themeMsg:
		p.spin.Style = c.Theme.Spinner
	case requestChangedMsg:
		// Written elsewhere (a new plan, its sign-off): the hints follow.
		if msg.req.ID == p.id && p.req != nil && msg.req.Version > p.req.Version && !p.Capturing() && msg.req.Plan != nil {
			r := msg.req
			p.req = &r
		}
	case tea.KeyPressMsg:
		k := c.Keys
		switch p.state {
		case runRunning:
			if k.Matches(msg, keymap.Back) {
				p.state = runStopping
				p.steps.interrupt()
				return p, c.Info("stopping after the current step…")
			}
			return p, nil
		case runStopping:
			return p, nil
		case runConfirming:
			return p, p.answer(msg)
		}
		switch {
		case k.Matches(msg, keymap.Fulfil):
			return p, p.read()
		case k.Matches(msg, keymap.Plan):
			return p, openFulfilCmd(keymap.Plan, p.id, nil)
		case k.Matches(msg, keymap.Retry):
			// Read afresh: a new plan may have been made and signed since
			// this run failed.
			return p, openActionCmd(keymap.Retry, p.id, nil)
		}
	}
	return p, nil
}

// answer handles a key at the run's question: left/right or tab move
// between Cancel and Run, enter chooses, esc cancels. Cancel closes the
// view having changed nothing.
func (p *runPane) answer(msg tea.KeyPressMsg) tea.Cmd {
	c := p.ctx
	k := c.Keys
	switch {
	case k.Matches(msg, keymap.Back) || k.Matches(msg, keymap.Open) && !p.runOK:
		seq := p.seq
		return tea.Batch(func() tea.Msg { return closeViewMsg{seq: seq} },
			c.Info(model.CleanLine(p.id)+": run cancelled, nothing changed"))
	case k.Matches(msg, keymap.Open):
		return p.run()
	case k.Matches(msg, keymap.FormPrevOption), k.Matches(msg, keymap.FormNextOption),
		k.Matches(msg, keymap.NextPane), k.Matches(msg, keymap.PrevPane):
		p.runOK = !p.runOK
	}
	return nil
}

func (p *runPane) stoppedText() string {
	return fmt.Sprintf("stopped after step %d of %d — %s resumes", p.done, p.total, p.ctx.keyFor(keymap.Fulfil))
}

// failHint says what to do about a failure: a stale plan needs a new one.
func (p *runPane) failHint(reason string) string {
	c := p.ctx
	if strings.Contains(strings.ToLower(reason), "stale") {
		return "make a new plan (" + c.keyFor(keymap.Plan) + "), have it signed off, then " + c.keyFor(keymap.Retry) + " retries"
	}
	return c.keyFor(keymap.Retry) + " retries it (audited)"
}

func (p *runPane) View() string {
	th := p.ctx.Theme
	head := "Run · " + model.CleanLine(p.id)
	if r := p.req; r != nil {
		head = strings.Join([]string{"Run", model.CleanLine(r.ID), model.CleanLine(r.Type.Label()), model.CleanLine(r.Status.Label())}, " · ")
	}
	title := th.Crumb.Render(truncate(" "+head, p.width))
	d := &doc{th: th, width: p.width, labelW: 10}
	d.lines = append(d.lines, "")
	if p.req != nil {
		if st := staleText(p.ctx, *p.req); st != "" {
			d.para(1, th.Overdue.Render(st))
			d.line("")
		}
	}
	if p.passphrase != "" {
		d.para(1, th.Overdue.Render("PASSPHRASE (shown once, not stored): "+p.passphrase))
		d.para(1, "The package is sealed with it and it is kept nowhere: send it to the resident by sms, phone or post (never by email), then record that it was sent.")
		d.line("")
	}
	pct := 0.0
	if p.total > 0 {
		pct = float64(p.done) / float64(p.total)
	}
	bar := " " + p.bar.ViewAs(pct) + fmt.Sprintf("  step %d of %d", p.done, p.total)
	switch p.state {
	case runReading:
		d.line(" " + p.spin.View() + " reading " + model.CleanLine(p.id) + "…")
	case runConfirming:
		p.questionLines(d)
	case runRunning, runStopping:
		d.line(bar)
		if p.label != "" {
			d.para(1, p.spin.View()+" "+p.label)
		}
		d.line("")
		if p.state == runStopping {
			d.line(" " + th.Soon.Render("stopping after the current step…"))
		} else {
			d.line(" " + th.Dim.Render(p.ctx.keyFor(keymap.Back)+" stops after the current step; the run resumes later with "+p.ctx.keyFor(keymap.Fulfil)))
		}
	case runStopped:
		d.line(bar)
		d.line("")
		d.para(1, th.Soon.Render(p.stoppedText()))
	case runFailed:
		if p.total > 0 {
			d.line(bar)
			d.line("")
		}
		d.para(1, th.Error.Render("✗ "+p.err))
		if p.hint != "" {
			d.para(1, p.hint)
		}
	case runFinished:
		if p.total > 0 {
			d.line(bar)
			d.line("")
		}
		p.result(d)
	}
	return title + "\n" + fitLines(strings.Join(d.lines, "\n"), p.width, max(1, p.height-1))
}

// questionLines are the run's question and its two buttons, Cancel
// focused until the operator moves to Run.
func (p *runPane) questionLines(d *doc) {
	th := p.ctx.Theme
	if r := p.req; r != nil && r.Plan != nil {
		d.para(1, fmt.Sprintf("Plan %s, signed off by %s", model.CleanLine(r.Plan.ID), orDash(model.CleanLine(r.Plan.SignedBy))))
		d.line("")
	}
	d.para(1, p.question)
	d.line("")
	cancel, run := " Cancel ", " Run "
	if p.runOK {
		cancel, run = " "+cancel+" ", th.Selected.Render("["+run+"]")
	} else {
		cancel, run = th.Selected.Render("["+cancel+"]"), " "+run+" "
	}
	d.line("   " + cancel + "   " + run)
	d.line("")
	k := p.ctx.Keys
	d.para(1, th.Dim.Render("Cancel is focused: "+k.Binding(keymap.FormNextOption).Help().Key+" then enter runs, "+k.Binding(keymap.Back).Help().Key+" cancels"))
}

// result is the end of a run: the response as recorded.
func (p *runPane) result(d *doc) {
	th := p.ctx.Theme
	r := p.req
	if r == nil {
		return
	}
	if r.Status != model.StatusCompleted {
		if why := model.DeliveryWaiting(*r); why != "" {
			d.para(1, th.Soon.Render("every step is done, not completed: "+why))
			return
		}
		d.para(1, th.Soon.Render("every step is done; a privacy lead completes it (the response) with "+p.ctx.keyFor(keymap.Fulfil)))
		return
	}
	t, _ := p.ctx.Tenant(r.TenantID)
	when := ""
	if r.RespondedAt != nil {
		when = " " + stamp(*r.RespondedAt, t.Location())
	}
	d.para(1, "✓ completed"+when+" — "+orDash(model.CleanLine(r.Outcome)))
	responseLines(d, *r, t, p.ctx.ExportDir)
}
