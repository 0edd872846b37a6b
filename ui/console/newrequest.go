package console

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// Logging a new request (n): one form, then the subject match. On save the
// console matches the subject among the tenant's subjects; one match is
// linked, several are listed for the operator to pick, none leaves it
// unlinked. Then it logs the request (under an id chosen when the form
// opened, so a retry after a failure cannot log it twice) and shows what
// the controller flagged: an agent, child data, the two-per-12-months limit
// with the earlier requests.

// newRequestPane is the log form, the candidate picker and the result.
type newRequestPane struct {
	*formPane
	id string
	// draft is the request as the form described it at the last save.
	draft   model.Request
	subject model.Person
	// stage: filling the form, picking among candidates, or done.
	stage      int
	candidates []model.Subject
	result     *newRequestResult
	// mainForm is the request form while the picker is shown.
	mainForm *form
	// known is the subject the request is for when it was logged from the
	// subject's detail: no matching, and only that subject's tenant.
	known *model.Subject

	matching call[[]model.Subject]
	logging  call[newRequestResult]
}

const (
	stageForm = iota
	stagePick
	stageDone
)

// newRequestResult is what the log produced.
type newRequestResult struct {
	req     model.Request
	subject *model.Subject
	limit   *model.LimitResult
}

// newRequestID names a request before it is saved: the date it was logged
// and a random part, e.g. R-20261102-K3QF7M.
func newRequestID(now time.Time) string {
	return "R-" + now.UTC().Format("20060102") + "-" + rand.Text()[:6]
}

func newNewRequestPane(c *Context, seq int, known *model.Subject) Pane {
	now := c.Clock.Now()
	p := &newRequestPane{id: newRequestID(now), known: known}
	tenantID := ""
	if known != nil {
		tenantID = known.TenantID
	}
	f := newForm(c, newRequestFields(c, tenantID))
	f.intro = []string{"Log a request as it arrived. It gets id " + p.id + "."}
	p.formPane = &formPane{ctx: c, seq: seq, form: f, title: "Log a new request"}
	p.save = func(*formPane) tea.Cmd { return p.match() }
	if known != nil {
		f.intro = append(f.intro, "It is about subject "+known.ID+" ("+subjectLabel(*known, now)+"); the requester is who asked.")
		// The subject is known: the questions about who it is are not asked.
		f.fields = slices.DeleteFunc(f.fields, func(fd *formField) bool {
			return slices.Contains([]string{"subject", "sname", "semail", "sphone"}, fd.key)
		})
		p.save = func(*formPane) tea.Cmd {
			p.draft, p.subject = p.draftOf()
			return p.log(p.known)
		}
	}
	return p
}

func tenantOf(c *Context, f *form) model.Tenant {
	t, _ := c.Tenant(f.value("tenant"))
	return t
}

