package console

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/lookup"
)

// Actions on one request. A key in the queue, the detail or the approvals
// pane becomes an actionOpenMsg; the shell reads the request (so the form
// shows and saves against the version as it is now), checks the lifecycle
// table for a helpful early refusal, and pushes a formPane. Saving is one
// Backend.Apply — the controller decides; the form only reports.

// actionOpenMsg asks the shell to open the form for action on request id.
// have, when set, is the request as the caller already read it.
type actionOpenMsg struct {
	action keymap.Action
	id     string
	have   *model.Request
	// subject is who a new request is for, when logged from their detail.
	subject *model.Subject
	// loaded is set once the request (and what the form needs) is read.
	loaded bool
	req    model.Request
	in     formInput
	err    error
}

// formInput is what an action form reads besides the request.
type formInput struct {
	ops   []model.Operator
	limit *model.LimitResult
	// subject is the request's linked subject, for the verification
	// rules that match data points against what is on file.
	subject *model.Subject
	// candidates are the subjects the requester may be, and directory the
	// tenant's subjects to search, for a link.
	candidates []model.Subject
	directory  *lookup.Directory
	// discloseField is the collection.field a disclosure starts on, when
	// opened from that field's line in the plan view.
	discloseField string
}

// load reads what spec's form needs besides the request r into in.
func (spec actionSpec) load(ctx context.Context, backend Backend, actor model.Actor, r model.Request, in *formInput) error {
	if spec.needsOperators {
		ops, err := backend.Operators(ctx, actor)
		if err != nil {
			return err
		}
		in.ops = ops
	}
	if spec.needsLimit && r.SubjectID != "" {
		// The evidence is a help, not a precondition: the form opens without it.
		if lim, err := backend.KnowLimit(ctx, actor, r.ID); err == nil {
			in.limit = &lim
		}
	}
	if spec.needsSubject && r.SubjectID != "" {
		sub, err := backend.Subject(ctx, actor, r.SubjectID)
		if err != nil {
			return fmt.Errorf("reading the linked subject %s: %w", r.SubjectID, err)
		}
		in.subject = &sub
	}
	if spec.needsCandidates {
		cands, err := backend.MatchSubjects(ctx, actor, r.TenantID, r.Requester)
		if err != nil {
			return fmt.Errorf("matching the requester to a subject: %w", err)
		}
		in.candidates = cands
		dir := lookup.NewDirectory()
		err = backend.SubjectDirectory(ctx, actor, r.TenantID, time.Time{}, func(subs []model.Subject) error {
			dir.Put(directoryRecords(subs))
			return nil
		}, nil)
		if err != nil {
			return fmt.Errorf("reading the subjects of %s: %w", r.TenantID, err)
		}
		in.directory = dir
	}
	return nil
}

// closeViewMsg pops the stacked view numbered seq, if it is still on top.
type closeViewMsg struct{ seq int }

// requestChangedMsg tells every pane that a request was written, so lists
// refresh that row in place and a detail of it shows the new version.
type requestChangedMsg struct{ req model.Request }

// formSavedMsg answers a form's save.
type formSavedMsg struct {
	seq int
	req model.Request
	err error
}

// actionSpec is one action's form and how its values become an Apply.
type actionSpec struct {
	act model.Action
	// verb names the action in titles and messages ("approve").
	verb string
	// build returns the form's fields; intro and preview are set by open.
	fields func(c *Context, r model.Request, t model.Tenant, in formInput) []*formField
	// intro says what the action records.
	intro func(c *Context, r model.Request, t model.Tenant) []string
	// preview shows what depends on the values (a new due date, evidence).
	preview func(c *Context, r model.Request, t model.Tenant, in formInput) func(*form) []string
	// confirm, when set, is asked before saving with the safe choice focused.
	confirm func(c *Context, r model.Request, t model.Tenant) func(*form) []string
	// confirmWith is confirm for a question that shows what was read too.
	confirmWith func(c *Context, r model.Request, t model.Tenant, in formInput) func(*form) []string
	// apply turns the values into Apply's reason and edit. The edit closes
	// over copies only: it runs in the save's goroutine.
	apply func(f *form, r model.Request, t model.Tenant, now time.Time) (string, func(*model.Request) error)
	// needs says what must be read besides the request.
	needsOperators, needsLimit, needsSubject, needsCandidates bool
	// after, when set, is what follows a successful save once the form
	// has closed (a retry opens the run it restarted).
	after func(r model.Request) tea.Cmd
}

