package console

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// subjectMsg answers a subject pane's load; to names the pane instance.
type subjectMsg struct {
	to     *subjectPane
	sub    model.Subject
	recs   []model.PIRecord
	reqs   []model.Request
	loc    *time.Location
	err    error
	recErr error
	reqErr error
}

// revealMsg carries one revealed value (or why it was not revealed).
type revealMsg struct {
	to    *subjectPane
	ref   model.FieldRef
	label string
	value string
	err   error
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
	loc     *time.Location
	err     string
	recErr  string
	reqErr  string
	loading bool
	cancel  context.CancelFunc

	spin          spinner.Model
	vp            viewport.Model
	width, height int

	items []subjectItem
	cur   int

	prompt    textinput.Model
	asking    bool
	revealing bool
	revealed  *revealMsg
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
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.revealed = nil
}

func (p *subjectPane) load() tea.Cmd {
	if p.cancel != nil {
		p.cancel()
	}
	p.loading, p.err = true, ""
	c := p.ctx
	backend, actor, id, to := c.Backend, c.Actor, p.id, p
	tenants := c.tenants
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	p.cancel = cancel
	fetch := func() tea.Msg {
		defer cancel()
		s, err := backend.Subject(ctx, actor, id)
		if err != nil {
			return subjectMsg{to: to, err: err}
		}
		msg := subjectMsg{to: to, sub: s, loc: time.UTC}
		if t, ok := tenants[s.TenantID]; ok {
			msg.loc = t.Location()
		}
		msg.reqs, msg.reqErr = backend.SubjectRequests(ctx, actor, id)
		msg.recs, msg.recErr = backend.SubjectRecords(ctx, actor, id)
		return msg
	}
	return tea.Batch(fetch, p.spin.Tick)
}

func (p *subjectPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.vp.SetWidth(w)
	p.vp.SetHeight(max(1, h-2))
	p.prompt.SetWidth(max(10, w-12))
	p.render()
}

func (p *subjectPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case subjectMsg:
		if msg.to != p {
			return p, nil
		}
		p.loading, p.cancel = false, nil
		if msg.err != nil {
			p.err = errText(msg.err)
			return p, p.ctx.Error(fmt.Sprintf("subject %s: %s — %s goes back", model.CleanLine(p.id), p.err, p.ctx.keyFor(keymap.Back)))
		}
		p.sub, p.recs, p.reqs, p.loc = &msg.sub, msg.recs, msg.reqs, msg.loc
		p.recErr, p.reqErr = "", ""
		if msg.recErr != nil {
			p.recErr = errText(msg.recErr)
		}
		if msg.reqErr != nil {
			p.reqErr = errText(msg.reqErr)
		}
		p.render()
	case revealMsg:
		if msg.to != p {
			return p, nil
		}
		p.revealing = false
		if msg.err != nil {
			return p, p.ctx.Error(revealError(msg.err))
		}
		p.token++
		p.revealed = &msg
		p.until = p.ctx.Clock.Now().Add(p.revealFor)
		p.render()
		token := p.token
		return p, tea.Batch(
			p.ctx.Info(fmt.Sprintf("%s revealed for %s — the reveal is on the audit record", msg.label, p.revealFor)),
			tea.Tick(p.revealFor, func(time.Time) tea.Msg { return hideRevealMsg{to: p, token: token} }),
		)
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
			reason := strings.TrimSpace(model.CleanLine(p.prompt.Value()))
			if reason == "" {
				return p.ctx.Error("a reveal needs a reason: say why you need to see this value, or esc to cancel")
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
	c := p.ctx
	backend, actor, id, to, timeout := c.Backend, c.Actor, p.id, p, c.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		v, err := backend.RevealField(ctx, actor, id, it.ref, reason)
		return revealMsg{to: to, ref: it.ref, label: it.label, value: v, err: err}
	}
}

