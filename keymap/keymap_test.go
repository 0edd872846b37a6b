package keymap

import (
	"slices"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

func TestDefaultBindings(t *testing.T) {
	// The brief's table, restated so a change to a default is a deliberate
	// edit in two places.
	tests := []struct {
		action Action
		keys   []string
		group  string
	}{
		{Quit, []string{"q", "ctrl+c"}, GroupGlobal},
		{Help, []string{"?"}, GroupGlobal},
		{Palette, []string{":"}, GroupGlobal},
		{Back, []string{"esc"}, GroupGlobal},
		{NextPane, []string{"tab"}, GroupGlobal},
		{PrevPane, []string{"shift+tab"}, GroupGlobal},
		{Refresh, []string{"ctrl+r"}, GroupGlobal},
		{ScopeTenant, []string{"T"}, GroupGlobal},
		{Up, []string{"up", "k"}, GroupNavigation},
		{Down, []string{"down", "j"}, GroupNavigation},
		{PageUp, []string{"pgup", "ctrl+b"}, GroupNavigation},
		{PageDown, []string{"pgdown", "ctrl+f"}, GroupNavigation},
		{Top, []string{"home", "g"}, GroupNavigation},
		{Bottom, []string{"end", "G"}, GroupNavigation},
		{Open, []string{"enter"}, GroupNavigation},
		{Filter, []string{"/"}, GroupQueue},
		{SortNext, []string{"s"}, GroupQueue},
		{SortReverse, []string{"S"}, GroupQueue},
		{ClearFilter, []string{"ctrl+u"}, GroupQueue},
		{NewRequest, []string{"n"}, GroupRequest},
		{Acknowledge, []string{"A"}, GroupRequest},
		{Verify, []string{"v"}, GroupRequest},
		{RequestInfo, []string{"i"}, GroupRequest},
		{Assign, []string{"m"}, GroupRequest},
		{Note, []string{"N"}, GroupRequest},
		{Withdraw, []string{"W"}, GroupRequest},
		{Extend, []string{"E"}, GroupRequest},
		{Refuse, []string{"X"}, GroupRequest},
		{DenyUnverifiable, []string{"U"}, GroupRequest},
		{Approve, []string{"a"}, GroupRequest},
		{Deny, []string{"d"}, GroupRequest},
		{Mark, []string{"space"}, GroupRequest},
		{Retry, []string{"r"}, GroupRequest},
		{Reveal, []string{"R"}, GroupRequest},
		{StartVerification, []string{"V"}, GroupRequest},
		{InfoReceived, []string{"I"}, GroupRequest},
		{Remind, []string{"M"}, GroupRequest},
		{ChargeFee, []string{"$"}, GroupRequest},
		{CorrectDecision, []string{"C"}, GroupRequest},
		{Link, []string{"L"}, GroupRequest},
		{Disclose, []string{"D"}, GroupRequest},
		{SettleProcessor, []string{"O"}, GroupRequest},
		{Delivery, []string{"K"}, GroupRequest},
		{GroupByTenant, []string{"s"}, GroupApprovals},
		{FormSubmit, []string{"ctrl+s"}, GroupForm},
		{FormPrevOption, []string{"left"}, GroupForm},
		{FormNextOption, []string{"right"}, GroupForm},
		// audit
		{AuditFilter, []string{"/"}, GroupAudit},
		{AuditClearFilter, []string{"ctrl+u"}, GroupAudit},
		{AuditVerify, []string{"V"}, GroupAudit},
		{AuditExport, []string{"x"}, GroupAudit},
		{LookupSearch, []string{"/"}, GroupLookup},
		// fulfilment
		{Plan, []string{"p"}, GroupFulfil},
		{Fulfil, []string{"F"}, GroupFulfil},
		{SignOff, []string{"S"}, GroupFulfil},
		{Replan, []string{"P"}, GroupFulfil},
		// metrics
		{MetricsPrevYear, []string{"["}, GroupMetrics},
		{MetricsNextYear, []string{"]"}, GroupMetrics},
		// operators
		{OperatorAdd, []string{"n"}, GroupOperators},
		{OperatorToggle, []string{"d"}, GroupOperators},
		{OperatorRole, []string{"r"}, GroupOperators},
		{OperatorScope, []string{"s"}, GroupOperators},
		{OperatorKey, []string{"K"}, GroupOperators},
		{TenantAdd, []string{"n"}, GroupTenants},
		{TenantEdit, []string{"e"}, GroupTenants},
		{WriteLetter, []string{"c"}, GroupRequest},
		{LetterEdit, []string{"e"}, GroupLetter},
		{LetterSend, []string{"ctrl+s"}, GroupLetter},
	}
	all := Default().All()
	if len(all) != len(tests) {
		t.Errorf("Default has %d bindings, table has %d", len(all), len(tests))
	}
	for i, tt := range tests {
		t.Run(string(tt.action), func(t *testing.T) {
			if i >= len(all) {
				t.Fatal("missing from Default")
			}
			b := all[i]
			if b.Action != tt.action || !slices.Equal(b.Keys, tt.keys) || b.Group != tt.group {
				t.Errorf("All()[%d] = %+v, want {%s %v %s}", i, b, tt.action, tt.keys, tt.group)
			}
			if b.Help == "" {
				t.Error("no help text")
			}
			kb := Default().Binding(tt.action)
			if !slices.Equal(kb.Keys(), tt.keys) || kb.Help().Desc != b.Help || kb.Help().Key == "" || !kb.Enabled() {
				t.Errorf("Binding() = keys %v help %+v", kb.Keys(), kb.Help())
			}
			for _, k := range b.Keys {
				// A default that a user could not type into keys.toml
				// would also never match a real key press.
				if got, err := normalizeKey(k); err != nil || got != k {
					t.Errorf("normalizeKey(%q) = %q, %v; defaults must be canonical", k, got, err)
				}
			}
			var panes []Pane
			for _, p := range Panes() {
				if slices.Contains(PaneActions(p), tt.action) {
					panes = append(panes, p)
				}
			}
			if len(panes) == 0 {
				t.Error("active in no pane")
			}
		})
	}
}

func TestDefaultHasNoConflicts(t *testing.T) {
	for _, c := range conflicts(Default().All()) {
		t.Errorf("key %q is bound to both %q and %q", c.key, c.a, c.b)
	}
}

func TestConflictScopes(t *testing.T) {
	km := Default()
	get := func(a Action) Binding { b, _ := km.find(a); return b }
	// No detail-only binding exists yet, so a synthetic one checks that
	// pane-local groups stay out of each other's way.
	detailOnly := Binding{Action: "detail_only", Keys: []string{"x"}, Group: GroupDetail}
	tests := []struct {
		name string
		a, b Binding
		want bool
	}{
		{"global vs global", get(Quit), get(Help), true},
		{"global vs navigation", get(Quit), get(Up), true},
		{"global vs queue", get(Quit), get(Filter), true},
		{"navigation vs request", get(Top), get(Approve), true},
		{"queue vs queue", get(Filter), get(SortNext), true},
		{"queue vs request", get(Filter), get(Approve), true},
		{"request vs request", get(Approve), get(Deny), true},
		{"detail vs global", detailOnly, get(Quit), true},
		{"detail vs request", detailOnly, get(Approve), true},
		{"detail vs queue", detailOnly, get(Filter), false},
		{"detail vs queue-only request action", detailOnly, get(Mark), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sharePane(tt.a, tt.b); got != tt.want {
				t.Errorf("sharePane(%s, %s) = %v, want %v", tt.a.Action, tt.b.Action, got, tt.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	// Each message is what bubbletea v2's decoder produces for the
	// keystroke, in the legacy encoding and (where it differs) the kitty
	// keyboard protocol.
	tests := []struct {
		name string
		msg  tea.KeyPressMsg
		want Action
	}{
		{"space legacy", tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}, Mark},
		{"shift+tab", tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}, PrevPane},
		{"tab", tea.KeyPressMsg{Code: tea.KeyTab}, NextPane},
		{"ctrl+c", tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}, Quit},
		{"q", tea.KeyPressMsg{Code: 'q', Text: "q"}, Quit},
		{"? legacy", tea.KeyPressMsg{Code: '?', Text: "?"}, Help},
		{"? kitty", tea.KeyPressMsg{Code: '/', ShiftedCode: '?', Mod: tea.ModShift, Text: "?"}, Help},
		{"G", tea.KeyPressMsg{Code: 'g', ShiftedCode: 'G', Mod: tea.ModShift, Text: "G"}, Bottom},
		{"g", tea.KeyPressMsg{Code: 'g', Text: "g"}, Top},
		{"enter", tea.KeyPressMsg{Code: tea.KeyEnter}, Open},
		{"esc", tea.KeyPressMsg{Code: tea.KeyEscape}, Back},
		{"pgdown", tea.KeyPressMsg{Code: tea.KeyPgDown}, PageDown},
		{"ctrl+r", tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}, Refresh},
		{"up", tea.KeyPressMsg{Code: tea.KeyUp}, Up},
	}
	km := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Action
			for _, b := range km.All() {
				if km.Matches(tt.msg, b.Action) {
					got = append(got, b.Action)
				}
			}
			if !slices.Equal(got, []Action{tt.want}) {
				t.Errorf("%q matches %v, want [%s]", tt.msg.String(), got, tt.want)
			}
		})
	}
}

