package model

import "errors"

// ErrConflict marks a write that lost a race: someone else changed the
// record after the caller read it. It lives in the domain so the console can
// tell a lost race (offer to re-read, keep the input) from a refusal without
// importing the controller layer; db's ConflictError matches it with errors.Is.
var ErrConflict = errors.New("changed by someone else")

// ErrPending marks a write that was not confirmed but is not lost either:
// its claim is stored and will be applied by the next outbox drain. The
// console says "pending" instead of "failed" for it (errors.Is), without
// importing the controller layer; db's PendingError wraps it.
var ErrPending = errors.New("pending")
