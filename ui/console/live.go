package console

// Live screens: the console polls a change marker (one read by _id) every
// few seconds and, when it moved, asks what changed since; the queue,
// approvals and an open detail reload keeping the selection on the same
// request, rows changed by someone else are marked for a moment, and a
// form open on such a request warns before it is submitted. The same poll
// re-reads the session's own operator, so a disabled operator's session
// ends and a role or scope change applies to the open session.
//
// One poll is in flight at most: the next tick is scheduled only when the
// poll before it has reported. Nothing here blocks Update.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// liveGlyph marks a row someone else changed a moment ago.
const liveGlyph = "•"

// liveChangesMax is the most changes one poll reads; more means "reload
// everything", which the panes do anyway.
const liveChangesMax = 200

// liveState is what the session knows of the changes it follows. The
// shell writes it in Update; panes read it to draw marks and the age.
type liveState struct {
	on bool
	// since is the chain position the next poll asks from; based is false
	// until the first poll has read it.
	since int64
	based bool
	// updated is when the last poll succeeded; failing why the last failed.
	updated time.Time
	failing string
	// disabledPolls counts the polls in a row that found the operator
	// disabled without the change that names who did it (see polled).
	disabledPolls int
	// marks are the requests changed by someone else, with the change and
	// until when it is marked.
	marks map[string]liveMark
}

type liveMark struct {
	change model.Change
	until  time.Time
}

type (
	// liveTickMsg starts the next poll.
	liveTickMsg struct{}
	// livePolledMsg says a poll answered: the on-call panes, whose figures
	// (round trip, claims in flight) move without any change being logged,
	// read them again.
	livePolledMsg struct{}
	// liveChangedMsg tells the panes requests changed: byOthers are those
	// changed by someone other than this session's operator.
	liveChangedMsg struct{ byOthers map[string]model.Change }
)

// livePoll is what one poll read.
type livePoll struct {
	actor   model.Actor
	changes []model.Change
	next    int64
	more    bool
}

// changedBy is who changed request id, while its mark lasts.
func (c *Context) changedBy(id string) (model.Change, bool) {
	m, ok := c.live.marks[id]
	if !ok || !c.Clock.Now().Before(m.until) {
		return model.Change{}, false
	}
	return m.change, true
}

// liveAge is the footer's "updated N s ago", or "" before the first poll
// and when live refresh is off.
func (c *Context) liveAge() string {
	if !c.live.on || c.live.updated.IsZero() {
		return ""
	}
	age := int(c.Clock.Now().Sub(c.live.updated) / time.Second)
	if c.live.failing != "" {
		return fmt.Sprintf("not updated for %d s (%s)", age, c.live.failing)
	}
	return fmt.Sprintf("updated %d s ago", max(0, age))
}

// startLive turns live refresh on when the session wants it and the
// backend can: the first poll reads the marker to start from.
func (a *App) startLive(every time.Duration) tea.Cmd {
	if _, ok := a.ctx.Backend.(Live); !ok || every <= 0 {
		return nil
	}
	a.liveEvery = every
	a.ctx.live.on = true
	return a.poll()
}

// poll starts one poll unless one is in flight.
func (a *App) poll() tea.Cmd {
	if !a.ctx.live.on || a.livePoll.busy() || a.ended != "" {
		return nil
	}
	since, based := a.ctx.live.since, a.ctx.live.based
	return a.livePoll.start(a.ctx, func(ctx context.Context, b Backend, actor model.Actor) (livePoll, error) {
		lb := b.(Live)
		m, err := lb.Changes(ctx)
		if err != nil {
			return livePoll{}, err
		}
		out := livePoll{next: since}
		switch {
		case !based:
			out.next = m.Seq
		case m.Seq > since:
			// As the session knows its operator: the change that disables
			// it is read in this same poll, and names who disabled it.
			if out.changes, out.next, out.more, err = lb.ChangesSince(ctx, actor, since, liveChangesMax); err != nil {
				return livePoll{}, err
			}
		}
		if out.actor, err = lb.CurrentActor(ctx, actor); err != nil {
			return livePoll{}, err
		}
		if out.actor.Operator.Disabled && based && out.changes == nil {
			// The marker may be a shared read from before the change was
			// logged (sshd): ask the chain itself, so the message can name
			// who disabled the account.
			if out.changes, out.next, out.more, err = lb.ChangesSince(ctx, actor, since, liveChangesMax); err != nil {
				return livePoll{}, err
			}
		}
		return out, nil
	})
}

