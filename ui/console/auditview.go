package console

// Drawing the audit pane: the list, an entry's detail, the footer.

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

func (p *auditPane) detailRow() (auditRow, bool) {
	for _, r := range p.rows {
		if r.rec.Seq == p.detailOf {
			return r, true
		}
	}
	return auditRow{}, false
}

// renderDetail lays out the entry shown in full, from the entry as shown
// (present.AuditEntry cleans every stored value).
func (p *auditPane) renderDetail() {
	r, ok := p.detailRow()
	if !p.detail || !ok || p.width <= 0 {
		return
	}
	e := r.entry
	d := &doc{th: p.ctx.Theme, width: p.width, labelW: 9}
	d.section("Event")
	// The local time reads naturally; the UTC instant is what the filter's
	// days count in and what another system's log is matched against.
	d.kv("time", e.Time+" · "+e.Instant)
	who := e.Actor
	if e.Role != "" {
		who += " (" + e.Role + ")"
	}
	if e.Origin != "" {
		who += " from " + e.Origin
	}
	d.kv("actor", who)
	d.kv("action", e.Action)
	d.kv("target", orDash(e.Target))
	d.kv("tenant", orDash(e.Tenant))
	d.kv("outcome", e.Outcome)
	d.kv("reason", orDash(e.Reason))
	d.kv("detail", orDash(e.Detail))
	d.kv("event id", e.EventID)
	d.section("Chain")
	d.kv("seq", strconv.FormatInt(e.Seq, 10))
	d.kv("prev", e.Prev)
	d.kv("hash", e.Hash)
	if e.RequestID != "" {
		d.lines = append(d.lines, "", p.ctx.Theme.Dim.Render(truncate("   "+p.ctx.keyFor(keymap.Open)+" opens the request", p.width)))
	}
	p.vp.SetContent(strings.Join(d.lines, "\n"))
}

func (p *auditPane) View() string {
	th := p.ctx.Theme
	if p.detail {
		title := th.Crumb.Render(truncate(fmt.Sprintf(" Audit › entry %d", p.detailOf), p.width))
		foot := th.Dim.Render(spread(" "+p.ctx.keyFor(keymap.Back)+" back to the list", fmt.Sprintf("%3.0f%% ", p.vp.ScrollPercent()*100), p.width))
		return title + "\n" + fitLines(p.vp.View(), p.width, max(1, p.height-2)) + "\n" + foot
	}
	widths := auditWidths(p.width, p.timeW, p.actionW)
	var b strings.Builder
	b.WriteString(th.ColHeader.Render(padRight(auditLine(auditTitles(), widths), p.width)))
	n := p.listRows()
	lines := make([]string, n)
	if len(p.rows) == 0 {
		lines[n/2] = th.Dim.Render(centre(p.emptyText(), p.width))
	}
	for i := range n {
		ri := p.offset + i
		if ri >= len(p.rows) {
			break
		}
		line := padRight(auditLine(p.rows[ri].cells, widths), p.width)
		switch {
		case ri == p.cursor:
			line = th.Selected.Render(line)
		case p.rows[ri].entry.Alarm:
			line = th.Soon.Render(line)
		}
		lines[i] = line
	}
	b.WriteString("\n" + strings.Join(lines, "\n"))
	for _, l := range p.verdictLines() {
		style := th.Info
		if !p.verdict.OK {
			style = th.Error
		}
		b.WriteString("\n" + style.Render(" "+l))
	}
	b.WriteString("\n" + p.footer())
	return b.String()
}

func (p *auditPane) emptyText() string {
	switch {
	case p.loading:
		text := p.spin.View() + " loading the audit history…"
		if d := time.Since(p.loadAt); d >= 2*time.Second {
			text += fmt.Sprintf(" %ds · %s cancels", int(d.Seconds()), p.ctx.keyFor(keymap.Back))
		}
		return text
	case p.err != "":
		return p.err + " — press " + p.ctx.keyFor(keymap.Refresh) + " to retry"
	case !p.filter.IsZero():
		return "no audit entries match — " + p.ctx.keyFor(keymap.AuditClearFilter) + " clears the filter"
	case !p.loaded:
		return "not loaded"
	}
	return "no audit entries in " + p.ctx.ScopeLabel()
}

func (p *auditPane) footer() string {
	th := p.ctx.Theme
	if p.input.Focused() {
		return p.input.View()
	}
	var left string
	switch {
	case p.verifying:
		pct := 0.0
		if p.vtotal > 0 {
			pct = float64(p.vdone) / float64(p.vtotal)
		}
		left = fmt.Sprintf("verifying %s %s/%s", p.bar.ViewAs(pct), thousands(int(p.vdone)), thousands(int(p.vtotal)))
	case p.exporting:
		left = p.spin.View() + " exporting request records…"
	case p.loading && len(p.rows) > 0:
		left = fmt.Sprintf("%s loading entries before seq %d…", p.spin.View(), p.loadFrom)
		if d := time.Since(p.loadAt); d >= 2*time.Second {
			left += fmt.Sprintf(" %ds · %s cancels", int(d.Seconds()), p.ctx.keyFor(keymap.Back))
		}
	case len(p.rows) > 0:
		left = fmt.Sprintf("%s/%s", thousands(p.cursor+1), thousands(len(p.rows)))
		if p.more {
			left += "+"
		}
		left += fmt.Sprintf(" · seq %d–%d", p.rows[len(p.rows)-1].rec.Seq, p.rows[0].rec.Seq)
	default:
		left = "0 entries"
	}
	if !p.filter.IsZero() {
		left += " · " + th.Prompt.Render("/"+model.CleanLine(formatAuditFilter(p.filter)))
	}
	return spread(" "+left, th.Dim.Render("newest first "), p.width)
}
