package console

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// Fulfilment. Three views over a request: the plan (made in a Cmd
// behind a spinner, previewed, signed off by a second lead), the sign-off
// confirmation (the action form), and the run (progress through a channel,
// esc stops between steps, F resumes). The controller decides everything;
// these views only ask early where the lifecycle table already knows.

// fulfilOpenMsg asks the shell to open a fulfilment view of request id:
// the plan (Plan), its sign-off (SignOff) or a run (Fulfil). have is the
// request as the caller read it, when it has one.
type fulfilOpenMsg struct {
	action keymap.Action
	id     string
	have   *model.Request
	// confirmed is set by a retry, whose own confirmation already named
	// what the run changes: the run view does not ask a second time.
	confirmed bool
}

// fulfilKeys says which key reaches each fulfilment row of the lifecycle
// table: F starts a run (start_fulfilment), runs its steps (fulfil_step)
// and ends it (complete, or fail when a step cannot run).
func fulfilKeys() map[model.Action]keymap.Action {
	return map[model.Action]keymap.Action{
		model.ActPlan:            keymap.Plan,
		model.ActSignOff:         keymap.SignOff,
		model.ActStartFulfilment: keymap.Fulfil,
		model.ActFulfilStep:      keymap.Fulfil,
		model.ActComplete:        keymap.Fulfil,
		model.ActFail:            keymap.Fulfil,
	}
}

// fulfilActionKey is the fulfilment key msg presses in a list or a
// request's detail (sign-off belongs to the plan view only).
func fulfilActionKey(k keymap.KeyMap, msg tea.KeyPressMsg) (keymap.Action, bool) {
	for _, ka := range []keymap.Action{keymap.Plan, keymap.Fulfil} {
		if k.Matches(msg, ka) {
			return ka, true
		}
	}
	return "", false
}

func openFulfilCmd(ka keymap.Action, id string, have *model.Request) tea.Cmd {
	return func() tea.Msg { return fulfilOpenMsg{action: ka, id: id, have: have} }
}

// planQuestion is what a run of r's plan asks before it starts, or "".
func planQuestion(r model.Request) string {
	if r.Plan == nil {
		return ""
	}
	return model.PlanConfirmLine(*r.Plan)
}

// openFulfil runs in the shell and stacks the view asked for.
func (a *App) openFulfil(msg fulfilOpenMsg) tea.Cmd {
	c := a.ctx
	switch msg.action {
	case keymap.Plan:
		return a.pushView(func(seq int) Pane { return newPlanPane(c, seq, msg.id) })
	case keymap.Fulfil:
		// A retry from a failed run's view runs there again rather than
		// stacking a second run view over the stale one.
		if n := len(a.stack); n > 0 {
			if rp, ok := a.stack[n-1].(*runPane); ok && rp.id == msg.id && !rp.Capturing() {
				rp.confirmed = msg.confirmed
				return rp.read()
			}
		}
		return a.pushView(func(seq int) Pane {
			rp := newRunPane(c, seq, msg.id)
			rp.confirmed = msg.confirmed
			return rp
		})
	case keymap.SignOff:
		if msg.have == nil {
			return nil
		}
		r := *msg.have
		if model.Check(model.ActSignOff, requestFacts(c, r)) != nil {
			return a.attempt(model.ActSignOff, r.ID, r.Version)
		}
		t, _ := c.Tenant(r.TenantID)
		return a.pushView(func(seq int) Pane { return newSignOffPane(c, seq, r, t) })
	}
	return nil
}

// planSignature says who signed the plan, or who may.
func planSignature(p *model.Plan, loc *time.Location) string {
	if p.SignedBy != "" {
		return "signed by " + model.CleanLine(p.SignedBy) + " at " + stamp(p.SignedAt, loc)
	}
	return "awaiting sign-off by a privacy lead other than " + model.CleanLine(p.BuiltBy)
}

// staleText marks a stale plan (model.PlanStale) with the key that
// replaces it; "" while the plan still describes what a run would do.
func staleText(c *Context, r model.Request) string {
	why := model.PlanStale(r)
	if why == "" {
		return ""
	}
	return "stale: the request changed since this plan (replan with " + c.keyFor(keymap.Replan) + "): " + model.CleanLine(why)
}

func shortDigest(d string) string {
	d = model.CleanLine(d)
	if len(d) > 12 {
		return d[:12] + "…"
	}
	return orDash(d)
}

