package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/custodian-dev/custodian/model"
)

// Sentinels for errors.Is. The concrete errors below carry the details.
var (
	// ErrNotFound is also what an out-of-scope id looks like, so that a
	// scoped operator cannot probe for other tenants' records.
	ErrNotFound = errors.New("not found")
	// ErrRefused marks a *RefusedError: the controller would not do it, and
	// the refusal is on the audit chain.
	ErrRefused = errors.New("refused")
	// ErrConflict marks a *ConflictError: someone else changed the record first.
	ErrConflict = model.ErrConflict
	// ErrExists: a create named an id that already holds different content.
	ErrExists = errors.New("already exists")
	// ErrInvalid marks bad input; nothing was written and nothing audited.
	ErrInvalid = errors.New("invalid input")
	// ErrPending marks a *PendingError: not confirmed, but will be applied.
	ErrPending = model.ErrPending
)

// RefusedError is an action refused for the actor's role, session, scope, the
// request's state or the four-eyes rule. Error() is the reason alone, worded
// for the operator (for lifecycle refusals it is model.Next's message).
type RefusedError struct {
	Actor  string
	Action string
	Target string
	Reason string
	// Err is the rule book's *model.Refusal (which wraps the lifecycle's
	// *model.TransitionError when the table refused), or the table's error.
	Err error
}

func (e *RefusedError) Error() string { return e.Reason }

func (e *RefusedError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrRefused}
	}
	return []error{ErrRefused, e.Err}
}

// ConflictError is a lost race: the record moved on since the caller read it.
// It names the winner so the operator knows whom to ask.
type ConflictError struct {
	Kind    string // "request" or "operator"
	ID      string
	By      string
	At      time.Time
	Status  model.Status // empty for records without a lifecycle
	Version int64

	now time.Time // when the conflict was seen, to decide whether the date is worth printing
}

func (e *ConflictError) Error() string {
	kind := e.Kind
	if kind == "" {
		kind = "request"
	}
	at := e.At.Local()
	when := at.Format("15:04")
	if now := e.now.Local(); e.now.IsZero() || at.YearDay() != now.YearDay() || at.Year() != now.Year() {
		when = at.Format("Jan 2 15:04")
	}
	by := e.By
	if by == "" {
		by = "someone"
	}
	state := fmt.Sprintf("version %d", e.Version)
	if e.Status != "" {
		state = e.Status.Label() + ", " + state
	}
	return fmt.Sprintf("%s %s was changed by %s at %s (now %s); reload and try again", kind, e.ID, by, when, state)
}

func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// PendingError is a write whose claim is stored but whose completion could
// not be confirmed (the server went away, a step after the claim failed).
// It is not a failure: the claim is applied by the next DrainOutbox, in this
// process or another, so the operator must not redo the change. It matches
// ErrPending (model.ErrPending) with errors.Is, and wraps the cause.
type PendingError struct {
	ClaimID string
	Err     error
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("pending: will be applied (claim %s): %v", e.ClaimID, e.Err)
}

func (e *PendingError) Unwrap() []error { return []error{ErrPending, e.Err} }

// inputError is bad input: the message is for the operator as is.
type inputError struct {
	msg string
	// cause is the rule book's *model.Refusal, when a rule refused the input.
	cause error
}

func (e *inputError) Error() string        { return e.msg }
func (e *inputError) Is(target error) bool { return target == ErrInvalid }
func (e *inputError) Unwrap() error        { return e.cause }

func invalidf(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

// isDup reports a duplicate-key error. FerretDB's message does not name the
// index, so callers must not rely on telling _id from other unique keys.
func isDup(err error) bool { return mongo.IsDuplicateKeyError(err) }

// notFound wraps ErrNotFound with what was looked for.
func notFound(kind, id string) error { return fmt.Errorf("%s %s: %w", kind, id, ErrNotFound) }

// IsTransient reports an error that says the database could not be reached
// or stopped answering mid-call (the service restarting), not that it
// refused the call: the same call may succeed once it answers again.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var ce *ConnectError
	return mongo.IsNetworkError(err) || mongo.IsTimeout(err) || errors.As(err, &ce)
}
