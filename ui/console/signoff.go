package console

// The sign-off view: the action form a second lead confirms a plan with.

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// signOffPane is the sign-off confirmation: the action form opened at its
// question with Cancel focused. Cancel (or esc) closes it; confirming
// calls SignOffPlan with the digest on screen, so a plan replaced
// meanwhile is never signed.
type signOffPane struct {
	*formPaneReloading
}

func newSignOffPane(c *Context, seq int, r model.Request, t model.Tenant) Pane {
	fp := newActionPane(c, seq, specFor(model.ActSignOff), r, t, formInput{}).(*formPaneReloading)
	target := fp.target
	fp.save = func(p *formPane) tea.Cmd {
		id, version := target.ID, target.Version
		digest := ""
		if target.Plan != nil {
			digest = target.Plan.Digest
		}
		return p.saved.start(c, func(ctx context.Context, b Backend, actor model.Actor) (model.Request, error) {
			return b.SignOffPlan(ctx, actor, id, version, digest)
		})
	}
	fp.savedText = func(r model.Request) string {
		return fmt.Sprintf("%s: plan signed off by %s — %s runs it", model.CleanLine(r.ID), model.CleanLine(c.Actor.Handle()), c.keyFor(keymap.Fulfil))
	}
	// The question shows the plan as last read (ctrl+r re-reads it after a
	// lost race), which is the digest the save names.
	fp.form.confirm = func(*form) []string { return signOffQuestion(c, *target, t) }
	fp.form.confirming, fp.form.confirmOK = true, false
	fp.form.confirmEsc = "cancels"
	return &signOffPane{fp}
}

func (p *signOffPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if km, ok := msg.(tea.KeyPressMsg); ok && p.form.confirming && !p.form.saving {
		k := p.ctx.Keys
		if k.Matches(km, keymap.Back) || (k.Matches(km, keymap.Open) && !p.form.confirmOK) {
			return p, tea.Batch(p.close(), p.ctx.Info(p.title+": cancelled, nothing changed"))
		}
	}
	if p.saved.owns(msg) {
		_, cmd := p.formPaneReloading.Update(msg)
		if p.form.err != "" {
			// A refusal leaves the question up, Cancel focused, so enter
			// does not sign by habit.
			p.form.confirming, p.form.confirmOK = true, false
		}
		return p, cmd
	}
	_, cmd := p.formPaneReloading.Update(msg)
	return p, cmd
}

func signOffSpec() actionSpec {
	return actionSpec{act: model.ActSignOff, verb: "sign off the plan", apply: noValues,
		intro: func(c *Context, r model.Request, t model.Tenant) []string {
			if r.Plan == nil {
				return []string{model.CleanLine(r.ID) + " has no plan."}
			}
			v, _ := present.PlanOf(r, t)
			return []string{
				fmt.Sprintf("Plan %s of %s · %s · %s, %s", v.ID, v.RequestID, v.Type, model.Count(len(v.Docs), "document"), model.Count(len(v.Steps), "step")),
				"built by " + v.BuiltBy + " at " + v.Time(v.BuiltAt) + " · " + planSigned(v),
			}
		},
		confirm: func(c *Context, r model.Request, t model.Tenant) func(*form) []string {
			return func(*form) []string { return signOffQuestion(c, r, t) }
		}}
}

// signOffQuestion is the sign-off's confirmation: who built the plan and
// the digest being signed.
func signOffQuestion(c *Context, r model.Request, t model.Tenant) []string {
	if r.Plan == nil {
		return []string{"There is no plan to sign off."}
	}
	// The form redraws its question every frame, so it reads the four
	// fields it names rather than building the plan's whole view.
	pl := r.Plan
	return []string{
		"Sign off plan " + model.CleanLine(pl.ID) + "? A privacy lead other than its builder signs (four eyes); its steps then run with " + c.keyFor(keymap.Fulfil) + ".",
		"",
		"   builder  " + model.CleanLine(pl.BuiltBy) + " at " + stamp(pl.BuiltAt, t.Location()),
		"   digest   " + model.CleanLine(pl.Digest),
		"   signer   " + model.CleanLine(c.Actor.Handle()),
	}
}
