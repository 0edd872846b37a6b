package console

import (
	"context"
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// An access package is sealed with age for the resident: to a public key
// they gave, or with a passphrase the custodian makes when it writes the
// package and the operator sends by a second channel (11 CCR §7024(f)).
// K on an access request's detail chooses how, before the package is
// written (or to seal it again); once a passphrase package is written, K
// records the channel its passphrase went by, which completion waits for.
// Both are the controller calls behind `custodian requests deliver` and
// `requests passphrase-sent`.

// Deliveries is the controller calls behind K.
type Deliveries interface {
	// SetAccessDelivery chooses how request id's package is encrypted.
	SetAccessDelivery(ctx context.Context, actor model.Actor, id string, version int64, method model.DeliveryMethod, recipientKey string) (model.Request, error)
	// RecordPassphraseSent records the second channel the passphrase went by.
	RecordPassphraseSent(ctx context.Context, actor model.Actor, id string, version int64, channel string) (model.Request, error)
}

// deliveryStep is what K does on r: record the passphrase's channel,
// choose the delivery, or nothing (with why).
func deliveryStep(r model.Request) (sent bool, why error) {
	if r.Delivery != nil && r.Delivery.Sent == nil && model.CheckPassphraseSent(r) == nil {
		return true, nil
	}
	return false, model.CheckChooseDelivery(r)
}

// deliveryHelp is K's hint on the detail: an open access request, for the
// role that may choose (the controller checks again).
func deliveryHelp(c *Context, r model.Request) []key.Binding {
	if _, why := deliveryStep(r); why != nil || !c.Actor.Can(model.DeliveryPermission()) {
		return nil
	}
	b := c.Keys.Binding(keymap.Delivery)
	if sent, _ := deliveryStep(r); sent {
		b.SetHelp(b.Help().Key, "record the passphrase sent")
	}
	return []key.Binding{b}
}

// openDelivery is K on the detail of r.
func openDelivery(c *Context, r model.Request) tea.Cmd {
	sent, why := deliveryStep(r)
	if why != nil {
		return c.Error(c.errText(why))
	}
	if _, ok := c.Backend.(Deliveries); !ok {
		return c.Error("this console cannot choose a package's delivery: use custodian requests deliver")
	}
	return func() tea.Msg {
		return openViewMsg{build: func(seq int) Pane { return newDeliveryForm(c, seq, r, sent) }}
	}
}

// newDeliveryForm is the form of K on r: the second channel when sent,
// else the method and the resident's key.
func newDeliveryForm(c *Context, seq int, r model.Request, sent bool) Pane {
	id, version := r.ID, r.Version
	var f *form
	var title string
	var save func(fp *formPane) tea.Cmd
	if sent {
		title = "Passphrase sent for " + model.CleanLine(id)
		var opts, labels []string
		for _, ch := range model.SecondChannels() {
			opts, labels = append(opts, string(ch)), append(labels, ch.Label())
		}
		f = newForm(c, []*formField{choiceField("channel", "Sent by", opts, labels)})
		f.intro = []string{
			"Record how the package's passphrase reached the resident: never by the email that carries the package.",
			"The passphrase itself is not asked for and is stored nowhere. The request can be completed once this is recorded.",
		}
		f.confirm = func(f *form) []string {
			return []string{"Record that the passphrase was sent by " + model.SecondChannel(f.value("channel")).Label() + "?", "",
				"   request  " + model.CleanLine(id)}
		}
		save = func(fp *formPane) tea.Cmd {
			ch := fp.form.value("channel")
			return fp.saved.start(c, func(ctx context.Context, b Backend, actor model.Actor) (model.Request, error) {
				return b.(Deliveries).RecordPassphraseSent(ctx, actor, id, version, ch)
			})
		}
	} else {
		title = "Package delivery of " + model.CleanLine(id)
		recipient := func(f *form) bool { return f.value("method") == string(model.DeliverToRecipient) }
		f = newForm(c, []*formField{
			choiceField("method", "Encrypt", []string{string(model.DeliverWithPassphrase), string(model.DeliverToRecipient)},
				[]string{"with a passphrase (sent by sms, phone or post)", "to the resident's age key"}),
			textField("key", "Resident's key", "age1… (the public key the resident gave)", func(f *form) string {
				if !recipient(f) {
					return ""
				}
				if err := model.CheckRecipientKey(f.value("key")); err != nil {
					return err.Error()
				}
				return ""
			}),
		})
		f.intro = []string{"How the access package is encrypted for the resident (age-encryption.org); the completion letter says how to open it."}
		if model.Reseals(r) {
			f.intro = append(f.intro, "The package was written already: it is removed, and the plan's export step runs again to seal it.")
		}
		f.confirm = func(f *form) []string {
			how := "with a passphrase made when the package is written; send it by a second channel, then record that here"
			if recipient(f) {
				how = "to the key " + model.CleanLine(f.value("key"))
			}
			return []string{"Encrypt " + model.CleanLine(id) + "'s package " + how + "?"}
		}
		save = func(fp *formPane) tea.Cmd {
			method, k := model.DeliveryMethod(fp.form.value("method")), ""
			if method == model.DeliverToRecipient {
				k = fp.form.value("key")
			}
			return fp.saved.start(c, func(ctx context.Context, b Backend, actor model.Actor) (model.Request, error) {
				return b.(Deliveries).SetAccessDelivery(ctx, actor, id, version, method, k)
			})
		}
	}
	f.confirmLabel = "Record"
	p := &formPane{ctx: c, seq: seq, form: f, title: title, ids: []string{id}, save: save}
	p.savedText = func(nr model.Request) string {
		if why := model.DeliveryWaiting(nr); why != "" && nr.Export != nil {
			return fmt.Sprintf("%s: recorded — %s", model.CleanLine(nr.ID), why)
		}
		return fmt.Sprintf("%s: recorded — now %s", model.CleanLine(nr.ID), model.CleanLine(model.StatusText(nr)))
	}
	return p
}
