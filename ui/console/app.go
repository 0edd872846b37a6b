package console

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// App is the console's root model: the shell around the panes.
type App struct {
	ctx *Context

	panes  []Pane
	active int
	stack  viewStack
	seq    int // the number of the last view pushed, for closeView

	width, height int

	help    bool
	palette commandPalette

	status    string
	statusErr bool
	shownSeq  int // the raise order of the shown message, and its clear timer's token

	conn connWatcher // the database connection's state, for the status line

	tenantsLoad call[[]model.Tenant]
	actionRead  call[actionOpenMsg]
	attempts    calls[string]

	// Live refresh (live.go): one poll in flight at most, every liveEvery;
	// ended is why the console closed itself.
	livePoll  call[livePoll]
	liveEvery time.Duration
	ended     string
}

// New builds the console. Adding a pane is adding it to the panes list here.
func New(cfg Config) *App {
	cfg = cfg.withDefaults()
	ctx := newContext(cfg)
	panes := []Pane{newQueuePane(ctx), newApprovalsPane(ctx), newLookupPane(ctx, cfg), newAuditPane(ctx)}
	// Metrics for the leads and admins who report to Customers; Operators
	// for admins. Others do not see the tabs (and the controller refuses
	// them anyway).
	if model.MetricsAllowed(cfg.Actor.Operator.Role) {
		panes = append(panes, newMetricsPane(ctx))
	}
	if cfg.Actor.Operator.Role.Can(model.PermManageOperators) {
		panes = append(panes, newOperatorsPane(ctx))
	}
	// Tenants (Customers) for admins, who keep them.
	if cfg.Actor.Operator.Role.Can(model.PermManageTenants) {
		panes = append(panes, newTenantsPane(ctx))
	}
	return &App{
		ctx:       ctx,
		panes:     panes,
		palette:   newCommandPalette(ctx.Theme),
		conn:      connWatcher{w: cfg.Conn},
		liveEvery: cfg.LivePoll,
	}
}

// Init asks the terminal for its background (to pick a theme) and loads the
// tenants every pane needs.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{a.loadTenants(), a.conn.wait(), a.startLive(a.liveEvery)}
	if !a.ctx.NoColor {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	for _, p := range a.panes {
		cmds = append(cmds, p.Init())
	}
	return tea.Batch(cmds...)
}

func (a *App) loadTenants() tea.Cmd {
	return a.tenantsLoad.start(a.ctx, func(ctx context.Context, b Backend, actor model.Actor) ([]model.Tenant, error) {
		return b.Tenants(ctx, actor)
	})
}

// view is what the body shows: the top of the stack, else the active pane.
func (a *App) view() Pane {
	if p, ok := a.stack.top(); ok {
		return p
	}
	return a.panes[a.active]
}

func (a *App) tooSmall() bool { return a.width < MinWidth || a.height < MinHeight }

func (a *App) bodySize() (int, int) { return a.width, max(1, a.height-chrome) }

func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ts, err, ok := a.tenantsLoad.accept(msg); ok {
		return a, a.tenantsLoaded(ts, err)
	}
	if m, err, ok := a.actionRead.accept(msg); ok { // Request actions open their form here
		return a, a.carryOut(actionReadyOpening(a.ctx, m, err))
	}
	if id, err, ok := a.attempts.accept(msg); ok {
		return a, a.setStatus(attemptedText(a.ctx, id, err), true)
	}
	if res, err, ok := a.livePoll.accept(msg); ok {
		return a, a.polled(res, err)
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		w, h := a.bodySize()
		for _, p := range a.allPanes() {
			p.SetSize(w, h)
		}
		return a, nil
	case tea.BackgroundColorMsg:
		if a.ctx.NoColor {
			return a, nil
		}
		return a, a.setTheme(NewTheme(msg.IsDark(), false))
	case statusMsg:
		if msg.seq < a.shownSeq {
			return a, nil // raised before what is shown; arrived late
		}
		return a, a.show(msg.text, msg.err, msg.seq)
	case clearStatusMsg:
		if msg.seq == a.shownSeq && !a.statusErr {
			a.status = ""
		}
		return a, nil
	case connChangedMsg:
		return a, a.connChanged(msg)
	case openRequestMsg:
		return a, a.push(msg.id)
	case actionOpenMsg:
		return a, a.carryOut(actionOpening(a.ctx, msg))
	case fulfilOpenMsg: // Fulfilment — the plan, its sign-off, a run
		top, _ := a.stack.top()
		return a, a.carryOut(fulfilOpening(a.ctx, msg, top))
	case closeViewMsg:
		a.stack.popSeq(msg.seq)
		return a, nil
	case tenantSavedMsg:
		// Every pane shows tenants (zones, calendars): all re-read them,
		// the tenants pane too, through the tenantsReadyMsg that follows.
		return a, a.loadTenants()
	case bulkOpenMsg:
		return a, a.pushView(func(seq int) Pane { return newBulkPane(a.ctx, seq, msg.reqs, msg.tenant) })
	case pushPaneMsg:
		return a, a.open(msg.pane)
	case openViewMsg:
		return a, a.pushView(msg.build)
	case letterOpenMsg:
		// Letters — the compose pane, over whatever is on screen.
		return a, a.pushView(func(seq int) Pane { return newLetterPane(a.ctx, seq, msg) })
	case liveTickMsg:
		return a, a.poll()
	case tea.KeyPressMsg:
		return a, a.key(msg)
	case tea.PasteMsg:
		if a.palette.open {
			return a, a.palette.update(msg)
		}
		return a, a.toView(msg)
	}
	return a, a.broadcast(msg)
}

