package console

// The audit pane's chain verification, run in the background with progress.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
)

// verify walks the whole chain in a Cmd; progress arrives as messages, one
// at a time, each carrying the Cmd that waits for the next.
func (p *auditPane) verify() tea.Cmd {
	if p.verifying {
		return p.ctx.Info("already verifying — " + p.ctx.keyFor(keymap.Back) + " cancels")
	}
	p.vgen++
	p.verifying, p.vdone, p.vtotal, p.verdict = true, 0, 0, nil
	ctx, cancel := context.WithCancel(context.Background())
	p.vcancel = cancel
	gen, backend := p.vgen, p.ctx.Backend
	updates := make(chan auditVerifyProgressMsg, 1)
	done := make(chan auditVerifyDoneMsg, 1)
	go func() {
		res, err := backend.VerifyAudit(ctx, func(d, t int64) {
			// Only the newest count matters: drop a stale one for it.
			select {
			case <-updates:
			default:
			}
			updates <- auditVerifyProgressMsg{gen: gen, done: d, total: t}
		})
		done <- auditVerifyDoneMsg{gen: gen, res: res, err: err}
	}()
	var wait tea.Cmd
	wait = func() tea.Msg {
		select {
		case u := <-updates:
			u.next = wait
			return u
		case d := <-done:
			return d
		}
	}
	return wait
}

func (p *auditPane) verified(msg auditVerifyDoneMsg) tea.Cmd {
	if msg.gen != p.vgen {
		return nil
	}
	p.verifying = false
	p.vcancel()
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) {
			return p.ctx.Info("verify cancelled — " + p.ctx.keyFor(keymap.AuditVerify) + " starts it again")
		}
		return p.ctx.Error("verify: " + errText(msg.err))
	}
	res := msg.res
	p.verdict = &res
	p.ensureVisible()
	if !res.OK {
		return p.ctx.Error("audit chain " + res.Line())
	}
	return p.ctx.Info(fmt.Sprintf("audit chain ok: %s events checked", thousands(int(res.Events))))
}

// verdictLines is the last verification's verdict, exactly as `custodian
// audit verify` prints it, wrapped to the width (a hash is 64 cells).
func (p *auditPane) verdictLines() []string {
	if p.verdict == nil || p.width <= 0 {
		return nil
	}
	text := "chain: " + p.verdict.Line()
	return strings.Split(ansi.Hardwrap(text, max(10, p.width-2), false), "\n")
}
