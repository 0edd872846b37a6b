package model

import "errors"

// ErrConflict marks a write that lost a race: someone else changed the
// record after the caller read it. It lives in the domain so the console can
// tell a lost race (offer to re-read, keep the input) from a refusal without
// importing the controller layer; db's ConflictError matches it with errors.Is.
var ErrConflict = errors.New("changed by someone else")
