package console

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/records"
)

// auditPageSize is the keyset page the audit pane asks for. The next page
// is fetched when the cursor comes within a screen of the last loaded row.
const auditPageSize = 200

// auditRow is one chain entry as the pane draws it: every cell already
// cleaned, so the render path cannot forget to.
type auditRow struct {
	rec   model.AuditRecord
	cells [numAuditCols]string
}

// shortTarget abbreviates a target's kind so an 80-column row has room for
// the id ("req R-2026-00042"); the entry's full view shows it whole.
func shortTarget(t string) string {
	for _, k := range [][2]string{{"request:", "req "}, {"subject:", "subj "}, {"operator:", "op "}} {
		if id, ok := strings.CutPrefix(t, k[0]); ok {
			return k[1] + id
		}
	}
	return t
}

type auditCol int

const (
	acSeq auditCol = iota
	acTime
	acActor
	acAction
	acTarget
	acTenant
	acOutcome
	acReason
	numAuditCols
)

func newAuditRow(r model.AuditRecord) auditRow {
	x := auditRow{rec: r}
	x.cells[acSeq] = strconv.FormatInt(r.Seq, 10)
	x.cells[acTime] = r.At.UTC().Format("2006-01-02 15:04")
	x.cells[acActor] = model.CleanLine(r.Actor)
	x.cells[acAction] = model.CleanLine(r.Action)
	x.cells[acTarget] = orDash(model.CleanLine(shortTarget(r.Target)))
	x.cells[acTenant] = orDash(model.CleanLine(r.TenantID))
	x.cells[acOutcome] = model.CleanLine(r.Outcome)
	x.cells[acReason] = model.CleanLine(strings.TrimSpace(r.Reason + " " + r.Detail))
	return x
}

// Messages of the audit pane; gen drops answers to superseded asks.
type (
	auditPageMsg struct {
		gen    int
		before int64
		page   model.AuditPage
		err    error
	}
	auditVerifyProgressMsg struct {
		gen         int
		done, total int64
		next        tea.Cmd
	}
	auditVerifyDoneMsg struct {
		gen int
		res model.VerifyResult
		err error
	}
	auditExportDoneMsg struct {
		gen  int
		n    int
		path string
		err  error
	}
)

// auditPane is the audit history: newest first, filtered by a small query
// language, paged by sequence number, with chain verification and the
// auditors' export.
type auditPane struct {
	ctx           *Context
	width, height int

	rows     []auditRow
	cursor   int
	offset   int
	filter   model.AuditFilter
	input    textinput.Model
	spin     spinner.Model
	loading  bool
	loaded   bool
	more     bool
	started  bool // shown at least once: scope changes reload it from then on
	gen      int
	cancel   context.CancelFunc
	loadFrom int64 // the keyset position of the page in flight
	loadAt   time.Time
	err      string

	// detail is the full view of one entry, over the list.
	detail   bool
	detailOf int64
	vp       viewport.Model

	verifying bool
	vgen      int
	vcancel   context.CancelFunc
	vdone     int64
	vtotal    int64
	bar       progress.Model
	verdict   *model.VerifyResult

	exporting bool
	xgen      int
	xcancel   context.CancelFunc
}

func newAuditPane(ctx *Context) *auditPane {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "actor:lee action:approve tenant:oak req:R-… subject:S-… since:2026-11-01 until:…"
	in.SetVirtualCursor(false)
	p := &auditPane{
		ctx:   ctx,
		input: in,
		spin:  spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		vp:    viewport.New(),
		bar:   progress.New(progress.WithFillCharacters('█', '░'), progress.WithoutPercentage()),
	}
	p.vp.KeyMap = viewport.KeyMap{}
	p.vp.MouseWheelEnabled = false
	p.applyTheme()
	return p
}

func (p *auditPane) applyTheme() {
	p.input.SetStyles(inputStyles(p.ctx.Theme))
	p.spin.Style = p.ctx.Theme.Spinner
}

func (p *auditPane) Title() string { return "Audit" }

func (p *auditPane) Init() tea.Cmd { return nil }

func (p *auditPane) Capturing() bool { return p.input.Focused() }

func (p *auditPane) HelpGroups() []string { return []string{keymap.GroupAudit} }