func (a *App) setTheme(th Theme) tea.Cmd {
	a.ctx.Theme = th
	a.palette.input.SetStyles(inputStyles(th))
	return a.broadcast(themeMsg{})
}

// allPanes is every live pane: the tabs and the stacked views.
func (a *App) allPanes() []Pane {
	return append(slices.Clone(a.panes), a.stack...)
}

// broadcast hands a message to every pane. Backend results carry the
// ticket of the call that asked, so each pane takes only its own.
func (a *App) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i, p := range a.panes {
		var cmd tea.Cmd
		a.panes[i], cmd = p.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(append(cmds, a.stack.update(msg)...)...)
}

func (a *App) toView(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if n := len(a.stack); n > 0 {
		a.stack[n-1], cmd = a.stack[n-1].Update(msg)
	} else {
		a.panes[a.active], cmd = a.panes[a.active].Update(msg)
	}
	return cmd
}

func (a *App) tenantsLoaded(tenants []model.Tenant, err error) tea.Cmd {
	if err != nil {
		return tea.Batch(
			a.setStatus(fmt.Sprintf("could not load tenants: %s — check the database and press %s", errText(err), a.ctx.keyFor(keymap.Refresh)), true),
			a.broadcast(tenantsFailedMsg{}),
		)
	}
	a.ctx.setTenants(tenants)
	if a.ctx.Scope != "" {
		if _, ok := a.ctx.tenants[a.ctx.Scope]; !ok {
			scope := model.CleanLine(a.ctx.Scope)
			a.ctx.Scope = ""
			return tea.Batch(
				a.setStatus(fmt.Sprintf("tenant %q is not in your scope — showing all tenants", scope), true),
				a.broadcast(tenantsReadyMsg{keep: true}),
			)
		}
	}
	return a.broadcast(tenantsReadyMsg{keep: true})
}

// setStatus shows a message the shell raises itself, now.
func (a *App) setStatus(text string, isErr bool) tea.Cmd {
	a.ctx.statusSeq++
	return a.show(text, isErr, a.ctx.statusSeq)
}

func (a *App) show(text string, isErr bool, seq int) tea.Cmd {
	a.shownSeq = seq
	a.status, a.statusErr = model.CleanLine(text), isErr
	if isErr || text == "" {
		return nil
	}
	return tea.Tick(infoTTL, func(time.Time) tea.Msg { return clearStatusMsg{seq: seq} })
}

func (a *App) quit() tea.Cmd {
	for _, p := range a.allPanes() {
		if c, ok := p.(closer); ok {
			c.Close()
		}
	}
	return tea.Quit
}

