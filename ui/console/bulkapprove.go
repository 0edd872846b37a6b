package console

// The bulk approval pane: the requests marked in Approvals, approved one
// after another with progress, each refused by name if it moved on.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// bulkOpenMsg asks the shell to open the bulk approval of reqs.
type bulkOpenMsg struct {
	reqs   []model.Request
	tenant model.Tenant
}

// bulkStep is one request's answer in a bulk approval: the i-th marked
// request, as saved.
type bulkStep struct {
	i   int
	req model.Request
}

// bulkResult is how one request of a bulk approval went.
type bulkResult struct {
	id  string
	ok  bool
	msg string
}

// bulkPane is the approval form over several requests. Each request is one
// Apply at the version it had when it was marked (a few at a time), so a
// request that moved on meanwhile is refused by name and the rest go on.
type bulkPane struct {
	*formPane
	reqs     []model.Request
	tenant   model.Tenant
	results  []bulkResult
	byIndex  []*bulkResult // answers as they arrive, in marked order
	next     int           // the next request to start
	inFlight int
	scroll   int
	stop     bool
	edit     func(*model.Request) error
	reason   string
	steps    calls[bulkStep]
}

func newBulkPane(c *Context, seq int, reqs []model.Request, t model.Tenant) *bulkPane {
	f := newForm(c, decisionFields(c, reqs[0], t, false))
	f.intro = []string{fmt.Sprintf("Record %s's approval of %d requests, with one piece of evidence.", model.CleanLine(t.Name), len(reqs))}
	f.confirmLabel = fmt.Sprintf("Approve %d", len(reqs))
	f.confirm = func(f *form) []string {
		out := []string{fmt.Sprintf("Record %s's approval of these %d requests?", model.CleanLine(t.Name), len(reqs))}
		var ids []string
		for _, r := range reqs {
			ids = append(ids, model.CleanLine(r.ID))
		}
		out = append(out, "   "+strings.Join(ids, ", "), "")
		return append(out, decisionSummary(c, f, model.DecisionApproved)...)
	}
	b := &bulkPane{reqs: reqs, tenant: t}
	b.formPane = &formPane{ctx: c, seq: seq, form: f, title: fmt.Sprintf("Approve %d requests", len(reqs))}
	for _, r := range reqs {
		b.ids = append(b.ids, r.ID)
	}
	b.save = func(p *formPane) tea.Cmd {
		b.reason, b.edit = decisionApply(model.DecisionApproved)(p.form, reqs[0], t, c.Clock.Now())
		b.results, b.byIndex, b.next, b.inFlight = nil, make([]*bulkResult, len(reqs)), 0, 0
		var cmds []tea.Cmd
		for range min(bulkInFlight, len(reqs)) {
			cmds = append(cmds, b.launch())
		}
		return tea.Batch(cmds...)
	}
	return b
}

// bulkInFlight is how many approvals of a bulk run are saved at once. One:
// three at a time measured slower on the embedded database (100 approvals:
// 37 s against 19 s one by one), whose SQLite serialises the writers, and a
// sequential run reports refusals in the order the rows were marked.
const bulkInFlight = 1

// launch starts the next request's approval.
func (b *bulkPane) launch() tea.Cmd {
	c := b.ctx
	i := b.next
	b.next++
	b.inFlight++
	r := b.reqs[i]
	reason, edit := b.reason, b.edit
	return b.steps.start(c, func(ctx context.Context, backend Backend, actor model.Actor) (bulkStep, error) {
		got, err := backend.Apply(ctx, actor, r.ID, r.Version, model.ActApprove, reason, edit)
		return bulkStep{i: i, req: got}, err
	})
}