func TestUnknownActionNeverMatches(t *testing.T) {
	km := Default()
	if km.Matches(tea.KeyPressMsg{Code: 'q', Text: "q"}, Action("nope")) {
		t.Error("unknown action matched")
	}
	if (KeyMap{}).Matches(tea.KeyPressMsg{Code: 'q', Text: "q"}, Quit) {
		t.Error("zero KeyMap matched")
	}
}

func TestHelp(t *testing.T) {
	km := Default()
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"groups", km.Groups(), []string{GroupGlobal, GroupNavigation, GroupQueue, GroupRequest, GroupApprovals, GroupForm, GroupAudit, GroupLookup, GroupFulfil, GroupMetrics, GroupOperators, GroupTenants, GroupLetter}},
		{"short help keeps caller order and drops unknown", helpLabels(km.ShortHelp(Help, Quit, "nope", Up)), []string{"?", "q/ctrl+c", "↑/k"}},
		{"full help columns", columnSizes(km.FullHelp(Approve, Quit, Up, Down)), []string{"1", "2", "1"}},
		{"detail pane has no queue column", columnGroups(km, km.FullHelp(PaneActions(PaneDetail)...)), []string{GroupGlobal, GroupNavigation, GroupRequest, GroupFulfil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestPaneActions(t *testing.T) {
	tests := []struct {
		pane    Pane
		has     []Action
		hasNone []Action
	}{
		{PaneQueue, []Action{Quit, Up, Filter, Approve}, []Action{Mark}},
		{PaneDetail, []Action{Quit, Up, PageDown, Approve, Reveal}, []Action{Filter, SortNext, Mark}},
		{PaneApprovals, []Action{Quit, Up, Approve, Deny, Mark, Remind, GroupByTenant}, []Action{Filter, SortNext, FormSubmit}},
		{PaneForm, []Action{Back, Up, FormSubmit, FormNextOption}, []Action{Approve, Mark, Filter}},
		{PaneLookup, []Action{Quit, Up, Open, LookupSearch}, []Action{Filter, Approve, Reveal, NewRequest}},
		{PaneSubject, []Action{Quit, Up, PageDown, Reveal, NewRequest}, []Action{Filter, LookupSearch, Approve}},
		// fulfilment — S signs off only where no sort reverses.
		{PaneQueue, []Action{Plan, Fulfil, SortReverse}, []Action{SignOff, Replan}},
		{PaneDetail, []Action{Plan, Fulfil}, []Action{SignOff, Replan}},
		{PanePlan, []Action{Back, Down, PageDown, SignOff, Fulfil, Replan, Disclose}, []Action{SortReverse, Approve, Plan, Retry}},
		{PaneRun, []Action{Back, Fulfil, Plan, Retry}, []Action{SignOff, Replan, Approve, SortReverse}},
		{PaneApprovals, nil, []Action{Plan, Fulfil, SignOff, Replan}},
		{PaneDetail, []Action{ChargeFee, CorrectDecision, Link}, nil},
		{PaneQueue, []Action{ChargeFee, CorrectDecision, Link}, nil},
		{PaneLetter, []Action{Back, Up, Open, LetterEdit, LetterSend}, []Action{Approve, FormSubmit, TenantEdit}},
		{PaneDetail, []Action{WriteLetter}, []Action{LetterEdit, LetterSend}},
		{PaneApprovals, []Action{WriteLetter}, nil},
		{PaneQueue, nil, []Action{WriteLetter}},
	}
	for _, tt := range tests {
		t.Run(string(tt.pane), func(t *testing.T) {
			got := PaneActions(tt.pane)
			for _, a := range tt.has {
				if !slices.Contains(got, a) {
					t.Errorf("missing %s", a)
				}
			}
			for _, a := range tt.hasNone {
				if slices.Contains(got, a) {
					t.Errorf("unexpected %s", a)
				}
			}
		})
	}
}

func TestAllIsACopy(t *testing.T) {
	km := Default()
	km.All()[0].Keys[0] = "x"
	if got := km.Binding(Quit).Keys()[0]; got != "q" {
		t.Errorf("mutating All() changed the map: quit is bound to %q", got)
	}
}

func helpLabels(bs []key.Binding) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Help().Key)
	}
	return out
}

func columnSizes(cols [][]key.Binding) []string {
	var out []string
	for _, c := range cols {
		out = append(out, string(rune('0'+len(c))))
	}
	return out
}

// columnGroups names each help column by the group of its first binding.
// audit
func TestAuditPaneActions(t *testing.T) {
	acts := PaneActions(PaneAudit)
	for _, a := range []Action{AuditFilter, AuditClearFilter, AuditVerify, AuditExport, Back, Down, Open} {
		if !slices.Contains(acts, a) {
			t.Errorf("audit pane lacks %s", a)
		}
	}
	for _, a := range []Action{Filter, SortNext, Approve, Mark} {
		if slices.Contains(acts, a) {
			t.Errorf("audit pane has the %s action of another pane", a)
		}
	}
	for _, p := range []Pane{PaneQueue, PaneDetail} {
		if slices.Contains(PaneActions(p), AuditVerify) {
			t.Errorf("pane %s has the audit pane's verify", p)
		}
	}
}

func columnGroups(km KeyMap, cols [][]key.Binding) []string {
	var out []string
	for _, c := range cols {
		for _, b := range km.All() {
			if slices.Equal(b.Keys, c[0].Keys()) {
				out = append(out, b.Group)
				break
			}
		}
	}
	return out
}