func (a *App) key(msg tea.KeyPressMsg) tea.Cmd {
	k := a.ctx.Keys
	// ctrl+c always quits, whatever has focus: it is the one key every
	// terminal user expects to get them out.
	if msg.String() == "ctrl+c" {
		return a.quit()
	}
	// An error stays until the operator has read it and moved on: the next
	// key is that moment, and whatever it does raises its own message if
	// it fails too.
	if a.statusErr {
		a.status, a.statusErr = "", false
	}
	if a.tooSmall() {
		if k.Matches(msg, keymap.Quit) {
			return a.quit()
		}
		return nil
	}
	if a.palette.open {
		return a.paletteKey(msg)
	}
	if a.help {
		switch {
		case k.Matches(msg, keymap.Back), k.Matches(msg, keymap.Help):
			a.help = false
		case k.Matches(msg, keymap.Quit):
			return a.quit()
		}
		return nil
	}
	// A box that completes a word with tab (the audit filter's action:)
	// keeps it while it is completing.
	if tc, ok := a.view().(tabCompleter); ok && tc.completesTab(msg) {
		return a.toView(msg)
	}
	// tab still moves between panes while a pane's own search box has focus
	// (Lookup opens with it focused); a form pushed over a pane keeps tab for
	// its fields.
	if len(a.stack) == 0 && (k.Matches(msg, keymap.NextPane) || k.Matches(msg, keymap.PrevPane)) {
		if k.Matches(msg, keymap.NextPane) {
			return a.switchPane(a.active + 1)
		}
		return a.switchPane(a.active - 1)
	}
	if a.view().Capturing() {
		return a.toView(msg)
	}
	switch {
	case k.Matches(msg, keymap.Quit):
		return a.quit()
	case k.Matches(msg, keymap.Help):
		a.help = true
		return nil
	case k.Matches(msg, keymap.Palette):
		return a.palette.show("", paletteCommands(a.panes, a.ctx.Tenants()))
	case k.Matches(msg, keymap.ScopeTenant):
		return a.palette.show("tenant ", paletteCommands(a.panes, a.ctx.Tenants()))
	case k.Matches(msg, keymap.Refresh):
		return tea.Batch(a.loadTenants(), a.ctx.Info("refreshing…"))
	case k.Matches(msg, keymap.NextPane):
		return a.switchPane(a.active + 1)
	case k.Matches(msg, keymap.PrevPane):
		return a.switchPane(a.active - 1)
	case k.Matches(msg, keymap.Back):
		if len(a.stack) > 0 {
			a.stack.pop()
			return nil
		}
	}
	return a.toView(msg)
}

// switchPane shows pane i. A pane that loads only once it is looked at
// (Activate) is told.
func (a *App) switchPane(i int) tea.Cmd {
	n := len(a.panes)
	a.stack.clear()
	a.active = ((i % n) + n) % n
	if p, ok := a.panes[a.active].(activator); ok {
		return p.Activate()
	}
	return nil
}

// push opens a request's detail over the current view.
func (a *App) push(id string) tea.Cmd { return a.open(newDetailPane(a.ctx, id)) }

// open stacks any view (a request's or a subject's detail) over the current
// one; esc pops it.
func (a *App) open(p Pane) tea.Cmd {
	w, h := a.bodySize()
	return a.stack.push(p, w, h)
}

// paletteKey hands a key to the open palette; enter runs what it holds.
func (a *App) paletteKey(msg tea.KeyPressMsg) tea.Cmd {
	cmd, enter := a.palette.key(msg, a.ctx.Keys)
	if !enter {
		return cmd
	}
	sel, hasSel := a.palette.selected()
	return a.runPalette(a.palette.input.Value(), sel, hasSel)
}

// runPalette runs what was typed when it starts with a known verb, and
// otherwise the highlighted fuzzy match, so both ":open R-1" and ":que" work.
func (a *App) runPalette(input string, sel command, hasSel bool) tea.Cmd {
	text := strings.TrimSpace(input)
	verb, args, _ := strings.Cut(text, " ")
	verb = strings.ToLower(verb)
	if text == "" && !hasSel {
		a.palette.hide()
		return nil
	}
	if args == "" && hasSel && strings.HasPrefix(sel.name, verb+" ") {
		// "tenant " with a tenant highlighted (T, then arrows): run that one.
		verb, args, _ = strings.Cut(sel.name, " ")
	} else if !slices.Contains(paletteVerbs(a.panes), verb) {
		if !hasSel {
			a.palette.hide()
			return a.setStatus(fmt.Sprintf("unknown command %q — press %s and tab to see the commands", model.CleanLine(text), a.ctx.keyFor(keymap.Palette)), true)
		}
		if sel.needsArg {
			a.palette.complete()
			return nil
		}
		verb, args, _ = strings.Cut(sel.name, " ")
	}
	a.palette.hide()
	return a.run(verb, strings.TrimSpace(args))
}

