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

// Minimum terminal size the layout is designed for.
const (
	MinWidth  = 80
	MinHeight = 24
)

// chrome is the lines the shell draws around a pane: header, tabs, status.
const chrome = 3

// maxPageSize is the largest keyset page the queue asks for.
const maxPageSize = 1000

// infoTTL is how long an info message stays on the status line.
const infoTTL = 4 * time.Second

// Config is what the console needs from main.
type Config struct {
	Backend Backend
	Actor   model.Actor
	// Keys are the bindings; the zero KeyMap means keymap.Default().
	Keys keymap.KeyMap
	// Clock is "now" for deadlines; nil means the system clock.
	Clock model.Clock
	// ReadOnly marks a session that may change nothing (serve --readonly).
	// The actor's own ReadOnly and a role that cannot triage also show the badge.
	ReadOnly bool
	// NoColor draws with attributes only (main sets it from NO_COLOR).
	NoColor bool
	// Light starts with the light theme until the terminal reports its
	// background; without a report the dark theme is kept.
	Light bool
	// Scope is the tenant id to start narrowed to; "" is every tenant.
	Scope string
	// PageSize is the keyset page the queue asks for (default 500, at most 1000).
	PageSize int
	// QueueCap is the most rows the queue loads (default 10,000); the footer
	// says when more exist.
	QueueCap int
	// Timeout bounds each backend call (default 30s).
	Timeout time.Duration
	// ExportDir is where the audit pane writes request-record exports
	// (main: <data dir>/exports); empty disables exports from the console.
	ExportDir string
	// Lookup
	// RevealFor is how long a revealed value stays on screen (default 20s).
	RevealFor time.Duration
	// LookupPoll is how often the Lookup pane asks for subjects changed
	// since its directory was built (default 30s); ctrl+r asks at once.
	LookupPoll time.Duration
	// SharedLookup, when set, is the process's one subject directory: the
	// Lookup pane searches it within the session's scope instead of
	// building its own, and leaves polling to it (serve shares one among
	// all its SSH sessions).
	SharedLookup *SharedLookup
}

// App is the console's root model: the shell around the panes.
type App struct {
	ctx *Context

	panes  []Pane
	active int
	// stack holds views opened over the active pane (a request's detail);
	// esc pops them and the pane below is exactly as it was left.
	stack []Pane
	seq   int

	width, height int

	help    bool
	palette commandPalette

	status    string
	statusErr bool
	shownSeq  int // the raise order of the shown message, and its clear timer's token

	tenantsGen int
}

