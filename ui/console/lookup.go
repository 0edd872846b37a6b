package console

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

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

// lookupTickMsg is the poll timer's tick; gen names the timer, so a pane
// restarted (Init again) keeps one timer, not two.
type lookupTickMsg struct{ gen int }

// searchDone is a finished search and the state the next one narrows from.
type searchDone struct {
	res lookup.Result
	st  *lookup.State
}

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
	dirLoad     stream[dirProgress, dirBuilt]
	done, total int
	buildErr    string
	mark        time.Time
	polling     bool
	polls       call[dirBuilt]
	tickGen     int

	searching call[searchDone]
	jumping   call[lookup.Hit] // the subject of a request id typed in full
	state     *lookup.State
	res       lookup.Result
	jump      *lookup.Hit
	sel, top  int

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
	p.dirLoad.cancel()
	p.searching.cancel()
	p.jumping.cancel()
}

// search runs the query in the background, narrowing from the last
// finished search when it can, and cancels the one it supersedes.
func (p *lookupPane) search() tea.Cmd {
	p.searching.cancel()
	p.jumping.cancel()
	q := p.input.Value()
	p.jump = nil
	if strings.TrimSpace(q) == "" {
		p.res, p.state = lookup.Result{}, nil
		p.sel, p.top = 0, 0
		return nil
	}
	dir, prev := p.dir, p.state
	find := func(ctx context.Context, _ Backend, _ model.Actor) (searchDone, error) {
		res, st, err := dir.Search(ctx, q, prev, lookupLimit)
		return searchDone{res: res, st: st}, err
	}
	if shared := p.shared; shared != nil {
		if p.building {
			return nil // the end of the shared build searches again
		}
		tenants := scopeTenants(p.ctx.Actor, p.scope)
		find = func(ctx context.Context, _ Backend, _ model.Actor) (searchDone, error) {
			res, st, err := shared.Search(ctx, tenants, q, prev, lookupLimit)
			return searchDone{res: res, st: st}, err
		}
	}
	// A search runs until it finishes or the next keystroke supersedes it.
	cmds := []tea.Cmd{p.searching.startWithin(p.ctx, 0, find)}
	if id := strings.TrimSpace(q); requestIDPattern.MatchString(id) {
		cmds = append(cmds, p.jumping.start(p.ctx, func(ctx context.Context, backend Backend, actor model.Actor) (lookup.Hit, error) {
			r, err := backend.Request(ctx, actor, strings.ToUpper(id))
			if err != nil {
				return lookup.Hit{}, err
			}
			if r.SubjectID == "" {
				return lookup.Hit{}, fmt.Errorf("request %s is not matched to a subject yet", r.ID)
			}
			s, err := backend.Subject(ctx, actor, r.SubjectID)
			if err != nil {
				return lookup.Hit{}, err
			}
			return lookup.Hit{ID: s.ID, TenantID: s.TenantID, AccountID: model.CleanLine(s.AccountID), Name: model.CleanLine(s.Name),
				Status: model.CleanLine(string(s.Status)), Field: lookup.FieldRequest, Text: r.ID, Exact: true}, nil
		}))
	}
	return tea.Batch(cmds...)
}

// built takes the end of a build (or of the wait for the shared one).
func (p *lookupPane) built(built dirBuilt, err error) tea.Cmd {
	p.building = false
	if err != nil {
		p.buildErr = errText(err)
		return p.ctx.Error("lookup: could not read the subjects: " + p.buildErr + " — press " + p.ctx.keyFor(keymap.Refresh) + " to try again")
	}
	p.mark = built.mark
	if p.dir != nil {
		p.done = p.dir.Len()
	}
	var cmd tea.Cmd
	if built.countsErr != nil {
		cmd = p.ctx.Error("lookup: open-request counts are unavailable: " + errText(built.countsErr))
	}
	return tea.Batch(cmd, p.research())
}

func (p *lookupPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if prog, next, ok := p.dirLoad.progress(msg); ok {
		p.done, p.total = prog.done, prog.total
		// New subjects arrived: the shown result may be missing them. A
		// search still running is left to finish rather than restarted
		// on every batch; the end of the build searches again anyway.
		var again tea.Cmd
		if !p.searching.busy() {
			again = p.research()
		}
		return p, tea.Batch(next, again)
	}
	if built, err, ok := p.dirLoad.accept(msg); ok {
		return p, p.built(built, err)
	}
	if polled, err, ok := p.polls.accept(msg); ok {
		p.polling = false
		if err != nil {
			return p, p.ctx.Error("lookup: could not refresh the subjects: " + errText(err))
		}
		p.mark = polled.mark
		return p, p.research()
	}
	if found, err, ok := p.searching.accept(msg); ok {
		if err != nil {
			return p, nil // cancelled: a newer search is on its way
		}
		p.res, p.state = found.res, found.st
		p.clampSel()
		return p, nil
	}
	if hit, err, ok := p.jumping.accept(msg); ok {
		if err != nil {
			return p, p.ctx.Error(errText(err))
		}
		p.jump = &hit
		p.sel, p.top = 0, 0
		return p, nil
	}
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
	case lookupTickMsg:
		if msg.gen != p.tickGen {
			return p, nil
		}
		gen := p.tickGen
		return p, tea.Batch(p.refresh(), tea.Tick(p.poll, func(time.Time) tea.Msg { return lookupTickMsg{gen: gen} }))
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