func doneSteps(p *model.Plan) int {
	return len(p.Steps) - len(p.Pending())
}

// ---- the plan view ----

type planLoadedMsg struct {
	seq int
	req model.Request
	loc *time.Location
	// made is set when the answer is a plan just made (or the failure to).
	made bool
	err  error
}

// planPane previews a request's fulfilment plan: the header, the counts
// per collection, every document and field, what is withheld and the
// steps. It makes the plan when there is none and the actor may.
type planPane struct {
	ctx *Context
	seq int
	id  string

	req     *model.Request
	loc     *time.Location
	loading bool // reading the request
	making  bool // PlanFulfilment in flight
	err     string
	spin    spinner.Model
	vp      viewport.Model
	width   int
	height  int
	cancel  context.CancelFunc
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
	p := &planPane{ctx: c, seq: seq, id: id, loc: time.UTC,
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

func (p *planPane) Close() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

// hintedRequest lets `?` follow the rule book on the plan's request, as the
// status line does.
func (p *planPane) hintedRequest() (model.Request, bool) {
	if p.req == nil {
		return model.Request{}, false
	}
	return *p.req, true
}

func (p *runPane) hintedRequest() (model.Request, bool) {
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
	p.Close()
	p.err = ""
	c := p.ctx
	backend, actor, id, seq := c.Backend, c.Actor, p.id, p.seq
	tenants := c.tenants
	var version int64 = -1
	if remake && p.req != nil {
		version = p.req.Version
	}
	if remake {
		p.making = true
	} else {
		p.loading = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	p.cancel = cancel
	fetch := func() tea.Msg {
		defer cancel()
		msg := planLoadedMsg{seq: seq, loc: time.UTC}
		r, err := backend.Request(ctx, actor, id)
		if err != nil {
			msg.err = err
			return msg
		}
		if t, ok := tenants[r.TenantID]; ok {
			msg.loc = t.Location()
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
				msg.req, msg.err = r, err
				return msg
			}
			r = got
		}
		msg.req = r
		return msg
	}
	return tea.Batch(fetch, p.spin.Tick)
}

func (p *planPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.vp.SetWidth(w)
	p.vp.SetHeight(max(1, h-2))
	p.reveal.prompt.SetWidth(max(10, w-12))
	p.render()
}

func (p *planPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	c := p.ctx
	switch msg := msg.(type) {
	case planLoadedMsg:
		if msg.seq != p.seq {
			return p, nil
		}
		p.loading, p.making, p.cancel = false, false, nil
		p.loc = msg.loc
		if msg.req.ID != "" {
			r := msg.req
			p.req = &r
		}
		p.render()
		if msg.err != nil {
			p.err = p.ctx.errText(msg.err)
			what := "read"
			if msg.made {
				what = "make the plan of"
			}
			hint := ""
			if errors.Is(msg.err, model.ErrConflict) {
				hint = " — " + c.keyFor(keymap.Refresh) + " re-reads it"
			}
			return p, c.Error(fmt.Sprintf("could not %s %s: %s%s", what, model.CleanLine(p.id), p.err, hint))
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
			return p, nil
		}
		if msg.made {
			pl := p.req.Plan
			return p, tea.Batch(changed(*p.req), c.Info(fmt.Sprintf("%s: plan made, %d steps — a privacy lead other than %s signs it off (%s)",
				model.CleanLine(p.id), len(pl.Steps), model.CleanLine(pl.BuiltBy), c.keyFor(keymap.SignOff))))
		}
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
	case planRevealMsg:
		if msg.seq == p.seq {
			return p, p.revealed(msg)
		}
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
	content, marks := planContentMarked(p.ctx.Theme, *p.req, p.loc, p.width)
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

// planContent is the whole preview at width w. Every string from the
// database goes through CleanLine here, the one place it enters the view.
func planContent(th Theme, r model.Request, loc *time.Location, w int) string {
	content, _ := planContentMarked(th, r, loc, w)
	return content
}

// planContentMarked is planContent with the lines of the fields withheld
// as another person's data: line index → collection.field.
func planContentMarked(th Theme, r model.Request, loc *time.Location, w int) (string, map[int]string) {
	pl := r.Plan
	clean := model.CleanLine
	d := &doc{th: th, width: w, labelW: 12}
	marks := map[int]string{}

	d.section("Plan " + clean(pl.ID))
	subj := clean(r.SubjectLabel)
	if subj == "" {
		subj = "-"
	}
	d.kv("request", clean(r.ID)+" · "+clean(r.Type.Label())+" · "+clean(r.TenantID))
	d.kv("subject", subj+"  ("+clean(pl.SubjectID)+")")
	d.kv("built", "by "+clean(pl.BuiltBy)+" at "+stamp(pl.BuiltAt, loc))
	sig := planSignature(pl, loc)
	if pl.SignedBy == "" {
		sig = th.Soon.Render(sig)
	}
	d.kv("sign-off", sig)
	d.kv("digest", shortDigest(pl.Digest))
	if pl.Since != nil {
		d.kv("look-back", "records collected since "+day(*pl.Since, loc)+"; earlier ones are out of scope")
	}
	d.kv("steps", fmt.Sprintf("%d of %d done", doneSteps(pl), len(pl.Steps)))

	d.section("Documents per collection")
	planCounts(d, pl)

	d.section(fmt.Sprintf("Documents (%d)", len(pl.Docs)))
	for _, pd := range pl.Docs {
		planDocLines(d, pd, loc, marks)
	}
	if len(pl.Docs) == 0 {
		d.line("   " + th.Dim.Render("the subject has no documents in any mapped collection"))
	}
	if pl.Subject != nil {
		d.section("Subject record")
		planDocLines(d, *pl.Subject, loc, marks)
	}

	disclosedLines(d, pl.Disclosures, r.Disclosures, loc)

	d.section(fmt.Sprintf("Withheld (%d)", len(pl.Withheld)))
	for _, wh := range pl.Withheld {
		withheldLines(d, wh)
	}
	if len(pl.Withheld) == 0 {
		d.line("   " + th.Dim.Render("nothing: the response withholds no data"))
	}

	d.section(fmt.Sprintf("Steps (%d of %d done)", doneSteps(pl), len(pl.Steps)))
	for i, s := range pl.Steps {
		mark := "·"
		if s.Done {
			mark = "✓"
		}
		line := fmt.Sprintf("%s %d. %s", mark, i+1, clean(s.Label))
		if s.Done {
			line += "  — " + orDash(clean(s.Result)) + " (" + clean(s.DoneBy) + " " + stamp(s.DoneAt, loc) + ")"
		}
		d.para(3, line)
	}
	if len(pl.Steps) == 0 {
		d.line("   " + th.Dim.Render("no steps: nothing to change"))
	}
	return strings.Join(d.lines, "\n"), marks
}

// planCounts is the preview's table: one row per collection, a column per
// operation. Columns no document uses are left out when all do not fit.
func planCounts(d *doc, pl *model.Plan) {
	counts := pl.Counts()
	if pl.Subject != nil {
		counts = append(counts, model.PlanCount{Collection: model.CleanLine(model.SubjectsCollection) + " (record)", Ops: map[model.DocOp]int{pl.Subject.Op: 1}})
	}
	if len(counts) == 0 {
		d.line("   " + d.th.Dim.Render("none"))
		return
	}
	cols := model.DocOps()
	nameW := len("collection")
	for _, c := range counts {
		nameW = max(nameW, textWidth(model.CleanLine(c.Collection)))
	}
	nameW = min(nameW, 24)
	width := func(cols []model.DocOp) int {
		n := 3 + nameW
		for _, o := range cols {
			n += 1 + max(5, len(o.Label()))
		}
		return n
	}
	if width(cols) > d.width {
		var used []model.DocOp
		for _, o := range cols {
			if slices.ContainsFunc(counts, func(c model.PlanCount) bool { return c.Ops[o] > 0 }) {
				used = append(used, o)
			}
		}
		cols = used
	}
	head := "   " + padRight("collection", nameW)
	for _, o := range cols {
		head += " " + padLeft(o.Label(), max(5, len(o.Label())))
	}
	d.line(d.th.Label.Render(truncate(head, d.width)))
	total := map[model.DocOp]int{}
	for _, c := range counts {
		row := "   " + padRight(model.CleanLine(c.Collection), nameW)
		for _, o := range cols {
			n := c.Ops[o]
			total[o] += n
			cell := "·"
			if n > 0 {
				cell = fmt.Sprint(n)
			}
			row += " " + padLeft(cell, max(5, len(o.Label())))
		}
		d.line(row)
	}
	row := "   " + padRight("total", nameW)
	for _, o := range cols {
		row += " " + padLeft(fmt.Sprint(total[o]), max(5, len(o.Label())))
	}
	d.line(d.th.Label.Render(truncate(row, d.width)))
}

// planDocLines is one document: where it is, when it was collected, what
// happens to it and why, then each field.
// marks, when not nil, gets the lines of each field withheld as another
// person's data, so D on such a line knows which field it is.
func planDocLines(d *doc, pd model.PlanDoc, loc *time.Location, marks map[int]string) {
	clean := model.CleanLine
	head := fmt.Sprintf("%s/%s  collected %s  %s", clean(pd.Collection), clean(pd.RecordID), day(pd.CollectedAt, loc), strings.ToUpper(pd.Op.Label()))
	if pd.Reason != "" {
		head += " — " + clean(pd.Reason)
	}
	d.para(3, head)
	for _, f := range pd.Fields {
		line := fmt.Sprintf("%s (%s) %s", clean(f.Field), clean(string(f.Category)), clean(f.Label()))
		if f.Current != "" || f.New != "" {
			line += "  " + orDash(clean(f.Current))
			if f.New != "" {
				line += " → " + clean(f.New)
			}
		}
		if f.Reason != "" {
			line += " — " + clean(f.Reason)
		}
		start := len(d.lines)
		d.para(7, line)
		if marks != nil && f.ThirdParty != "" && f.Op == model.FieldWithhold {
			for i := start; i < len(d.lines); i++ {
				marks[i] = pd.Collection + "." + f.Field
			}
		}
	}
}

func withheldLines(d *doc, wh model.Withheld) {
	where := make([]string, len(wh.Where))
	for i, x := range wh.Where {
		where[i] = model.CleanLine(x)
	}
	d.para(3, model.CleanLine(string(wh.Category))+": "+orDash(model.CleanLine(wh.Reason)))
	if len(where) > 0 {
		d.para(7, d.th.Dim.Render(strings.Join(where, ", ")))
	}
}

// ---- sign-off ----

// signOffPane is the sign-off confirmation: the action form opened at its
// question with Cancel focused. Cancel (or esc) closes it; confirming
// calls SignOffPlan with the digest on screen, so a plan replaced
// meanwhile is never signed.
type signOffPane struct {
	*formPaneReloading
}

func newSignOffPane(c *Context, seq int, r model.Request, t model.Tenant) Pane {
	fp := newActionPane(c, seq, specFor(model.ActSignOff), r, t, formInput{}).(*formPaneReloading)
	target := fp.target
	fp.save = func(p *formPane) tea.Cmd {
		backend, actor, timeout := c.Backend, c.Actor, c.Timeout
		id, version, seq := target.ID, target.Version, p.seq
		digest := ""
		if target.Plan != nil {
			digest = target.Plan.Digest
		}
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			got, err := backend.SignOffPlan(ctx, actor, id, version, digest)
			return formSavedMsg{seq: seq, req: got, err: err}
		}
	}
	fp.savedText = func(r model.Request) string {
		return fmt.Sprintf("%s: plan signed off by %s — %s runs it", model.CleanLine(r.ID), model.CleanLine(c.Actor.Handle()), c.keyFor(keymap.Fulfil))
	}
	// The question shows the plan as last read (ctrl+r re-reads it after a
	// lost race), which is the digest the save names.
	fp.form.confirm = func(*form) []string { return signOffQuestion(c, *target, t) }
	fp.form.confirming, fp.form.confirmOK = true, false
	fp.form.confirmEsc = "cancels"
	return &signOffPane{fp}
}

func (p *signOffPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok && p.form.confirming && !p.form.saving {
		k := p.ctx.Keys
		if k.Matches(km, keymap.Back) || (k.Matches(km, keymap.Open) && !p.form.confirmOK) {
			return p, tea.Batch(p.close(), p.ctx.Info(p.title+": cancelled, nothing changed"))
		}
	}
	if _, ok := msg.(formSavedMsg); ok {
		_, cmd := p.formPaneReloading.Update(msg)
		if p.form.err != "" {
			// A refusal leaves the question up, Cancel focused, so enter
			// does not sign by habit.
			p.form.confirming, p.form.confirmOK = true, false
		}
		return p, cmd
	}
	_, cmd := p.formPaneReloading.Update(msg)
	return p, cmd
}

func signOffSpec() actionSpec {
	return actionSpec{act: model.ActSignOff, verb: "sign off the plan", apply: noValues,
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			if r.Plan == nil {
				return []string{model.CleanLine(r.ID) + " has no plan."}
			}
			pl := r.Plan
			loc := t.Location()
			return []string{
				fmt.Sprintf("Plan %s of %s · %s · %d documents, %d steps", model.CleanLine(pl.ID), model.CleanLine(r.ID), r.Type.Label(), len(pl.Docs), len(pl.Steps)),
				"built by " + model.CleanLine(pl.BuiltBy) + " at " + stamp(pl.BuiltAt, loc) + " · " + planSignature(pl, loc),
			}
		},
		confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
			return func(*form) []string { return signOffQuestion(c, r, t) }
		}}
}

// signOffQuestion is the sign-off's confirmation: who built the plan and
// the digest being signed.
func signOffQuestion(c *Context, r model.Request, t model.Tenant) []string {
	if r.Plan == nil {
		return []string{"There is no plan to sign off."}
	}
	pl := r.Plan
	return []string{
		"Sign off plan " + model.CleanLine(pl.ID) + "? A privacy lead other than its builder signs (four eyes); its steps then run with " + c.keyFor(keymap.Fulfil) + ".",
		"",
		"   builder  " + model.CleanLine(pl.BuiltBy) + " at " + stamp(pl.BuiltAt, t.Location()),
		"   digest   " + model.CleanLine(pl.Digest),
		"   signer   " + model.CleanLine(c.Actor.Handle()),
	}
}

// ---- the run view ----

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

type runReadMsg struct {
	seq int
	req model.Request
	loc *time.Location
	err error
}

type runProgressMsg struct {
	seq, gen int
	p        model.StepProgress
	next     tea.Cmd
}

type runDoneMsg struct {
	seq, gen int
	req      model.Request
	err      error
}

// runPane runs (or resumes) a request's signed plan with a progress bar.
// The run is one backend call in a goroutine; its progress reaches Update
// through a channel read by a Cmd, so nothing blocks Update.
type runPane struct {
	ctx *Context
	seq int
	id  string

	req    *model.Request
	loc    *time.Location
	state  runState
	gen    int
	cancel context.CancelFunc
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
}

func newRunPane(c *Context, seq int, id string) *runPane {
	return &runPane{ctx: c, seq: seq, id: id, loc: time.UTC, bar: progress.New(progress.WithFillCharacters('█', '░'), progress.WithoutPercentage()),
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
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
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

// actionHintsFor keeps only the given request actions of actionHints.
func actionHintsFor(c *Context, r model.Request, only ...keymap.Action) []key.Binding {
	var out []key.Binding
	for _, b := range actionHints(c, r) {
		for _, a := range only {
			if slices.Equal(b.Keys(), c.Keys.Binding(a).Keys()) {
				out = append(out, b)
			}
		}
	}
	return out
}

func (p *runPane) read() tea.Cmd {
	p.state, p.err, p.hint = runReading, "", ""
	c := p.ctx
	backend, actor, id, seq, timeout := c.Backend, c.Actor, p.id, p.seq, c.Timeout
	tenants := c.tenants
	return tea.Batch(func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		r, err := backend.Request(ctx, actor, id)
		msg := runReadMsg{seq: seq, req: r, err: err, loc: time.UTC}
		if t, ok := tenants[r.TenantID]; ok {
			msg.loc = t.Location()
		}
		return msg
	}, p.spin.Tick)
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
			return "the plan is " + planSignature(r.Plan, p.loc), c.keyFor(keymap.Plan) + " opens it; they press " + c.keyFor(keymap.SignOff)
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

// run starts the backend's run in a goroutine and returns the Cmd that
// waits for its next progress report or its end.
func (p *runPane) run() tea.Cmd {
	p.gen++
	p.state, p.err, p.hint = runRunning, "", ""
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	c := p.ctx
	backend, actor, id, seq, gen, timeout := c.Backend, c.Actor, p.id, p.seq, p.gen, c.Timeout
	updates := make(chan runProgressMsg, 1)
	done := make(chan runDoneMsg, 1)
	go func() {
		r, err := backend.RunFulfilment(ctx, actor, id, func(sp model.StepProgress) {
			// Only the newest report matters: drop an unread one.
			select {
			case <-updates:
			default:
			}
			updates <- runProgressMsg{seq: seq, gen: gen, p: sp}
		})
		if err != nil || r.ID == "" {
			// The run may have moved the request (to failed) before it
			// returned the error: show it as it is now.
			rctx, rcancel := context.WithTimeout(context.Background(), timeout)
			if now, rerr := backend.Request(rctx, actor, id); rerr == nil {
				r = now
			}
			rcancel()
		}
		done <- runDoneMsg{seq: seq, gen: gen, req: r, err: err}
	}()
	var wait tea.Cmd
	wait = func() tea.Msg {
		select {
		case u := <-updates:
			u.next = wait
			return u
		case d := <-done:
			return d
		}
	}
	return tea.Batch(wait, p.spin.Tick)
}

func (p *runPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.bar.SetWidth(max(10, min(50, w-24)))
}

func (p *runPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	c := p.ctx
	switch msg := msg.(type) {
	case runReadMsg:
		if msg.seq != p.seq || p.state != runReading {
			return p, nil
		}
		p.loc = msg.loc
		if msg.err != nil {
			p.state, p.err = runFailed, p.ctx.errText(msg.err)
			return p, nil
		}
		r := msg.req
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
	case runProgressMsg:
		if msg.seq != p.seq || msg.gen != p.gen {
			return p, nil
		}
		p.done, p.total, p.label = msg.p.Done, msg.p.Total, model.CleanLine(msg.p.Label)
		return p, msg.next
	case runDoneMsg:
		if msg.seq != p.seq || msg.gen != p.gen {
			return p, nil
		}
		if p.cancel != nil {
			p.cancel()
			p.cancel = nil
		}
		stopping := p.state == runStopping
		var cmds []tea.Cmd
		if msg.req.ID != "" {
			r := msg.req
			p.req = &r
			if r.Plan != nil {
				p.done, p.total = doneSteps(r.Plan), len(r.Plan.Steps)
			}
			cmds = append(cmds, changed(r))
		}
		r := p.req
		switch {
		case msg.err != nil && errors.Is(msg.err, context.Canceled) && stopping:
			p.state = runStopped
			cmds = append(cmds, c.Info(p.stoppedText()))
		case r != nil && r.Status == model.StatusFailed:
			p.state = runFailed
			p.err = "failed: " + orDash(model.CleanLine(r.FailureReason))
			p.hint = p.failHint(r.FailureReason)
		case msg.err != nil:
			p.state, p.err = runFailed, p.ctx.errText(msg.err)
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
		return p, tea.Batch(cmds...)
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
				if p.cancel != nil {
					p.cancel()
				}
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
		d.para(1, th.Soon.Render("every step is done; a privacy lead completes it (the response) with "+p.ctx.keyFor(keymap.Fulfil)))
		return
	}
	when := ""
	if r.RespondedAt != nil {
		when = " " + stamp(*r.RespondedAt, p.loc)
	}
	d.para(1, "✓ completed"+when+" — "+orDash(model.CleanLine(r.Outcome)))
	responseLines(d, *r, p.loc, p.ctx.ExportDir)
}

// responseLines are what a response withheld and the access package.
func responseLines(d *doc, r model.Request, loc *time.Location, exportDir string) {
	th := d.th
	if len(r.Withheld) > 0 {
		d.line("")
		d.line(" " + th.Label.Render(fmt.Sprintf("withheld (%d)", len(r.Withheld))))
		for _, wh := range r.Withheld {
			withheldLines(d, wh)
		}
	}
	exportLines(d, r.Export, loc, exportDir)
}

// exportPath is where an access package is on this machine: the store
// records its directory under the exports directory.
func exportPath(x *model.AccessExport, exportDir string) string {
	dir := model.CleanLine(x.Dir)
	if filepath.IsAbs(x.Dir) {
		return dir
	}
	if exportDir == "" {
		return dir + " (in the exports directory)"
	}
	return model.CleanLine(filepath.Join(exportDir, x.Dir)) + string(filepath.Separator)
}

func exportLines(d *doc, x *model.AccessExport, loc *time.Location, exportDir string) {
	if x == nil {
		return
	}
	th := d.th
	d.line("")
	d.line(" " + th.Label.Render(fmt.Sprintf("export (%d records, %s)", x.Records, stamp(x.At, loc))))
	d.para(3, exportPath(x, exportDir))
	for _, f := range x.Files {
		d.para(3, fmt.Sprintf("%s  %d bytes", model.CleanLine(f.Name), f.Bytes))
		d.para(5, "sha256 "+model.CleanLine(f.SHA256))
	}
}