func (p *auditPane) KeyHelp() []key.Binding {
	k := p.ctx.Keys
	switch {
	case p.input.Focused():
		back := k.Binding(keymap.Back)
		back.SetHelp(back.Help().Key, "keep the old filter")
		return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")), back}
	case p.verifying:
		back := k.Binding(keymap.Back)
		back.SetHelp(back.Help().Key, "cancel verify")
		return []key.Binding{back}
	case p.detail:
		return k.ShortHelp(keymap.Back, keymap.Down, keymap.Up)
	}
	return k.ShortHelp(keymap.Open, keymap.AuditFilter, keymap.AuditVerify, keymap.AuditExport)
}

// Cursor is the filter input's cursor, on the footer line.
func (p *auditPane) Cursor() *tea.Cursor {
	c := p.input.Cursor()
	if c != nil {
		c.Y = p.height - 1
	}
	return c
}

// Activate loads the history the first time the pane is shown: the scan
// it can cost on the embedded database is not paid by operators who never
// look at it.
func (p *auditPane) Activate() tea.Cmd {
	if p.started {
		return nil
	}
	p.started = true
	if p.ctx.tenants == nil {
		return nil // tenantsReadyMsg loads it, in the scope it settles on
	}
	return p.reload()
}

// Close abandons whatever is in flight when the console quits.
func (p *auditPane) Close() {
	for _, c := range []context.CancelFunc{p.cancel, p.vcancel, p.xcancel} {
		if c != nil {
			c()
		}
	}
}

func (p *auditPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.input.SetWidth(max(1, w-2-len(p.input.Prompt)))
	p.vp.SetWidth(w)
	p.vp.SetHeight(max(1, h-2))
	p.bar.SetWidth(max(10, min(40, w/3)))
	p.renderDetail()
	p.ensureVisible()
}

// listRows is how many rows fit between the column header and the footer
// (and the verdict, while one is shown).
func (p *auditPane) listRows() int { return max(1, p.height-2-len(p.verdictLines())) }

func (p *auditPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case themeMsg:
		p.applyTheme()
		p.renderDetail()
	case tenantsReadyMsg:
		if p.started {
			return p, p.reload()
		}
	case tenantsFailedMsg:
		if p.started {
			p.stopLoading()
			p.err = "could not load tenants"
		}
	case auditPageMsg:
		return p, p.page(msg)
	case auditVerifyProgressMsg:
		if msg.gen != p.vgen || !p.verifying {
			return p, nil
		}
		p.vdone, p.vtotal = msg.done, msg.total
		return p, msg.next
	case auditVerifyDoneMsg:
		return p, p.verified(msg)
	case auditExportDoneMsg:
		return p, p.exported(msg)
	case spinner.TickMsg:
		return p, spinWhile(p.loading || p.exporting, &p.spin, msg)
	case tea.PasteMsg:
		if p.input.Focused() {
			var cmd tea.Cmd
			p.input, cmd = p.input.Update(msg)
			keepClean(&p.input)
			return p, cmd
		}
	case tea.KeyPressMsg:
		if p.input.Focused() {
			return p, p.filterKey(msg)
		}
		if p.detail {
			return p, p.detailKey(msg)
		}
		return p, p.key(msg)
	}
	return p, nil
}

func (p *auditPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	switch {
	case k.Matches(msg, keymap.Back):
		switch {
		case p.verifying:
			p.vcancel()
		case p.exporting:
			p.xcancel()
		case p.loading && p.cancel != nil:
			p.stopLoading()
			return p.ctx.Info("load cancelled — " + p.ctx.keyFor(keymap.Refresh) + " loads again")
		case p.verdict != nil:
			p.verdict = nil
			p.ensureVisible()
		}
		return nil
	case isNav(k, msg):
		d, _ := navStep(k, msg, len(p.rows), p.listRows())
		p.move(d)
	case k.Matches(msg, keymap.Open):
		if p.cursor < len(p.rows) {
			p.detail = true
			p.detailOf = p.rows[p.cursor].rec.Seq
			p.vp.GotoTop()
			p.renderDetail()
		}
		return nil
	case k.Matches(msg, keymap.AuditFilter):
		p.input.SetValue(formatAuditFilter(p.filter))
		p.input.CursorEnd()
		return p.input.Focus()
	case k.Matches(msg, keymap.AuditClearFilter):
		if p.filter.IsZero() {
			return nil
		}
		p.filter = model.AuditFilter{}
		return tea.Batch(p.reload(), p.ctx.Info("filter cleared"))
	case k.Matches(msg, keymap.AuditVerify):
		return p.verify()
	case k.Matches(msg, keymap.AuditExport):
		return p.export()
	}
	return p.loadMoreIfNear()
}