// newRequestFields are the log form's fields; onlyTenant ("" for any in
// scope) limits the tenant choice to a known subject's.
func newRequestFields(c *Context, onlyTenant string) []*formField {
	var tids, tlabels []string
	for _, t := range c.Tenants() {
		if (c.Scope != "" && t.ID != c.Scope) || (onlyTenant != "" && t.ID != onlyTenant) {
			continue
		}
		tids = append(tids, t.ID)
		tlabels = append(tlabels, model.CleanLine(t.Name)+" ("+tenantShort(t.ID)+")")
	}
	if len(tids) == 0 {
		tids, tlabels = []string{""}, []string{"no tenant in scope"}
	}
	tenant := choiceField("tenant", "Tenant", tids, tlabels)
	tenant.check = func(f *form) string {
		if f.value("tenant") == "" {
			return "no tenant is in your scope"
		}
		return ""
	}
	var types, typeLabels []string
	for _, t := range model.RequestTypes() {
		types, typeLabels = append(types, string(t)), append(typeLabels, t.Label())
	}
	var channels []string
	for _, ch := range model.Channels() {
		channels = append(channels, string(ch))
	}
	received := textField("received", "Received", "YYYY-MM-DD, today or yesterday", func(f *form) string {
		if _, err := model.ParseDate(f.value("received"), tenantOf(c, f).Location(), c.Clock.Now()); err != nil {
			return err.Error()
		}
		return ""
	})
	received.input.SetValue("today")
	// Blank means "not stated": the controller takes the subject's state,
	// else the tenant's (model.ResolveResidency), so the form guesses none.
	state := textField("state", "Residency state", "", func(f *form) string {
		if f.value("state") == "" {
			return ""
		}
		if _, err := model.ParseState(f.value("state")); err != nil {
			return err.Error()
		}
		return ""
	})
	state.placeholderFrom = func(f *form) string {
		return "blank: the subject's state, else " + orDash(model.CleanLine(tenantOf(c, f).State))
	}
	var scopes, scopeLabels []string
	for _, sc := range model.AccessScopes() {
		scopes, scopeLabels = append(scopes, string(sc)), append(scopeLabels, sc.Label())
	}
	isAccess := func(f *form) bool { return f.value("type") == string(model.TypeAccess) }
	isCorrection := func(f *form) bool { return f.value("type") == string(model.TypeRectification) }
	var corrFields, corrLabels []string
	for _, dp := range model.CorrectableFields() {
		corrFields, corrLabels = append(corrFields, string(dp)), append(corrLabels, dp.Label())
	}
	corrValue := textField("cvalue", "  corrected value", "what it should say", func(f *form) string {
		if _, _, err := model.ParseCorrection(f.value("cfield"), f.value("cvalue"), c.Clock.Now()); err != nil {
			return err.Error()
		}
		return ""
	})
	someoneElse := func(f *form) bool { return f.value("subject") == "other" }
	byAgent := func(f *form) bool { return f.value("by") == "agent" }
	fields := []*formField{
		tenant,
		choiceField("type", "Type", types, typeLabels),
		hidden(choiceField("cfield", "  field to correct", corrFields, corrLabels), isCorrection),
		hidden(corrValue, isCorrection),
		hidden(choiceField("scope", "  asks for", scopes, scopeLabels), isAccess),
		choiceField("channel", "Channel", channels, nil),
		received,
		state,
		textField("name", "Requester name", "as they gave it", personCheck("name", "email", "phone", "the requester")),
		textField("email", "Requester email", "optional", emailCheck("email")),
		textField("phone", "Requester phone", "optional", phoneCheck("phone")),
		choiceField("subject", "Subject", []string{"same", "other"}, []string{"same as requester", "someone else"}),
		hidden(textField("sname", "  subject name", "the person the data is about", personCheck("sname", "semail", "sphone", "the subject")), someoneElse),
		hidden(textField("semail", "  subject email", "optional", emailCheck("semail")), someoneElse),
		hidden(textField("sphone", "  subject phone", "optional", phoneCheck("sphone")), someoneElse),
		choiceField("by", "Submitted by", []string{"self", "agent"}, []string{"the requester", "an authorized agent"}),
		hidden(textField("aname", "  agent name", "person or contact at the firm", required("aname", "the agent's name")), byAgent),
		hidden(textField("aorg", "  agent firm", "optional", nil), byAgent),
		hidden(textField("aemail", "  agent email", "optional", emailCheck("aemail")), byAgent),
		hidden(textField("aperm", "  permission", "where the subject's signed permission is", required("aperm", "the subject's written permission (§7063)")), byAgent),
	}
	return fields
}

func hidden(fd *formField, show func(*form) bool) *formField {
	fd.show = show
	return fd
}

func personCheck(name, email, phone, who string) func(*form) string {
	return func(f *form) string {
		if f.value(name) == "" && f.value(email) == "" && f.value(phone) == "" {
			return who + " needs a name, email or phone"
		}
		if v := f.value(name); v != "" {
			if _, err := model.ParseText("name", v, 200); err != nil {
				return err.Error()
			}
		}
		return ""
	}
}

func emailCheck(k string) func(*form) string {
	return func(f *form) string {
		if v := f.value(k); v != "" {
			if _, err := model.ParseEmail(v); err != nil {
				return err.Error()
			}
		}
		return ""
	}
}

func phoneCheck(k string) func(*form) string {
	return func(f *form) string {
		if v := f.value(k); v != "" {
			if _, err := model.ParsePhone(v); err != nil {
				return err.Error()
			}
		}
		return ""
	}
}

// draftOf builds the request the form describes (the form is valid).
func (p *newRequestPane) draftOf() (model.Request, model.Person) {
	f, c := p.form, p.ctx
	t := tenantOf(c, f)
	recv, _ := model.ParseDate(f.value("received"), t.Location(), c.Clock.Now())
	state := ""
	if f.value("state") != "" {
		state, _ = model.ParseState(f.value("state"))
	}
	email := func(k string) string { v, _ := model.ParseEmail(f.value(k)); return v }
	phone := func(k string) string { v, _ := model.ParsePhone(f.value(k)); return v }
	r := model.Request{
		ID: p.id, TenantID: t.ID, Type: model.RequestType(f.value("type")), Channel: model.Channel(f.value("channel")),
		ReceivedAt: recv, ResidencyState: state,
		Requester: model.Person{Name: f.value("name"), Email: email("email"), Phone: phone("phone")},
	}
	if r.Type == model.TypeAccess {
		r.AccessScope = model.AccessScope(f.value("scope"))
	}
	if r.Type == model.TypeRectification {
		if field, value, err := model.ParseCorrection(f.value("cfield"), f.value("cvalue"), c.Clock.Now()); err == nil {
			r.Corrections = map[string]string{string(field): value}
		}
	}
	if f.value("by") == "agent" {
		r.Agent = &model.Agent{Person: model.Person{Name: f.value("aname"), Email: email("aemail")},
			Organization: f.value("aorg"), PermissionEvidence: f.value("aperm")}
	}
	subject := r.Requester
	if f.value("subject") == "other" {
		subject = model.Person{Name: f.value("sname"), Email: email("semail"), Phone: phone("sphone")}
	}
	return r, subject
}