// actionKeys maps each request key to its lifecycle action. Every row of
// model.Transitions() is reachable from one of these or, for plans and
// runs, from fulfilKeys (see TestEveryTransitionHasAKey).
func actionKeys() map[keymap.Action]model.Action {
	return map[keymap.Action]model.Action{
		keymap.Acknowledge:       model.ActAcknowledge,
		keymap.StartVerification: model.ActStartVerification,
		keymap.RequestInfo:       model.ActRequestInfo,
		keymap.InfoReceived:      model.ActInfoReceived,
		keymap.Verify:            model.ActVerify,
		keymap.DenyUnverifiable:  model.ActDenyUnverifiable,
		keymap.Refuse:            model.ActRefuseExcessive,
		keymap.Approve:           model.ActApprove,
		keymap.Deny:              model.ActDeny,
		keymap.Withdraw:          model.ActWithdraw,
		keymap.Extend:            model.ActExtend,
		keymap.Assign:            model.ActAssign,
		keymap.Note:              model.ActNote,
		keymap.Retry:             model.ActRetry,
		keymap.Remind:            model.ActRemind,
		keymap.ChargeFee:         model.ActChargeFee,
		keymap.CorrectDecision:   model.ActCorrectDecision,
		keymap.Link:              model.ActLink,
		keymap.Disclose:          model.ActDisclose,
	}
}

// requestActionKey returns the keymap action msg triggers among the
// request actions, if any.
func requestActionKey(k keymap.KeyMap, msg tea.KeyPressMsg) (keymap.Action, bool) {
	for ka := range actionKeys() {
		if k.Matches(msg, ka) {
			return ka, true
		}
	}
	return "", false
}

// openActionCmd is what a pane returns for a request action key.
func openActionCmd(ka keymap.Action, id string, have *model.Request) tea.Cmd {
	return func() tea.Msg { return actionOpenMsg{action: ka, id: id, have: have} }
}

// openAction runs in the shell: first it reads what the form needs, then
// it checks what the model already knows and pushes the form.
func (a *App) openAction(msg actionOpenMsg) tea.Cmd {
	c := a.ctx
	if msg.action == keymap.NewRequest {
		if !c.Actor.Can(model.PermTriage) {
			return a.setStatus(c.Actor.Refusal(model.PermTriage, "log a request"), true)
		}
		return a.pushView(func(seq int) Pane { return newNewRequestPane(c, seq, msg.subject) })
	}
	act, ok := actionKeys()[msg.action]
	if !ok {
		return nil
	}
	spec := specFor(act)
	if tr, _ := model.TransitionFor(act); !c.Actor.Can(tr.Perm) {
		// The role decides before the version does: the controller hears
		// the attempt without a read.
		return a.attempt(act, msg.id, 0)
	}
	if !msg.loaded {
		backend, actor, timeout := c.Backend, c.Actor, c.Timeout
		return tea.Batch(a.setStatus("opening "+spec.verb+" for "+model.CleanLine(msg.id)+"…", false), func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			out := msg
			out.loaded = true
			if msg.have != nil {
				out.req = *msg.have
			} else if out.req, out.err = backend.Request(ctx, actor, msg.id); out.err != nil {
				return out
			}
			out.err = spec.load(ctx, backend, actor, out.req, &out.in)
			return out
		})
	}
	if msg.err != nil {
		return a.setStatus(fmt.Sprintf("%s %s: %s", spec.verb, model.CleanLine(msg.id), c.errText(msg.err)), true)
	}
	r := msg.req
	// The rule book's own early answer: the same Check the controller
	// asks again on save, phrased with this operator's keys.
	if ref := model.Check(act, requestFacts(c, r)); ref != nil {
		return a.attempt(act, r.ID, r.Version)
	}
	t, _ := c.Tenant(r.TenantID)
	return a.pushView(func(seq int) Pane { return newActionPane(c, seq, spec, r, t, msg.in) })
}

