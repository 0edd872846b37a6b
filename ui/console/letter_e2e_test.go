package console

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// The letter pane against the real embedded database: preview (masked),
// edit (unmasked, a lead only), send behind a confirmation with Cancel
// focused; Cancel and esc send nothing; M opens the reminder.

// letterApp is e2eApp with letters offered after actions, as the console
// and serve run it.
func letterApp(t testing.TB, store *db.Store, handle string) *App {
	return New(Config{
		Backend: store, Actor: operatorActor(t, store, handle), Keys: keymap.Default(),
		Clock: model.FixedClock{T: e2eNow()}, NoColor: true, LivePoll: -1,
		LetterFrom: "privacy@custodian.example", LetterAfterAction: true,
	})
}

func letterPaneOf(a *App) (*letterPane, bool) {
	if len(a.stack) == 0 {
		return nil, false
	}
	p, ok := a.stack[len(a.stack)-1].(*letterPane)
	return p, ok
}

func letterAt(stage letterStage) func(*App) bool {
	return func(a *App) bool {
		p, ok := letterPaneOf(a)
		return ok && !p.busy && p.stage == stage
	}
}

// received logs a request as sam; it is received, so an acknowledgement
// (and a verification request) fit it.
func received(t testing.TB, store *db.Store, id string) model.Request {
	t.Helper()
	r, err := store.CreateRequest(context.Background(), operatorActor(t, store, "sam"), model.Request{ID: id, TenantID: "oakridge-ca",
		Type: model.TypeDeletion, Channel: model.ChannelEmail, ResidencyState: "CA", ReceivedAt: e2eNow().AddDate(0, 0, -1),
		Requester: model.Person{Name: "Wren Lettercase", Email: "wren.lettercase@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func messagesOf(t testing.TB, store *db.Store, id string) []model.Message {
	t.Helper()
	msgs, err := store.Messages(context.Background(), operatorActor(t, store, "lee"), id)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// capture is an outbox that keeps the bytes it is handed.
type capture struct {
	mu  sync.Mutex
	raw map[string][]byte
}

func (c *capture) Deliver(_ context.Context, m db.Message, _ string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.raw == nil {
		c.raw = map[string][]byte{}
	}
	c.raw[m.ID] = m.Raw
	return nil
}

func TestLetterPreviewEditSendE2E(t *testing.T) {
	store, _ := seededStore(t)
	r := received(t, store, "R-E2E-LETTER")
	h := start(t, letterApp(t, store, "lee"), 110, 40)
	h.loaded()
	h.openDetail(r.ID)
	h.press("c")
	h.waitFor("the letters that fit", func(a *App) bool {
		p, ok := letterPaneOf(a)
		return ok && p.stage == letterPick && !p.busy && len(p.kinds) > 0 && p.kinds[0] == model.LetterAcknowledgement
	})
	h.press("enter")
	screen := ansi.Strip(h.waitFor("the preview", letterAt(letterPreview)))
	if strings.Contains(screen, "wren.lettercase@example.org") || strings.Contains(screen, "Wren Lettercase") {
		t.Errorf("the preview shows personal data unmasked:\n%s", screen)
	}
	if !strings.Contains(screen, "What happens next") {
		t.Errorf("the preview does not show the acknowledgement:\n%s", screen)
	}
	h.press("e")
	h.waitFor("the editor", letterAt(letterEdit))
	h.press("enter")
	h.typ("EDITED-BY-LEE")
	h.waitFor("typed", func(a *App) bool {
		p, ok := letterPaneOf(a)
		return ok && strings.Contains(p.body.Value(), "EDITED-BY-LEE")
	})
	h.press("ctrl+s")
	h.waitFor("confirmation with Cancel focused", func(a *App) bool {
		p, ok := letterPaneOf(a)
		return ok && p.stage == letterConfirm && !p.sendOK
	})
	if n := len(messagesOf(t, store, r.ID)); n != 0 {
		t.Fatalf("%d letters queued before the confirmation", n)
	}
	h.press("right", "enter")
	h.waitFor("the pane closed", func(a *App) bool { _, ok := letterPaneOf(a); return !ok })
	msgs := messagesOf(t, store, r.ID)
	if len(msgs) != 1 || msgs[0].Kind != model.LetterAcknowledgement || msgs[0].Status != model.MsgQueued {
		t.Fatalf("queued %+v", msgs)
	}
	out := &capture{}
	if n, err := store.DeliverDue(context.Background(), out, "privacy@custodian.example", 10); n != 1 || err != nil {
		t.Fatalf("delivered %d, %v", n, err)
	}
	raw := out.raw[msgs[0].ID]
	if !bytes.Contains(raw, []byte("EDITED-BY-LEE")) || !bytes.Contains(raw, []byte("wren.lettercase@example.org")) {
		t.Errorf("the message sent is not the edited, unmasked letter:\n%s", raw)
	}
	page, err := store.AuditHistory(context.Background(), operatorActor(t, store, "lee"), model.AuditFilter{Action: "queue_letter", Target: "request:" + r.ID}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1 || !strings.Contains(page.Records[0].Detail, "sha256 "+msgs[0].SHA256) || !strings.Contains(page.Records[0].Detail, "edited before sending") {
		t.Errorf("audit %+v, want queue_letter with sha256 %s, edited", page.Records, msgs[0].SHA256)
	}
	// The detail lists it.
	h.waitFor("the detail lists the letter", func(a *App) bool {
		if !detailLoaded(a) {
			return false
		}
		c := ansi.Strip(a.stack[0].(*detailPane).content())
		return strings.Contains(c, "Letters (1)") && strings.Contains(c, "acknowledgement")
	})
}

func TestLetterCancelAndEscSendNothingE2E(t *testing.T) {
	store, _ := seededStore(t)
	r := received(t, store, "R-E2E-NOLETTER")
	h := start(t, letterApp(t, store, "lee"), 110, 40)
	h.loaded()
	h.openDetail(r.ID)
	h.press("c")
	h.waitFor("the pick list", letterAt(letterPick))
	h.press("enter")
	h.waitFor("the preview", letterAt(letterPreview))
	// Cancel has focus: enter answers it.
	h.press("ctrl+s")
	h.waitFor("confirmation", letterAt(letterConfirm))
	h.press("enter")
	h.waitFor("back at the preview", letterAt(letterPreview))
	// esc in the confirmation, then esc closes the pane.
	h.press("ctrl+s")
	h.waitFor("confirmation", letterAt(letterConfirm))
	h.press("esc")
	h.waitFor("back at the preview", letterAt(letterPreview))
	h.press("esc")
	h.waitFor("the pane closed", func(a *App) bool { _, ok := letterPaneOf(a); return !ok && detailLoaded(a) })
	if msgs := messagesOf(t, store, r.ID); len(msgs) != 0 {
		t.Fatalf("cancelled letters were queued: %+v", msgs)
	}
}

// TestRemindOpensReminderLetterE2E: M records the reminder, then the
// letter pane opens on the approval_reminder; support may send it but not
// edit it (editing shows personal data), and the screen says so.
func TestRemindOpensReminderLetterE2E(t *testing.T) {
	store, _ := seededStore(t)
	r := awaiting(t, store, "R-E2E-REMINDLTR", "oakridge-ca", 30)
	h := start(t, letterApp(t, store, "sam"), 110, 40)
	h.loaded()
	h.press("tab")
	h.selectApproval(r.ID)
	h.press("M")
	h.waitFor("remind form", formOpen("Remind the Customer"))
	h.choose("to", "Marcus Ibarra")
	h.press("enter")
	screen := ansi.Strip(h.waitFor("the reminder letter", func(a *App) bool {
		p, ok := letterPaneOf(a)
		return ok && !p.busy && p.stage == letterPreview && p.kind == model.LetterApprovalReminder
	}))
	if !strings.Contains(screen, "editing is for roles that may see personal data") {
		t.Errorf("support is not told why editing is not offered:\n%s", screen)
	}
	h.press("e")
	h.waitFor("refused to edit", func(a *App) bool {
		p, ok := letterPaneOf(a)
		return ok && p.stage == letterPreview && strings.Contains(p.err, "may not see")
	})
	h.press("ctrl+s")
	h.waitFor("confirmation", letterAt(letterConfirm))
	h.press("right", "enter")
	h.waitFor("the pane closed", func(a *App) bool { _, ok := letterPaneOf(a); return !ok })
	msgs := messagesOf(t, store, r.ID)
	if len(msgs) != 1 || msgs[0].Kind != model.LetterApprovalReminder {
		t.Fatalf("queued %+v, want one approval_reminder", msgs)
	}
	if got := stored(t, store, operatorActor(t, store, "lee"), r.ID); len(got.Reminders) != 1 {
		t.Errorf("reminders %+v", got.Reminders)
	}
}

// TestAcknowledgeOpensLetterE2E: A saved, the acknowledgement's preview
// opens; esc closes it and nothing is queued.
func TestAcknowledgeOpensLetterE2E(t *testing.T) {
	store, _ := seededStore(t)
	r := received(t, store, "R-E2E-ACKLTR")
	h := start(t, letterApp(t, store, "sam"), 110, 40)
	h.loaded()
	h.openDetail(r.ID)
	h.press("A")
	h.waitFor("acknowledge form", formOpen("Acknowledge"))
	h.press("enter")
	h.waitFor("the acknowledgement letter", func(a *App) bool {
		p, ok := letterPaneOf(a)
		return ok && !p.busy && p.stage == letterPreview && p.kind == model.LetterAcknowledgement
	})
	h.press("esc")
	h.waitFor("the pane closed", func(a *App) bool { _, ok := letterPaneOf(a); return !ok && detailLoaded(a) })
	if msgs := messagesOf(t, store, r.ID); len(msgs) != 0 {
		t.Fatalf("queued without a confirmation: %+v", msgs)
	}
	if got := stored(t, store, operatorActor(t, store, "lee"), r.ID); got.AcknowledgedAt == nil {
		t.Error("the acknowledgement was not recorded")
	}
}
