package console

// Drawing the Lookup pane: the directory's status, the hits with their
// matched runes marked, and the info line.

import (
	"fmt"
	"strings"
	"unicode"

	"charm.land/lipgloss/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/lookup"
)

// Column widths of the result list; the name and match columns share
// what is left.
const (
	lookupTenantW = 18
	lookupStatusW = 7
	lookupOpenW   = 4
)

func (p *lookupPane) View() string {
	th := p.ctx.Theme
	w := p.width
	lines := make([]string, 0, p.height)
	right := p.dirStatus()
	lines = append(lines, spread(" "+p.input.View(), right+" ", w))
	lines = append(lines, " "+p.info())
	nameW, matchW := p.columnWidths()
	head := "  " + padRight("NAME", nameW) + " " + padRight("MATCHED", matchW) + " " + padRight("TENANT", lookupTenantW) + " " +
		padRight("STATUS", lookupStatusW) + " " + padRight("OPEN", lookupOpenW)
	lines = append(lines, th.ColHeader.Render(padRight(head, w)))
	hs := p.hits()
	for i := p.top; i < len(hs) && i < p.top+p.rows(); i++ {
		lines = append(lines, p.row(hs[i], i == p.sel, nameW, matchW))
	}
	return fitLines(strings.Join(lines, "\n"), w, p.height)
}

func (p *lookupPane) columnWidths() (int, int) {
	rest := max(20, p.width-2-lookupTenantW-lookupStatusW-lookupOpenW-4)
	nameW := rest * 45 / 100
	return nameW, rest - nameW
}

// dirStatus says how much of the scope the directory holds.
func (p *lookupPane) dirStatus() string {
	th := p.ctx.Theme
	scope := p.ctx.ScopeLabel()
	switch {
	case p.buildErr != "":
		return th.Error.Render("directory unavailable")
	case p.building && p.total > 0:
		pct := float64(p.done) / float64(p.total)
		return p.spin.View() + " indexing " + bar(pct, 10) + fmt.Sprintf(" %s/%s", count(p.done), count(p.total))
	case p.building:
		return p.spin.View() + " indexing " + count(p.done) + "…"
	case !p.started:
		return th.Dim.Render("not indexed yet")
	case p.shared != nil:
		// The shared directory's size counts every tenant's subjects:
		// not this session's to know.
		return th.Dim.Render("subjects of " + truncate(scope, 20))
	}
	return th.Dim.Render(count(p.dir.Len()) + " subjects · " + truncate(scope, 20))
}

func bar(frac float64, w int) string {
	n := int(frac*float64(w) + 0.5)
	n = max(0, min(w, n))
	return strings.Repeat("━", n) + strings.Repeat("─", w-n)
}

// count writes n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (p *lookupPane) info() string {
	th := p.ctx.Theme
	q := strings.TrimSpace(p.input.Value())
	hint := "esc leaves the search box"
	if !p.input.Focused() {
		hint = p.ctx.keyFor(keymap.LookupSearch) + " searches again"
	}
	switch {
	case q == "":
		return th.Dim.Render(truncate("type to search subjects · "+hint, p.width-1))
	case p.res.Query != p.input.Value() && p.jump == nil:
		return th.Dim.Render("searching…")
	case len(p.hits()) == 0:
		return th.Dim.Render(truncate(fmt.Sprintf("no subject matches %q — try fewer letters, an email or a phone number", model.CleanLine(q)), p.width-1))
	}
	total := p.res.Total
	if p.jump != nil {
		total = len(p.hits()) + p.res.Total - len(p.res.Hits)
	}
	s := fmt.Sprintf("%s match", count(total))
	if total != 1 {
		s += "es"
	}
	switch {
	case !p.res.Ranked:
		s += fmt.Sprintf(", first %d shown unranked — type more to rank", len(p.hits()))
	case total > len(p.hits()):
		s += fmt.Sprintf(", best %d shown", len(p.hits()))
	}
	if h := p.hits()[0]; h.Exact {
		s += " · exact " + h.Label() + " at the top"
	}
	return th.Dim.Render(truncate(s+" · enter opens · "+hint, p.width-1))
}

func (p *lookupPane) row(h lookup.Hit, selected bool, nameW, matchW int) string {
	th := p.ctx.Theme
	hl := p.matchStyle()
	var nameMatched []int
	if h.Field == lookup.FieldName {
		nameMatched = h.Matched
	}
	name := maskMatched(h.Name, nameMatched, model.KindName, hl)
	match := ""
	switch h.Field {
	case lookup.FieldName:
		// The name column shows what matched; this one says it was the
		// name, so an empty cell never reads as "matched nothing".
		match = "name"
	case lookup.FieldID:
		match = "id " + hl.Render(model.CleanLine(h.Text))
	case lookup.FieldRequest:
		match = "request " + hl.Render(model.CleanLine(h.Text))
	default:
		match = h.Label() + " " + maskMatched(h.Text, h.Matched, fieldKind(h.Field.Base()), hl)
	}
	switch {
	case h.Exact:
		match = "= " + match
	case h.Typo:
		match = "≈ " + match
	}
	open := ""
	if h.Open > 0 {
		open = fmt.Sprint(h.Open)
	}
	marker := "  "
	if selected {
		marker = "▸ "
	}
	line := marker + padRight(name, nameW) + " " + padRight(match, matchW) + " " + padRight(tenantShort(h.TenantID), lookupTenantW) + " " +
		padRight(model.CleanLine(h.Status), lookupStatusW) + " " + padLeft(open, lookupOpenW)
	if selected {
		return th.Selected.Render(padRight(line, p.width))
	}
	return line
}