// errAttemptOnly stops the write of an attempt the console expected to be
// refused, should the controller not refuse it.
var errAttemptOnly = errors.New("not sent: the request changed since it was read")

// attemptedMsg is the controller's answer to a refused key press.
type attemptedMsg struct {
	id  string
	err error
}

// attempt hands a key press the rule book refuses to the controller, which
// refuses it again and audits the refusal — the same from the console as
// from every other door. Its edit fails before anything is written, so a
// request that changed since it was read is never acted on unseen.
func (a *App) attempt(act model.Action, id string, version int64) tea.Cmd {
	backend, actor, timeout := a.ctx.Backend, a.ctx.Actor, a.ctx.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		_, err := backend.Apply(ctx, actor, id, version, act, "", func(*model.Request) error { return errAttemptOnly })
		return attemptedMsg{id: id, err: err}
	}
}

// attempted shows the controller's refusal of a key press.
func (a *App) attempted(msg attemptedMsg) tea.Cmd {
	c := a.ctx
	if msg.err == nil || errors.Is(msg.err, errAttemptOnly) {
		return a.setStatus(model.CleanLine(msg.id)+": the request changed since it was read; "+c.keyFor(keymap.Refresh)+" reads it again", true)
	}
	return a.setStatus(model.CleanLine(msg.id)+": "+c.errText(msg.err), true)
}

// pushView stacks a view built with the next sequence number.
func (a *App) pushView(build func(seq int) Pane) tea.Cmd {
	a.seq++
	p := build(a.seq)
	w, h := a.bodySize()
	p.SetSize(w, h)
	a.stack = append(a.stack, p)
	return tea.Batch(p.Init(), a.setStatus("", false))
}

// closeView pops view seq if it is on top (a late close is ignored).
func (a *App) closeView(seq int) tea.Cmd {
	if n := len(a.stack); n > 0 {
		if s, ok := a.stack[n-1].(interface{ viewSeq() int }); ok && s.viewSeq() == seq {
			a.pop()
		}
	}
	return nil
}

// formPane hosts a form as a stacked view: the title, the form, and the
// save's outcome.
type formPane struct {
	ctx    *Context
	seq    int
	title  string
	form   *form
	width  int
	height int
	// save builds the save's Cmd from the values as they are now.
	save func(p *formPane) tea.Cmd
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
	case formSavedMsg:
		if msg.seq != p.seq {
			return p, nil
		}
		p.form.saving = false
		if msg.err != nil {
			p.form.err = p.ctx.errText(msg.err)
			// A lost race names the winner; offer to re-read it.
			if p.reload != nil && errors.Is(msg.err, model.ErrConflict) {
				p.form.err += " — " + p.ctx.keyFor(keymap.Refresh) + " re-reads it and keeps what you typed"
			}
			return p, nil
		}
		r := msg.req
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
	return title + "\n" + fitLines(strings.Join(lines, "\n"), p.width, h) + "\n"
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
	p := &formPane{ctx: c, seq: seq, form: f, after: spec.after,
		title: fmt.Sprintf("%s %s", capitalize(spec.verb), model.CleanLine(r.ID))}
	p.save = func(p *formPane) tea.Cmd {
		reason, edit := spec.apply(p.form, target, t, c.Clock.Now())
		backend, actor, timeout := c.Backend, c.Actor, c.Timeout
		id, version, seq := target.ID, target.Version, p.seq
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			got, err := backend.Apply(ctx, actor, id, version, spec.act, reason, edit)
			return formSavedMsg{seq: seq, req: got, err: err}
		}
	}
	p.reload = func(p *formPane) tea.Cmd {
		backend, actor, timeout, id := c.Backend, c.Actor, c.Timeout, target.ID
		seq := p.seq
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			got, err := backend.Request(ctx, actor, id)
			return formReloadedMsg{seq: seq, req: got, err: err}
		}
	}
	return &formPaneReloading{formPane: p, target: &target, spec: spec}
}

