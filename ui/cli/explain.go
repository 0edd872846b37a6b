package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// CommandFor is the shell command that takes action a on request id: how
// the CLI phrases a refusal's remedy (the console names its bound key).
// It is empty for an action no command takes on its own.
func CommandFor(a model.Action, id string) string {
	id = model.CleanLine(id)
	if id == "" {
		id = "ID"
	}
	switch a {
	case model.ActPlan:
		return "custodian requests plan " + id + " --new"
	case model.ActSignOff:
		return "custodian requests sign-off " + id + " --digest HEX"
	case model.ActStartFulfilment, model.ActRetry, model.ActFulfilStep, model.ActComplete:
		return "custodian requests run " + id
	}
	for _, v := range Verbs() {
		if v.Action == a {
			cmd := "custodian requests " + v.Name + " " + id
			if v.Arg != "" {
				cmd += " " + v.Arg
			}
			return cmd
		}
	}
	return ""
}

// Explain is a requests command's error as a shell user reads it: what
// went wrong, then what to run or type to get past it — the refusal's
// remedy as a command, the verb's flags for input it refused, another
// operator for a role it lacks.
func Explain(err error, id string) string {
	msg := model.CleanLine(err.Error())
	var ref *model.Refusal
	var ae *actError
	switch {
	case errors.As(err, &ref) && ref.Remedy != "":
		if cmd := CommandFor(ref.Remedy, id); cmd != "" {
			msg += "; run: " + cmd
			if ref.Remedy == model.ActSignOff {
				msg += " (custodian requests plan " + orID(id) + " shows the digest)"
			}
		}
	case isRoleRefusal(err):
		msg += " (act as an operator who may, with --operator HANDLE)"
	case errors.Is(err, model.ErrPending):
		msg += " (not lost: do not repeat it; the next custodian command or a running console applies it once 30 s old, and custodian db doctor lists it until then)"
	case errors.Is(err, db.ErrNotFound):
		msg += " (custodian requests list --status all shows the ids you can see)"
	case errors.As(err, &ae) && (errorIsInput(err) || errors.Is(err, db.ErrInvalid)):
		msg += " (usage: " + ae.verb.Synopsis() + ")"
		if ae.verb.Action == model.ActRemind && len(ae.tenant.Approvers) > 0 {
			names := make([]string, len(ae.tenant.Approvers))
			for i, c := range ae.tenant.Approvers {
				names[i] = fmt.Sprintf("%q", model.CleanLine(c.Name))
			}
			msg += "; " + model.CleanLine(ae.tenant.ID) + "'s approver contacts: " + strings.Join(names, ", ")
		}
	}
	return msg
}

func orID(id string) string {
	if id = model.CleanLine(id); id == "" {
		return "ID"
	}
	return id
}

// isRoleRefusal reports a refusal of who the operator is — its role, or
// four eyes — which another operator could get past (a refusal of the
// request's state could not).
func isRoleRefusal(err error) bool {
	var ref *model.Refusal
	if errors.As(err, &ref) {
		return ref.Rule == "lifecycle.role" || strings.Contains(ref.Rule, "four_eyes")
	}
	var te *model.TransitionError
	if errors.As(err, &te) {
		t, ok := model.TransitionFor(te.Action)
		return ok && !te.Role.Can(t.Perm)
	}
	return false
}

// UsersToFix reports whether err is for the operator to fix — bad input, a
// refusal, an unknown id — rather than a failure (exit 2, not 1).
func UsersToFix(err error) bool {
	var ref *model.Refusal
	return errors.As(err, &ref) || IsInputError(err) ||
		errors.Is(err, db.ErrRefused) || errors.Is(err, db.ErrNotFound) || errors.Is(err, db.ErrInvalid)
}
