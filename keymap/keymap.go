// Package keymap is the single source of truth for custodian's key bindings:
// which keys trigger which action, the help text shown for them, and the
// user's overrides from keys.toml. It imports nothing of ours, so every
// front end can read it.
//
// Keeping every binding here (rather than in each pane) is what lets Load
// detect conflicts across panes and lets `?` render help that always agrees
// with what the keys actually do.
package keymap

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Action names a thing the user can do. The string value is what appears in
// the overrides file, so it must never change once released.
type Action string

// Global actions work in every pane.
const (
	Quit        Action = "quit"
	Help        Action = "help"
	Palette     Action = "palette"
	Back        Action = "back"
	NextPane    Action = "next_pane"
	PrevPane    Action = "prev_pane"
	Refresh     Action = "refresh"
	ScopeTenant Action = "scope_tenant"
)

// Navigation actions move a cursor in lists and scroll in the detail view.
const (
	Up       Action = "up"
	Down     Action = "down"
	PageUp   Action = "page_up"
	PageDown Action = "page_down"
	Top      Action = "top"
	Bottom   Action = "bottom"
	Open     Action = "open"
)

// Queue actions belong to the request queue.
const (
	Filter      Action = "filter"
	SortNext    Action = "sort_next"
	SortReverse Action = "sort_reverse"
	ClearFilter Action = "clear_filter"
)

// Request actions change a request's lifecycle. They are declared before the
// panes implement them so that user overrides written today keep working and
// conflicts with them are caught early.
const (
	NewRequest       Action = "new_request"
	Acknowledge      Action = "acknowledge"
	Verify           Action = "verify"
	RequestInfo      Action = "request_info"
	Assign           Action = "assign"
	Note             Action = "note"
	Withdraw         Action = "withdraw"
	Extend           Action = "extend"
	Refuse           Action = "refuse"
	DenyUnverifiable Action = "deny_unverifiable"
	Approve          Action = "approve"
	Deny             Action = "deny"
	Mark             Action = "mark"
	Retry            Action = "retry"
	Reveal           Action = "reveal"
)

// The rest of the lifecycle's actions, the approvals pane and the
// action forms.
const (
	StartVerification Action = "start_verification"
	InfoReceived      Action = "info_received"
	Remind            Action = "remind"
	// Disclose records a lead's decision to disclose another person's
	// data withheld by an access plan.
	Disclose Action = "disclose"
	// SettleProcessor records a sub-processor's confirmation of a deletion
	// or correction notice, or a lead's exception for it.
	SettleProcessor Action = "settle_processor"
	// Delivery chooses how an access package is encrypted, or records the
	// channel its passphrase was sent by.
	Delivery Action = "delivery"
	// GroupByTenant switches the approvals list between oldest-waiting
	// first and grouped by tenant.
	GroupByTenant Action = "group_by_tenant"
	// FormSubmit saves a form from any field; enter on the last field does too.
	FormSubmit Action = "form_submit"
	// FormPrevOption and FormNextOption change a choice or a yes/no field,
	// and move between the buttons of a confirmation.
	FormPrevOption Action = "form_prev_option"
	FormNextOption Action = "form_next_option"
)

// Audit
// Audit actions belong to the audit history pane. Its filter has its own
// action because it takes a small query language, not the queue's text.
const (
	AuditFilter      Action = "audit_filter"
	AuditClearFilter Action = "audit_clear_filter"
	AuditVerify      Action = "audit_verify"
	AuditExport      Action = "audit_export"
)

// Lookup
const (
	// LookupSearch puts the cursor back in the Lookup pane's search box.
	LookupSearch Action = "lookup_search"
)

