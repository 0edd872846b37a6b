package console

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// auditPageSize is the keyset page the audit pane asks for. The next page
// is fetched when the cursor comes within a screen of the last loaded row.
const auditPageSize = 200

// auditPane is the audit history: newest first, filtered by a small query
// language, paged by sequence number, with chain verification and the
// auditors' export.
type auditPane struct {
	ctx           *Context
	width, height int

	rows     []auditRow
	timeW    int // the widest time cell loaded: zones name themselves in 3 to 5 letters
	actionW  int // the widest action cell loaded
	cursor   int
	offset   int
	filter   model.AuditFilter
	input    textinput.Model
	spin     spinner.Model
	loading  bool
	loaded   bool
	more     bool
	started  bool // shown at least once: scope changes reload it from then on
	pages    call[model.AuditPage]
	loadFrom int64 // the keyset position of the page in flight
	loadAt   time.Time
	err      string

	// detail is the full view of one entry, over the list.
	detail   bool
	detailOf int64
	vp       viewport.Model

	verifying    bool
	verification stream[verifyProgress, model.VerifyResult]
	vdone        int64
	vtotal       int64
	bar          progress.Model
	verdict      *model.VerifyResult

	exporting bool
	exports   call[auditExport]
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
	p.pages.cancel()
	p.verification.cancel()
	p.exports.cancel()
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
	if page, err, ok := p.pages.accept(msg); ok {
		return p, p.page(page, err)
	}
	if v, next, ok := p.verification.progress(msg); ok {
		p.vdone, p.vtotal = v.done, v.total
		return p, next
	}
	if res, err, ok := p.verification.accept(msg); ok {
		return p, p.verified(res, err)
	}
	if x, err, ok := p.exports.accept(msg); ok {
		return p, p.exported(x, err)
	}
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
			p.verification.interrupt()
		case p.exporting:
			p.exports.interrupt()
		case p.loading && p.pages.busy():
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
			// The stored id, not the shown one: it is a key to look up.
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
	if p.completesTab(msg) {
		return p.completeAction()
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
	p.rows, p.timeW, p.actionW, p.cursor, p.offset, p.more, p.err = nil, 0, 0, 0, 0, false, ""
	p.loaded = false
	return tea.Batch(p.fetch(0), p.spin.Tick)
}

// fetch asks for the page below seq before (0: the newest).
func (p *auditPane) fetch(before int64) tea.Cmd {
	c := p.ctx
	// A new filter's first page is a pass over the whole chain on the
	// embedded database (BENCHMARKS.md: ~1 s per 10k entries, far more under
	// load), so it gets longer than other calls; esc cancels it anyway.
	p.loading = true
	p.loadFrom, p.loadAt = before, time.Now()
	f := p.effectiveFilter()
	return p.pages.startWithin(c, 10*c.Timeout, func(ctx context.Context, backend Backend, actor model.Actor) (model.AuditPage, error) {
		return backend.AuditHistory(ctx, actor, f, before, auditPageSize)
	})
}

// loadMoreIfNear fetches the next older page once the cursor is within a
// screen of the last row loaded.
func (p *auditPane) loadMoreIfNear() tea.Cmd {
	if p.loading || !p.more || len(p.rows) == 0 || p.cursor < len(p.rows)-p.listRows()-1 {
		return nil
	}
	return tea.Batch(p.fetch(p.rows[len(p.rows)-1].rec.Seq), p.spin.Tick)
}

func (p *auditPane) page(page model.AuditPage, err error) tea.Cmd {
	p.stopLoading()
	if err != nil {
		p.err = "could not load the audit history"
		return p.ctx.Error(fmt.Sprintf("audit: %s — press %s to retry", errText(err), p.ctx.keyFor(keymap.Refresh)))
	}
	p.loaded = true
	for _, r := range page.Records {
		row := newAuditRow(p.ctx, r)
		p.timeW = max(p.timeW, textWidth(row.cells[acTime]))
		p.actionW = max(p.actionW, textWidth(row.cells[acAction]))
		p.rows = append(p.rows, row)
	}
	p.more = page.More
	p.ensureVisible()
	return p.loadMoreIfNear()
}

func (p *auditPane) stopLoading() {
	p.loading = false
	p.pages.cancel()
}
