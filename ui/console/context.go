package console

import (
	"errors"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// Context is what the shell shares with every pane. The shell owns it and
// changes it only inside Update, so panes always read a consistent state
// without each keeping (and forgetting to refresh) its own copy.
type Context struct {
	Theme   Theme
	Keys    keymap.KeyMap
	Actor   model.Actor
	Clock   model.Clock
	Backend Backend

	// ReadOnly is the session's or the role's inability to change anything.
	ReadOnly bool
	NoColor  bool

	PageSize int
	QueueCap int
	Timeout  time.Duration
	// ExportDir is where the audit pane writes exports ("" disables them).
	ExportDir string
	// Letters
	// LetterFrom is the sender of letters queued here; letterQueued (may
	// be nil) wakes the process's outbox worker after one is queued.
	LetterFrom   string
	letterQueued func()
	// letterAfterAction: an action that calls for a letter opens it.
	letterAfterAction bool

	// Scope is the tenant id the panes are narrowed to; "" is every tenant.
	Scope   string
	tenants map[string]model.Tenant
	// statusSeq numbers status messages as they are raised.
	statusSeq int
	order     []string
	// lastTicket numbers the backend calls the session's panes start (see
	// call): unique per session, so no pane takes another's result.
	lastTicket uint64
	// live is what the live refresh knows (live.go).
	live liveState
}

// Tenant returns the tenant with id. A request whose tenant is unknown (a
// scope change racing a load, or a dangling id) still gets deadlines: the
// zero tenant falls back to UTC and no holidays.
func (c *Context) Tenant(id string) (model.Tenant, bool) {
	t, ok := c.tenants[id]
	if !ok {
		return model.Tenant{ID: id, Name: id}, false
	}
	return t, true
}

// Tenants returns the known tenants in the order the backend gave them.
func (c *Context) Tenants() []model.Tenant {
	out := make([]model.Tenant, 0, len(c.order))
	for _, id := range c.order {
		out = append(out, c.tenants[id])
	}
	return out
}

func (c *Context) setTenants(ts []model.Tenant) {
	c.tenants = make(map[string]model.Tenant, len(ts))
	c.order = c.order[:0]
	for _, t := range ts {
		if _, dup := c.tenants[t.ID]; dup {
			continue
		}
		c.tenants[t.ID] = t
		c.order = append(c.order, t.ID)
	}
}

// ScopeLabel is how the header names the current scope.
func (c *Context) ScopeLabel() string {
	if c.Scope == "" {
		return scopeLabelOf(c.Actor.Operator.Tenants)
	}
	t, _ := c.Tenant(c.Scope)
	return model.CleanLine(t.Name)
}

// Messages the shell and panes exchange. Backend results are not among
// them: those are resultMsg and progressMsg (async.go), which carry the
// ticket of the call that asked, so a late answer to a superseded request
// (a refresh pressed twice, a scope change mid-load) is dropped.
type (
	// statusMsg puts text on the status line.
	statusMsg struct {
		text string
		err  bool
		// seq orders messages by when they were raised: Cmds deliver in any
		// order, and "sorted descending" must not be overwritten by the
		// "ascending" raised one key press earlier.
		seq int
	}
	clearStatusMsg struct{ seq int }

	// tenantsReadyMsg tells the panes the shared tenant list (and scope) changed
	// and they should (re)load; keep says whether to keep the selection.
	tenantsReadyMsg struct{ keep bool }

	// tenantsFailedMsg tells the panes there is nothing to load from.
	tenantsFailedMsg struct{}
	// themeMsg tells the panes the theme changed, for the parts (text inputs,
	// spinners) that keep their own copy of a style.
	themeMsg struct{}

	// openRequestMsg asks the shell to show one request's detail.
	openRequestMsg struct{ id string }
	// pushPaneMsg asks the shell to open a view over the current one.
	pushPaneMsg struct{ pane Pane }
	// closeViewMsg pops the stacked view numbered seq, if it is still on top.
	closeViewMsg struct{ seq int }
	// requestChangedMsg tells every pane that a request was written, so lists
	// refresh that row in place and a detail of it shows the new version.
	requestChangedMsg struct{ req model.Request }

	// dueCounts is a due-date summary for the header.
	dueCounts struct{ overdue, week int }
)

// keyFor names the key(s) bound to a, for text that tells the operator what
// to press: a hard-coded name would be wrong once the keymap rebinds it.
func (c *Context) keyFor(a keymap.Action) string { return c.Keys.Binding(a).Help().Key }

// Info raises an info message for the status line.
func (c *Context) Info(text string) tea.Cmd { return c.status(text, false) }

// Error raises an error for the status line; it should say what to do.
func (c *Context) Error(text string) tea.Cmd { return c.status(text, true) }

func (c *Context) status(text string, isErr bool) tea.Cmd {
	c.statusSeq++
	m := statusMsg{text: text, err: isErr, seq: c.statusSeq}
	return func() tea.Msg { return m }
}

// errText makes an error safe for the status line: backend errors can quote
// stored values, and those are as untrusted as the values themselves.
func errText(err error) string {
	return model.CleanLine(err.Error())
}

// errText is errText with the remedy a rule refusal names, phrased with
// the operator's own key: the one place the console turns a refusal's
// Remedy action into "press p to make a plan".
//
// A pending write is no failure: its claim is stored and the next drain (in
// this process or another) applies it, so the operator is told not to redo
// it, which would only meet a conflict.
func (c *Context) errText(err error) string {
	if errors.Is(err, model.ErrPending) {
		return "not confirmed, not lost — " + errText(err) + " — reload in a minute instead of redoing it"
	}
	return errText(err) + c.remedyText(err)
}