// formReloadedMsg answers a form's ctrl+r.
type formReloadedMsg struct {
	seq int
	req model.Request
	err error
}

// formPaneReloading is an action form that can re-read its request after a
// lost race: the input stays, the version moves to the one just read, and
// the form says what the request is now.
type formPaneReloading struct {
	*formPane
	target *model.Request
	spec   actionSpec
}

func (p *formPaneReloading) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if m, ok := msg.(formReloadedMsg); ok {
		if m.seq != p.seq {
			return p, nil
		}
		if m.err != nil {
			p.form.err = p.ctx.errText(m.err)
			return p, nil
		}
		*p.target = m.req
		p.form.err = ""
		note := fmt.Sprintf("re-read: now %s, version %d, last changed by %s — your input is kept",
			m.req.Status.Label(), m.req.Version, model.CleanLine(m.req.UpdatedBy))
		if ref := model.Check(p.spec.act, requestFacts(p.ctx, m.req)); ref != nil {
			note += "; " + p.ctx.errText(ref)
		}
		p.form.intro = append(slices.Clone(p.form.intro), note)
		return p, changed(m.req)
	}
	_, cmd := p.formPane.Update(msg)
	return p, cmd
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// approverChoice is the Customer contact who decided or is reminded.
func approverChoice(key, label string, t model.Tenant, other bool) *formField {
	var opts, labels []string
	for _, ct := range t.Approvers {
		opts = append(opts, ct.Name)
		l := model.CleanLine(ct.Name)
		if ct.Title != "" {
			l += " (" + model.CleanLine(ct.Title) + ")"
		}
		labels = append(labels, l)
	}
	if other || len(opts) == 0 {
		opts = append(opts, otherApprover)
		labels = append(labels, "someone else…")
	}
	return choiceField(key, label, opts, labels)
}

const otherApprover = "\x00other"

// approverName is the chosen contact, or the name typed for someone else.
func approverName(f *form) string {
	if v := f.value("approver"); v != otherApprover {
		return v
	}
	return f.value("approver_other")
}

func decisionFields(c *Context, r model.Request, t model.Tenant, deny bool) []*formField {
	today := c.Clock.Now().In(t.Location()).Format(time.DateOnly)
	other := textField("approver_other", "  their name", "who at the Customer decided", func(f *form) string {
		if f.value("approver") == otherApprover && f.value("approver_other") == "" {
			return "name who at the Customer decided"
		}
		return ""
	})
	other.show = func(f *form) bool { return f.value("approver") == otherApprover }
	evidence := textField("evidence", "Evidence ref", "message id, ticket number, letter file ref", func(f *form) string {
		if _, err := model.ParseEvidence(f.value("method"), f.value("evidence")); err != nil {
			return err.Error()
		}
		return ""
	})
	decided := textField("decided", "Decided on", "YYYY-MM-DD, today or yesterday", func(f *form) string {
		at, err := model.ParseDate(f.value("decided"), t.Location(), c.Clock.Now())
		if err != nil {
			return err.Error()
		}
		if ref := model.CheckDecisionDate(at, r, t, c.Clock.Now()); ref != nil {
			return ref.Reason
		}
		return ""
	})
	var methods []string
	for _, m := range model.EvidenceMethods() {
		methods = append(methods, string(m))
	}
	decided.input.SetValue(today)
	fields := []*formField{
		approverChoice("approver", "Decided by", t, true),
		other,
		choiceField("method", "How", methods, nil),
		evidence,
		decided,
	}
	if deny {
		fields = append(fields, textField("reason", "Customer's reason", "why the Customer denied it",
			required("reason", "the Customer's reason")))
	}
	return fields
}

