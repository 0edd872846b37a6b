package console

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// auditFixture is the request fixture with n audit entries, seq 1..n.
func auditFixture(n int) *fakeBackend {
	f := fixture(12)
	for i := 1; i <= n; i++ {
		f.audit = append(f.audit, model.AuditRecord{Seq: int64(i), Prev: fmt.Sprintf("p%d", i), Hash: fmt.Sprintf("h%d", i),
			AuditEvent: model.AuditEvent{ID: fmt.Sprintf("e%d", i), At: testNow().Add(-time.Duration(n-i) * time.Minute),
				Actor: []string{"ana", "ben"}[i%2], Action: "read", Target: fmt.Sprintf("request:R-2026-%05d", i%12+1),
				TenantID: "oakridge-ca", Outcome: model.OutcomeOK}})
	}
	return f
}

// Paging: scrolling to the bottom pulls in older pages one keyset page at
// a time, with progress in the footer, until the oldest entry.
func TestAuditPagesOlderEntriesOnDemand(t *testing.T) {
	f := auditFixture(3*auditPageSize + 17)
	h := start(t, New(testConfig(f)), MinWidth, MinHeight)
	h.openAudit()
	if rows := h.auditRows(); len(rows) != auditPageSize {
		t.Fatalf("first page has %d entries, want %d", len(rows), auditPageSize)
	}
	for range 10 {
		h.press("G")
	}
	for range 20 { // keep going to the bottom as pages arrive
		h.press("G")
		if h.waitFor("a page", func(a *App) bool { return !a.auditPane().loading }) != "" && len(h.auditRows()) == len(f.audit) {
			break
		}
	}
	h.press("G")
	h.waitFor("every page", func(a *App) bool {
		p := a.auditPane()
		return len(p.rows) == len(f.audit) && !p.loading && !p.more && p.cursor == len(p.rows)-1
	})
	var got []int64
	for _, r := range h.auditRows() {
		got = append(got, r.Seq)
	}
	want := make([]int64, len(f.audit))
	for i := range want {
		want[i] = int64(len(f.audit) - i)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages do not join into newest-first seq %d..1 without gaps or repeats", len(f.audit))
	}
	screen := ansi.Strip(h.screen())
	if !strings.Contains(screen, fmt.Sprintf("%d/%d · seq 1–%d", len(f.audit), len(f.audit), len(f.audit))) {
		t.Errorf("footer does not show the position and the seq range:\n%s", screen)
	}
	checkFits(t, h.screen(), MinWidth, MinHeight)
}

func TestAuditLoadingOlderShowsProgress(t *testing.T) {
	f := auditFixture(2 * auditPageSize)
	release := make(chan struct{})
	h := start(t, New(testConfig(f)), MinWidth, MinHeight)
	h.openAudit()
	// The next page stalls until released: the footer must say what it waits for.
	f.mutate(func(f *fakeBackend) { f.failWith = nil })
	slow := &slowBackend{fakeBackend: f, release: release}
	h.waitFor("swap backend", func(a *App) bool { a.ctx.Backend = slow; return true })
	h.press("G")
	screen := h.waitFor("loading older", func(a *App) bool { return a.auditPane().loading })
	if !strings.Contains(ansi.Strip(screen), fmt.Sprintf("loading entries before seq %d", auditPageSize+1)) {
		t.Fatalf("no progress while the older page loads:\n%s", ansi.Strip(screen))
	}
	// esc gives up on the page; scrolling asks for it again.
	h.press("esc")
	h.waitFor("cancelled", func(a *App) bool {
		return !a.auditPane().loading && strings.HasPrefix(a.status, "load cancelled")
	})
	if n := len(h.auditRows()); n != auditPageSize {
		t.Fatalf("a cancelled page changed the rows: %d", n)
	}
	h.press("G")
	h.waitFor("loading again", func(a *App) bool { return a.auditPane().loading })
	close(release)
	h.waitFor("loaded", func(a *App) bool { p := a.auditPane(); return !p.loading && len(p.rows) == len(f.audit) })
}

