package console

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// tenantFormPane adds or edits a tenant. Every field's check is the one
// rule, model.Tenant.Validate, run on the tenant as typed: its message
// names the field as the tenants file spells it, which is also the
// field's key here, so the problem shows under the field it is about. The
// confirmation is the diff (present.LineDiff, as `tenants edit` prints
// it); the save is AddTenant or EditTenant, the CLI's calls.
type tenantFormPane struct {
	*formPane
	put call[[]string]
}

// Tenant form fields, keyed by the tenants file's names. Retention rules
// and contacts take a line syntax, entries separated by ";".
var tenantFieldKeys = []string{"id", "name", "state", "time_zone", "approvers", "retention", "holiday_add", "holiday_remove"}

func newTenantForm(c *Context, seq int, create bool, old model.Tenant) *tenantFormPane {
	check := func(key string) func(*form) string {
		return func(f *form) string {
			err := tenantFromForm(old, create, f).Validate()
			if err == nil || tenantProblemField(err.Error(), create) != key {
				return ""
			}
			return err.Error()
		}
	}
	var fields []*formField
	if create {
		fields = append(fields, textField("id", "Id", "e.g. city-of-example (a-z, 0-9, -)", check("id")))
	}
	fields = append(fields,
		textField("name", "Name", "the Customer's name", check("name")),
		textField("state", "State", "two-letter US state, e.g. CA (its holidays count)", check("state")),
		textField("time_zone", "Time zone", "IANA name, e.g. America/Los_Angeles", check("time_zone")),
		textField("approvers", "Approvers", "name | title | email | phone; …", check("approvers")),
		textField("retention", "Retention", "category | period | legal basis; … (\\; and \\| inside a text)", check("retention")),
		textField("holiday_add", "Holidays added", "YYYY-MM-DD, … (days the Customer closes)", check("holiday_add")),
		textField("holiday_remove", "Holidays removed", "YYYY-MM-DD, … (holidays it works)", check("holiday_remove")),
	)
	f := newForm(c, fields)
	title := "Add tenant"
	if !create {
		title = "Edit tenant " + model.CleanLine(old.ID)
		// Stored text reaches the terminal through the inputs, so it is
		// cleaned first; a value that had anything to clean then differs
		// from the stored one, which the diff shows before any save.
		set := func(key, v string) { f.setValue(key, model.CleanLine(v)) }
		set("name", old.Name)
		set("state", old.State)
		set("time_zone", old.TimeZone)
		set("approvers", approversText(old.Approvers))
		set("retention", retentionText(old.Retention))
		set("holiday_add", strings.Join(append(append([]string{}, old.HolidayAdd...), old.Holidays...), ", "))
		set("holiday_remove", strings.Join(old.HolidayRemove, ", "))
		f.intro = []string{"Legal holds and collections-scoped retention are kept as they are; change those with `custodian tenants edit`."}
	}
	f.confirm = func(f *form) []string {
		before := ""
		if !create {
			before = tenantText(old)
		}
		diff, changed := present.LineDiff(before, tenantText(tenantFromForm(old, create, f)))
		if !changed {
			return []string{title + "?", "", "   nothing changed"}
		}
		out := []string{title + "? The change:", ""}
		for _, l := range strings.Split(strings.TrimRight(diff, "\n"), "\n") {
			out = append(out, "   "+model.CleanLine(l))
		}
		return out
	}
	f.confirmLabel = "Save"
	p := &tenantFormPane{formPane: &formPane{ctx: c, seq: seq, form: f, title: title}}
	p.save = func(fp *formPane) tea.Cmd {
		t := tenantFromForm(old, create, fp.form)
		return p.put.start(c, func(ctx context.Context, b Backend, actor model.Actor) ([]string, error) {
			if create {
				return b.AddTenant(ctx, actor, t)
			}
			return b.EditTenant(ctx, actor, t)
		})
	}
	return p
}

// tenantProblemField is the form field a Validate message is about: the
// one it names after the tenant ("tenant x: time_zone: …"), else the first
// field, where a missing id or name shows.
func tenantProblemField(msg string, create bool) string {
	for _, k := range tenantFieldKeys {
		if strings.Contains(msg, ": "+k+":") || strings.Contains(msg, ": "+k+"[") || strings.Contains(msg, ": "+k+" ") {
			return k
		}
	}
	if create {
		return "id"
	}
	return "name"
}

// tenantFromForm is old as the form would write it: the typed fields
// replaced, everything the form does not show kept.
func tenantFromForm(old model.Tenant, create bool, f *form) model.Tenant {
	t := old
	if create {
		t = model.Tenant{ID: f.value("id"), Holds: []model.LegalHold{}}
	}
	t.Name, t.State, t.TimeZone = f.value("name"), f.value("state"), f.value("time_zone")
	t.Approvers = parseApprovers(f.value("approvers"))
	t.Retention = parseRetention(f.value("retention"), old.Retention)
	// None typed where none was stored is no change (the store compares
	// the lists deeply, and nil is not an empty list there).
	if len(t.Approvers) == 0 && len(old.Approvers) == 0 {
		t.Approvers = old.Approvers
	}
	if len(t.Retention) == 0 && len(old.Retention) == 0 {
		t.Retention = old.Retention
	}
	// The legacy list is shown as additions, which is what the store makes
	// of it on the first write.
	t.HolidayAdd, t.Holidays = splitList(f.value("holiday_add")), nil
	t.HolidayRemove = splitList(f.value("holiday_remove"))
	if !create && slices.Equal(t.HolidayAdd, append(append([]string{}, old.HolidayAdd...), old.Holidays...)) {
		t.HolidayAdd, t.Holidays = old.HolidayAdd, old.Holidays
	}
	return t
}