func decisionApply(outcome model.DecisionOutcome) func(f *form, r model.Request, t model.Tenant, now time.Time) (string, func(*model.Request) error) {
	return func(f *form, r model.Request, t model.Tenant, now time.Time) (string, func(*model.Request) error) {
		d := model.Decision{Outcome: outcome, Approver: approverName(f)}
		ev, _ := model.ParseEvidence(f.value("method"), f.value("evidence"))
		d.SetEvidence(ev)
		d.DecidedAt, _ = model.ParseDate(f.value("decided"), t.Location(), now)
		reason := f.value("reason")
		if outcome == model.DecisionDenied {
			d.Reason = reason
		}
		return reason, func(x *model.Request) error { dc := d; x.Decision = &dc; return nil }
	}
}

func decisionConfirm(outcome model.DecisionOutcome) func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
	return func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
		return func(f *form) []string {
			out := []string{
				fmt.Sprintf("Record %s's %s of %s (%s, %s)?", model.CleanLine(t.Name), outcomeNoun(outcome), model.CleanLine(r.ID), r.Type.Label(), model.CleanLine(r.SubjectLabel)),
				"",
			}
			return append(out, decisionSummary(c, f, outcome)...)
		}
	}
}

func outcomeNoun(o model.DecisionOutcome) string {
	if o == model.DecisionDenied {
		return "denial"
	}
	return "approval"
}

// decisionSummary is exactly what a decision form will record.
func decisionSummary(c *Context, f *form, outcome model.DecisionOutcome) []string {
	kv := func(k, v string) string { return "   " + padRight(k, 14) + " " + model.CleanLine(v) }
	out := []string{
		kv("outcome", string(outcome)),
		kv("decided by", approverName(f)),
		kv("how", f.value("method")),
		kv("evidence", f.value("evidence")),
		kv("decided on", f.value("decided")),
	}
	if outcome == model.DecisionDenied {
		out = append(out, kv("reason", f.value("reason")))
	}
	return append(out, kv("recorded by", c.Actor.Handle()))
}

func reasonField(label, placeholder, what string) *formField {
	return textField("reason", label, placeholder, required("reason", what))
}

func reasonOnly(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
	return f.value("reason"), nil
}

func noValues(*form, model.Request, model.Tenant, time.Time) (string, func(*model.Request) error) {
	return "", nil
}