func (p *subjectPane) View() string {
	th := p.ctx.Theme
	title := th.Crumb.Render(truncate(" "+p.heading(), p.width))
	var body string
	switch {
	case p.sub == nil && p.loading:
		body = " " + p.spin.View() + " loading subject " + model.CleanLine(p.id) + "…"
	case p.sub == nil && p.err != "":
		body = th.Error.Render(truncate(" could not load subject "+model.CleanLine(p.id)+": "+p.err, p.width)) +
			"\n" + th.Dim.Render(" "+p.ctx.keyFor(keymap.Back)+" goes back · "+p.ctx.keyFor(keymap.Refresh)+" retries")
	case p.sub == nil:
	default:
		body = p.vp.View()
	}
	body = fitLines(body, p.width, max(1, p.height-2))
	var foot string
	switch {
	case p.asking:
		foot = " " + p.prompt.View()
	case p.revealing:
		foot = th.Dim.Render(" revealing…")
	case p.loading && p.sub != nil:
		foot = th.Dim.Render(" " + p.spin.View() + " refreshing")
	default:
		hint := ""
		if len(p.items) > 0 && p.ctx.Actor.Can(model.PermReveal) {
			hint = " " + p.ctx.keyFor(keymap.Reveal) + " reveals the field under the cursor (with a reason; audited)"
		}
		right := ""
		if p.sub != nil {
			right = fmt.Sprintf("%3.0f%% ", p.vp.ScrollPercent()*100)
		}
		foot = th.Dim.Render(spread(hint, right, p.width))
	}
	return title + "\n" + body + "\n" + foot
}

func (p *subjectPane) heading() string {
	if p.sub == nil {
		return p.Title()
	}
	s := p.sub
	t, _ := p.ctx.Tenant(s.TenantID)
	return strings.Join([]string{
		"Subject " + model.CleanLine(s.ID),
		model.CleanLine(model.Mask(model.KindName, model.CleanLine(s.Name))),
		"account " + model.CleanLine(string(s.Status)),
		model.CleanLine(t.Name) + " (" + tenantShort(s.TenantID) + ")",
	}, " · ")
}

func (p *subjectPane) render() {
	if p.sub == nil || p.width <= 0 {
		return
	}
	yoff := p.vp.YOffset()
	p.vp.SetContent(p.content())
	p.vp.SetYOffset(yoff)
}

// value is what a field shows: masked, or the revealed value while its
// reveal lasts (cleaned: it is stored text like any other).
func (p *subjectPane) value(ref model.FieldRef, masked string) string {
	if r := p.revealed; r != nil && r.ref == ref {
		return p.ctx.Theme.Badge.Render(model.CleanLine(r.value)) + p.ctx.Theme.Dim.Render(" (revealed until "+p.until.In(p.loc).Format("15:04:05")+")")
	}
	return model.CleanLine(masked)
}

func (p *subjectPane) content() string {
	s := *p.sub
	th := p.ctx.Theme
	clean := model.CleanLine
	d := &doc{th: th, width: p.width, labelW: 22}
	p.items = p.items[:0]
	selected := func() bool { return len(p.items)-1 == p.cur }
	field := func(ref model.FieldRef, label, masked, note string) {
		p.items = append(p.items, subjectItem{ref: ref, label: label, line: len(d.lines)})
		v := p.value(ref, masked)
		if note != "" {
			v += "  " + th.Dim.Render(note)
		}
		start := len(d.lines)
		d.kv(label, v)
		if selected() {
			d.lines[start] = th.Selected.Render(padRight("▸"+strings.TrimPrefix(d.lines[start], " "), d.width))
		}
	}
	idRef := func(f string) model.FieldRef {
		return model.FieldRef{Collection: model.SubjectsCollection, RecordID: s.ID, Field: f}
	}
	t, _ := p.ctx.Tenant(s.TenantID)

	d.section("Identity")
	field(idRef("name"), "name", model.Mask(model.KindName, clean(s.Name)), "")
	field(idRef("emails"), "email", joinMasked(model.KindEmail, s.Emails), "")
	field(idRef("phones"), "phone", joinMasked(model.KindPhone, s.Phones), "")
	field(idRef("address"), "address", model.Mask(model.KindAddress, clean(s.Address)), "")
	field(idRef("birth_date"), "birth date", model.Mask(model.KindDate, s.BirthDate), "sensitive")
	d.kv("subject id", clean(s.ID))
	d.kv("account", clean(s.AccountID)+" · "+clean(string(s.Status)))
	d.kv("tenant", clean(t.Name)+" ("+tenantShort(s.TenantID)+")")
	d.kv("residency", orDash(clean(s.ResidencyState)))

	p.requests(d, s)
	p.records(d, field)
	if p.cur >= len(p.items) {
		p.cur = max(0, len(p.items)-1)
	}
	return strings.Join(d.lines, "\n")
}