// Fulfilment
// Fulfilment actions make, sign off and run a request's fulfilment plan.
// SignOff and Replan act on the plan view only, so S can stay the queue's
// reverse sort.
const (
	// Plan opens the request's stored plan, or makes one when there is none.
	Plan Action = "plan"
	// Fulfil runs the signed plan, or resumes a run that stopped.
	Fulfil Action = "fulfil"
	// SignOff is a second privacy lead's sign-off of the plan on screen.
	SignOff Action = "sign_off"
	// Replan makes a new plan replacing the stored one (after a change to
	// the data, or a stale step).
	Replan Action = "replan"
)

// Metrics
// Metrics actions step the metrics pane's year.
const (
	MetricsPrevYear Action = "metrics_prev_year"
	MetricsNextYear Action = "metrics_next_year"
)

// Operators
// Operators actions are an admin's, in the operators pane: each opens a
// form, and every change is confirmed and goes through the controller.
const (
	OperatorAdd    Action = "operator_add"
	OperatorToggle Action = "operator_toggle"
	OperatorRole   Action = "operator_role"
	OperatorScope  Action = "operator_scope"
	OperatorKey    Action = "operator_key"
)

// Tenants
// Tenants actions are an admin's, in the tenants pane: each opens the
// tenant form, whose save shows the diff and is confirmed.
const (
	TenantAdd  Action = "tenant_add"
	TenantEdit Action = "tenant_edit"
)

// Rule-book actions: a privacy lead's fee quote instead of a refusal, a
// lead's correction of a recorded Customer decision, and linking an
// unmatched request to its subject so it can be verified and fulfilled.
const (
	ChargeFee       Action = "charge_fee"
	CorrectDecision Action = "correct_decision"
	Link            Action = "link"
)

// Letters
// WriteLetter opens the letter pane on a request (pick a kind that fits);
// the letter pane's own keys edit the letter and send it (confirmed, with
// Cancel focused).
const (
	WriteLetter Action = "write_letter"
	LetterEdit  Action = "letter_edit"
	LetterSend  Action = "letter_send"
)

// Group headings, in the order the full help shows them.
const (
	GroupGlobal     = "Global"
	GroupNavigation = "Navigation"
	GroupQueue      = "Queue"
	// GroupDetail has no bindings of its own today: the detail view scrolls
	// with the Navigation keys. It exists so detail-only bindings have a home
	// without renaming anything users see.
	GroupDetail    = "Detail"
	GroupRequest   = "Request actions"
	GroupApprovals = "Approvals"
	GroupForm      = "Form"
	// Audit
	GroupAudit = "Audit"
	// Lookup
	GroupLookup = "Lookup"
	// Fulfilment
	GroupFulfil = "Fulfilment"
	// Metrics
	GroupMetrics = "Metrics"
	// Operators
	GroupOperators = "Operators"
	// Tenants
	GroupTenants = "Tenants"
	// Letters
	GroupLetter = "Letter"
)

// Pane identifies a part of the UI that has its own set of active bindings.
type Pane string

// Panes of the console.
const (
	PaneQueue     Pane = "queue"
	PaneDetail    Pane = "detail"
	PaneApprovals Pane = "approvals"
	PaneForm      Pane = "form"
	// Audit
	PaneAudit Pane = "audit"
	// Lookup
	PaneLookup  Pane = "lookup"
	PaneSubject Pane = "subject"
	// Fulfilment — the plan preview and the run's progress.
	PanePlan Pane = "plan"
	PaneRun  Pane = "run"
	// On call — the health report and the failed requests: navigation,
	// open (a failed request) and refresh only.
	PaneHealth Pane = "health"
	PaneFailed Pane = "failed"
	// Metrics
	PaneMetrics Pane = "metrics"
	// Operators
	PaneOperators Pane = "operators"
	// Tenants
	PaneTenants Pane = "tenants"
	// Letters — preview, edit and send one letter.
	PaneLetter Pane = "letter"
)

// Binding is one action's keys and help, as shown to the user.
type Binding struct {
	Action Action
	Keys   []string
	Help   string
	Group  string
}

