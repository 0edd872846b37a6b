package console

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/lookup"
)

const (
	// lookupLimit is how many of the best matches a search ranks for the list.
	lookupLimit = 200
	// defaultRevealFor is how long a revealed value stays on screen.
	defaultRevealFor = 20 * time.Second
	// defaultLookupPoll is how often the directory asks for changed subjects.
	defaultLookupPoll = 30 * time.Second
	// directorySkew is how far before its own start a poll looks: another
	// console server's clock may run behind this one's.
	directorySkew = 2 * time.Minute
)

// requestIDPattern is what a request id looks like when typed into Lookup.
var requestIDPattern = regexp.MustCompile(`(?i)^R-\d{4}-\d{3,}$`)

// Messages of the Lookup pane. gen names the directory build they belong
// to and seq the search, so late answers to superseded work are dropped.
type (
	dirProgressMsg struct {
		gen         int
		done, total int
		ch          <-chan tea.Msg
	}
	dirBuiltMsg struct {
		gen       int
		err       error
		countsErr error
		mark      time.Time
	}
	dirPolledMsg struct {
		gen     int
		changed int
		err     error
		mark    time.Time
	}
	lookupTickMsg struct{ gen int }
	searchDoneMsg struct {
		seq int
		res lookup.Result
		st  *lookup.State
		err error
	}
	// requestJumpMsg is the subject of a request id typed in full.
	requestJumpMsg struct {
		seq int
		hit lookup.Hit
		err error
	}
	// pushPaneMsg asks the shell to open a view over the current one.
	pushPaneMsg struct{ pane Pane }
)

// lookupPane finds subjects: a directory of the scope's subjects is built
// in the background when the console starts (or the scope changes), and
// every keystroke searches it; enter opens the subject.
//
// Freshness: FerretDB has no change streams, so the pane polls. Every
// subject write sets updated_at (indexed); ctrl+r and a timer (Config.
// LookupPoll) bring in the subjects written since the last poll, and the
// open-request counts are re-read with them.
type lookupPane struct {
	ctx       *Context
	poll      time.Duration
	revealFor time.Duration

	input textinput.Model
	spin  spinner.Model

	dir         *lookup.Directory
	shared      *SharedLookup // the process's directory; nil: the pane builds its own
	scope       string
	started     bool
	building    bool
	buildGen    int
	buildCancel context.CancelFunc
	done, total int
	buildErr    string
	mark        time.Time
	polling     bool
	tickGen     int

	searchSeq    int
	searchCancel context.CancelFunc
	state        *lookup.State
	res          lookup.Result
	jump         *lookup.Hit
	sel, top     int

	width, height int
}

func newLookupPane(ctx *Context, cfg Config) *lookupPane {
	in := textinput.New()
	in.Prompt = "Search: "
	in.Placeholder = "name, email, phone, address, account or request id"
	in.SetVirtualCursor(false)
	in.CharLimit = 200
	in.Focus()
	p := &lookupPane{
		ctx:       ctx,
		poll:      cfg.LookupPoll,
		revealFor: cfg.RevealFor,
		input:     in,
		spin:      spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		dir:       lookup.NewDirectory(),
		shared:    cfg.SharedLookup,
	}
	if p.poll <= 0 {
		p.poll = defaultLookupPoll
	}
	if p.revealFor <= 0 {
		p.revealFor = defaultRevealFor
	}
	p.applyTheme()
	return p
}

func (p *lookupPane) applyTheme() {
	p.input.SetStyles(inputStyles(p.ctx.Theme))
	p.spin.Style = p.ctx.Theme.Spinner
}

func (p *lookupPane) Title() string { return "Lookup" }

func (p *lookupPane) Init() tea.Cmd {
	p.tickGen++
	gen := p.tickGen
	return tea.Tick(p.poll, func(time.Time) tea.Msg { return lookupTickMsg{gen: gen} })
}

// Activate builds the directory the first time the pane is shown: streaming
// every subject in scope is worth it only for someone who searches.
func (p *lookupPane) Activate() tea.Cmd {
	if p.started {
		return nil
	}
	return p.build()
}

func (p *lookupPane) Capturing() bool { return p.input.Focused() }

func (p *lookupPane) HelpGroups() []string { return []string{keymap.GroupLookup} }

func (p *lookupPane) KeyHelp() []key.Binding {
	k := p.ctx.Keys
	if p.input.Focused() {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
			key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "leave search")),
		}
	}
	return k.ShortHelp(keymap.Open, keymap.LookupSearch, keymap.Down, keymap.Up, keymap.NextPane)
}

// Cursor is the search box's cursor, on the first line.
func (p *lookupPane) Cursor() *tea.Cursor {
	c := p.input.Cursor()
	if c != nil {
		c.X++ // the box is indented by one cell
		c.Y = 0
	}
	return c
}