func joinMasked(kind model.FieldKind, vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = model.Mask(kind, model.CleanLine(v))
	}
	return orDash(strings.Join(out, "; "))
}

// requests lists the subject's requests, newest first, marking the
// requests to know that count toward the two-per-12-months limit.
func (p *subjectPane) requests(d *doc, s model.Subject) {
	th := p.ctx.Theme
	clean := model.CleanLine
	now := p.ctx.Clock.Now()
	next := model.Request{ID: "(next)", Type: model.TypeAccess, SubjectID: s.ID, ResidencyState: s.ResidencyState, ReceivedAt: now}
	lim := model.CheckKnowLimit(next, p.reqs)
	inWindow := map[string]bool{}
	for _, r := range lim.Earlier {
		inWindow[r.ID] = true
	}
	title := fmt.Sprintf("Requests (%d)", len(p.reqs))
	if lim.Applies {
		title += fmt.Sprintf(" · %d of %d requests to know since %s", len(lim.Earlier), model.KnowLimit, day(lim.From, p.loc))
	}
	d.section(title)
	if p.reqErr != "" {
		d.line("   " + th.Error.Render("could not read the requests: "+p.reqErr))
		return
	}
	if lim.Applies {
		note := "California resident: ◆ marks the requests to know inside the 12-month window"
		if lim.Over {
			note += " — a new request to know would be over the limit"
		}
		d.line("   " + th.Dim.Render(note))
	} else {
		d.line("   " + th.Dim.Render("the two-per-12-months limit applies to California residents only"))
	}
	// New requests are logged from the queue: the triage change has not
	// landed, so this pane offers no key for it.
	for _, r := range p.reqs {
		mark := "  "
		if inWindow[r.ID] {
			mark = th.Next.Render("◆ ")
		}
		line := fmt.Sprintf("%s%-14s %-14s %s  %s", mark, clean(r.ID), clean(r.Type.Label()), day(r.ReceivedAt, p.loc), clean(r.Status.Label()))
		p.items = append(p.items, subjectItem{request: r.ID, label: "request " + clean(r.ID), line: len(d.lines)})
		text := "   " + line
		if len(p.items)-1 == p.cur {
			text = th.Selected.Render(padRight(" ▸ "+line, d.width))
		}
		d.line(text)
	}
	if len(p.reqs) == 0 {
		d.line("   " + th.Dim.Render("none"))
	}
}

// records lists every record the data map finds, each field masked with
// what governs its deletion.
func (p *subjectPane) records(d *doc, field func(model.FieldRef, string, string, string)) {
	th := p.ctx.Theme
	clean := model.CleanLine
	colls := map[string]bool{}
	for _, r := range p.recs {
		colls[r.Collection] = true
	}
	d.section(fmt.Sprintf("Records (%d in %d collections)", len(p.recs), len(colls)))
	if p.recErr != "" {
		d.line("   " + th.Error.Render("could not read the records: "+p.recErr))
		return
	}
	if len(p.recs) == 0 {
		d.line("   " + th.Dim.Render("no records in any mapped collection"))
	}
	for _, r := range p.recs {
		d.lines = append(d.lines, "")
		d.line("   " + th.Label.Render(clean(r.Collection)+" · "+clean(r.Product)) + "  " + clean(r.RecordID) + "  collected " + day(r.CollectedAt, p.loc))
		for _, f := range r.Fields {
			ref := model.FieldRef{Collection: r.Collection, RecordID: r.RecordID, IDKey: r.IDKey, Field: f.Field}
			field(ref, clean(f.Field), orDash(f.Masked), clean(string(f.Category)))
			// A hold blocks deletion outright, so it comes first.
			for _, h := range f.Holds {
				d.line("      " + th.Overdue.Render(truncate("legal hold "+clean(h.ID)+": "+clean(h.Reference), d.width-6)))
			}
			if f.Retention != nil {
				d.line("      " + th.Dim.Render(truncate("kept "+clean(f.Retention.Period)+" ("+clean(f.Retention.LegalBasis)+")", d.width-6)))
			}
		}
	}
}