// match looks the subject up among the tenant's subjects.
func (p *newRequestPane) match() tea.Cmd {
	c := p.ctx
	draft, subject := p.draftOf()
	p.draft, p.subject = draft, subject
	p.form.progress = "matching the subject"
	return p.matching.start(c, func(ctx context.Context, b Backend, actor model.Actor) ([]model.Subject, error) {
		return b.MatchSubjects(ctx, actor, draft.TenantID, subject)
	})
}

// log saves the draft linked to sub (nil: unlinked).
func (p *newRequestPane) log(sub *model.Subject) tea.Cmd {
	c := p.ctx
	r := p.draft
	if sub != nil {
		// The controller derives the flags (child, agent, limit) from the
		// subject through model.Intake, as for every other way in.
		r.SubjectID = sub.ID
	}
	p.form.saving, p.form.err, p.form.progress = true, "", "logging "+p.id
	return tea.Batch(p.form.spin.Tick, p.logging.start(c, func(ctx context.Context, backend Backend, actor model.Actor) (newRequestResult, error) {
		got, err := backend.CreateRequest(ctx, actor, r)
		if err != nil {
			return newRequestResult{}, err
		}
		res := newRequestResult{req: got}
		if got.SubjectID != "" {
			if s, err := backend.Subject(ctx, actor, got.SubjectID); err == nil {
				res.subject = &s
			}
			if lim, err := backend.KnowLimit(ctx, actor, got.ID); err == nil {
				res.limit = &lim
			}
		}
		return res, nil
	}))
}

// matched goes on from the subject match: log with the one subject found
// (or none), or ask which of several it is.
func (p *newRequestPane) matched(subs []model.Subject, err error) tea.Cmd {
	if err != nil {
		p.form.saving = false
		p.form.err = "matching the subject: " + errText(err)
		return nil
	}
	switch len(subs) {
	case 0:
		return p.log(nil)
	case 1:
		return p.log(&subs[0])
	}
	p.form.saving = false
	p.stage, p.candidates = stagePick, subs
	p.pickForm()
	return nil
}

// logged shows what the log produced, or why it failed.
func (p *newRequestPane) logged(res newRequestResult, err error) tea.Cmd {
	p.form.saving = false
	if err != nil {
		p.form.err = errText(err)
		return nil
	}
	p.stage, p.result = stageDone, &res
	p.body = func(*formPane) []string { return p.resultLines() }
	p.helpKeys = func(fp *formPane) []key.Binding {
		back := fp.ctx.Keys.Binding(keymap.Back)
		back.SetHelp(back.Help().Key, "close")
		open := fp.ctx.Keys.Binding(keymap.Open)
		open.SetHelp(open.Help().Key, "open the request")
		return []key.Binding{open, back}
	}
	r := res.req
	return tea.Batch(changed(r), p.ctx.Info("logged "+model.CleanLine(r.ID)))
}

func (p *newRequestPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if subs, err, ok := p.matching.accept(msg); ok {
		return p, p.matched(subs, err)
	}
	if res, err, ok := p.logging.accept(msg); ok {
		return p, p.logged(res, err)
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		k := p.ctx.Keys
		switch p.stage {
		case stageDone:
			switch {
			case k.Matches(msg, keymap.Open):
				id := p.result.req.ID
				return p, tea.Batch(p.close(), func() tea.Msg { return openRequestMsg{id: id} })
			case k.Matches(msg, keymap.Back):
				return p, p.close()
			}
			return p, nil
		case stagePick:
			if p.form.saving {
				return p, nil
			}
			res, cmd := p.form.update(msg)
			switch res {
			case formCancel:
				// Back to the request form, exactly as typed.
				p.stage = stageForm
				p.form = p.mainForm
				return p, nil
			case formSubmit:
				id := p.form.value("pick")
				for i := range p.candidates {
					if p.candidates[i].ID == id {
						return p, p.log(&p.candidates[i])
					}
				}
				return p, p.log(nil) // none of these
			}
			return p, cmd
		}
	}
	_, cmd := p.formPane.Update(msg)
	return p, cmd
}