// specFor is the form of every request action.
func specFor(a model.Action) actionSpec {
	switch a {
	case model.ActAcknowledge:
		return actionSpec{act: a, verb: "acknowledge", apply: noValues,
			intro: func(c *Context, r model.Request, t model.Tenant) []string {
				return []string{"Record that receipt of " + model.CleanLine(r.ID) + " was confirmed to the requester today (§7021(a): within 10 business days).",
					"enter saves · esc cancels"}
			}}
	case model.ActStartVerification:
		return actionSpec{act: a, verb: "start verification", apply: noValues,
			intro: func(c *Context, r model.Request, t model.Tenant) []string {
				return []string{"Start verifying the requester's identity for " + model.CleanLine(r.ID) + ".", "enter saves · esc cancels"}
			}}
	case model.ActInfoReceived:
		return actionSpec{act: a, verb: "info received", apply: noValues,
			intro: func(c *Context, r model.Request, t model.Tenant) []string {
				return []string{"The requester answered: " + orDash(model.CleanLine(r.InfoRequested)), "Verification resumes. enter saves · esc cancels"}
			}}
	case model.ActRequestInfo:
		return actionSpec{act: a, verb: "ask for information", apply: reasonOnly,
			fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
				return []*formField{reasonField("What was asked", "e.g. a copy of a utility bill showing the address", "what the requester was asked for")}
			}}
	case model.ActNote:
		return actionSpec{act: a, verb: "add note", apply: reasonOnly,
			fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
				return []*formField{reasonField("Note", "what happened, for the next person", "the note's text")}
			}}
	case model.ActVerify:
		return verifySpec()
	case model.ActDenyUnverifiable:
		return actionSpec{act: a, verb: "deny as unverifiable", apply: reasonOnly,
			fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
				return []*formField{reasonField("Why", "what could not be verified", "why identity could not be verified")}
			},
			confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
				return func(f *form) []string {
					return []string{"Deny " + model.CleanLine(r.ID) + " because the requester's identity could not be verified?", "", "   reason  " + model.CleanLine(f.value("reason"))}
				}
			}}
	case model.ActRefuseExcessive:
		return refuseSpec()
	case model.ActApprove:
		return actionSpec{act: a, verb: "approve", apply: decisionApply(model.DecisionApproved), confirm: decisionConfirm(model.DecisionApproved),
			fields: func(c *Context, r model.Request, t model.Tenant, _ formInput) []*formField {
				return decisionFields(c, r, t, false)
			},
			intro: decisionIntro}
	case model.ActDeny:
		return actionSpec{act: a, verb: "deny", apply: decisionApply(model.DecisionDenied), confirm: decisionConfirm(model.DecisionDenied),
			fields: func(c *Context, r model.Request, t model.Tenant, _ formInput) []*formField {
				return decisionFields(c, r, t, true)
			},
			intro: decisionIntro}
	case model.ActWithdraw:
		return actionSpec{act: a, verb: "withdraw", apply: reasonOnly,
			fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
				return []*formField{reasonField("How withdrawn", "e.g. requester's email of 2026-11-02", "how the requester withdrew")}
			},
			confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
				return func(f *form) []string {
					return []string{"Close " + model.CleanLine(r.ID) + " as withdrawn by the requester?", "", "   how  " + model.CleanLine(f.value("reason"))}
				}
			}}
	case model.ActExtend:
		return extendSpec()
	case model.ActAssign:
		return assignSpec()
	case model.ActRetry:
		return actionSpec{act: a, verb: "retry fulfilment", apply: noValues,
			intro: func(c *Context, r model.Request, t model.Tenant) []string {
				return []string{"Run the failed fulfilment of " + model.CleanLine(r.ID) + " again: its pending steps run at once, with progress.", "Last failure: " + orDash(model.CleanLine(r.FailureReason))}
			},
			// Fulfilment — a retry is the start of a run. Its question names
			// what the run changes, so the run view does not ask again.
			after: func(r model.Request) tea.Cmd {
				return func() tea.Msg { return fulfilOpenMsg{action: keymap.Fulfil, id: r.ID, confirmed: true} }
			},
			confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
				return func(*form) []string {
					out := []string{"Retry the fulfilment of " + model.CleanLine(r.ID) + "?"}
					if q := planQuestion(r); q != "" {
						out = append(out, "", q)
					}
					return out
				}
			}}
	case model.ActRemind:
		return remindSpec()
	case model.ActSignOff:
		return signOffSpec()
	case model.ActChargeFee:
		return feeSpec()
	case model.ActCorrectDecision:
		return correctDecisionSpec()
	case model.ActLink:
		return linkSpec()
	case model.ActDisclose:
		return discloseSpec()
	}
	return actionSpec{act: a, verb: a.Label(), apply: noValues}
}

func decisionIntro(c *Context, r model.Request, t model.Tenant) []string {
	out := []string{fmt.Sprintf("%s · %s · %s · waiting on %s", model.CleanLine(r.ID), r.Type.Label(), model.CleanLine(r.SubjectLabel), model.CleanLine(t.Name))}
	if v := r.Verification; v != nil {
		out = append(out, fmt.Sprintf("verified by %s: %s (%s)", model.CleanLine(v.By), model.CleanLine(string(v.Level)), model.CleanLine(strings.Join(v.DataPoints, ", "))))
	}
	return out
}

