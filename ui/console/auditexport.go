package console

// The audit pane's export: the records its filter selects, written to the
// exports directory as a request-record export.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/records"
)

// exportFilter is the pane's filter as a request-record export: its
// period (open ends: all of it), tenant and request.
func (p *auditPane) exportFilter() (model.RecordFilter, []string) {
	f := p.effectiveFilter()
	rf := model.RecordFilter{Since: f.Since, Until: f.Until, TenantID: f.TenantID}
	if rf.Since.IsZero() {
		rf.Since = time.Unix(0, 0).UTC()
	}
	if rf.Until.IsZero() {
		rf.Until = p.ctx.Clock.Now().UTC().Truncate(time.Second).Add(time.Second)
	}
	if id, ok := strings.CutPrefix(f.Target, "request:"); ok {
		rf.RequestID = id
	}
	var ignored []string
	if f.Actor != "" {
		ignored = append(ignored, "actor:")
	}
	if f.Action != "" {
		ignored = append(ignored, "action:")
	}
	if strings.HasPrefix(f.Target, "subject:") {
		ignored = append(ignored, "subject:")
	}
	return rf, ignored
}

// exportName names an export file after what it holds and when it was
// taken, so exports never overwrite each other.
func exportName(f model.RecordFilter, at time.Time) string {
	parts := []string{"requests", f.Since.UTC().Format("20060102"), f.Until.UTC().Format("20060102")}
	for _, s := range []string{f.TenantID, f.RequestID} {
		if s != "" {
			parts = append(parts, safeFileWord(s))
		}
	}
	parts = append(parts, at.UTC().Format("20060102T150405Z"))
	return strings.Join(parts, "-") + ".jsonl"
}

// safeFileWord keeps letters, digits, '.', '_' and '-' of an id for a file name.
func safeFileWord(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "x"
	}
	return b.String()
}

// export writes the records of the current filter's period to the exports
// directory in a Cmd.
func (p *auditPane) export() tea.Cmd {
	c := p.ctx
	if c.ExportDir == "" {
		return c.Error("exports need a data directory, and this console has none — use custodian audit export")
	}
	if p.exporting {
		return c.Info("an export is already running — " + c.keyFor(keymap.Back) + " cancels it")
	}
	rf, ignored := p.exportFilter()
	path := filepath.Join(c.ExportDir, exportName(rf, c.Clock.Now()))
	p.exporting = true
	dir := c.ExportDir
	// Like the first page of a filter, an export reads a whole period of
	// the chain: it gets the longer bound too; esc cancels it anyway.
	run := p.exports.startWithin(c, 10*c.Timeout, func(ctx context.Context, backend Backend, actor model.Actor) (auditExport, error) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return auditExport{}, err
		}
		n, err := records.ExportToFile(ctx, backend, actor, rf, path)
		return auditExport{n: n, path: path}, err
	})
	cmds := []tea.Cmd{run, p.spin.Tick}
	if len(ignored) > 0 {
		cmds = append(cmds, c.Info("exporting request records; "+strings.Join(ignored, " ")+" do not apply to them"))
	}
	return tea.Batch(cmds...)
}

// auditExport is what an export wrote: n request records to path.
type auditExport struct {
	n    int
	path string
}

func (p *auditPane) exported(msg auditExport, err error) tea.Cmd {
	p.exporting = false
	switch {
	case errors.Is(err, context.Canceled):
		return p.ctx.Info("export cancelled; nothing was written")
	case err != nil:
		return p.ctx.Error("export: " + errText(err))
	}
	return tea.Batch(
		p.ctx.Info(fmt.Sprintf("exported %s request records to %s", thousands(msg.n), model.CleanLine(msg.path))),
		// The export is on the chain now: show it.
		p.reload(),
	)
}