func (p *auditPane) detailKey(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	switch {
	case k.Matches(msg, keymap.Back):
		p.detail = false
	case scrollViewport(k, msg, &p.vp):
	case k.Matches(msg, keymap.Open):
		// An entry about a request opens that request.
		if r, ok := p.detailRow(); ok {
			if id, isReq := strings.CutPrefix(r.rec.Target, "request:"); isReq && id != "" {
				return func() tea.Msg { return openRequestMsg{id: id} }
			}
		}
	}
	return nil
}

// filterKey edits the filter; enter applies it only if it parses, so a
// typo never loses the filter in effect.
func (p *auditPane) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	if p.ctx.Keys.Matches(msg, keymap.Back) {
		p.input.Blur()
		return nil
	}
	if msg.String() == "enter" {
		f, err := parseAuditFilter(p.input.Value())
		if err != nil {
			return p.ctx.Error("filter: " + err.Error() + " — nothing changed")
		}
		if f.TenantID != "" {
			if _, ok := p.ctx.Tenant(f.TenantID); !ok {
				return p.ctx.Error(fmt.Sprintf("filter: tenant %q is not in your scope — nothing changed", model.CleanLine(f.TenantID)))
			}
		}
		p.input.Blur()
		if f == p.filter {
			return nil
		}
		p.filter = f
		return p.reload()
	}
	if p.ctx.Keys.Matches(msg, keymap.AuditClearFilter) {
		p.input.SetValue("")
		return nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	keepClean(&p.input)
	return cmd
}

func (p *auditPane) move(delta int) {
	p.cursor, p.offset = scrollTo(p.cursor+delta, p.offset, len(p.rows), p.listRows())
}

func (p *auditPane) ensureVisible() {
	p.cursor, p.offset = scrollTo(p.cursor, p.offset, len(p.rows), p.listRows())
}

// effectiveFilter is the typed filter within the console's tenant scope.
func (p *auditPane) effectiveFilter() model.AuditFilter {
	f := p.filter
	if f.TenantID == "" {
		f.TenantID = p.ctx.Scope
	}
	return f
}

// reload starts the history from the newest entry.
func (p *auditPane) reload() tea.Cmd {
	p.stopLoading()
	p.gen++
	p.rows, p.cursor, p.offset, p.more, p.err = nil, 0, 0, false, ""
	p.loaded = false
	return tea.Batch(p.fetch(0), p.spin.Tick)
}

// fetch asks for the page below seq before (0: the newest).
func (p *auditPane) fetch(before int64) tea.Cmd {
	c := p.ctx
	// A new filter's first page is a pass over the whole chain on the
	// embedded database (BENCHMARKS.md: ~1 s per 10k entries, far more under
	// load), so it gets longer than other calls; esc cancels it anyway.
	ctx, cancel := context.WithTimeout(context.Background(), 10*c.Timeout)
	p.cancel = cancel
	p.loading = true
	p.loadFrom, p.loadAt = before, time.Now()
	backend, actor, f, gen := c.Backend, c.Actor, p.effectiveFilter(), p.gen
	return func() tea.Msg {
		defer cancel()
		page, err := backend.AuditHistory(ctx, actor, f, before, auditPageSize)
		return auditPageMsg{gen: gen, before: before, page: page, err: err}
	}
}

// loadMoreIfNear fetches the next older page once the cursor is within a
// screen of the last row loaded.
func (p *auditPane) loadMoreIfNear() tea.Cmd {
	if p.loading || !p.more || len(p.rows) == 0 || p.cursor < len(p.rows)-p.listRows()-1 {
		return nil
	}
	return tea.Batch(p.fetch(p.rows[len(p.rows)-1].rec.Seq), p.spin.Tick)
}

func (p *auditPane) page(msg auditPageMsg) tea.Cmd {
	if msg.gen != p.gen || !p.loading || msg.before != p.loadFrom {
		return nil
	}
	p.stopLoading()
	if msg.err != nil {
		p.err = "could not load the audit history"
		return p.ctx.Error(fmt.Sprintf("audit: %s — press %s to retry", errText(msg.err), p.ctx.keyFor(keymap.Refresh)))
	}
	p.loaded = true
	for _, r := range msg.page.Records {
		p.rows = append(p.rows, newAuditRow(r))
	}
	p.more = msg.page.More
	p.ensureVisible()
	return p.loadMoreIfNear()
}