func refuseSpec() actionSpec {
	return actionSpec{act: model.ActRefuseExcessive, verb: "refuse as excessive", apply: reasonOnly, needsLimit: true,
		fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
			return []*formField{reasonField("Reason", "why it is baseless, repetitive or excessive", "the reason for refusing")}
		},
		preview: func(c *Context, r model.Request, t model.Tenant, in formInput) func(*form) []string {
			ev := refusalEvidence(r, t, in.limit)
			return func(*form) []string { return ev }
		},
		confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
			return func(f *form) []string {
				return []string{"Refuse " + model.CleanLine(r.ID) + " as baseless, repetitive or excessive? The requester is told why.", "",
					"   reason  " + model.CleanLine(f.value("reason"))}
			}
		}}
}

// refusalEvidence is what supports a refusal: the limit and repeat flags and
// the earlier requests they count.
func refusalEvidence(r model.Request, t model.Tenant, lim *model.LimitResult) []string {
	out := []string{"Evidence:"}
	for _, f := range r.Flags {
		if f.Kind == model.FlagOverLimit || f.Kind == model.FlagRepetitive {
			out = append(out, "   "+f.Kind.Short()+"  "+model.CleanLine(f.Reason))
		}
	}
	if lim != nil && lim.Applies {
		out = append(out, fmt.Sprintf("   %d earlier request(s) to know since %s:", len(lim.Earlier), day(lim.From, t.Location())))
		for _, e := range lim.Earlier {
			out = append(out, fmt.Sprintf("     %s  %s  %s", model.CleanLine(e.ID), day(e.ReceivedAt, t.Location()), e.Status.Label()))
		}
	}
	if len(out) == 1 {
		out = append(out, "   none recorded: no limit or repeat flag — say in the reason why it is excessive")
	}
	return out
}

func extendSpec() actionSpec {
	return actionSpec{act: model.ActExtend, verb: "extend the deadline", apply: reasonOnly,
		fields: func(*Context, model.Request, model.Tenant, formInput) []*formField {
			return []*formField{reasonField("Reason", "the requester is told why", "the reason (the requester is told)")}
		},
		preview: func(c *Context, r model.Request, t model.Tenant, _ formInput) func(*form) []string {
			line := extensionLine(r, t)
			return func(*form) []string {
				return []string{line, "Only one extension is allowed, inside the first 45 days."}
			}
		},
		confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
			line := extensionLine(r, t)
			return func(f *form) []string {
				return []string{"Extend " + model.CleanLine(r.ID) + "? This is the only extension it can get.", "", "   " + line, "   reason  " + model.CleanLine(f.value("reason"))}
			}
		}}
}

// extensionLine says where the response deadline moves.
func extensionLine(r model.Request, t model.Tenant) string {
	loc := t.Location()
	before := model.ComputeDeadlinesIn(r, t, loc)
	x := r
	x.Extension = &model.Extension{}
	after := model.ComputeDeadlinesIn(x, t, loc)
	return fmt.Sprintf("legal response due %s → new due date %s", day(before.Legal, loc), day(after.Legal, loc))
}

func assignSpec() actionSpec {
	return actionSpec{act: model.ActAssign, verb: "assign", needsOperators: true,
		fields: func(c *Context, r model.Request, t model.Tenant, in formInput) []*formField {
			me := c.Actor.Handle()
			opts := []string{me}
			labels := []string{"me (" + model.CleanLine(me) + ")"}
			for _, o := range in.ops {
				if o.Handle == me || o.Disabled || !o.InScope(r.TenantID) || !o.Role.Can(model.PermTriage) {
					continue
				}
				opts = append(opts, o.Handle)
				labels = append(labels, model.CleanLine(o.Handle)+" ("+model.CleanLine(o.Name)+", "+roleLabel(o.Role)+")")
			}
			opts = append(opts, "")
			labels = append(labels, "nobody (unassign)")
			fd := choiceField("to", "Assign to", opts, labels)
			fd.check = func(f *form) string {
				if f.value("to") == r.AssignedTo {
					if r.AssignedTo == "" {
						return "it is not assigned to anyone"
					}
					return "it is already assigned to " + model.CleanLine(r.AssignedTo)
				}
				return ""
			}
			return []*formField{fd}
		},
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			return []string{"Now assigned to " + orDash(model.CleanLine(r.AssignedTo)) + "."}
		},
		apply: func(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
			to := f.value("to")
			return "", func(x *model.Request) error { x.AssignedTo = to; return nil }
		}}
}

