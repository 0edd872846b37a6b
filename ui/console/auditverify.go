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
	"github.com/custodian-dev/custodian/model"
)

// verifyProgress is how far a verify has walked the chain.
type verifyProgress struct{ done, total int64 }

// verify walks the whole chain in the background, however long it takes
// (esc cancels it); progress arrives as the newest count.
func (p *auditPane) verify() tea.Cmd {
	if p.verifying {
		return p.ctx.Info("already verifying — " + p.ctx.keyFor(keymap.Back) + " cancels")
	}
	p.verifying, p.vdone, p.vtotal, p.verdict = true, 0, 0, nil
	return p.verification.start(p.ctx, 0, func(ctx context.Context, backend Backend, _ model.Actor, report func(verifyProgress)) (model.VerifyResult, error) {
		return backend.VerifyAudit(ctx, func(d, t int64) { report(verifyProgress{done: d, total: t}) })
	})
}

func (p *auditPane) verified(res model.VerifyResult, err error) tea.Cmd {
	p.verifying = false
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return p.ctx.Info("verify cancelled — " + p.ctx.keyFor(keymap.AuditVerify) + " starts it again")
		}
		return p.ctx.Error("verify: " + errText(err))
	}
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
