package console

// Drawing the subject pane: the subject's values, masked until revealed,
// its requests and its records.

import (
	"fmt"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

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

// zone is the time zone of the subject's tenant, whose calendar its dates
// are shown in.
func (p *subjectPane) zone() *time.Location {
	t, _ := p.ctx.Tenant(p.sub.TenantID)
	return t.Location()
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
		return p.ctx.Theme.Badge.Render(model.CleanLine(r.value)) + p.ctx.Theme.Dim.Render(" (revealed until "+p.until.In(p.zone()).Format("15:04:05 MST")+")")
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
	loc := p.zone()
	next := model.Request{ID: "(next)", Type: model.TypeAccess, SubjectID: s.ID, ResidencyState: s.ResidencyState, ReceivedAt: now}
	lim := model.CheckKnowLimit(next, p.reqs)
	inWindow := map[string]bool{}
	for _, r := range lim.Earlier {
		inWindow[r.ID] = true
	}
	title := fmt.Sprintf("Requests (%d)", len(p.reqs))
	if lim.Applies {
		title += fmt.Sprintf(" · %d of %d requests to know since %s", len(lim.Earlier), model.KnowLimit, day(lim.From, loc))
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
		line := fmt.Sprintf("%s%-14s %-14s %s  %s", mark, clean(r.ID), clean(r.Type.Label()), day(r.ReceivedAt, loc), clean(r.Status.Label()))
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
	loc := p.zone()
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
		d.line("   " + th.Label.Render(clean(r.Collection)+" · "+clean(r.Product)) + "  " + clean(r.RecordID) + "  collected " + day(r.CollectedAt, loc))
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