func padLeft(s string, w int) string {
	if sw := textWidth(s); sw < w {
		return strings.Repeat(" ", w-sw) + s
	}
	return truncate(s, w)
}

// matchStyle highlights matched characters; without colour, by underline.
func (p *lookupPane) matchStyle() lipgloss.Style {
	if p.ctx.NoColor {
		return lipgloss.NewStyle().Underline(true)
	}
	return p.ctx.Theme.PaletteMatch
}

func fieldKind(f lookup.Field) model.FieldKind {
	switch f {
	case lookup.FieldName:
		return model.KindName
	case lookup.FieldEmail:
		return model.KindEmail
	case lookup.FieldPhone:
		return model.KindPhone
	case lookup.FieldAddress:
		return model.KindAddress
	}
	return model.KindText
}

// maskMatched masks text for a list as model.Mask would (an initial, a
// domain, the last digits, three dots for whatever is hidden), but
// shows the characters the operator typed where they matched: they
// already know those. Combining marks, joiners
// and emoji modifiers follow the character they belong to, so a masked
// cluster is one dot and a shown one stays whole.
func maskMatched(text string, matched []int, kind model.FieldKind, hl lipgloss.Style) string {
	text = model.CleanLine(text)
	rs := []rune(text)
	show := visibleRunes(kind, rs)
	isMatch := make([]bool, len(rs))
	for _, i := range matched {
		if i >= 0 && i < len(rs) {
			isMatch[i] = true
		}
	}
	var b strings.Builder
	var run []rune
	runMatched := false
	flush := func() {
		if len(run) == 0 {
			return
		}
		if runMatched {
			b.WriteString(hl.Render(string(run)))
		} else {
			b.WriteString(string(run))
		}
		run = run[:0]
	}
	emit := func(s []rune, m bool) {
		if m != runMatched {
			flush()
			runMatched = m
		}
		run = append(run, s...)
	}
	base := -1 // the rune a trailing mark belongs to
	dots := 0  // masked runes in a row: always three dots, as Mask writes, so lengths do not show
	// A matched character shows only where it continues what is shown
	// from the start of its word ("Gar•••" for "gar"): a fuzzy match's
	// stray letters inside a hidden word ("Ç•••ğ•••a") read as a garbled
	// name and tell nothing.
	shownRun := false
	shown := make([]bool, len(rs))
	for i, r := range rs {
		if clusterTail(r) && base >= 0 {
			if shown[base] {
				emit([]rune{r}, isMatch[base])
			}
			continue
		}
		wordStart := base < 0 || wordBreak(rs[base])
		base = i
		switch {
		case isMatch[i] && (wordStart || shownRun):
			emit([]rune{r}, true)
			dots, shownRun, shown[i] = 0, true, true
		case show[i]:
			emit([]rune{r}, false)
			dots, shownRun, shown[i] = 0, true, true
		default:
			if dots == 0 {
				emit([]rune("•••"), false)
			}
			dots++
			shownRun = false
		}
	}
	flush()
	return b.String()
}

func clusterTail(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || r == 0xFE0F || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// visibleRunes says which runes Mask would keep for kind.
// wordBreak reports whether r ends a word of a name, an email's local part
// or an address: what follows it may show from its start.
func wordBreak(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune(".-_+@,", r)
}

func visibleRunes(kind model.FieldKind, rs []rune) []bool {
	show := make([]bool, len(rs))
	switch kind {
	case model.KindName:
		start := true
		for i, r := range rs {
			if unicode.IsSpace(r) {
				show[i], start = true, true
				continue
			}
			if start && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				show[i] = true
			}
			start = false
		}
	case model.KindEmail:
		at := -1
		for i, r := range rs {
			if r == '@' {
				at = i
				break
			}
		}
		for i := range rs {
			show[i] = i == 0 || (at >= 0 && i >= at)
		}
	case model.KindPhone:
		for i := max(0, len(rs)-4); i < len(rs); i++ {
			show[i] = true
		}
	case model.KindAddress:
		comma := -1
		for i, r := range rs {
			if r == ',' {
				comma = i
			}
		}
		for i := range rs {
			show[i] = comma >= 0 && i >= comma
		}
	}
	return show
}