// New builds the console. Adding a pane is adding it to the panes list here.
func New(cfg Config) *App {
	if len(cfg.Keys.All()) == 0 {
		cfg.Keys = keymap.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = model.SystemClock{}
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 500
	}
	// A backend may serve fewer rows than asked for (the store caps pages);
	// a short page reads as "no more", so never ask for more than any serves.
	cfg.PageSize = min(cfg.PageSize, maxPageSize)
	if cfg.QueueCap <= 0 {
		cfg.QueueCap = 10_000
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.ReadOnly {
		// The session's read-only flag rides on the actor, so the
		// controller refuses writes too, not only the keys.
		cfg.Actor.ReadOnly = true
	}
	ctx := &Context{
		Theme:    NewTheme(!cfg.Light, cfg.NoColor),
		Keys:     cfg.Keys,
		Actor:    cfg.Actor,
		Clock:    cfg.Clock,
		Backend:  cfg.Backend,
		ReadOnly: cfg.ReadOnly || cfg.Actor.ReadOnly || !cfg.Actor.Can(model.PermTriage),
		NoColor:  cfg.NoColor,
		PageSize: cfg.PageSize,
		QueueCap: cfg.QueueCap,
		Timeout:  cfg.Timeout,
		Scope:    cfg.Scope,
		// Audit
		ExportDir: cfg.ExportDir,
	}
	return &App{
		ctx:     ctx,
		panes:   []Pane{newQueuePane(ctx), newApprovalsPane(ctx), newLookupPane(ctx, cfg), newAuditPane(ctx)},
		palette: newCommandPalette(ctx.Theme),
	}
}

// Init asks the terminal for its background (to pick a theme) and loads the
// tenants every pane needs.
func (a *App) Init() tea.Cmd {
	cmds := []tea.Cmd{a.loadTenants()}
	if !a.ctx.NoColor {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	for _, p := range a.panes {
		cmds = append(cmds, p.Init())
	}
	return tea.Batch(cmds...)
}

func (a *App) loadTenants() tea.Cmd {
	a.tenantsGen++
	gen, c := a.tenantsGen, a.ctx
	backend, actor, timeout := c.Backend, c.Actor, c.Timeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		ts, err := backend.Tenants(ctx, actor)
		return tenantsMsg{gen: gen, tenants: ts, err: err}
	}
}

// view is what the body shows: the top of the stack, else the active pane.
func (a *App) view() Pane {
	if n := len(a.stack); n > 0 {
		return a.stack[n-1]
	}
	return a.panes[a.active]
}

func (a *App) tooSmall() bool { return a.width < MinWidth || a.height < MinHeight }

func (a *App) bodySize() (int, int) { return a.width, max(1, a.height-chrome) }

func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
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
	case tenantsMsg:
		return a, a.tenantsLoaded(msg)
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
	case openRequestMsg:
		return a, a.push(msg.id)
	case actionOpenMsg: // Request actions open their form here
		return a, a.openAction(msg)
	case fulfilOpenMsg: // Fulfilment — the plan, its sign-off, a run
		return a, a.openFulfil(msg)
	case attemptedMsg:
		return a, a.attempted(msg)
	case closeViewMsg:
		return a, a.closeView(msg.seq)
	case bulkOpenMsg:
		return a, a.pushView(func(seq int) Pane { return newBulkPane(a.ctx, seq, msg.reqs, msg.tenant) })
	case pushPaneMsg:
		return a, a.pushPane(msg.pane)
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

// broadcast hands a message to every pane. Results carry a generation or a
// sequence number, so each pane takes only its own.
func (a *App) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i, p := range a.panes {
		var cmd tea.Cmd
		a.panes[i], cmd = p.Update(msg)
		cmds = append(cmds, cmd)
	}
	for i, p := range a.stack {
		var cmd tea.Cmd
		a.stack[i], cmd = p.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
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

func (a *App) tenantsLoaded(msg tenantsMsg) tea.Cmd {
	if msg.gen != a.tenantsGen {
		return nil
	}
	if msg.err != nil {
		return tea.Batch(
			a.setStatus(fmt.Sprintf("could not load tenants: %s — check the database and press %s", errText(msg.err), a.ctx.keyFor(keymap.Refresh)), true),
			a.broadcast(tenantsFailedMsg{}),
		)
	}
	a.ctx.setTenants(msg.tenants)
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
		if c, ok := p.(interface{ Close() }); ok {
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
		return a.palette.show("", a.commands())
	case k.Matches(msg, keymap.ScopeTenant):
		return a.palette.show("tenant ", a.commands())
	case k.Matches(msg, keymap.Refresh):
		return tea.Batch(a.loadTenants(), a.ctx.Info("refreshing…"))
	case k.Matches(msg, keymap.NextPane):
		return a.switchPane(a.active + 1)
	case k.Matches(msg, keymap.PrevPane):
		return a.switchPane(a.active - 1)
	case k.Matches(msg, keymap.Back):
		if a.statusErr {
			a.status, a.statusErr = "", false
		}
		if len(a.stack) > 0 {
			a.pop()
			return nil
		}
	}
	return a.toView(msg)
}

// switchPane shows pane i. A pane that loads only once it is looked at
// (Activate) is told.
func (a *App) switchPane(i int) tea.Cmd {
	n := len(a.panes)
	a.closeStack()
	a.active = ((i % n) + n) % n
	if p, ok := a.panes[a.active].(interface{ Activate() tea.Cmd }); ok {
		return p.Activate()
	}
	return nil
}

func (a *App) closeStack() {
	for len(a.stack) > 0 {
		a.pop()
	}
}

func (a *App) pop() {
	n := len(a.stack)
	if c, ok := a.stack[n-1].(interface{ Close() }); ok {
		c.Close()
	}
	a.stack = a.stack[:n-1]
}

// push opens a request's detail over the current view.
func (a *App) push(id string) tea.Cmd {
	a.seq++
	return a.pushPane(newDetailPane(a.ctx, id, a.seq))
}

// pushPane opens any view (a request's or a subject's detail) over the
// current one; esc pops it.
func (a *App) pushPane(p Pane) tea.Cmd {
	w, h := a.bodySize()
	p.SetSize(w, h)
	a.stack = append(a.stack, p)
	return p.Init()
}

func (a *App) paletteKey(msg tea.KeyPressMsg) tea.Cmd {
	if a.ctx.Keys.Matches(msg, keymap.Back) {
		a.palette.hide()
		return nil
	}
	switch msg.String() {
	case "enter":
		input := a.palette.input.Value()
		sel, hasSel := a.palette.selected()
		return a.runPalette(input, sel, hasSel)
	case "up", "ctrl+p":
		a.palette.moveSel(-1)
		return nil
	case "down", "ctrl+n":
		a.palette.moveSel(1)
		return nil
	case "tab":
		a.palette.complete()
		return nil
	}
	return a.palette.update(msg)
}

// verbs are the palette's commands; pane titles are verbs too.
func (a *App) verbs() []string {
	v := []string{"tenant", "open", "refresh", "help", "quit", "q"}
	for _, p := range a.panes {
		v = append(v, strings.ToLower(p.Title()))
	}
	return v
}

// commands lists what the palette offers, tenants included.
func (a *App) commands() []command {
	var out []command
	for _, p := range a.panes {
		out = append(out, command{name: strings.ToLower(p.Title()), desc: "go to the " + strings.ToLower(p.Title()) + " pane"})
	}
	out = append(out, command{name: "tenant all", desc: "every tenant in your scope"})
	for _, t := range a.ctx.Tenants() {
		out = append(out, command{name: "tenant " + model.CleanLine(t.ID), desc: model.CleanLine(t.Name), matchDesc: true})
	}
	out = append(out,
		command{name: "open", desc: "open a request by id", needsArg: true},
		command{name: "refresh", desc: "reload from the database"},
		command{name: "help", desc: "show key bindings"},
		command{name: "quit", desc: "leave custodian"},
	)
	return out
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
	} else if !slices.Contains(a.verbs(), verb) {
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
	id, err := a.resolveTenant(arg)
	if err != nil {
		return a.setStatus(err.Error(), true)
	}
	a.ctx.Scope = id
	a.closeStack()
	return tea.Batch(a.setStatus("scope: "+a.ctx.ScopeLabel(), false), a.broadcast(tenantsReadyMsg{keep: true}))
}

func (a *App) resolveTenant(arg string) (string, error) {
	if strings.EqualFold(arg, "all") {
		return "", nil
	}
	ts := a.ctx.Tenants()
	for _, t := range ts {
		if t.ID == arg {
			return t.ID, nil
		}
	}
	for _, t := range ts {
		if strings.EqualFold(t.ID, arg) || strings.EqualFold(model.CleanLine(t.Name), arg) {
			return t.ID, nil
		}
	}
	var hits []model.Tenant
	low := strings.ToLower(arg)
	for _, t := range ts {
		if strings.Contains(strings.ToLower(t.ID), low) || strings.Contains(strings.ToLower(model.CleanLine(t.Name)), low) {
			hits = append(hits, t)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0].ID, nil
	case 0:
		return "", fmt.Errorf("no tenant in your scope matches %q", model.CleanLine(arg))
	}
	names := make([]string, 0, 3)
	for _, t := range hits[:min(3, len(hits))] {
		names = append(names, model.CleanLine(t.ID))
	}
	return "", fmt.Errorf("%q matches %d tenants (%s…) — type more of it", model.CleanLine(arg), len(hits), strings.Join(names, ", "))
}
