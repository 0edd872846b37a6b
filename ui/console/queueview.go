package console

// Drawing the queue pane: the header line, the rows and the footer.

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
)

func (p *queuePane) View() string {
	th := p.ctx.Theme
	var b strings.Builder
	b.Grow((p.width + 16) * (p.height + 1))
	b.WriteString(p.headerLine())
	b.WriteByte('\n')
	n := p.pageRows()
	if len(p.vis) == 0 {
		lines := make([]string, n)
		// A long message (a filter's error names every term) wraps rather
		// than losing its end, where it says what to do.
		msg := strings.Split(ansi.Wordwrap(p.emptyText(), max(1, p.width-2), " "), "\n")
		for j, m := range msg {
			at := n/2 + j
			if at >= n {
				break
			}
			lines[at] = truncate(m, p.width)
			if w := textWidth(lines[at]); w < p.width {
				lines[at] = strings.Repeat(" ", (p.width-w)/2) + lines[at]
			}
		}
		b.WriteString(th.Dim.Render(strings.Join(lines, "\n")))
	} else {
		now := p.now()
		for i := range n {
			if i > 0 {
				b.WriteByte('\n')
			}
			vi := p.offset + i
			if vi < len(p.vis) {
				b.WriteString(p.rowLine(&p.rows[p.vis[vi]], vi == p.cursor, now))
			}
		}
	}
	b.WriteByte('\n')
	b.WriteString(p.footer())
	return b.String()
}

func (p *queuePane) emptyText() string {
	switch {
	case p.loading:
		return p.spin.View() + " loading requests…"
	case p.err != "":
		return p.err + " — press " + p.ctx.keyFor(keymap.Refresh) + " to retry"
	case p.filterErr != "" && len(p.rows) > 0:
		return p.filterErr
	case p.query != "" && len(p.rows) > 0:
		return fmt.Sprintf("no requests match %q — %s clears the filter", p.query, p.ctx.keyFor(keymap.Back))
	case !p.loaded:
		return "not loaded — press " + p.ctx.keyFor(keymap.Refresh)
	}
	return "no open requests in " + p.ctx.ScopeLabel()
}

func (p *queuePane) headerLine() string {
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", gutter))
	first := true
	for i, c := range p.cols {
		w := p.widths[i]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		title := c.title
		if c.key == p.sort.column() {
			arrow := "▲"
			if p.desc {
				arrow = "▼"
			}
			title += arrow
		}
		b.WriteString(cell(title, w, c.right))
	}
	return p.ctx.Theme.ColHeader.Render(padRight(b.String(), p.width))
}

func (p *queuePane) rowLine(r *row, selected bool, now time.Time) string {
	var b strings.Builder
	b.Grow(p.width + 32)
	if _, ok := p.ctx.changedBy(r.key); ok {
		// Changed by someone else a moment ago (live.go).
		b.WriteString(liveGlyph)
		blanks(&b, gutter-1)
	} else {
		blanks(&b, gutter)
	}
	used := gutter
	first := true
	for i, c := range p.cols {
		w := p.widths[i]
		if w == 0 {
			continue
		}
		if !first {
			b.WriteByte(' ')
			used++
		}
		first = false
		used += w
		if c.key != colDue {
			writeCell(&b, r.cells[c.key], int(r.cw[c.key]), w, c.right)
			continue
		}
		days, level := urgency(now, r.due, r.tenant.Location())
		label := daysLabel(days)
		var pt paint
		switch {
		case selected:
		case level == overdue:
			pt = p.paints.overdue
		case level == dueSoon:
			pt = p.paints.soon
		}
		b.WriteString(pt.pre)
		writeCell(&b, label, len(label), w, c.right)
		b.WriteString(pt.post)
	}
	blanks(&b, p.width-used)
	if selected {
		// Per-cell colours are dropped on the selected row: their resets
		// would punch holes in the highlight.
		return p.paints.selected.pre + b.String() + p.paints.selected.post
	}
	return b.String()
}

func (p *queuePane) footer() string {
	th := p.ctx.Theme
	if p.input.Focused() {
		return p.input.View()
	}
	var left string
	switch {
	case p.loading:
		left = fmt.Sprintf("%s loading… %s", p.spin.View(), thousands(len(p.pending)))
	case len(p.vis) > 0:
		left = fmt.Sprintf("%s/%s", thousands(p.cursor+1), thousands(len(p.vis)))
		if len(p.vis) != len(p.rows) {
			left += fmt.Sprintf(" of %s", thousands(len(p.rows)))
		}
	default:
		left = "0 rows"
	}
	if p.statuses != nil {
		left += th.Soon.Render(" · showing " + p.browseLabel + " — " + p.ctx.keyFor(keymap.Back) + " for the open queue")
	}
	if p.query != "" {
		left += " · filter " + th.Prompt.Render("/"+strings.TrimSpace(p.input.Value()))
	}
	if p.more {
		left += th.Soon.Render(fmt.Sprintf(" · first %s loaded, more exist — narrow with %s", thousands(p.ctx.QueueCap), p.ctx.keyFor(keymap.ScopeTenant)))
	}
	arrow := "▲"
	if p.desc {
		arrow = "▼"
	}
	right := "sort: " + p.sort.String() + " " + arrow + " "
	if age := p.ctx.liveAge(); age != "" {
		right = age + " · " + right
	}
	return spread(" "+left, th.Dim.Render(right), p.width)
}