// KeyMap holds the bindings for every action. The zero value binds nothing;
// use Default or Load.
type KeyMap struct {
	// Display order matters for help, and there are few enough actions that
	// a slice beats a map for both lookup cost and immutability.
	bindings []Binding
}

// defaults is a function, not a variable, so no caller can mutate the
// defaults everyone else gets.
func defaults() []Binding {
	return []Binding{
		{Quit, []string{"q", "ctrl+c"}, "quit", GroupGlobal},
		{Help, []string{"?"}, "toggle help", GroupGlobal},
		{Palette, []string{":"}, "command palette", GroupGlobal},
		{Back, []string{"esc"}, "back", GroupGlobal},
		{NextPane, []string{"tab"}, "next pane", GroupGlobal},
		{PrevPane, []string{"shift+tab"}, "previous pane", GroupGlobal},
		{Refresh, []string{"ctrl+r"}, "refresh", GroupGlobal},
		{ScopeTenant, []string{"T"}, "switch tenant", GroupGlobal},

		{Up, []string{"up", "k"}, "up", GroupNavigation},
		{Down, []string{"down", "j"}, "down", GroupNavigation},
		{PageUp, []string{"pgup", "ctrl+b"}, "page up", GroupNavigation},
		{PageDown, []string{"pgdown", "ctrl+f"}, "page down", GroupNavigation},
		{Top, []string{"home", "g"}, "go to top", GroupNavigation},
		{Bottom, []string{"end", "G"}, "go to bottom", GroupNavigation},
		{Open, []string{"enter"}, "open", GroupNavigation},

		{Filter, []string{"/"}, "filter", GroupQueue},
		{SortNext, []string{"s"}, "cycle sort column", GroupQueue},
		{SortReverse, []string{"S"}, "reverse sort", GroupQueue},
		// ctrl+u is readline's "kill line", so it clears the filter the same
		// way whether or not the filter input has focus.
		{ClearFilter, []string{"ctrl+u"}, "clear filter", GroupQueue},

		{NewRequest, []string{"n"}, "log new request", GroupRequest},
		{Acknowledge, []string{"A"}, "acknowledge", GroupRequest},
		{Verify, []string{"v"}, "verify identity", GroupRequest},
		{RequestInfo, []string{"i"}, "request info", GroupRequest},
		{Assign, []string{"m"}, "assign", GroupRequest},
		{Note, []string{"N"}, "add note", GroupRequest},
		{Withdraw, []string{"W"}, "withdraw", GroupRequest},
		{Extend, []string{"E"}, "extend deadline", GroupRequest},
		{Refuse, []string{"X"}, "refuse as excessive", GroupRequest},
		{DenyUnverifiable, []string{"U"}, "deny as unverifiable", GroupRequest},
		{Approve, []string{"a"}, "approve", GroupRequest},
		{Deny, []string{"d"}, "deny", GroupRequest},
		{Mark, []string{"space"}, "mark", GroupRequest},
		{Retry, []string{"r"}, "retry fulfilment", GroupRequest},
		{Reveal, []string{"R"}, "reveal personal data", GroupRequest},

		{StartVerification, []string{"V"}, "start verification", GroupRequest},
		{InfoReceived, []string{"I"}, "info received", GroupRequest},
		{Remind, []string{"M"}, "remind Customer", GroupRequest},
		{ChargeFee, []string{"$"}, "quote a fee (excessive request)", GroupRequest},
		{CorrectDecision, []string{"C"}, "correct the recorded decision", GroupRequest},
		{Link, []string{"L"}, "link to a subject", GroupRequest},
		{Disclose, []string{"D"}, "disclose another person's data in an access plan", GroupRequest},
		{SettleProcessor, []string{"O"}, "settle a sub-processor notice", GroupRequest},
		{Delivery, []string{"K"}, "encrypt the access package", GroupRequest},
		{GroupByTenant, []string{"s"}, "group by tenant", GroupApprovals},
		{FormSubmit, []string{"ctrl+s"}, "save the form", GroupForm},
		{FormPrevOption, []string{"left"}, "previous choice / button", GroupForm},
		{FormNextOption, []string{"right"}, "next choice / button", GroupForm},
		// Audit
		{AuditFilter, []string{"/"}, "filter by actor: action: tenant: req: subject: since: until:", GroupAudit},
		{AuditClearFilter, []string{"ctrl+u"}, "clear the audit filter", GroupAudit},
		{AuditVerify, []string{"V"}, "verify the chain", GroupAudit},
		{AuditExport, []string{"x"}, "export request records", GroupAudit},
		// Lookup
		{LookupSearch, []string{"/"}, "search", GroupLookup},
		// Fulfilment
		{Plan, []string{"p"}, "fulfilment plan", GroupFulfil},
		{Fulfil, []string{"F"}, "run fulfilment", GroupFulfil},
		{SignOff, []string{"S"}, "sign off the plan", GroupFulfil},
		{Replan, []string{"P"}, "make a new plan", GroupFulfil},
		// Metrics
		{MetricsPrevYear, []string{"["}, "previous year", GroupMetrics},
		{MetricsNextYear, []string{"]"}, "next year", GroupMetrics},
		// Operators
		{OperatorAdd, []string{"n"}, "add an operator (paste a public key)", GroupOperators},
		{OperatorToggle, []string{"d"}, "disable / enable", GroupOperators},
		{OperatorRole, []string{"r"}, "change role", GroupOperators},
		{OperatorScope, []string{"s"}, "change tenant scope", GroupOperators},
		{OperatorKey, []string{"K"}, "add an SSH key", GroupOperators},
		// Tenants
		{TenantAdd, []string{"n"}, "add a Customer (tenant)", GroupTenants},
		{TenantEdit, []string{"e"}, "edit the Customer", GroupTenants},
		// Letters
		{WriteLetter, []string{"c"}, "compose a letter", GroupRequest},
		{LetterEdit, []string{"e"}, "edit the letter before sending", GroupLetter},
		{LetterSend, []string{"ctrl+s"}, "send the letter (asks first)", GroupLetter},
	}
}