func remindSpec() actionSpec {
	return actionSpec{act: model.ActRemind, verb: "remind the Customer",
		fields: func(c *Context, r model.Request, t model.Tenant, _ formInput) []*formField {
			return []*formField{approverChoice("to", "Reminded", t, false)}
		},
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			out := []string{"Record that you reminded " + model.CleanLine(t.Name) + " that " + model.CleanLine(r.ID) + " waits on its decision."}
			out = append(out, reminderSummary(r, t.Location()))
			if len(t.Approvers) == 0 {
				out = append(out, "This tenant lists no approver contacts: add them before reminding.")
			}
			return out
		},
		preview: func(c *Context, r model.Request, t model.Tenant, _ formInput) func(*form) []string {
			return func(f *form) []string {
				for _, ct := range t.Approvers {
					if ct.Name == f.value("to") {
						return []string{"   " + model.CleanLine(ct.Name) + " · " + orDash(model.CleanLine(ct.Title)) + " · " + orDash(model.CleanLine(ct.Email)) + " · " + orDash(model.CleanLine(ct.Phone))}
					}
				}
				return nil
			}
		},
		apply: func(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
			to := f.value("to")
			return "", func(x *model.Request) error {
				x.Reminders = append(x.Reminders, model.Reminder{To: to})
				return nil
			}
		}}
}

// reminderSummary is "2 reminders, last 2026-11-01 by sam to Dana".
func reminderSummary(r model.Request, loc *time.Location) string {
	last, ok := r.LastReminder()
	if !ok {
		return "No reminders sent yet."
	}
	return fmt.Sprintf("%d reminder(s) sent, last %s by %s to %s.", len(r.Reminders), stamp(last.At, loc), model.CleanLine(last.By), model.CleanLine(last.To))
}

func (p *formPane) keyPane() keymap.Pane { return keymap.PaneForm }

// discloseSpec offers the fields an access plan withholds as another
// person's data; the rule book decides the rest (disclose.*).
func discloseSpec() actionSpec {
	return actionSpec{act: model.ActDisclose, verb: "disclose another person's data",
		fields: func(c *Context, r model.Request, t model.Tenant, in formInput) []*formField {
			var opts, labels []string
			if r.Plan != nil {
				for _, d := range r.Plan.Docs {
					for _, pf := range d.Fields {
						key := d.Collection + "." + pf.Field
						if pf.ThirdParty == "" || pf.Op != model.FieldWithhold || slices.Contains(opts, key) {
							continue
						}
						opts = append(opts, key)
						labels = append(labels, model.CleanLine(key+" ("+pf.ThirdParty+")"))
					}
				}
			}
			field := choiceField("field", "Field", opts, labels)
			if i := slices.Index(opts, in.discloseField); i >= 0 {
				field.sel = i
			}
			return []*formField{field,
				reasonField("Why", "e.g. the requester is the guardian named", "why disclosing it does not harm the other person")}
		},
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			return []string{"Disclose, in " + model.CleanLine(r.ID) + "'s access package, a field holding another person's data.",
				"The plan must then be made again (" + c.keyFor(keymap.Replan) + " in the plan view) before it is signed off."}
		},
		apply: func(f *form, _ model.Request, _ model.Tenant, _ time.Time) (string, func(*model.Request) error) {
			coll, field, _ := strings.Cut(f.value("field"), ".")
			return f.value("reason"), func(x *model.Request) error {
				x.Disclosures = append(x.Disclosures, model.Disclosure{Collection: coll, Field: field})
				return nil
			}
		}}
}
