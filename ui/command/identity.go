package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"runtime"
	"strconv"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// localHandle decides which operator a command run on this machine acts
// as. The OS account running it is the identity: the operator registered
// to it (operators add --os-user). --operator picks anyone, so it is only
// for the demo database, whose operators are fictional; elsewhere it would
// let one person type two names and be both sides of a four-eyes check.
// On the demo, an account registered to nobody gets the demo's local admin
// (named after the account), as the seed made it.
func localHandle(ctx context.Context, store *db.Store, flagHandle string) (string, error) {
	isDemo, err := store.IsDemo(ctx)
	if err != nil {
		return "", err
	}
	osUser, accountErr := OSAccount()
	if flagHandle != "" {
		if isDemo {
			return flagHandle, nil
		}
		if accountErr != nil {
			return "", &operatorFlagError{msg: fmt.Sprintf("--operator is only for the demo database, and on this one the OS account running custodian decides, but %v", accountErr)}
		}
		mine := "no operator is registered to it yet (an admin runs `custodian operators set-os-user HANDLE " + model.CleanLine(osUser) + "`)"
		if op, err := store.OperatorByOSUser(ctx, osUser); err == nil {
			mine = op.Handle
		} else if !errors.Is(err, db.ErrNotFound) {
			return "", err
		}
		return "", &operatorFlagError{msg: fmt.Sprintf("--operator is only for the demo database; on this database you are the operator registered to OS user %s: %s. Run the command without --operator",
			model.CleanLine(osUser), mine)}
	}
	if accountErr != nil {
		if !isDemo {
			return "", &operatorFlagError{msg: fmt.Sprintf("cannot tell who you are: %v", accountErr)}
		}
		osUser = LocalUser()
	} else {
		op, err := store.OperatorByOSUser(ctx, osUser)
		if err == nil {
			return op.Handle, nil
		}
		if !errors.Is(err, db.ErrNotFound) {
			return "", err
		}
	}
	if isDemo {
		h, err := demo.LocalHandle(osUser)
		if err != nil {
			return "", &operatorFlagError{msg: fmt.Sprintf("%v (choose a demo operator with --operator)", err)}
		}
		return h, nil
	}
	return "", &operatorFlagError{msg: fmt.Sprintf("no operator is registered to OS user %s: ask an admin to run `custodian operators set-os-user HANDLE %s` (or `operators add HANDLE --role ROLE --os-user %s`)",
		model.CleanLine(osUser), model.CleanLine(osUser), model.CleanLine(osUser))}
}

// operatorFlagError is a refusal to act as someone: the user's to fix (exit 2).
type operatorFlagError struct{ msg string }

func (e *operatorFlagError) Error() string { return e.msg }

// resolveActor finds the registered operator the console acts as.
func resolveActor(ctx context.Context, store *db.Store, flagHandle string, stderr io.Writer) (model.Actor, int) {
	handle, err := localHandle(ctx, store, flagHandle)
	if err != nil {
		fmt.Fprintf(stderr, "custodian: %v\n", err)
		var ofe *operatorFlagError
		if errors.As(err, &ofe) {
			return model.Actor{}, ExitBadInput
		}
		return model.Actor{}, ExitFailed
	}
	op, err := store.Operator(ctx, handle)
	if errors.Is(err, db.ErrNotFound) {
		fmt.Fprintf(stderr, "custodian: no registered operator %q: choose one with --operator, or on an empty database run `custodian seed` for the demo operators\n", model.CleanLine(handle))
		return model.Actor{}, ExitBadInput
	}
	if err != nil {
		fmt.Fprintf(stderr, "custodian: operator %q: %v\n", handle, err)
		return model.Actor{}, ExitFailed
	}
	if op.Disabled {
		fmt.Fprintf(stderr, "custodian: operator %q is disabled; ask an admin to enable it\n", handle)
		return model.Actor{}, ExitBadInput
	}
	return model.Actor{Operator: op, Origin: "local"}, 0
}

// OSAccount is the name of the OS account running this process, as the
// system's user database has it: the identity of a local operator. Without
// cgo, os/user.Current falls back to $USER when the database has no entry
// for our uid, and an environment variable anyone can set is no identity,
// so the name must look up to our own uid.
func OSAccount() (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", fmt.Errorf("the OS account running custodian cannot be looked up: %w", err)
	}
	byName, err := user.Lookup(u.Username)
	sameUID := err == nil && byName.Uid == u.Uid && (runtime.GOOS == "windows" || u.Uid == strconv.Itoa(os.Getuid()))
	if !sameUID {
		return "", fmt.Errorf("the system's user database has no account for uid %d (so $USER cannot be trusted); add one, or use SSH", os.Getuid())
	}
	return u.Username, nil
}

// LocalUser is the name of the OS user running custodian, for what only
// names it (the demo's local admin), never for who may act: see OSAccount.
func LocalUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}