func (p *lookupPane) SetSize(w, h int) {
	p.width, p.height = w, h
	p.input.SetWidth(max(10, w-36))
	p.clampSel()
}

// Close abandons a build and a search in flight.
func (p *lookupPane) Close() {
	if p.buildCancel != nil {
		p.buildCancel()
		p.buildCancel = nil
	}
	if p.searchCancel != nil {
		p.searchCancel()
		p.searchCancel = nil
	}
}

// directoryRecords turns subjects into the directory's input, cleaned once here:
// the directory shows names as given.
func directoryRecords(subs []model.Subject) []lookup.Record {
	out := make([]lookup.Record, len(subs))
	for i, s := range subs {
		out[i] = lookup.Record{
			ID: s.ID, TenantID: s.TenantID, AccountID: model.CleanLine(s.AccountID), Name: model.CleanLine(s.Name),
			Emails: s.Emails, Phones: s.Phones, Address: model.CleanLine(s.Address), Status: model.CleanLine(string(s.Status)),
			Version: s.Version,
		}
	}
	return out
}

// build streams the scope's subjects into a new directory. Progress and
// the end arrive on a channel the pane listens to; the stream never holds
// Update up, and a scope change cancels it.
func (p *lookupPane) build() tea.Cmd {
	if p.shared != nil {
		return p.attach()
	}
	p.Close()
	p.buildGen++
	p.started, p.building = true, true
	p.done, p.total, p.buildErr = 0, -1, ""
	p.dir = lookup.NewDirectory()
	p.scope = p.ctx.Scope
	p.state, p.res, p.jump = nil, lookup.Result{}, nil
	c := p.ctx
	backend, actor, scope, gen, dir := c.Backend, c.Actor, p.scope, p.buildGen, p.dir
	mark := c.Clock.Now().Add(-directorySkew)
	ctx, cancel := context.WithCancel(context.Background())
	p.buildCancel = cancel
	ch := make(chan tea.Msg, 1)
	go func() {
		defer cancel()
		err := backend.SubjectDirectory(ctx, actor, scope, time.Time{}, func(b []model.Subject) error {
			dir.Put(directoryRecords(b))
			return nil
		}, func(done, total int) {
			select {
			case ch <- dirProgressMsg{gen: gen, done: done, total: total, ch: ch}:
			default: // the listener is behind; a newer report follows
			}
		})
		msg := dirBuiltMsg{gen: gen, err: err, mark: mark}
		if err == nil {
			var counts map[string]int
			if counts, msg.countsErr = backend.OpenRequestCounts(ctx, actor, scope); msg.countsErr == nil {
				dir.SetOpen(counts)
			}
		}
		// The only sender: after a drain the last message always fits.
		select {
		case <-ch:
		default:
		}
		ch <- msg
	}()
	return tea.Batch(listen(ch), p.spin.Tick, p.search())
}

func listen(ch <-chan tea.Msg) tea.Cmd { return func() tea.Msg { return <-ch } }

// attach is build for a pane on the process's shared directory: nothing
// is read, the pane waits for the shared build (at once when it is done)
// and searches within its scope.
func (p *lookupPane) attach() tea.Cmd {
	p.Close()
	p.buildGen++
	p.started, p.building = true, true
	p.done, p.total, p.buildErr = 0, -1, ""
	p.dir = nil
	p.scope = p.ctx.Scope
	p.state, p.res, p.jump = nil, lookup.Result{}, nil
	shared, gen := p.shared, p.buildGen
	shared.start()
	wait := func() tea.Msg {
		<-shared.Ready()
		return dirBuiltMsg{gen: gen, err: shared.Err()}
	}
	return tea.Batch(wait, p.spin.Tick)
}

// refresh brings in the subjects written since the last poll and re-reads
// the open-request counts.
func (p *lookupPane) refresh() tea.Cmd {
	if !p.started || p.building || p.polling {
		return nil
	}
	if p.shared != nil {
		// The shared directory polls for every session; this pane only
		// searches again to show what the last poll brought in.
		return p.research()
	}
	p.polling = true
	c := p.ctx
	backend, actor, scope, gen, dir, since, timeout := c.Backend, c.Actor, p.scope, p.buildGen, p.dir, p.mark, c.Timeout
	next := c.Clock.Now().Add(-directorySkew)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		msg := dirPolledMsg{gen: gen, mark: next}
		msg.err = backend.SubjectDirectory(ctx, actor, scope, since, func(b []model.Subject) error {
			msg.changed += dir.Put(directoryRecords(b))
			return nil
		}, nil)
		if msg.err == nil {
			var counts map[string]int
			if counts, msg.err = backend.OpenRequestCounts(ctx, actor, scope); msg.err == nil {
				dir.SetOpen(counts)
			}
		}
		return msg
	}
}

