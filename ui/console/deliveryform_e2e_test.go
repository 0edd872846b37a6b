package console

import (
	"context"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/model"
)

// TestChooseDeliveryAndRecordPassphraseFromTheDetail: on an access
// request's detail a privacy lead presses K to have its package encrypted
// with a passphrase (11 CCR §7024(f)); a malformed age key is refused in
// the form and esc records nothing; after the run wrote the sealed package,
// K records the second channel its passphrase went by, and the request
// can then be completed.
func TestChooseDeliveryAndRecordPassphraseFromTheDetail(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	ctx := context.Background()
	store, _ := fulfilStore(t)
	lou := operatorActor(t, store, "lou")
	r := newPicker(store).signed(t, model.StatusApproved, model.TypeAccess)

	h := start(t, appAs(t, store, "lou"), 120, 40)
	h.openDetail(r.ID)
	h.waitFor("K offered", func(a *App) bool { return strings.Contains(a.View().Content, "K encrypt the access package") })

	// A key that is not an age public key: the form says so and saves nothing.
	h.press("K")
	h.waitFor("delivery form", formOpen("Package delivery"))
	h.choose("method", string(model.DeliverToRecipient))
	h.fill("key", "age1notakey")
	h.press("ctrl+s")
	h.waitFor("the key refused in the form", func(a *App) bool {
		p, ok := formOf(a)
		return ok && !p.form.confirming && strings.Contains(a.View().Content, "age1")
	})
	h.press("esc")
	h.waitFor("form closed", noForm)
	if got := stored(t, store, lou, r.ID); got.Delivery != nil || got.Version != r.Version {
		t.Fatalf("a refused key or esc recorded a delivery: %+v", got.Delivery)
	}

	h.press("K")
	h.waitFor("delivery form", formOpen("Package delivery"))
	h.choose("method", string(model.DeliverWithPassphrase))
	h.press("ctrl+s")
	h.confirm()
	h.waitFor("form closed", noForm)
	got := stored(t, store, lou, r.ID)
	if got.Delivery == nil || got.Delivery.Method != model.DeliverWithPassphrase {
		t.Fatalf("delivery after K: %+v", got.Delivery)
	}

	var passphrases int
	got, err := store.RunFulfilment(ctx, lou, r.ID, func(p model.StepProgress) {
		if p.Passphrase != "" {
			passphrases++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if passphrases != 1 || got.Status != model.StatusFulfilling || got.Export == nil || got.Export.Sealed == nil {
		t.Fatalf("the run: %d passphrases shown, %s, export %+v", passphrases, got.Status, got.Export)
	}
	// The run went through the store, as another session's would: the
	// detail takes the request as the shell hands it on.
	h.tm.Send(requestChangedMsg{req: got})
	h.waitFor("the detail re-read", func(a *App) bool {
		d, ok := a.stack[0].(*detailPane)
		return ok && d.req != nil && d.req.Version == got.Version
	})
	h.press("K")
	h.waitFor("passphrase form", formOpen("Passphrase sent"))
	h.choose("channel", string(model.ChannelPhoneCall))
	h.press("ctrl+s")
	h.confirm()
	h.waitFor("form closed", noForm)
	got = stored(t, store, lou, r.ID)
	if s := got.Delivery.Sent; s == nil || s.Channel != model.ChannelPhoneCall || s.By != "lou" {
		t.Fatalf("second channel: %+v", got.Delivery.Sent)
	}
	if got, err = store.Apply(ctx, lou, got.ID, got.Version, model.ActComplete, "", nil); err != nil || got.Status != model.StatusCompleted {
		t.Fatalf("complete after the passphrase was sent: %v (%s)", err, got.Status)
	}
}
