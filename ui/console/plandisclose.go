package console

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// A field holding another person's data is withheld from an access
// package unless a privacy lead decides otherwise, per field, where the
// plan is previewed. D in the plan view opens the detail's disclosure form
// (discloseSpec), with the field on the top line of the preview chosen
// when that line is such a field; the preview lists the decisions
// recorded so a signer sees them.

// setDiscloseLines keeps where the withheld third-party fields are in the
// viewport: content line i is viewport line i+offset.
func (p *planPane) setDiscloseLines(marks map[int]string, offset int) {
	p.discloseAt = make(map[int]string, len(marks))
	for i, f := range marks {
		p.discloseAt[i+offset] = f
	}
}

// discloseField is the collection.field on the preview's top line, the
// plan view's cursor, when it is a field withheld as another person's
// data; "" otherwise.
func (p *planPane) discloseField() string {
	return p.discloseAt[p.vp.YOffset()]
}

// discloseOffered says whether the rule book lets the operator record a
// disclosure on this request now.
func (p *planPane) discloseOffered() bool {
	if p.req == nil {
		return false
	}
	return slices.Contains(model.Offered(requestFacts(p.ctx, *p.req)), model.ActDisclose)
}

func (p *planPane) discloseHelp() []key.Binding {
	if !p.discloseOffered() {
		return nil
	}
	b := p.ctx.Keys.Binding(keymap.Disclose)
	what := "disclose another person's data (choose the field)"
	if f := p.discloseField(); f != "" {
		what = "disclose " + model.CleanLine(f)
	}
	b.SetHelp(b.Help().Key, what)
	return []key.Binding{b}
}

// openDisclose hands D to the shell as the detail does; the controller
// and the rule book decide, and a refused press is audited there.
func (p *planPane) openDisclose() tea.Cmd {
	if p.req == nil || p.making {
		return nil
	}
	r, field := *p.req, p.discloseField()
	return func() tea.Msg {
		return actionOpenMsg{action: keymap.Disclose, id: r.ID, have: &r, in: formInput{discloseField: field}}
	}
}

// disclosedLines lists the disclosure decisions recorded on the request:
// field, by whom, when in the tenant's zone, and why. One recorded after
// the plan was made is not in it until the plan is made again.
func disclosedLines(d *doc, v present.Plan) {
	if len(v.Disclosures) == 0 {
		return
	}
	d.section(fmt.Sprintf("Disclosed (%d)", len(v.Disclosures)))
	for _, x := range v.Disclosures {
		line := fmt.Sprintf("%s.%s  by %s at %s — %s", x.Collection, x.Field, x.By, v.Time(x.At), orDash(x.Reason))
		if !x.InPlan {
			line += "  " + d.th.Soon.Render("(not in this plan yet: make the plan again)")
		}
		d.para(3, line)
	}
}