// search runs the query in the background, narrowing from the last
// finished search when it can, and cancels the one it supersedes.
func (p *lookupPane) search() tea.Cmd {
	if p.searchCancel != nil {
		p.searchCancel()
		p.searchCancel = nil
	}
	p.searchSeq++
	q := p.input.Value()
	p.jump = nil
	if strings.TrimSpace(q) == "" {
		p.res, p.state = lookup.Result{}, nil
		p.sel, p.top = 0, 0
		return nil
	}
	seq, dir, prev := p.searchSeq, p.dir, p.state
	ctx, cancel := context.WithCancel(context.Background())
	p.searchCancel = cancel
	find := func() (lookup.Result, *lookup.State, error) { return dir.Search(ctx, q, prev, lookupLimit) }
	if shared := p.shared; shared != nil {
		if p.building {
			cancel()
			p.searchCancel = nil
			return nil // the end of the shared build searches again
		}
		tenants := scopeTenants(p.ctx.Actor, p.scope)
		find = func() (lookup.Result, *lookup.State, error) { return shared.Search(ctx, tenants, q, prev, lookupLimit) }
	}
	cmds := []tea.Cmd{func() tea.Msg {
		res, st, err := find()
		return searchDoneMsg{seq: seq, res: res, st: st, err: err}
	}}
	if id := strings.TrimSpace(q); requestIDPattern.MatchString(id) {
		c := p.ctx
		backend, actor, timeout := c.Backend, c.Actor, c.Timeout
		cmds = append(cmds, func() tea.Msg {
			rctx, rcancel := context.WithTimeout(ctx, timeout)
			defer rcancel()
			r, err := backend.Request(rctx, actor, strings.ToUpper(id))
			if err != nil {
				return requestJumpMsg{seq: seq, err: err}
			}
			if r.SubjectID == "" {
				return requestJumpMsg{seq: seq, err: fmt.Errorf("request %s is not matched to a subject yet", r.ID)}
			}
			s, err := backend.Subject(rctx, actor, r.SubjectID)
			if err != nil {
				return requestJumpMsg{seq: seq, err: err}
			}
			h := lookup.Hit{ID: s.ID, TenantID: s.TenantID, AccountID: model.CleanLine(s.AccountID), Name: model.CleanLine(s.Name),
				Status: model.CleanLine(string(s.Status)), Field: lookup.FieldID, Text: r.ID, Exact: true}
			return requestJumpMsg{seq: seq, hit: h}
		})
	}
	return tea.Batch(cmds...)
}

func (p *lookupPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	switch msg := msg.(type) {
	case tenantsReadyMsg:
		switch {
		case !p.started:
			// Not looked at yet: Activate builds the directory, so a console
			// or SSH session that never opens Lookup never holds one.
			return p, nil
		case p.scope == p.ctx.Scope && p.buildErr == "":
			return p, p.refresh()
		}
		return p, p.build()
	case dirProgressMsg:
		if msg.gen != p.buildGen {
			return p, nil
		}
		p.done, p.total = msg.done, msg.total
		// New subjects arrived: the shown result may be missing them. A
		// search still running is left to finish rather than restarted
		// on every batch; the end of the build searches again anyway.
		var again tea.Cmd
		if p.searchCancel == nil {
			again = p.research()
		}
		return p, tea.Batch(listen(msg.ch), again)
	case dirBuiltMsg:
		if msg.gen != p.buildGen {
			return p, nil
		}
		p.building, p.buildCancel = false, nil
		if msg.err != nil {
			p.buildErr = errText(msg.err)
			return p, p.ctx.Error("lookup: could not read the subjects: " + p.buildErr + " — press " + p.ctx.keyFor(keymap.Refresh) + " to try again")
		}
		p.mark = msg.mark
		if p.dir != nil {
			p.done = p.dir.Len()
		}
		var cmd tea.Cmd
		if msg.countsErr != nil {
			cmd = p.ctx.Error("lookup: open-request counts are unavailable: " + errText(msg.countsErr))
		}
		return p, tea.Batch(cmd, p.research())
	case dirPolledMsg:
		if msg.gen != p.buildGen {
			return p, nil
		}
		p.polling = false
		if msg.err != nil {
			return p, p.ctx.Error("lookup: could not refresh the subjects: " + errText(msg.err))
		}
		p.mark = msg.mark
		return p, p.research()
	case lookupTickMsg:
		if msg.gen != p.tickGen {
			return p, nil
		}
		gen := p.tickGen
		return p, tea.Batch(p.refresh(), tea.Tick(p.poll, func(time.Time) tea.Msg { return lookupTickMsg{gen: gen} }))
	case searchDoneMsg:
		if msg.seq != p.searchSeq {
			return p, nil
		}
		p.searchCancel = nil
		if msg.err != nil {
			return p, nil // cancelled: a newer search is on its way
		}
		p.res, p.state = msg.res, msg.st
		p.clampSel()
	case requestJumpMsg:
		if msg.seq != p.searchSeq {
			return p, nil
		}
		if msg.err != nil {
			return p, p.ctx.Error(errText(msg.err))
		}
		p.jump = &msg.hit
		p.sel, p.top = 0, 0
	case themeMsg:
		p.applyTheme()
	case spinner.TickMsg:
		return p, spinWhile(p.building, &p.spin, msg)
	case tea.KeyPressMsg:
		return p, p.key(msg)
	case tea.PasteMsg:
		if p.input.Focused() {
			return p, p.edit(msg)
		}
	}
	return p, nil
}

