package console

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// A deletion or correction completes only once each sub-processor it
// notified has confirmed, or a privacy lead has recorded why no
// confirmation is needed (model.CheckProcessorNotice). O on the request's
// detail records either, through the same controller calls as `custodian
// requests confirm-processor|except-processor`: the controller checks who
// may, and puts the record on the audit chain.

// Notices settles sub-processor notices: the controller calls behind O.
type Notices interface {
	// ConfirmProcessor records that processor confirmed acting on the
	// notice, on date (zero: now), with its reference.
	ConfirmProcessor(ctx context.Context, actor model.Actor, id, processor string, date time.Time, reference string) (model.Request, error)
	// ExceptProcessor records a privacy lead's reason why processor's
	// confirmation is not needed.
	ExceptProcessor(ctx context.Context, actor model.Actor, id, processor, reason string) (model.Request, error)
}

// openViewMsg asks the shell to stack the view build makes, numbered as
// its own views are.
type openViewMsg struct{ build func(seq int) Pane }

// Choices of the settle form's "record" field.
const (
	settleConfirm   = "confirmation"
	settleException = "exception"
)

// settleOffered says whether O does anything on r: it has a notice
// neither confirmed nor excepted.
func settleOffered(r model.Request) bool {
	return r.Status == model.StatusFulfilling && len(model.ProcessorsPending(r)) > 0
}

// settleHelp is O's hint on the detail, when it is offered.
func settleHelp(c *Context, r model.Request) []key.Binding {
	if !settleOffered(r) {
		return nil
	}
	return []key.Binding{c.Keys.Binding(keymap.SettleProcessor)}
}

// openSettle is O on the detail of r.
func openSettle(c *Context, r model.Request, t model.Tenant) tea.Cmd {
	if !settleOffered(r) {
		if len(r.ProcessorNotices) == 0 {
			return c.Error(model.CleanLine(r.ID) + " has no sub-processor notice to settle: a deletion or correction plan's notify steps send them")
		}
		return c.Error(model.CleanLine(r.ID) + ": every sub-processor notice is already confirmed or excepted")
	}
	if _, ok := c.Backend.(Notices); !ok {
		return c.Error("this console cannot record processor confirmations: use custodian requests confirm-processor")
	}
	return func() tea.Msg {
		return openViewMsg{build: func(seq int) Pane { return newSettleForm(c, seq, r, t) }}
	}
}

// newSettleForm is the form that records one processor's confirmation, or
// a lead's exception for it, on r.
func newSettleForm(c *Context, seq int, r model.Request, t model.Tenant) Pane {
	pending := model.ProcessorsPending(r)
	labels := make([]string, len(pending))
	for i, p := range pending {
		labels[i] = model.CleanLine(p)
	}
	loc := t.Location()
	confirming := func(f *form) bool { return f.value("record") == settleConfirm }
	fields := []*formField{
		choiceField("processor", "Processor", pending, labels),
		choiceField("record", "Record", []string{settleConfirm, settleException},
			[]string{"its confirmation", "an exception (privacy lead)"}),
		textField("reference", "Reference", "confirmation: the processor's ticket or letter reference", func(f *form) string {
			if confirming(f) && f.value("reference") == "" {
				return "a confirmation needs the processor's reference"
			}
			return ""
		}),
		textField("date", "Confirmed on", "confirmation: YYYY-MM-DD, blank for today", func(f *form) string {
			if !confirming(f) || f.value("date") == "" {
				return ""
			}
			if _, err := model.ParseDate(f.value("date"), loc, c.Clock.Now()); err != nil {
				return err.Error()
			}
			return ""
		}),
		textField("reason", "Reason", fmt.Sprintf("exception: why no confirmation is needed (at least %d characters)", model.ProcessorReasonMin), func(f *form) string {
			if !confirming(f) && len([]rune(f.value("reason"))) < model.ProcessorReasonMin {
				return fmt.Sprintf("an exception needs a reason of at least %d characters", model.ProcessorReasonMin)
			}
			return ""
		}),
	}
	f := newForm(c, fields)
	f.intro = []string{
		fmt.Sprintf("%s waits on %s.", model.CleanLine(r.ID), model.CleanLine(strings.Join(labels, ", "))),
		"Record a processor's confirmation that it acted on the notice, or (a privacy lead) why none is needed.",
		"The request completes when the last notice is settled by a lead.",
	}
	f.confirm = func(f *form) []string {
		who := model.CleanLine(f.value("processor"))
		if confirming(f) {
			when := "today"
			if d := f.value("date"); d != "" {
				when = model.CleanLine(d)
			}
			return []string{"Record " + who + "'s confirmation?", "",
				"   request    " + model.CleanLine(r.ID),
				"   confirmed  " + when,
				"   reference  " + model.CleanLine(f.value("reference"))}
		}
		return []string{"Record an exception for " + who + "?", "",
			"   request  " + model.CleanLine(r.ID),
			"   reason   " + model.CleanLine(f.value("reason"))}
	}
	f.confirmLabel = "Record"
	p := &formPane{ctx: c, seq: seq, form: f, title: "Sub-processor notice of " + model.CleanLine(r.ID), ids: []string{r.ID}}
	id := r.ID
	p.save = func(fp *formPane) tea.Cmd {
		processor, reference, reason := fp.form.value("processor"), fp.form.value("reference"), fp.form.value("reason")
		confirm := confirming(fp.form)
		var date time.Time
		if confirm && fp.form.value("date") != "" {
			date, _ = model.ParseDate(fp.form.value("date"), loc, c.Clock.Now())
		}
		return fp.saved.start(c, func(ctx context.Context, b Backend, actor model.Actor) (model.Request, error) {
			n, ok := b.(Notices)
			if !ok {
				return model.Request{}, fmt.Errorf("this console cannot record processor confirmations")
			}
			if confirm {
				return n.ConfirmProcessor(ctx, actor, id, processor, date, reference)
			}
			return n.ExceptProcessor(ctx, actor, id, processor, reason)
		})
	}
	p.savedText = func(nr model.Request) string {
		if left := model.ProcessorsPending(nr); len(left) > 0 {
			return fmt.Sprintf("%s: recorded — still waiting on %s", model.CleanLine(nr.ID), model.CleanLine(strings.Join(left, ", ")))
		}
		return fmt.Sprintf("%s: recorded — now %s", model.CleanLine(nr.ID), model.CleanLine(model.StatusText(nr)))
	}
	return p
}
