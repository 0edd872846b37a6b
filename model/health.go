package model

import (
	"fmt"
	"time"
)

// Health is the on-call view of one database: what it is, how fast it
// answers, what is stuck in flight, what failed, whether the audit chain
// last verified, and who is connected. The console's :health pane,
// `custodian health` and `ssh … health` all render this one value, so the
// doors cannot disagree.
type Health struct {
	// At is when the report was taken (the controller's clock).
	At time.Time `json:"at"`
	// Kind is the server: "embedded FerretDB (SQLite)", "FerretDB",
	// "MongoDB replica set rs0", …; Version its version string.
	Kind    string `json:"kind"`
	Version string `json:"version"`
	// RoundTrip is one ping, timed.
	RoundTrip time.Duration `json:"round_trip_ns"`
	// Claims are writes in flight (each claim is also the outbox of its
	// audit events): pending, and when the oldest was made. A claim much
	// older than a write takes is one a crash left for DrainOutbox.
	ClaimsPending int        `json:"claims_pending"`
	OldestClaim   *time.Time `json:"oldest_claim,omitempty"`
	// Failed lists the failed requests in scope, newest first.
	Failed []Failure `json:"failed"`
	// Verify is the last `audit verify` outcome recorded; nil: never run.
	Verify *VerifyRecord `json:"last_verify,omitempty"`
	// CheckpointAt is the time of the newest signed audit checkpoint; nil
	// when this process has no checkpoint file configured or it is empty.
	CheckpointAt  *time.Time `json:"checkpoint_at,omitempty"`
	CheckpointSeq int64      `json:"checkpoint_seq,omitempty"`
	// Sessions are the console sessions the `serve` processes reported as
	// open, summed; SessionReports is how many processes reported.
	Sessions       int            `json:"sessions_open"`
	SessionReports []SessionCount `json:"session_reports,omitempty"`
	// Letters is the outbox: failed deliveries and messages stuck sending.
	Letters LetterHealth `json:"letters"`
}

// VerifyRecord is what is kept of the last audit verification.
type VerifyRecord struct {
	At     time.Time `json:"at"`
	OK     bool      `json:"ok"`
	Events int64     `json:"events"`
	Line   string    `json:"line"`
}

// SessionCount is one `serve` process's report of its open sessions.
type SessionCount struct {
	Server string    `json:"server"`
	Open   int       `json:"open"`
	At     time.Time `json:"at"`
}

// Age is how long before h.At the time t was; zero for nil.
func (h Health) Age(t *time.Time) time.Duration {
	if t == nil {
		return 0
	}
	return h.At.Sub(*t)
}

// HumanAge writes a duration the way on-call reads it: "45s", "12m", "3h
// 20m", "4d 2h". Rounded down: a claim 59 s old is not yet "1m".
func HumanAge(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd %dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}
