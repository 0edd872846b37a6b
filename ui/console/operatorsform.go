package console

import (
	"context"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// operatorChange is what an operators form changes.
type operatorChange int

const (
	operatorAdd operatorChange = iota
	operatorToggle
	operatorRole
	operatorScope
	operatorKey
)

// operatorFormPane is the form of one operator change. It hosts the
// shared form; the save is a PutOperator, whose result it takes itself.
type operatorFormPane struct {
	*formPane
	put call[model.Operator]
	// questionOnly: the form is its confirmation (disable, enable); esc
	// or Cancel closes it.
	questionOnly bool
}

// newOperatorForm builds the form that makes change to op (the operator as
// read; the zero operator for an add).
func newOperatorForm(c *Context, seq int, change operatorChange, op model.Operator) *operatorFormPane {
	roles := make([]string, 0, len(model.Roles()))
	for _, r := range model.Roles() {
		roles = append(roles, string(r))
	}
	handle := model.CleanLine(op.Handle)
	var fields []*formField
	var title string
	var intro []string
	switch change {
	case operatorAdd:
		title = "Add operator"
		intro = []string{"Register a member of staff. The key is their SSH public key (the .pub file's one line); paste it."}
		fields = []*formField{
			textField("handle", "Handle", "e.g. jo (lower-case letters, digits . _ -)", func(f *form) string {
				if err := model.ValidHandle(f.value("handle")); err != nil {
					return err.Error()
				}
				return ""
			}),
			textField("name", "Full name", "blank: the handle", nil),
			choiceField("role", "Role", roles, nil),
			textField("tenants", "Tenants", "comma-separated tenant ids; blank: every tenant", nil),
			textField("key", "Public key", "ssh-ed25519 AAAA… comment", nil),
		}
	case operatorToggle:
		verb := "Disable"
		if op.Disabled {
			verb = "Enable"
		}
		title = verb + " " + handle
	case operatorRole:
		title = "Change role of " + handle
		fields = []*formField{choiceField("role", "Role", roles, nil)}
	case operatorScope:
		title = "Change tenants of " + handle
		fields = []*formField{textField("tenants", "Tenants", "comma-separated tenant ids; blank: every tenant", nil)}
	case operatorKey:
		title = "Add a key to " + handle
		fields = []*formField{textField("key", "Public key", "ssh-ed25519 AAAA… comment", required("key", "the public key"))}
	}
	f := newForm(c, fields)
	f.intro = intro
	if change == operatorRole {
		f.setValue("role", string(op.Role))
	}
	if change == operatorScope {
		f.setValue("tenants", strings.Join(op.Tenants, ","))
	}
	next := func(f *form) model.Operator { return operatorAfter(change, op, f) }
	f.confirm = func(f *form) []string {
		n := next(f)
		return append([]string{title + "?", ""}, operatorSummary(n)...)
	}
	f.confirmLabel = strings.SplitN(title, " ", 2)[0]
	p := &operatorFormPane{formPane: &formPane{ctx: c, seq: seq, form: f, title: title}}
	if change == operatorToggle {
		// A question only: the form is its confirmation.
		f.confirming, p.questionOnly = true, true
		f.confirmEsc = "cancels"
	}
	p.save = func(fp *formPane) tea.Cmd {
		n := next(fp.form)
		return p.put.start(c, func(ctx context.Context, b Backend, actor model.Actor) (model.Operator, error) {
			return n, b.PutOperator(ctx, actor, n)
		})
	}
	return p
}

// operatorAfter is op as the form would write it.
func operatorAfter(change operatorChange, op model.Operator, f *form) model.Operator {
	n := op
	n.Tenants = slices.Clone(op.Tenants)
	n.Keys = slices.Clone(op.Keys)
	switch change {
	case operatorAdd:
		n = model.Operator{Handle: f.value("handle"), Name: f.value("name"), Role: model.Role(f.value("role")),
			Tenants: splitTenants(f.value("tenants"))}
		if k := f.value("key"); k != "" {
			n.Keys = []string{k}
		}
	case operatorToggle:
		n.Disabled = !op.Disabled
	case operatorRole:
		n.Role = model.Role(f.value("role"))
	case operatorScope:
		n.Tenants = splitTenants(f.value("tenants"))
	case operatorKey:
		n.Keys = append(n.Keys, f.value("key"))
	}
	return n
}

// operatorSummary is what will be recorded, for the confirmation.
func operatorSummary(op model.Operator) []string {
	state := "enabled"
	if op.Disabled {
		state = "disabled"
	}
	tenants := "every tenant"
	if len(op.Tenants) > 0 {
		tenants = strings.Join(op.Tenants, ", ")
	}
	return []string{
		"   operator  " + model.CleanLine(op.Handle),
		"   role      " + model.CleanLine(string(op.Role)),
		"   state     " + state,
		"   tenants   " + model.CleanLine(tenants),
		fmt.Sprintf("   keys      %d", len(op.Keys)),
	}
}

func splitTenants(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func (p *operatorFormPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if op, err, ok := p.put.accept(msg); ok {
		p.form.saving = false
		if err != nil {
			p.form.err = p.ctx.errText(err)
			// Cancel focused again, so enter does not repeat by habit.
			p.form.confirming, p.form.confirmOK = p.questionOnly, false
			return p, nil
		}
		saved := func() tea.Msg { return operatorSavedMsg{} }
		return p, tea.Batch(p.close(), saved, p.ctx.Info(fmt.Sprintf("%s: saved — %s is %s", p.title, model.CleanLine(op.Handle), operatorState(op))))
	}
	if km, ok := msg.(tea.KeyPressMsg); ok && p.questionOnly && p.form.confirming && !p.form.saving {
		k := p.ctx.Keys
		if k.Matches(km, keymap.Back) || (k.Matches(km, keymap.Open) && !p.form.confirmOK) {
			return p, tea.Batch(p.close(), p.ctx.Info(p.title+": cancelled, nothing changed"))
		}
	}
	_, cmd := p.formPane.Update(msg)
	return p, cmd
}

func operatorState(op model.Operator) string {
	state := string(op.Role)
	if op.Disabled {
		state += ", disabled"
	}
	return model.CleanLine(state)
}