// slowBackend holds AuditHistory pages below the newest until released.
type slowBackend struct {
	*fakeBackend
	release chan struct{}
}

func (s *slowBackend) AuditHistory(ctx context.Context, a model.Actor, f model.AuditFilter, before int64, limit int) (model.AuditPage, error) {
	if before > 0 {
		select {
		case <-s.release:
		case <-ctx.Done():
			return model.AuditPage{}, ctx.Err()
		}
	}
	return s.fakeBackend.AuditHistory(ctx, a, f, before, limit)
}

// V shows a progress bar while the walk runs, and esc cancels it.
func TestAuditVerifyShowsProgressAndCancels(t *testing.T) {
	f := auditFixture(10)
	started := make(chan struct{})
	f.verify = func(ctx context.Context, progress func(done, total int64)) (model.VerifyResult, error) {
		progress(4000, 10000)
		close(started)
		<-ctx.Done()
		return model.VerifyResult{}, fmt.Errorf("verify audit chain: %w", ctx.Err())
	}
	h := start(t, New(testConfig(f)), MinWidth, MinHeight)
	h.openAudit()
	h.press("V")
	<-started
	screen := ansi.Strip(h.waitFor("progress", func(a *App) bool { return a.auditPane().vdone == 4000 }))
	if !strings.Contains(screen, "verifying") || !strings.Contains(screen, "4,000/10,000") || !strings.Contains(screen, "█") {
		t.Fatalf("no progress bar:\n%s", screen)
	}
	h.press("esc")
	screen = h.waitFor("cancelled", func(a *App) bool { return !a.auditPane().verifying && strings.HasPrefix(a.status, "verify cancelled") })
	if a := ansi.Strip(screen); strings.Contains(a, "chain:") {
		t.Errorf("a cancelled walk shows a verdict:\n%s", a)
	}
}

func TestAuditExportWithoutDirectorySaysWhy(t *testing.T) {
	h := start(t, New(testConfig(auditFixture(3))), MinWidth, MinHeight)
	h.openAudit()
	h.press("x")
	h.waitFor("error", func(a *App) bool { return a.statusErr && strings.Contains(a.status, "custodian audit export") })
}

func TestAuditHelpShowsItsKeys(t *testing.T) {
	km := keymap.Default()
	h := start(t, New(testConfig(auditFixture(3))), MinWidth, MinHeight)
	h.openAudit()
	h.press("?")
	screen := ansi.Strip(h.waitFor("help", func(a *App) bool { return a.help }))
	checkFits(t, screen, MinWidth, MinHeight)
	for _, a := range []keymap.Action{keymap.AuditFilter, keymap.AuditClearFilter, keymap.AuditVerify, keymap.AuditExport} {
		if hk := km.Binding(a).Help(); !strings.Contains(screen, hk.Desc) {
			t.Errorf("help lacks %s (%s)", a, hk.Desc)
		}
	}
	if strings.Contains(screen, km.Binding(keymap.SortNext).Help().Desc) {
		t.Error("help shows the queue's sort key in the audit pane")
	}
}

func TestAuditWidthsFit(t *testing.T) {
	for w := MinWidth; w <= 240; w++ {
		for timeW := 0; timeW <= auditTimeMax+10; timeW++ {
			c := auditWidths(w, timeW, 40)
			used := gutter
			for i, x := range c {
				if x > 0 {
					used += x
					if i > 0 {
						used++
					}
				}
			}
			if used > w {
				t.Fatalf("width %d, times %d wide: columns take %d", w, timeW, used)
			}
		}
	}
	// Every action the chain holds fits its column, at any width.
	for _, n := range auditActionNames() {
		if got := auditWidths(MinWidth, auditTimeMax, 0)[acAction]; len(n) > got {
			t.Errorf("action %q is cut: the column is %d wide", n, got)
		}
	}
	if auditWidths(MinWidth, auditTimeMin, 0)[acReason] != 0 || auditWidths(160, auditTimeMax, 0)[acReason] == 0 {
		t.Error("the reason column should appear only when there is room")
	}
}