// research repeats the current query on a directory that changed: the
// change bumped its generation, so this is a fresh search.
func (p *lookupPane) research() tea.Cmd {
	if strings.TrimSpace(p.input.Value()) == "" {
		return nil
	}
	jump := p.jump
	cmd := p.search()
	p.jump = jump
	return cmd
}

func (p *lookupPane) edit(msg tea.Msg) tea.Cmd {
	before := p.input.Value()
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	keepClean(&p.input)
	if p.input.Value() == before {
		return cmd
	}
	p.sel, p.top = 0, 0
	return tea.Batch(cmd, p.search())
}

func (p *lookupPane) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.ctx.Keys
	if p.input.Focused() {
		if k.Matches(msg, keymap.Refresh) {
			// The shell does not see keys while the box has focus; a
			// refresh here brings in changed subjects all the same.
			return tea.Batch(p.refresh(), p.ctx.Info("refreshing the directory…"))
		}
		if d, ok := typingStep(msg, p.rows()); ok {
			p.move(d)
			return nil
		}
		switch msg.String() {
		case "esc":
			p.input.Blur()
			return nil
		case "enter":
			return p.open()
		}
		return p.edit(msg)
	}
	switch {
	case k.Matches(msg, keymap.LookupSearch):
		return p.input.Focus()
	case k.Matches(msg, keymap.Open):
		return p.open()
	case isNav(k, msg):
		d, _ := navStep(k, msg, len(p.hits()), p.rows())
		p.move(d)
	}
	return nil
}

// hits is what the list shows: a request id's subject first, then the
// directory's matches (without repeating that subject).
func (p *lookupPane) hits() []lookup.Hit {
	if p.jump == nil {
		return p.res.Hits
	}
	out := []lookup.Hit{*p.jump}
	for _, h := range p.res.Hits {
		if h.ID != p.jump.ID {
			out = append(out, h)
		}
	}
	return out
}

func (p *lookupPane) move(d int) {
	p.sel += d
	p.clampSel()
}

func (p *lookupPane) clampSel() {
	p.sel, p.top = scrollTo(p.sel, p.top, len(p.hits()), p.rows())
}

// rows is how many result lines fit under the search box, the info line
// and the column header.
func (p *lookupPane) rows() int { return max(1, p.height-3) }

func (p *lookupPane) open() tea.Cmd {
	hs := p.hits()
	if len(hs) == 0 {
		if strings.TrimSpace(p.input.Value()) == "" {
			return p.ctx.Info("type a name, email, phone, address, account or request id first")
		}
		return p.ctx.Error("nothing to open: no subject matches")
	}
	p.input.Blur()
	sp := newSubjectPane(p.ctx, hs[p.sel].ID, p.revealFor)
	return func() tea.Msg { return pushPaneMsg{pane: sp} }
}

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
		s += " · exact " + h.Field.String() + " at the top"
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
	case lookup.FieldID:
		match = "id " + hl.Render(model.CleanLine(h.Text))
	default:
		match = h.Field.String() + " " + maskMatched(h.Text, h.Matched, fieldKind(h.Field), hl)
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
	for i, r := range rs {
		if clusterTail(r) && base >= 0 {
			if show[base] || isMatch[base] {
				emit([]rune{r}, isMatch[base])
			}
			continue
		}
		base = i
		switch {
		case isMatch[i]:
			emit([]rune{r}, true)
			dots = 0
		case show[i]:
			emit([]rune{r}, false)
			dots = 0
		default:
			if dots == 0 {
				emit([]rune("•••"), false)
			}
			dots++
		}
	}
	flush()
	return b.String()
}

func clusterTail(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || r == 0xFE0F || (r >= 0x1F3FB && r <= 0x1F3FF)
}

// visibleRunes says which runes Mask would keep for kind.
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