// splitEscaped splits s at every sep not escaped by a backslash, undoing
// the escapes in each piece: stored texts (a legal basis citing "§ 1; § 2")
// may hold the separators, which escapeField writes as \; and \|.
func splitEscaped(s string, sep rune) []string {
	var out []string
	var cur strings.Builder
	esc := false
	for _, r := range s {
		switch {
		case esc:
			if r != sep {
				cur.WriteRune('\\') // not an escape of this level: kept for the next
			}
			cur.WriteRune(r)
			esc = false
		case r == '\\':
			esc = true
		case r == sep:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	if esc {
		cur.WriteRune('\\')
	}
	return append(out, cur.String())
}

// escapeField writes a value so splitEscaped reads it back whole.
func escapeField(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, "|", `\|`).Replace(s)
}

func entries(s string) []string {
	var out []string
	for _, e := range splitEscaped(s, ';') {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func parts(e string, n int) []string {
	ps := splitEscaped(e, '|')
	for i := range ps {
		ps[i] = strings.TrimSpace(strings.NewReplacer(`\\`, `\`).Replace(ps[i]))
	}
	for len(ps) < n {
		ps = append(ps, "")
	}
	return ps
}

func parseApprovers(s string) []model.Contact {
	out := []model.Contact{}
	for _, e := range entries(s) {
		p := parts(e, 5)
		out = append(out, model.Contact{Name: p[0], Title: p[1], Email: p[2], Phone: p[3], Address: p[4]})
	}
	return out
}

// parseRetention reads "category | period | legal basis" entries; a rule
// that reads as an old one scoped to collections keeps its collections.
func parseRetention(s string, old []model.RetentionRule) []model.RetentionRule {
	out := []model.RetentionRule{}
	for _, e := range entries(s) {
		p := parts(e, 3)
		r := model.RetentionRule{Category: model.Category(p[0]), Period: p[1], LegalBasis: p[2]}
		for _, o := range old {
			if o.Category == r.Category && o.Period == r.Period && o.LegalBasis == r.LegalBasis {
				r.Collections = o.Collections
				break
			}
		}
		out = append(out, r)
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, d := range strings.Split(s, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}

func approversText(cs []model.Contact) string {
	var out []string
	for _, a := range cs {
		e := strings.Join([]string{escapeField(a.Name), escapeField(a.Title), escapeField(a.Email), escapeField(a.Phone)}, " | ")
		if a.Address != "" {
			e += " | " + escapeField(a.Address)
		}
		out = append(out, e)
	}
	return strings.Join(out, "; ")
}

func retentionText(rs []model.RetentionRule) string {
	var out []string
	for _, r := range rs {
		out = append(out, strings.Join([]string{escapeField(string(r.Category)), escapeField(r.Period), escapeField(r.LegalBasis)}, " | "))
	}
	return strings.Join(out, "; ")
}

// tenantText is the tenant one field per line, named as in the tenants
// file: what the confirmation diffs.
func tenantText(t model.Tenant) string {
	lines := []string{
		"id = " + t.ID, "name = " + t.Name, "state = " + t.State, "time_zone = " + t.TimeZone,
		fmt.Sprintf("government = %t", t.Government),
	}
	for i, a := range t.Approvers {
		lines = append(lines, fmt.Sprintf("approvers[%d] = %s", i, approversText([]model.Contact{a})))
	}
	for i, r := range t.Retention {
		l := fmt.Sprintf("retention[%d] = %s", i, retentionText([]model.RetentionRule{r}))
		if len(r.Collections) > 0 {
			l += " (in " + strings.Join(r.Collections, ", ") + ")"
		}
		lines = append(lines, l)
	}
	for i, h := range t.Holds {
		lines = append(lines, fmt.Sprintf("legal_holds[%d] = %s %s: %s", i, h.ID, h.Reference, h.Reason))
	}
	lines = append(lines,
		"holiday_add = "+strings.Join(append(append([]string{}, t.HolidayAdd...), t.Holidays...), ", "),
		"holiday_remove = "+strings.Join(t.HolidayRemove, ", "))
	return strings.Join(lines, "\n") + "\n"
}

func (p *tenantFormPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if fields, err, ok := p.put.accept(msg); ok {
		p.form.saving = false
		if err != nil {
			p.form.err = p.ctx.errText(err)
			if errors.Is(err, model.ErrConflict) {
				p.form.err += " — close the form (esc), and open it again to edit the tenant as it is now"
			}
			// Back to the form, the refusal shown: enter does not repeat it.
			p.form.confirming, p.form.confirmOK = false, false
			return p, nil
		}
		news := p.title + ": no change"
		if len(fields) > 0 {
			news = fmt.Sprintf("%s: saved (%s); on the audit chain", p.title, strings.Join(fields, ", "))
		}
		saved := func() tea.Msg { return tenantSavedMsg{} }
		return p, tea.Batch(p.close(), saved, p.ctx.Info(news))
	}
	_, cmd := p.formPane.Update(msg)
	return p, cmd
}