// Default returns the built-in bindings.
func Default() KeyMap {
	return KeyMap{bindings: defaults()}
}

func (k KeyMap) find(a Action) (Binding, bool) {
	i := slices.IndexFunc(k.bindings, func(b Binding) bool { return b.Action == a })
	if i < 0 {
		return Binding{}, false
	}
	return k.bindings[i], true
}

// Binding returns a as a bubbles key binding. An unknown action yields a
// binding with no keys, which never matches and is hidden from help.
func (k KeyMap) Binding(a Action) key.Binding {
	b, ok := k.find(a)
	if !ok {
		return key.NewBinding()
	}
	return key.NewBinding(
		key.WithKeys(slices.Clone(b.Keys)...),
		key.WithHelp(helpKeys(b.Keys), b.Help),
	)
}

// Matches reports whether msg triggers a.
func (k KeyMap) Matches(msg tea.KeyPressMsg, a Action) bool {
	return key.Matches(msg, k.Binding(a))
}

// All returns every binding in display order. The result is a copy.
func (k KeyMap) All() []Binding {
	out := make([]Binding, len(k.bindings))
	for i, b := range k.bindings {
		b.Keys = slices.Clone(b.Keys)
		out[i] = b
	}
	return out
}

// Groups returns the group headings that have bindings, in display order.
func (k KeyMap) Groups() []string {
	var out []string
	for _, b := range k.bindings {
		if !slices.Contains(out, b.Group) {
			out = append(out, b.Group)
		}
	}
	return out
}

// ShortHelp returns the bindings for actions in the order given, skipping
// unknown ones, for a one-line help bar.
func (k KeyMap) ShortHelp(actions ...Action) []key.Binding {
	var out []key.Binding
	for _, a := range actions {
		if _, ok := k.find(a); ok {
			out = append(out, k.Binding(a))
		}
	}
	return out
}