func (p *auditPane) stopLoading() {
	p.loading = false
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

// verify walks the whole chain in a Cmd; progress arrives as messages, one
// at a time, each carrying the Cmd that waits for the next.
func (p *auditPane) verify() tea.Cmd {
	if p.verifying {
		return p.ctx.Info("already verifying — " + p.ctx.keyFor(keymap.Back) + " cancels")
	}
	p.vgen++
	p.verifying, p.vdone, p.vtotal, p.verdict = true, 0, 0, nil
	ctx, cancel := context.WithCancel(context.Background())
	p.vcancel = cancel
	gen, backend := p.vgen, p.ctx.Backend
	updates := make(chan auditVerifyProgressMsg, 1)
	done := make(chan auditVerifyDoneMsg, 1)
	go func() {
		res, err := backend.VerifyAudit(ctx, func(d, t int64) {
			// Only the newest count matters: drop a stale one for it.
			select {
			case <-updates:
			default:
			}
			updates <- auditVerifyProgressMsg{gen: gen, done: d, total: t}
		})
		done <- auditVerifyDoneMsg{gen: gen, res: res, err: err}
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
	return wait
}

func (p *auditPane) verified(msg auditVerifyDoneMsg) tea.Cmd {
	if msg.gen != p.vgen {
		return nil
	}
	p.verifying = false
	p.vcancel()
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			return p.ctx.Info("verify cancelled — " + p.ctx.keyFor(keymap.AuditVerify) + " starts it again")
		}
		return p.ctx.Error("verify: " + errText(msg.err))
	}
	res := msg.res
	p.verdict = &res
	p.ensureVisible()
	if !res.OK {
		return p.ctx.Error("audit chain " + res.Line())
	}
	return p.ctx.Info(fmt.Sprintf("audit chain ok: %s events checked", thousands(int(res.Events))))
}

// verdictLines is the last verification's verdict, exactly as `custodian
// audit verify` prints it, wrapped to the width (a hash is 64 cells).
func (p *auditPane) verdictLines() []string {
	if p.verdict == nil || p.width <= 0 {
		return nil
	}
	text := "chain: " + p.verdict.Line()
	return strings.Split(ansi.Hardwrap(text, max(10, p.width-2), false), "\n")
}

// exportFilter is the pane's filter as a request-record export: its
// period (open ends: all of it), tenant and request.
func (p *auditPane) exportFilter() (model.RecordFilter, []string) {
	f := p.effectiveFilter()
	rf := model.RecordFilter{Since: f.Since, Until: f.Until, TenantID: f.TenantID}
	if rf.Since.IsZero() {
		rf.Since = time.Unix(0, 0).UTC()
	}
	if rf.Until.IsZero() {
		rf.Until = p.ctx.Clock.Now().UTC().Truncate(time.Second).Add(time.Second)
	}
	if id, ok := strings.CutPrefix(f.Target, "request:"); ok {
		rf.RequestID = id
	}
	var ignored []string
	if f.Actor != "" {
		ignored = append(ignored, "actor:")
	}
	if f.Action != "" {
		ignored = append(ignored, "action:")
	}
	if strings.HasPrefix(f.Target, "subject:") {
		ignored = append(ignored, "subject:")
	}
	return rf, ignored
}

// exportName names an export file after what it holds and when it was
// taken, so exports never overwrite each other.
func exportName(f model.RecordFilter, at time.Time) string {
	parts := []string{"requests", f.Since.UTC().Format("20060102"), f.Until.UTC().Format("20060102")}
	for _, s := range []string{f.TenantID, f.RequestID} {
		if s != "" {
			parts = append(parts, safeFileWord(s))
		}
	}
	parts = append(parts, at.UTC().Format("20060102T150405Z"))
	return strings.Join(parts, "-") + ".jsonl"
}

// safeFileWord keeps letters, digits, '.', '_' and '-' of an id for a file name.
func safeFileWord(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

// export writes the records of the current filter's period to the exports
// directory in a Cmd.
func (p *auditPane) export() tea.Cmd {
	c := p.ctx
	if c.ExportDir == "" {
		return c.Error("exports need a data directory, and this console has none — use custodian audit export")
	}
	if p.exporting {
		return c.Info("an export is already running — " + c.keyFor(keymap.Back) + " cancels it")
	}
	rf, ignored := p.exportFilter()
	path := filepath.Join(c.ExportDir, exportName(rf, c.Clock.Now()))
	p.xgen++
	p.exporting = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*c.Timeout)
	p.xcancel = cancel
	gen, backend, actor, dir := p.xgen, c.Backend, c.Actor, c.ExportDir
	run := func() tea.Msg {
		defer cancel()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return auditExportDoneMsg{gen: gen, err: err}
		}
		n, err := records.ExportToFile(ctx, backend, actor, rf, path)
		return auditExportDoneMsg{gen: gen, n: n, path: path, err: err}
	}
	cmds := []tea.Cmd{run, p.spin.Tick}
	if len(ignored) > 0 {
		cmds = append(cmds, c.Info("exporting request records; "+strings.Join(ignored, " ")+" do not apply to them"))
	}
	return tea.Batch(cmds...)
}

