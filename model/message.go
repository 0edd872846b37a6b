package model

import "time"

// Message statuses. A message is claimed (sending) before any attempt to
// deliver it, so two workers never both send it; one left "sending" by a
// crash is not retried by itself (it may have gone out) and shows as such.
const (
	MsgQueued  = "queued"
	MsgSending = "sending"
	MsgSent    = "sent"
	MsgFailed  = "failed"
)

// StuckSendingAfter is how long a message may stay "sending" before the
// health view calls it stuck: a delivery takes seconds, so one claimed
// this long ago was left by a worker that crashed mid-send, and a person
// must find out whether it went out before it is sent again.
const StuckSendingAfter = 10 * time.Minute

// Message is one letter, stored with the bytes that are (or were) sent.
// It lives here, not in the controller, so the console can list a
// request's letters through an interface declared in model types.
type Message struct {
	// ID is also the idempotency key: derived from the request, the kind
	// and the rendered letter, so queuing the same letter twice finds the
	// first one instead of sending a second.
	ID        string     `bson:"_id" json:"id"`
	RequestID string     `bson:"request_id" json:"request_id"`
	TenantID  string     `bson:"tenant_id" json:"tenant_id"`
	Kind      LetterKind `bson:"kind" json:"kind"`
	To        Recipient  `bson:"to" json:"to"`
	Subject   string     `bson:"subject" json:"subject"`
	SHA256    string     `bson:"sha256" json:"sha256"`
	Raw       []byte     `bson:"raw" json:"-"`
	Status    string     `bson:"status" json:"status"`
	Attempts  int        `bson:"attempts" json:"attempts"`
	LastError string     `bson:"last_error,omitempty" json:"last_error,omitempty"`
	NextAt    time.Time  `bson:"next_at" json:"next_at"`
	CreatedBy string     `bson:"created_by" json:"created_by"`
	CreatedAt time.Time  `bson:"created_at" json:"created_at"`
	SentAt    *time.Time `bson:"sent_at,omitempty" json:"sent_at,omitempty"`
	// ClaimedAt is when a worker last claimed it for sending: a message
	// "sending" since long ago (StuckSendingAfter) was left by a crash.
	ClaimedAt *time.Time `bson:"claimed_at,omitempty" json:"claimed_at,omitempty"`
	Version   int64      `bson:"version" json:"version"`
}

// LetterHealth is the outbox as on-call sees it: deliveries that gave up
// (failed, for a person to look at) and messages claimed for sending long
// ago (StuckSendingAfter) that may or may not have gone out.
type LetterHealth struct {
	Failed       int        `json:"failed"`
	OldestFailed *time.Time `json:"oldest_failed,omitempty"`
	Stuck        int        `json:"stuck_sending"`
}