// FullHelp returns the bindings for actions as one column per group, in
// display order regardless of the order given, for help.Model's full view.
// Pass PaneActions(p) to show only what a pane supports.
func (k KeyMap) FullHelp(actions ...Action) [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.Groups() {
		var col []key.Binding
		for _, b := range k.bindings {
			if b.Group == g && slices.Contains(actions, b.Action) {
				col = append(col, k.Binding(b.Action))
			}
		}
		if len(col) > 0 {
			out = append(out, col)
		}
	}
	return out
}

// Panes returns every pane.
func Panes() []Pane {
	return []Pane{PaneQueue, PaneDetail, PaneApprovals, PaneForm, PaneAudit, PaneLookup, PaneSubject, PanePlan, PaneRun,
		PaneHealth, PaneFailed, PaneMetrics, PaneOperators, PaneTenants, PaneLetter}
}

// PaneActions returns the actions active in p, in display order. Global and
// Navigation actions are active everywhere. It also defines conflict scope:
// two actions may share a key only if no pane has both.
func PaneActions(p Pane) []Action {
	var out []Action
	for _, b := range defaults() {
		if inPane(b, p) {
			out = append(out, b.Action)
		}
	}
	return out
}

func inPane(b Binding, p Pane) bool {
	switch b.Group {
	case GroupGlobal, GroupNavigation:
		return true
	case GroupQueue:
		return p == PaneQueue
	case GroupDetail:
		return p == PaneDetail
	case GroupAudit:
		return p == PaneAudit
	case GroupLookup:
		return p == PaneLookup
	case GroupMetrics:
		return p == PaneMetrics
	case GroupOperators:
		return p == PaneOperators
	case GroupTenants:
		return p == PaneTenants
	case GroupLetter:
		return p == PaneLetter
	case GroupRequest:
		// Lookup — a subject's detail reveals one field; it has no
		// request of its own to act on.
		// Logging a new request works from a subject's detail too, for that
		// subject.
		if (b.Action == Reveal || b.Action == NewRequest) && p == PaneSubject {
			return true
		}
		// Fulfilment — a correction's plan reveals its old and new values.
		if b.Action == Reveal && p == PanePlan {
			return true
		}
		// Fulfilment — an access plan's preview is where a lead decides
		// to disclose a field holding another person's data.
		if b.Action == Disclose && p == PanePlan {
			return true
		}
		// A request's sub-processor notices are settled on its detail,
		// where they are listed.
		if b.Action == SettleProcessor || b.Action == Delivery {
			return p == PaneDetail
		}
		// Fulfilment — a run that failed is retried from its view.
		if b.Action == Retry && p == PaneRun {
			return true
		}
		// Letters — composing is from a request's detail or the approvals
		// pane; the queue's help has no room left at the smallest size.
		if b.Action == WriteLetter {
			return p == PaneDetail || p == PaneApprovals
		}
		// Marking selects rows for a bulk action; the detail view shows a
		// single request, so there is nothing to mark.
		if b.Action == Mark {
			return p == PaneApprovals
		}
		return p == PaneQueue || p == PaneDetail || p == PaneApprovals
	case GroupApprovals:
		return p == PaneApprovals
	case GroupForm:
		return p == PaneForm
	case GroupFulfil:
		switch b.Action {
		case SignOff, Replan:
			return p == PanePlan
		case Plan:
			return p == PaneQueue || p == PaneDetail || p == PaneRun
		}
		return p == PaneQueue || p == PaneDetail || p == PanePlan || p == PaneRun
	}
	return false
}

// helpKeys renders keys compactly for the help view, e.g. "↑/k".
func helpKeys(keys []string) string {
	arrows := map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→"}
	out := make([]string, len(keys))
	for i, k := range keys {
		if a, ok := arrows[k]; ok {
			k = a
		}
		out[i] = k
	}
	return strings.Join(out, "/")
}