// polled takes a poll's result in and schedules the next.
func (a *App) polled(res livePoll, err error) tea.Cmd {
	tick := tea.Tick(a.liveEvery, func(time.Time) tea.Msg { return liveTickMsg{} })
	lv := &a.ctx.live
	if err != nil {
		// The footer's age keeps growing and says why; the status line is
		// left to what the operator is doing.
		lv.failing = errText(err)
		if lv.updated.IsZero() {
			lv.updated = a.ctx.Clock.Now()
		}
		return tick
	}
	lv.failing, lv.updated = "", a.ctx.Clock.Now()
	lv.since, lv.based = res.next, true
	if res.actor.Operator.Disabled {
		// The record is written before its audit entry: a poll between
		// the two finds the operator disabled with nobody named yet. The
		// session waits about two seconds (at least one more poll) for the
		// entry, read-only; the controller refuses writes meanwhile.
		if _, named := a.operatorChange(res.changes); named || lv.disabledPolls >= a.disabledGracePolls() {
			return a.endDisabled(res.changes)
		}
		lv.disabledPolls++
		a.ctx.ReadOnly = true
		return tick
	}
	if lv.disabledPolls > 0 { // enabled again before the session ended
		lv.disabledPolls = 0
		a.ctx.ReadOnly = a.ctx.Actor.ReadOnly || !a.ctx.Actor.Can(model.PermTriage)
	}
	return tea.Batch(tick, a.broadcast(livePolledMsg{}), a.followOperator(res.actor, res.changes), a.followChanges(res))
}

// disabledGracePolls is how many polls a session that found its operator
// disabled waits for the audit entry naming who did it: about two seconds,
// and at least one.
func (a *App) disabledGracePolls() int {
	if a.liveEvery <= 0 {
		return 1
	}
	return max(1, int((2*time.Second+a.liveEvery-1)/a.liveEvery))
}

// operatorChange is the newest change to the session's own operator.
func (a *App) operatorChange(changes []model.Change) (model.Change, bool) {
	for _, c := range slices.Backward(changes) {
		if c.Kind == "operator" && c.ID == a.ctx.Actor.Handle() {
			return c, true
		}
	}
	return model.Change{}, false
}

// endDisabled ends the session: its operator was disabled (or removed).
func (a *App) endDisabled(changes []model.Change) tea.Cmd {
	by := "an administrator"
	if c, ok := a.operatorChange(changes); ok {
		by = model.CleanLine(c.Actor)
	}
	a.ended = fmt.Sprintf("your operator account was disabled by %s — this session is closed; ask an administrator to enable it again", by)
	a.status, a.statusErr = a.ended, true
	return a.quit()
}

// Ended is why the console closed itself ("" when the operator quit):
// main and the SSH server print it once the program has stopped.
func (a *App) Ended() string { return a.ended }

// followOperator applies a role or scope change to the open session: the
// actor every backend call carries (the controller re-reads it on writes
// anyway), the read-only badge, and the tenants in scope.
func (a *App) followOperator(cur model.Actor, changes []model.Change) tea.Cmd {
	old := a.ctx.Actor.Operator
	a.ctx.Actor.Operator = cur.Operator
	if old.Role == cur.Operator.Role && slices.Equal(old.Tenants, cur.Operator.Tenants) {
		return nil
	}
	a.ctx.ReadOnly = a.ctx.Actor.ReadOnly || !a.ctx.Actor.Can(model.PermTriage)
	// Who is named when the poll saw the audit entry too: the record is
	// written first, and the change applies as soon as it is seen.
	by := ""
	if c, ok := a.operatorChange(changes); ok {
		by = " by " + model.CleanLine(c.Actor)
	}
	scope := "all tenants"
	if len(cur.Operator.Tenants) > 0 {
		scope = strings.Join(cur.Operator.Tenants, ", ")
	}
	text := fmt.Sprintf("your account was changed%s: role %s, scope %s — the screens reload to match", by, roleLabel(cur.Operator.Role), model.CleanLine(scope))
	return tea.Batch(a.setStatus(text, false), a.loadTenants())
}

// followChanges marks the requests someone else changed and has the panes
// reload; a tenant change reloads the tenants first (and so everything).
func (a *App) followChanges(res livePoll) tea.Cmd {
	lv := &a.ctx.live
	now := a.ctx.Clock.Now()
	for id, m := range lv.marks {
		if !now.Before(m.until) {
			delete(lv.marks, id)
		}
	}
	reload, tenants := res.more, false
	others := map[string]model.Change{}
	self := a.ctx.Actor.Handle()
	for _, c := range res.changes {
		switch c.Kind {
		case "tenant":
			tenants = true
		case "request":
			reload = true
			if c.Actor == self {
				continue
			}
			others[c.ID] = c
			if lv.marks == nil {
				lv.marks = map[string]liveMark{}
			}
			lv.marks[c.ID] = liveMark{change: c, until: now.Add(model.LiveMarkFor)}
		}
	}
	switch {
	case tenants:
		return a.loadTenants()
	case reload:
		return a.broadcast(liveChangedMsg{byOthers: others})
	}
	return nil
}

// changedWarning is a form's warning that one of its requests changed
// underneath it, or "".
func changedWarning(ctx *Context, msg liveChangedMsg, ids []string) string {
	for _, id := range ids {
		if c, ok := msg.byOthers[id]; ok {
			return fmt.Sprintf("%s changed since you opened this form (%s by %s) — review before submitting (%s re-reads it)",
				model.CleanLine(id), model.CleanLine(strings.ReplaceAll(c.Action, "_", " ")), model.CleanLine(c.Actor), ctx.keyFor(keymap.Refresh))
		}
	}
	return ""
}
