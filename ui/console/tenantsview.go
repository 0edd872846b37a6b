package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// detailLines is the selected tenant's every field: contacts, retention
// rules, legal holds, the Customer's calendar changes and the computed
// holidays of this year and next, each stored text cleaned.
func (p *tenantsPane) detailLines() []string {
	t, ok := p.selected()
	if !ok {
		return nil
	}
	return tenantDetailLines(t, p.ctx.Clock.Now().In(t.Location()).Year())
}

func tenantDetailLines(t model.Tenant, year int) []string {
	c := model.CleanLine
	loc := t.Location()
	state := t.State
	if state == "" {
		state = "—"
	}
	lines := []string{
		fmt.Sprintf("%s  %s", c(t.ID), c(t.Name)),
		fmt.Sprintf("  state %s · time zone %s · government %t · version %d", c(state), c(t.TimeZone), t.Government, t.Version),
	}
	if t.PrivacyContact != nil {
		lines = append(lines, "  privacy contact: "+c(contactLine(*t.PrivacyContact)))
	}
	section := func(title string, items []string) {
		lines = append(lines, "", title)
		if len(items) == 0 {
			items = []string{"none"}
		}
		for _, it := range items {
			lines = append(lines, "  "+it)
		}
	}
	var items []string
	for _, a := range t.Approvers {
		items = append(items, c(contactLine(a)))
	}
	section(fmt.Sprintf("Approvers (%d)", len(t.Approvers)), items)
	items = nil
	for _, r := range t.Retention {
		scope := ""
		if len(r.Collections) > 0 {
			scope = " in " + strings.Join(r.Collections, ", ")
		}
		items = append(items, c(fmt.Sprintf("%s%s: %s — basis: %s", r.Category, scope, r.Period, r.LegalBasis)))
	}
	section(fmt.Sprintf("Retention rules (%d)", len(t.Retention)), items)
	items = nil
	for _, h := range t.Holds {
		scope := "categories " + joinCategories(h.Categories)
		if h.SubjectID != "" {
			scope = "subject " + h.SubjectID
			if len(h.Categories) > 0 {
				scope += ", categories " + joinCategories(h.Categories)
			}
		}
		until := "until removed"
		if h.Until != nil {
			until = "until " + h.Until.In(loc).Format(time.DateOnly)
		}
		items = append(items, c(fmt.Sprintf("%s %s: %s — %s; since %s, %s", h.ID, h.Reference, h.Reason, scope,
			h.Since.In(loc).Format(time.DateOnly), until)))
	}
	section(fmt.Sprintf("Legal holds (%d)", len(t.Holds)), items)
	section("Holiday changes by the Customer", []string{
		"added:   " + c(orNone(strings.Join(append(append([]string{}, t.HolidayAdd...), t.Holidays...), ", "))),
		"removed: " + c(orNone(strings.Join(t.HolidayRemove, ", "))),
	})
	for _, y := range []int{year, year + 1} {
		items = nil
		for _, h := range t.Calendar().Holidays(y) {
			items = append(items, c(fmt.Sprintf("%s %s  %s (%s)", h.Date, dayOf(h.Date), h.Name, h.Source)))
		}
		section(fmt.Sprintf("Holidays %d (weekends are never business days)", y), items)
	}
	return lines
}

func (p *tenantsPane) detailView(t model.Tenant) string {
	th := p.ctx.Theme
	all := p.detailLines()
	head := th.Section.Render("Tenant " + model.CleanLine(t.ID))
	body := all[min(p.top, max(0, len(all)-1)):]
	lines := append([]string{head}, body...)
	return fitLines(strings.Join(lines, "\n"), p.width, p.height)
}

func contactLine(a model.Contact) string {
	parts := []string{a.Name}
	if a.Title != "" {
		parts[0] += " (" + a.Title + ")"
	}
	for _, s := range []string{a.Email, a.Phone, a.Address} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}

func joinCategories(cs []model.Category) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return orNone(strings.Join(out, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func dayOf(date string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return "   "
	}
	return d.Weekday().String()[:3]
}