// pickForm replaces the form with the choice among candidates; the request
// form is kept to return to.
func (p *newRequestPane) pickForm() {
	c := p.ctx
	p.mainForm = p.form
	var opts, labels []string
	for _, s := range p.candidates {
		opts = append(opts, s.ID)
		labels = append(labels, subjectLabel(s, c.Clock.Now()))
	}
	opts = append(opts, "")
	labels = append(labels, "none of these: log it unlinked")
	f := newForm(c, []*formField{choiceField("pick", "Subject", opts, labels)})
	f.intro = []string{fmt.Sprintf("%d subjects of %s match what the requester gave. Pick the one the request is about (%s/%s), enter logs it; %s goes back to the form.",
		len(p.candidates), model.CleanLine(tenantOf(c, p.mainForm).Name), c.keyFor(keymap.FormPrevOption), c.keyFor(keymap.FormNextOption), c.keyFor(keymap.Back))}
	f.preview = func(f *form) []string {
		var out []string
		for i, s := range p.candidates {
			mark := "  "
			if i == f.field("pick").sel {
				mark = "▸ "
			}
			out = append(out, " "+mark+subjectLabel(s, c.Clock.Now()))
		}
		return out
	}
	p.form = f
}

// subjectLabel describes a candidate masked: enough to tell them apart.
func subjectLabel(s model.Subject, now time.Time) string {
	clean := model.CleanLine
	parts := []string{clean(s.ID), clean(model.Mask(model.KindName, clean(s.Name)))}
	if len(s.Emails) > 0 {
		parts = append(parts, clean(model.Mask(model.KindEmail, clean(s.Emails[0]))))
	}
	if len(s.Phones) > 0 {
		parts = append(parts, clean(model.Mask(model.KindPhone, clean(s.Phones[0]))))
	}
	if age, ok := s.AgeOn(now); ok {
		parts = append(parts, fmt.Sprintf("age %d", age))
	}
	parts = append(parts, string(s.Status))
	return strings.Join(parts, " · ")
}

func (p *newRequestPane) resultLines() []string {
	th, c := p.ctx.Theme, p.ctx
	res := p.result
	r := res.req
	t, _ := c.Tenant(r.TenantID)
	loc := t.Location()
	clean := model.CleanLine
	w := p.width
	var out []string
	add := func(s string) {
		for _, l := range strings.Split(ansi.Wrap(s, max(8, w-4), " ,;/"), "\n") {
			out = append(out, "   "+l)
		}
	}
	out = append(out, " "+th.Info.Render("Logged "+clean(r.ID)), "")
	// "due" is the response the requester is owed; the acknowledgement,
	// due sooner, is named apart so the two dates are not confused.
	d := model.ComputeDeadlines(r, t)
	line := fmt.Sprintf("%s · %s via %s · received %s · response due %s", clean(t.Name), r.Type.Label(), r.Channel, day(r.ReceivedAt, loc), day(d.Response, loc))
	if !d.Ack.IsZero() && !d.AckDone {
		line += " · acknowledge by " + day(d.Ack, loc)
	}
	add(line)
	switch {
	case res.subject != nil:
		add("subject: linked to " + subjectLabel(*res.subject, c.Clock.Now()))
	case len(p.candidates) > 1:
		add(fmt.Sprintf("subject: not linked — none of the %d candidates was picked", len(p.candidates)))
	default:
		add("subject: no subject of this tenant matches — logged unlinked")
	}
	if r.Type == model.TypeAccess && r.AccessScope != "" {
		add("asks for: " + clean(r.AccessScope.Label()) + " — verification needs a " + model.RequiredLevel(r).Label())
	}
	add("residency: " + residencyLine(r))
	if len(r.Flags) == 0 {
		add("flags: none")
	}
	for _, f := range r.Flags {
		add(th.Soon.Render(f.Kind.Short()) + "  " + clean(f.Reason))
	}
	if l := res.limit; l != nil && l.Applies {
		add(fmt.Sprintf("limit: %d earlier request(s) to know since %s%s", len(l.Earlier), day(l.From, loc), map[bool]string{true: " — over the two-per-12-months limit", false: ""}[l.Over]))
		for _, e := range l.Earlier {
			add(fmt.Sprintf("   %s  %s  %s", clean(e.ID), day(e.ReceivedAt, loc), e.Status.Label()))
		}
	}
	out = append(out, "", th.Dim.Render(" "+c.keyFor(keymap.Open)+" opens it · "+c.keyFor(keymap.Back)+" closes"))
	return out
}