// stepped records one request's answer and starts the next, or shows the
// results once every request started has answered.
func (b *bulkPane) stepped(step bulkStep, err error) tea.Cmd {
	b.inFlight--
	id := model.CleanLine(b.reqs[step.i].ID)
	var cmds []tea.Cmd
	if err != nil {
		b.byIndex[step.i] = &bulkResult{id: id, msg: bulkRefusal(err)}
	} else {
		b.byIndex[step.i] = &bulkResult{id: id, ok: true, msg: "approved"}
		cmds = append(cmds, changed(step.req))
	}
	done := len(b.reqs) - b.inFlight - (len(b.reqs) - b.next)
	b.form.progress = fmt.Sprintf("%d of %d done", done, len(b.reqs))
	if b.next < len(b.reqs) && !b.stop {
		return tea.Batch(append(cmds, b.launch())...)
	}
	if b.inFlight > 0 {
		return tea.Batch(cmds...)
	}
	b.results = b.results[:0]
	for i, r := range b.byIndex {
		if r == nil {
			r = &bulkResult{id: model.CleanLine(b.reqs[i].ID), msg: "not attempted: stopped"}
		}
		b.results = append(b.results, *r)
	}
	b.form.saving = false
	b.body = bulkBody(b)
	b.helpKeys = func(p *formPane) []key.Binding {
		back := p.ctx.Keys.Binding(keymap.Back)
		back.SetHelp(back.Help().Key, "close")
		return []key.Binding{back}
	}
	ok := 0
	for _, r := range b.results {
		if r.ok {
			ok++
		}
	}
	info := b.ctx.Info(fmt.Sprintf("approved %d of %d; %d refused", ok, len(b.reqs), len(b.reqs)-ok))
	return tea.Batch(append(cmds, info)...)
}

func (b *bulkPane) Update(msg tea.Msg) (Pane, tea.Cmd) {
	if step, err, ok := b.steps.accept(msg); ok {
		return b, b.stepped(step, err)
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case b.body != nil && (b.ctx.Keys.Matches(msg, keymap.Back) || b.ctx.Keys.Matches(msg, keymap.Open)):
			return b, b.close()
		case b.body != nil:
			k := b.ctx.Keys
			switch {
			case k.Matches(msg, keymap.Down):
				b.scroll++
			case k.Matches(msg, keymap.Up):
				b.scroll--
			case k.Matches(msg, keymap.PageDown):
				b.scroll += b.height / 2
			case k.Matches(msg, keymap.PageUp):
				b.scroll -= b.height / 2
			}
			return b, nil
		case b.form.saving && b.ctx.Keys.Matches(msg, keymap.Back):
			b.stop = true
			b.form.progress += " — stopping after this one"
			return b, nil
		}
	}
	_, cmd := b.formPane.Update(msg)
	return b, cmd
}

// bulkBody reports per request what succeeded and what was refused.
func bulkBody(b *bulkPane) func(*formPane) []string {
	return func(p *formPane) []string {
		th := p.ctx.Theme
		ok := 0
		for _, r := range b.results {
			if r.ok {
				ok++
			}
		}
		head := []string{fmt.Sprintf(" Results: approved %d of %d, %d refused", ok, len(b.results), len(b.results)-ok), ""}
		var out []string
		// Refusals first: they are what needs doing.
		for _, r := range b.results {
			if r.ok {
				continue
			}
			// A refusal is worth reading whole: it names who changed what.
			for i, l := range strings.Split(ansi.Wrap("✗ "+r.id+"  "+r.msg, max(8, p.width-6), " ,;/"), "\n") {
				pad := "   "
				if i > 0 {
					pad = "     "
				}
				out = append(out, th.Error.Render(pad+l))
			}
		}
		for _, r := range b.results {
			if r.ok {
				out = append(out, truncate("   ✓ "+r.id+"  "+r.msg, p.width))
			}
		}
		room := max(1, p.height-2-len(head)-2)
		b.scroll = min(max(b.scroll, 0), max(0, len(out)-room))
		out = out[b.scroll:min(len(out), b.scroll+room)]
		foot := " " + p.ctx.keyFor(keymap.Back) + " closes"
		if len(b.results) > 0 && room < len(b.results) {
			foot += " · " + p.ctx.keyFor(keymap.Down) + "/" + p.ctx.keyFor(keymap.Up) + " scroll"
		}
		return append(append(head, out...), "", th.Dim.Render(foot))
	}
}

// bulkRefusal says why one request of a bulk approval was left out. A lost
// race's own advice ("reload and try again") fits a form, not this list:
// there is nothing here to reload, and the request stays marked in the
// approvals pane, where opening it shows what changed.
func bulkRefusal(err error) string {
	msg := errText(err)
	if errors.Is(err, model.ErrConflict) {
		msg = strings.TrimSuffix(msg, "; reload and try again")
		msg += " — left out; it stays marked in Approvals: open it to see what changed, then approve it alone"
	}
	return msg
}