func (a *App) run(verb, args string) tea.Cmd {
	switch verb {
	case "quit", "q":
		return a.quit()
	case "help":
		a.help = true
		return nil
	case "refresh":
		return tea.Batch(a.loadTenants(), a.ctx.Info("refreshing…"))
	case "open":
		if args == "" {
			return a.setStatus("open needs a request id, e.g. :open R-2026-00042", true)
		}
		return a.push(args)
	case "tenant":
		return a.scope(args)
	case "health":
		return a.open(newHealthPane(a.ctx))
	case "failed":
		return a.open(newFailedPane(a.ctx))
	case "requests":
		return a.browseRequests(args)
	}
	for i, p := range a.panes {
		if strings.ToLower(p.Title()) == verb {
			return a.switchPane(i)
		}
	}
	return a.setStatus(fmt.Sprintf("unknown command %q", model.CleanLine(verb)), true)
}

// scope narrows every pane to one tenant, matched by id, then by name,
// then by a unique partial match, so "tenant spring" is enough.
func (a *App) scope(arg string) tea.Cmd {
	if arg == "" {
		return a.setStatus("tenant needs an id or a name, or \"all\"", true)
	}
	id, err := resolveTenant(a.ctx.Tenants(), arg)
	if err != nil {
		return a.setStatus(err.Error(), true)
	}
	a.ctx.Scope = id
	a.stack.clear()
	return tea.Batch(a.setStatus("scope: "+a.ctx.ScopeLabel(), false), a.broadcast(tenantsReadyMsg{keep: true}))
}

// carryOut does what an opening decided.
func (a *App) carryOut(o opening) tea.Cmd {
	switch {
	case o.view != nil:
		return a.pushView(o.view)
	case o.read != nil:
		return tea.Batch(a.setStatus(o.status, false), a.actionRead.start(a.ctx, o.read))
	case o.attempt != nil:
		return a.attempts.start(a.ctx, o.attempt)
	case o.status != "":
		return a.setStatus(o.status, o.isErr)
	}
	return o.cmd
}

// pushView stacks a view built with the next sequence number.
func (a *App) pushView(build func(seq int) Pane) tea.Cmd {
	a.seq++
	w, h := a.bodySize()
	return tea.Batch(a.stack.push(build(a.seq), w, h), a.setStatus("", false))
}

// View draws the whole screen: exactly height lines, none wider than width.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.WindowTitle = "custodian"
	v.Cursor = a.cursor()
	return v
}

// cursor places the terminal's own cursor in the focused text input. A real
// cursor, not a drawn one: the terminal blinks it without redraws, and the
// screen carries no styling of ours that text could be confused with.
func (a *App) cursor() *tea.Cursor {
	if a.tooSmall() || a.help {
		return nil
	}
	var c *tea.Cursor
	switch {
	case a.palette.open:
		c = a.palette.cursor()
	default:
		if p, ok := a.view().(cursorPlacer); ok {
			c = p.Cursor()
		}
	}
	if c == nil {
		return nil
	}
	c.Y += chrome - 1 // below the header and tab lines
	c.X = min(c.X, a.width-1)
	return c
}

func (a *App) render() string {
	if a.width <= 0 || a.height <= 0 {
		return ""
	}
	if a.tooSmall() {
		return tooSmallScreen(a.ctx, a.width, a.height)
	}
	w, h := a.bodySize()
	var body string
	switch {
	case a.help:
		body = paneHelp(a.ctx, a.view(), w, h)
	default:
		body = fitLines(a.view().View(), w, h)
	}
	if a.palette.open {
		body = a.palette.over(body, a.ctx.Theme, w, h)
	}
	due, haveDue := a.dueCounts()
	header := frameHeader(a.ctx, due, haveDue, a.width)
	tabs := frameTabs(a.ctx.Theme, a.panes, a.stack, a.active, a.width)
	status := frameStatus(a.ctx.Theme, statusHints(a.ctx, a.view(), a.help, a.palette.open), a.status, a.statusErr, a.width)
	out := header + "\n" + tabs + "\n" + body + "\n" + status
	return fitLines(out, a.width, a.height)
}

// dueCounts asks the panes that know (the queue) how much is overdue and
// due this week; they count when they load, so the header costs nothing.
func (a *App) dueCounts() (dueCounts, bool) { return sumDueCounts(a.panes) }

// browseRequests is :requests [all|closed|<status,…>]: the queue tab lists
// those statuses (nothing after it: the open queue again).
func (a *App) browseRequests(args string) tea.Cmd {
	for i, p := range a.panes {
		if q, ok := p.(*queuePane); ok {
			cmd := q.browse(args)
			return tea.Batch(a.switchPane(i), cmd)
		}
	}
	return a.setStatus("requests: there is no queue pane", true)
}
