package console

import (
	"fmt"
	"path/filepath"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// Fulfilment. Three views over a request: the plan (made in a Cmd
// behind a spinner, previewed, signed off by a second lead), the sign-off
// confirmation (the action form), and the run (progress through a channel,
// esc stops between steps, F resumes). The controller decides everything;
// these views only ask early where the lifecycle table already knows.

// fulfilOpenMsg asks the shell to open a fulfilment view of request id:
// the plan (Plan), its sign-off (SignOff) or a run (Fulfil). have is the
// request as the caller read it, when it has one.
type fulfilOpenMsg struct {
	action keymap.Action
	id     string
	have   *model.Request
	// confirmed is set by a retry, whose own confirmation already named
	// what the run changes: the run view does not ask a second time.
	confirmed bool
}

// fulfilKeys says which key reaches each fulfilment row of the lifecycle
// table: F starts a run (start_fulfilment), runs its steps (fulfil_step)
// and ends it (complete, or fail when a step cannot run).
func fulfilKeys() map[model.Action]keymap.Action {
	return map[model.Action]keymap.Action{
		model.ActPlan:            keymap.Plan,
		model.ActSignOff:         keymap.SignOff,
		model.ActStartFulfilment: keymap.Fulfil,
		model.ActFulfilStep:      keymap.Fulfil,
		model.ActComplete:        keymap.Fulfil,
		model.ActFail:            keymap.Fulfil,
	}
}

// fulfilActionKey is the fulfilment key msg presses in a list or a
// request's detail (sign-off belongs to the plan view only).
func fulfilActionKey(k keymap.KeyMap, msg tea.KeyPressMsg) (keymap.Action, bool) {
	for _, ka := range []keymap.Action{keymap.Plan, keymap.Fulfil} {
		if k.Matches(msg, ka) {
			return ka, true
		}
	}
	return "", false
}

func openFulfilCmd(ka keymap.Action, id string, have *model.Request) tea.Cmd {
	return func() tea.Msg { return fulfilOpenMsg{action: ka, id: id, have: have} }
}

// planQuestion is what a run of r's plan asks before it starts, or "".
func planQuestion(r model.Request) string {
	if r.Plan == nil {
		return ""
	}
	return model.PlanConfirmLine(*r.Plan)
}

// planSigned says who signed the plan, or who may: the builder never signs
// their own plan.
func planSigned(v present.Plan) string { return signOffText(v.SignedBy, v.Time(v.SignedAt), v.BuiltBy) }

// signOffText is the one sentence of a plan's sign-off, for the plan's
// panes and the request detail alike.
func signOffText(signedBy, signedAt, builtBy string) string {
	if signedBy != "" {
		return "signed by " + signedBy + " at " + signedAt
	}
	return "awaiting sign-off by a privacy lead other than " + builtBy
}

// staleText marks a stale plan (model.PlanStale) with the key that
// replaces it; "" while the plan still describes what a run would do.
func staleText(c *Context, r model.Request) string {
	why := model.PlanStale(r)
	if why == "" {
		return ""
	}
	return staleLine(c, model.CleanLine(why))
}

// staleLine marks a plan stale for a cleaned reason why, with the key that
// replaces it.
func staleLine(c *Context, why string) string {
	return "stale: the request changed since this plan (replan with " + c.keyFor(keymap.Replan) + "): " + why
}

func shortDigest(d string) string {
	d = model.CleanLine(d)
	if len(d) > 12 {
		return d[:12] + "…"
	}
	return orDash(d)
}

func doneSteps(p *model.Plan) int {
	return len(p.Steps) - len(p.Pending())
}

// actionHintsFor keeps only the given request actions of actionHints.
func actionHintsFor(c *Context, r model.Request, only ...keymap.Action) []key.Binding {
	var out []key.Binding
	for _, b := range actionHints(c, r) {
		for _, a := range only {
			if slices.Equal(b.Keys(), c.Keys.Binding(a).Keys()) {
				out = append(out, b)
			}
		}
	}
	return out
}

// responseLines are what a response withheld and the access package,
// its time in the tenant t's zone.
func responseLines(d *doc, r model.Request, t model.Tenant, exportDir string) {
	th := d.th
	if len(r.Withheld) > 0 {
		d.line("")
		d.line(" " + th.Label.Render(fmt.Sprintf("withheld (%d)", len(r.Withheld))))
		for _, wh := range present.WithheldOf(r.Withheld) {
			withheldLines(d, wh)
		}
	}
	exportLines(d, r.Export, t, exportDir)
	deliveryLines(d, r.Delivery, t)
}

// exportPath is where an access package is on this machine: the store
// records its directory under the exports directory.
func exportPath(x *model.AccessExport, exportDir string) string {
	dir := model.CleanLine(x.Dir)
	if filepath.IsAbs(x.Dir) {
		return dir
	}
	if exportDir == "" {
		return dir + " (in the exports directory)"
	}
	return model.CleanLine(filepath.Join(exportDir, x.Dir)) + string(filepath.Separator)
}

func exportLines(d *doc, x *model.AccessExport, t model.Tenant, exportDir string) {
	if x == nil {
		return
	}
	th := d.th
	d.line("")
	d.line(" " + th.Label.Render(fmt.Sprintf("export (%s, %s)", model.Count(x.Records, "record"), stamp(x.At, t.Location()))))
	d.para(3, exportPath(x, exportDir))
	for _, f := range x.Files {
		d.para(3, fmt.Sprintf("%s  %d bytes", model.CleanLine(f.Name), f.Bytes))
		d.para(5, "sha256 "+model.CleanLine(f.SHA256))
	}
	if f := x.Sealed; f != nil {
		d.para(3, fmt.Sprintf("sealed: %s  %d bytes (the files above, encrypted; no plain copy is kept)", model.CleanLine(f.Name), f.Bytes))
		d.para(5, "sha256 "+model.CleanLine(f.SHA256))
	}
}

// deliveryLines say how the access package is delivered.
func deliveryLines(d *doc, x *model.AccessDelivery, t model.Tenant) {
	if x == nil {
		return
	}
	d.line("")
	d.line(" " + d.th.Label.Render("delivery"))
	for _, l := range x.Describe(t.Location()) {
		d.para(3, model.CleanLine(l))
	}
}