func (p *auditPane) exported(msg auditExportDoneMsg) tea.Cmd {
	if msg.gen != p.xgen {
		return nil
	}
	p.exporting = false
	p.xcancel()
	switch {
	case errors.Is(msg.err, context.Canceled):
		return p.ctx.Info("export cancelled; nothing was written")
	case msg.err != nil:
		return p.ctx.Error("export: " + errText(msg.err))
	}
	return tea.Batch(
		p.ctx.Info(fmt.Sprintf("exported %s request records to %s", thousands(msg.n), model.CleanLine(msg.path))),
		// The export is on the chain now: show it.
		p.reload(),
	)
}

func (p *auditPane) detailRow() (auditRow, bool) {
	for _, r := range p.rows {
		if r.rec.Seq == p.detailOf {
			return r, true
		}
	}
	return auditRow{}, false
}

// renderDetail lays out the entry shown in full. Every stored value is
// cleaned here, where it enters the view.
func (p *auditPane) renderDetail() {
	r, ok := p.detailRow()
	if !p.detail || !ok || p.width <= 0 {
		return
	}
	clean := model.CleanLine
	rec := r.rec
	d := &doc{th: p.ctx.Theme, width: p.width, labelW: 9}
	d.section("Event")
	d.kv("time", rec.At.UTC().Format(time.RFC3339Nano))
	who := clean(rec.Actor)
	if rec.Role != "" {
		who += " (" + roleLabel(rec.Role) + ")"
	}
	if rec.Origin != "" {
		who += " from " + clean(rec.Origin)
	}
	d.kv("actor", who)
	d.kv("action", clean(rec.Action))
	d.kv("target", orDash(clean(rec.Target)))
	d.kv("tenant", orDash(clean(rec.TenantID)))
	d.kv("outcome", clean(rec.Outcome))
	d.kv("reason", orDash(clean(rec.Reason)))
	d.kv("detail", orDash(clean(rec.Detail)))
	d.kv("event id", clean(rec.ID))
	d.section("Chain")
	d.kv("seq", strconv.FormatInt(rec.Seq, 10))
	d.kv("prev", clean(rec.Prev))
	d.kv("hash", clean(rec.Hash))
	if strings.HasPrefix(rec.Target, "request:") {
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
	widths := auditWidths(p.width)
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
		case p.rows[ri].rec.Outcome == model.OutcomeRefused || p.rows[ri].rec.Outcome == model.OutcomeFailed:
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

func auditTitles() [numAuditCols]string {
	return [numAuditCols]string{"SEQ", "TIME (UTC)", "ACTOR", "ACTION", "TARGET", "TENANT", "OUTCOME", "REASON / DETAIL"}
}

// auditWidths sizes the columns from the terminal width alone: fixed
// columns first, the rest shared by target and tenant, and the reason
// column only when there is room for it.
func auditWidths(w int) [numAuditCols]int {
	var c [numAuditCols]int
	c[acSeq], c[acTime], c[acActor], c[acAction], c[acOutcome] = 7, 16, 8, 10, 7
	rest := w - gutter - (c[acSeq] + c[acTime] + c[acActor] + c[acAction] + c[acOutcome]) - int(numAuditCols-1)
	c[acTarget] = max(8, min(24, rest*2/3))
	c[acTenant] = max(6, min(20, rest-c[acTarget]))
	if left := rest - c[acTarget] - c[acTenant]; left >= 12 {
		c[acReason] = left
	}
	return c
}

func auditLine(cells [numAuditCols]string, widths [numAuditCols]int) string {
	var b strings.Builder
	blanks(&b, gutter)
	for i, w := range widths {
		if w == 0 {
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		writeCell(&b, cells[i], textWidth(cells[i]), w, i == int(acSeq))
	}
	return b.String()
}
