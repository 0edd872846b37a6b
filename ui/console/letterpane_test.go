package console

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/model"
)

// TestLetterPaneWithFake: on the in-memory backend, support picks a letter
// that fits, sees it masked, is told why editing is not offered, and sends
// it through the confirmation; the fake keeps what was queued.
func TestLetterPaneWithFake(t *testing.T) {
	f := fixture(1)
	f.mutate(func(f *fakeBackend) {
		f.reqs[0].Status = model.StatusReceived
		f.reqs[0].Requester = model.Person{Name: "Quinn Fakeperson", Email: "quinn@example.org"}
	})
	id := f.reqs[0].ID
	cfg := testConfig(f)
	cfg.Actor = testActor(model.RoleSupport)
	h := start(t, New(cfg), 100, 30)
	h.loaded()
	h.tm.Send(letterOpenMsg{id: id})
	h.waitFor("pick list", func(a *App) bool {
		p, ok := letterPaneOf(a)
		return ok && !p.busy && p.stage == letterPick && len(p.kinds) == 2
	})
	h.press("down", "enter")
	screen := ansi.Strip(h.waitFor("preview", func(a *App) bool {
		p, ok := letterPaneOf(a)
		return ok && !p.busy && p.stage == letterPreview && p.kind == model.LetterVerification
	}))
	if strings.Contains(screen, "Quinn Fakeperson") || strings.Contains(screen, "quinn@example.org") {
		t.Errorf("the preview shows personal data:\n%s", screen)
	}
	if !strings.Contains(screen, "editing is for roles that may see personal data") {
		t.Errorf("support is not told why editing is not offered:\n%s", screen)
	}
	h.press("ctrl+s")
	h.waitFor("confirm", letterAt(letterConfirm))
	h.press("right", "enter")
	h.waitFor("closed", func(a *App) bool { _, ok := letterPaneOf(a); return !ok })
	f.mutate(func(f *fakeBackend) {
		if len(f.queued) != 1 || f.queued[0].Kind != model.LetterVerification || f.queued[0].RequestID != id {
			t.Errorf("queued %+v", f.queued)
		}
	})
}
