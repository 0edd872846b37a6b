package command

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// deliveryStore is what the delivery commands need of the controller.
type deliveryStore interface {
	Request(ctx context.Context, actor model.Actor, id string) (model.Request, error)
	SetAccessDelivery(ctx context.Context, actor model.Actor, id string, version int64, method model.DeliveryMethod, recipientKey string) (model.Request, error)
	RecordPassphraseSent(ctx context.Context, actor model.Actor, id string, version int64, channel string) (model.Request, error)
}

// deliveryCommands are `custodian requests deliver|passphrase-sent`: how an
// access package is encrypted for the resident, and the record that its
// passphrase went by a second channel.
func deliveryCommands() []Command {
	return []Command{
		{Path: "requests deliver", Args: requestID(),
			Summary: "encrypt an access request's package for the resident (--recipient age1… or --passphrase), before the plan runs",
			Detail: "With --passphrase, `custodian requests run` makes the passphrase when it writes the package and shows it once;\n" +
				"send it by sms, phone or post, then `custodian requests passphrase-sent ID --channel sms`.",
			Bind: bindRequestsDeliver},
		{Path: "requests passphrase-sent", Args: requestID(),
			Summary: "record that the package's passphrase was sent by a second channel (--channel sms, phone or post)",
			Bind:    bindRequestsPassphraseSent},
	}
}

func bindRequestsDeliver(fs *flag.FlagSet) Run {
	recipient := fs.String("recipient", "", "the resident's age public `KEY` (age1…): only its private key opens the package")
	passphrase := fs.Bool("passphrase", false, "encrypt with a passphrase the custodian makes when the package is written (shown once)")
	act := onRequest("deliver", func(ctx context.Context, env Env, b *backend, actor model.Actor, id string) error {
		return deliver(ctx, b.store, actor, id, *recipient, *passphrase, env.Stdout)
	})
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		// The flags are checked before the database is opened.
		if _, err := deliveryMethod(*recipient, *passphrase); err != nil {
			return failRequests(env.Stderr, "deliver", args[0], err)
		}
		return act(ctx, env, g, args)
	}
}

// deliveryMethod is the method the flags choose: exactly one of them.
func deliveryMethod(recipient string, passphrase bool) (model.DeliveryMethod, error) {
	switch {
	case passphrase && recipient != "":
		return "", badFlags("give --recipient or --passphrase, not both")
	case passphrase:
		return model.DeliverWithPassphrase, nil
	case recipient == "":
		return "", badFlags("give --recipient age1… (the resident's age public key) or --passphrase")
	}
	return model.DeliverToRecipient, nil
}

func deliver(ctx context.Context, s deliveryStore, actor model.Actor, id, recipient string, passphrase bool, w io.Writer) error {
	method, err := deliveryMethod(recipient, passphrase)
	if err != nil {
		return err
	}
	r, err := s.Request(ctx, actor, id)
	if err != nil {
		return err
	}
	if r, err = s.SetAccessDelivery(ctx, actor, id, r.Version, method, recipient); err != nil {
		return err
	}
	if method == model.DeliverWithPassphrase {
		fmt.Fprintf(w, "%s: the package will be encrypted with a passphrase made when it is written; `custodian requests run %s` shows it once\n", r.ID, r.ID)
		return nil
	}
	fmt.Fprintf(w, "%s: the package will be encrypted to the resident's key %s\n", r.ID, r.Delivery.KeyID())
	return nil
}

func bindRequestsPassphraseSent(fs *flag.FlagSet) Run {
	channel := fs.String("channel", "", "how the passphrase went to the resident: `sms`, phone or post (never the email carrying the package)")
	return onRequest("passphrase-sent", func(ctx context.Context, env Env, b *backend, actor model.Actor, id string) error {
		return passphraseSent(ctx, b.store, actor, id, *channel, env.Stdout)
	})
}

func passphraseSent(ctx context.Context, s deliveryStore, actor model.Actor, id, channel string, w io.Writer) error {
	r, err := s.Request(ctx, actor, id)
	if err != nil {
		return err
	}
	if r, err = s.RecordPassphraseSent(ctx, actor, id, r.Version, channel); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: passphrase recorded as sent by %s (%s); complete the request with `custodian requests run %s`\n",
		r.ID, r.Delivery.Sent.Channel, r.Delivery.Sent.By, r.ID)
	return nil
}

// showPassphrase prints the passphrase a run made, the one time it exists
// outside the package.
func showPassphrase(w io.Writer, p model.StepProgress) {
	if p.Passphrase == "" {
		return
	}
	fmt.Fprintf(w, "\n  PASSPHRASE (shown once, not stored): %s\n  %s\n\n", p.Passphrase, model.CleanLine(p.Label))
}

// badFlags is a delivery command given the wrong flags: bad input
// (db.ErrInvalid), reported as is.
type badFlags string

func (e badFlags) Error() string        { return string(e) }
func (e badFlags) Is(target error) bool { return target == db.ErrInvalid }
