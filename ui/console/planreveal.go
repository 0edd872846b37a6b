package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// A correction's plan shows old and new values masked, which a lead
// signing it off cannot check. R in the plan view reveals them, after a
// reason, through the subject view's reveal (RevealField: a privacy lead
// only, checked and audited by the controller, one audit event per field),
// and hides them again as the subject view does.

// planHideMsg ends the reveal numbered token.
type planHideMsg struct{ seq, token int }

// planReveal is the plan view's reveal state.
type planReveal struct {
	asking    bool
	revealing bool
	prompt    textinput.Model
	lines     []string
	token     int
	// call reveals the correction's values: one line per field.
	call call[[]string]
}

func newPlanReveal(c *Context) planReveal {
	in := textinput.New()
	in.Prompt = "reason: "
	in.SetVirtualCursor(false)
	in.CharLimit = 500
	in.SetStyles(inputStyles(c.Theme))
	return planReveal{prompt: in}
}

// correctionFields are the fields a correction plan sets, with where they
// are; none for any other plan.
func correctionFields(r model.Request) []model.FieldRef {
	if r.Plan == nil || r.Type != model.TypeRectification {
		return nil
	}
	docs := r.Plan.Docs
	if r.Plan.Subject != nil {
		docs = append(docs[:len(docs):len(docs)], *r.Plan.Subject)
	}
	var out []model.FieldRef
	for _, d := range docs {
		for _, f := range d.Fields {
			if f.Op == model.FieldSet || f.Op == model.FieldAlready {
				out = append(out, model.FieldRef{Collection: d.Collection, RecordID: d.RecordID, Field: f.Field})
			}
		}
	}
	return out
}

// revealOffered says whether R reveals anything here: a correction plan
// and an operator who may reveal.
func (p *planPane) revealOffered() bool {
	return p.req != nil && len(correctionFields(*p.req)) > 0 && p.ctx.Actor.Can(model.PermReveal)
}

func (p *planPane) revealHelp() []key.Binding {
	if p.reveal.asking {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "reveal old → new")),
			key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		}
	}
	if !p.revealOffered() {
		return nil
	}
	b := p.ctx.Keys.Binding(keymap.Reveal)
	b.SetHelp(b.Help().Key, "reveal old → new (reason; audited)")
	return []key.Binding{b}
}

// askReveal starts the reveal: an operator who may not reveal is not
// asked for a reason; the controller refuses and audits the attempt.
func (p *planPane) askReveal() tea.Cmd {
	if p.req == nil || p.making || p.reveal.revealing {
		return nil
	}
	if len(correctionFields(*p.req)) == 0 {
		return p.ctx.Error("only a correction's plan has old and new values to reveal")
	}
	if !p.ctx.Actor.Can(model.PermReveal) {
		return p.revealCmd("")
	}
	p.reveal.asking = true
	p.reveal.prompt.SetValue("")
	p.reveal.prompt.Placeholder = "why do you need to see the old and new values?"
	return p.reveal.prompt.Focus()
}

// revealKey handles a key while the reason is asked.
func (p *planPane) revealKey(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		p.reveal.asking = false
		p.reveal.prompt.Blur()
		return p.ctx.Info("reveal cancelled")
	case "enter":
		reason, err := model.CheckRevealReason(p.reveal.prompt.Value())
		if err != nil {
			return p.ctx.Error(err.Error() + ", or esc to cancel")
		}
		p.reveal.asking = false
		p.reveal.prompt.Blur()
		return p.revealCmd(reason)
	}
	var cmd tea.Cmd
	p.reveal.prompt, cmd = p.reveal.prompt.Update(msg)
	keepClean(&p.reveal.prompt)
	return cmd
}

// revealCmd reveals each field the correction sets: its current value
// through the controller, its new value from the request.
func (p *planPane) revealCmd(reason string) tea.Cmd {
	p.reveal.revealing = true
	r := *p.req
	refs := correctionFields(r)
	return p.reveal.call.start(p.ctx, func(ctx context.Context, backend Backend, actor model.Actor) ([]string, error) {
		var lines []string
		for _, ref := range refs {
			cur, err := backend.RevealField(ctx, actor, r.SubjectID, ref, reason)
			if err != nil {
				return nil, err
			}
			next, ok := "", false
			if pf, found := planField(r, ref); found {
				next, ok = model.CorrectionFor(r, pf)
			}
			if !ok {
				next = "(not found on the request)"
			}
			lines = append(lines, fmt.Sprintf("%s/%s %s: %s → %s", ref.Collection, ref.RecordID, ref.Field, orDash(cur), orDash(next)))
		}
		if len(lines) == 0 {
			return nil, errors.New("the plan sets no field")
		}
		return lines, nil
	})
}

func planField(r model.Request, ref model.FieldRef) (model.PlanField, bool) {
	docs := r.Plan.Docs
	if r.Plan.Subject != nil {
		docs = append(docs[:len(docs):len(docs)], *r.Plan.Subject)
	}
	for _, d := range docs {
		if d.Collection != ref.Collection || d.RecordID != ref.RecordID {
			continue
		}
		for _, f := range d.Fields {
			if f.Field == ref.Field {
				return f, true
			}
		}
	}
	return model.PlanField{}, false
}

// revealed shows the values for the subject view's reveal time, then
// hides them.
func (p *planPane) revealed(lines []string, err error) tea.Cmd {
	p.reveal.revealing = false
	if err != nil {
		return p.ctx.Error(revealError(err))
	}
	p.reveal.token++
	p.reveal.lines = lines
	p.render()
	token, seq, d := p.reveal.token, p.seq, defaultRevealFor
	return tea.Batch(
		p.ctx.Info(fmt.Sprintf("old and new values revealed for %s — each reveal is on the audit record", d)),
		tea.Tick(d, func(time.Time) tea.Msg { return planHideMsg{seq: seq, token: token} }),
	)
}

// revealLines are the revealed values, first in the preview.
func (p *planPane) revealLines() string {
	if len(p.reveal.lines) == 0 {
		return ""
	}
	d := &doc{th: p.ctx.Theme, width: p.width}
	d.para(1, p.ctx.Theme.Soon.Render(fmt.Sprintf("Revealed (hidden again after %s; audited)", defaultRevealFor)))
	for _, l := range p.reveal.lines {
		d.para(3, model.CleanLine(l))
	}
	return strings.Join(d.lines, "\n") + "\n"
}

// Cursor is the reason prompt's cursor, on the last line.
func (p *planPane) Cursor() *tea.Cursor {
	if !p.reveal.asking {
		return nil
	}
	c := p.reveal.prompt.Cursor()
	if c != nil {
		c.X++
		c.Y = p.height - 1
	}
	return c
}
