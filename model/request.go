package model

import "time"

// RequestType is what the requester asks for.
type RequestType string

const (
	TypeAccess        RequestType = "access"         // right to know: a copy of PI from the previous 12 months
	TypeDeletion      RequestType = "deletion"       // delete PI
	TypeRectification RequestType = "rectification"  // correct PI
	TypeOptOut        RequestType = "opt_out"        // unsubscribe from marketing email
	TypeChildDeletion RequestType = "child_deletion" // delete data a child under 14 provided, expedited
)

// RequestTypes lists every type in display order.
func RequestTypes() []RequestType {
	return []RequestType{TypeAccess, TypeDeletion, TypeRectification, TypeOptOut, TypeChildDeletion}
}

// Label is the short human name shown in tables.
func (t RequestType) Label() string {
	switch t {
	case TypeAccess:
		return "access"
	case TypeDeletion:
		return "deletion"
	case TypeRectification:
		return "correction"
	case TypeOptOut:
		return "opt-out"
	case TypeChildDeletion:
		return "child deletion"
	}
	return string(t)
}

// Channel is how a request arrived.
type Channel string

const (
	ChannelWeb   Channel = "web"
	ChannelEmail Channel = "email"
	ChannelPhone Channel = "phone"
	ChannelMail  Channel = "mail"
)

// Channels lists every channel.
func Channels() []Channel { return []Channel{ChannelWeb, ChannelEmail, ChannelPhone, ChannelMail} }

// Person is a requester or agent as they identified themselves.
type Person struct {
	Name  string `bson:"name" json:"name"`
	Email string `bson:"email,omitempty" json:"email,omitempty"`
	Phone string `bson:"phone,omitempty" json:"phone,omitempty"`
}

// Agent is an authorized agent acting for the subject (§7063).
type Agent struct {
	Person `bson:",inline"`
	// Organization is set when the agent is a business rather than a person.
	Organization string `bson:"organization,omitempty" json:"organization,omitempty"`
	// PermissionEvidence references the subject's signed permission, e.g. "signed letter 2026-10-02, file ref 1187".
	PermissionEvidence string `bson:"permission_evidence" json:"permission_evidence"`
}

// VerificationLevel is the degree of certainty reached (§7062).
type VerificationLevel string

const (
	LevelNone       VerificationLevel = ""
	LevelReasonable VerificationLevel = "reasonable" // two data points matched
	LevelHigh       VerificationLevel = "high"       // three data points plus a signed declaration
)

// Verification records how identity was established.
type Verification struct {
	Method       string            `bson:"method" json:"method"` // e.g. "data points", "account re-authentication"
	DataPoints   []string          `bson:"data_points" json:"data_points"`
	Level        VerificationLevel `bson:"level" json:"level"`
	SignedDecl   bool              `bson:"signed_declaration" json:"signed_declaration"`
	AgentChecked bool              `bson:"agent_verified" json:"agent_verified"`
	By           string            `bson:"by" json:"by"`
	At           time.Time         `bson:"at" json:"at"`
}

// DecisionOutcome is the Customer's answer.
type DecisionOutcome string

const (
	DecisionApproved DecisionOutcome = "approved"
	DecisionDenied   DecisionOutcome = "denied"
)

// Decision is the data-owning Customer's approval or denial, as recorded by a lead.
type Decision struct {
	Outcome    DecisionOutcome `bson:"outcome" json:"outcome"`
	Approver   string          `bson:"approver" json:"approver"` // who at the Customer decided
	Method     string          `bson:"method" json:"method"`     // email, ticket, signed letter
	Evidence   string          `bson:"evidence" json:"evidence"` // reference to the evidence
	DecidedAt  time.Time       `bson:"decided_at" json:"decided_at"`
	Reason     string          `bson:"reason,omitempty" json:"reason,omitempty"`
	RecordedBy string          `bson:"recorded_by" json:"recorded_by"`
	RecordedAt time.Time       `bson:"recorded_at" json:"recorded_at"`
}

// Note is free text an operator attached to a request.
type Note struct {
	By   string    `bson:"by" json:"by"`
	At   time.Time `bson:"at" json:"at"`
	Text string    `bson:"text" json:"text"`
}

// Flag is a condition that needs attention, with the reason it was raised.
type Flag struct {
	Kind   FlagKind `bson:"kind" json:"kind"`
	Reason string   `bson:"reason" json:"reason"`
}

// FlagKind names a flag.
type FlagKind string

const (
	FlagOverLimit  FlagKind = "over_limit" // over two requests to know in 12 months
	FlagRepetitive FlagKind = "repetitive"
	FlagChild      FlagKind = "child"
	FlagAgent      FlagKind = "agent"
	FlagExempt     FlagKind = "exempt" // categories kept under open-records/retention law or a legal hold
	// FlagAgeCheck marks a child deletion whose subject is known to be 14
	// or older on receipt: a lead decides, it is not expedited.
	FlagAgeCheck FlagKind = "age_check"
)

// Short is the compact label used in the queue's flags column.
func (k FlagKind) Short() string {
	switch k {
	case FlagOverLimit:
		return "LIMIT"
	case FlagRepetitive:
		return "REPEAT"
	case FlagChild:
		return "CHILD"
	case FlagAgent:
		return "AGENT"
	case FlagExempt:
		return "EXEMPT"
	case FlagAgeCheck:
		return "AGE?"
	}
	return string(k)
}

// Event is one entry in a request's own timeline. The audit chain holds the
// tamper-evident copy; this one is for reading the request's story quickly.
type Event struct {
	ID     string    `bson:"id" json:"id"`
	At     time.Time `bson:"at" json:"at"`
	Actor  string    `bson:"actor" json:"actor"`
	Role   Role      `bson:"role" json:"role"`
	Action Action    `bson:"action" json:"action"`
	From   Status    `bson:"from" json:"from"`
	To     Status    `bson:"to" json:"to"`
	Reason string    `bson:"reason,omitempty" json:"reason,omitempty"`
}

// Request is one privacy request and everything recorded about it.
type Request struct {
	ID          string `bson:"_id" json:"id"`
	ExternalRef string `bson:"external_ref,omitempty" json:"external_ref,omitempty"`
	TenantID    string `bson:"tenant_id" json:"tenant_id"`
	SubjectID   string `bson:"subject_id,omitempty" json:"subject_id,omitempty"`
	// SubjectLabel is the subject's name already masked (SubjectLabelFor),
	// stored so the queue shows who a request is about without reading the
	// subjects collection; it never holds the unmasked name.
	SubjectLabel string      `bson:"subject_label,omitempty" json:"subject_label,omitempty"`
	Type         RequestType `bson:"type" json:"type"`
	Channel      Channel     `bson:"channel" json:"channel"`
	Status       Status      `bson:"status" json:"status"`
	ReceivedAt   time.Time   `bson:"received_at" json:"received_at"`
	Requester    Person      `bson:"requester" json:"requester"`
	Agent        *Agent      `bson:"agent,omitempty" json:"agent,omitempty"`
	// ResidencyState of the subject as stated or known; "CA" triggers the two-per-12-months rule.
	ResidencyState string `bson:"residency_state" json:"residency_state"`
	// ResidencyFrom says where ResidencyState came from (ResidencyStated,
	// ResidencySubject, ResidencyTenant); empty on requests logged before
	// it was recorded.
	ResidencyFrom string `bson:"residency_from,omitempty" json:"residency_from,omitempty"`
	// AccessScope is what a request to know asks for, chosen at intake.
	AccessScope AccessScope `bson:"access_scope,omitempty" json:"access_scope,omitempty"`
	// Fields a correction asks to change, with the requested values.
	Corrections map[string]string `bson:"corrections,omitempty" json:"corrections,omitempty"`

	LoggedBy       string        `bson:"logged_by" json:"logged_by"`
	AssignedTo     string        `bson:"assigned_to,omitempty" json:"assigned_to,omitempty"`
	AcknowledgedAt *time.Time    `bson:"acknowledged_at,omitempty" json:"acknowledged_at,omitempty"`
	Verification   *Verification `bson:"verification,omitempty" json:"verification,omitempty"`
	Decision       *Decision     `bson:"decision,omitempty" json:"decision,omitempty"`
	// PriorDecisions are the recorded decisions a lead corrected, oldest first.
	PriorDecisions []Decision `bson:"prior_decisions,omitempty" json:"prior_decisions,omitempty"`
	// Fee is a fee quoted for a baseless, repetitive or excessive request.
	Fee           *Fee       `bson:"fee,omitempty" json:"fee,omitempty"`
	Extension     *Extension `bson:"extension,omitempty" json:"extension,omitempty"`
	InfoRequested string     `bson:"info_requested,omitempty" json:"info_requested,omitempty"`
	DenialReason  string     `bson:"denial_reason,omitempty" json:"denial_reason,omitempty"`
	RespondedAt   *time.Time `bson:"responded_at,omitempty" json:"responded_at,omitempty"`
	// ClosedOn is when the request was completed, denied or withdrawn.
	ClosedOn      *time.Time `bson:"closed_at,omitempty" json:"closed_at,omitempty"`
	Outcome       string     `bson:"outcome,omitempty" json:"outcome,omitempty"`
	FailureReason string     `bson:"failure_reason,omitempty" json:"failure_reason,omitempty"`
	// FailedAt and FailedStep say when the last run failed and at which
	// step of the plan (FailedStep); cleared with the reason on a retry.
	FailedAt   *time.Time `bson:"failed_at,omitempty" json:"failed_at,omitempty"`
	FailedStep string     `bson:"failed_step,omitempty" json:"failed_step,omitempty"`
	Flags      []Flag     `bson:"flags" json:"flags"`
	Notes      []Note     `bson:"notes" json:"notes"`
	// Reminders are the chasers sent to the Customer's approvers while the
	// request waited on its decision.
	Reminders []Reminder `bson:"reminders,omitempty" json:"reminders,omitempty"`
	History   []Event    `bson:"history" json:"history"`

	// Fulfilment.
	// Plan is the current fulfilment plan, its sign-off and step progress:
	// the in-memory view the controller fills when it reads one request.
	// The plan itself is stored apart from the request (PlanRef points at
	// it), so a request write stays small however large the plan, and
	// lists never carry plans.
	Plan *Plan `bson:"-" json:"plan,omitempty"`
	// PlanRef is what the stored request holds of its plan: which plan,
	// its sign-off and each step's progress.
	PlanRef *PlanRef `bson:"plan_ref,omitempty" json:"-"`
	// LegacyPlan is a plan stored inside the request by earlier versions;
	// it is read when there is no PlanRef and moved out on the next write.
	LegacyPlan *Plan `bson:"plan,omitempty" json:"-"`
	// Export is the access package written for an access request.
	Export *AccessExport `bson:"export,omitempty" json:"export,omitempty"`
	// Delivery is how the access package is encrypted for the resident and
	// the record of its second channel (accessdelivery.go).
	Delivery *AccessDelivery `bson:"delivery,omitempty" json:"delivery,omitempty"`
	// Withheld is what the response did not delete or disclose, and why
	// (the 24-month record keeps it with the outcome).
	Withheld []Withheld `bson:"withheld,omitempty" json:"withheld,omitempty"`
	// DenialBasis is why a denied request was denied (DenialBasisOf), as
	// the controller reads it for a §7101 record it hands out without the
	// history it comes from; never stored.
	DenialBasis DenialBasis `bson:"-" json:"-"`
	// Disclosures are a privacy lead's decisions to disclose fields holding
	// another person's data in an access response, oldest first.
	Disclosures []Disclosure `bson:"disclosures,omitempty" json:"disclosures,omitempty"`
	// ProcessorNotices are the notices a deletion or correction sent to
	// sub-processors, each with its confirmation or exception: the request
	// completes only when every one is settled (processors.go).
	ProcessorNotices []ProcessorNotice `bson:"processor_notices,omitempty" json:"processor_notices,omitempty"`
	// WaitingProcessors is WaitingOnProcessors as of the last write of the
	// plan's progress or the notices, stored so the queue's slim row can
	// say "waiting on processors" without the plan.
	WaitingProcessors bool `bson:"waiting_processors,omitempty" json:"waiting_processors,omitempty"`

	// DueAt is the earliest applicable deadline, stored so the queue can be
	// sorted by an index; it is recomputed on every change.
	DueAt time.Time `bson:"due_at" json:"due_at"`
	// UpdatedBy/UpdatedAt name the last writer so a lost race can say who won.
	UpdatedBy string    `bson:"updated_by" json:"updated_by"`
	UpdatedAt time.Time `bson:"updated_at" json:"updated_at"`
	Version   int64     `bson:"version" json:"version"`
}

// Extension records the single permitted extension of the legal deadline.
type Extension struct {
	By     string    `bson:"by" json:"by"`
	At     time.Time `bson:"at" json:"at"`
	Reason string    `bson:"reason" json:"reason"`
	// NoticeSent is when the requester was told of the extension and why.
	NoticeSent time.Time `bson:"notice_sent" json:"notice_sent"`
}

// Reminder records who chased which of the Customer's approver contacts for
// a decision, and when.
type Reminder struct {
	By string    `bson:"by" json:"by"`
	At time.Time `bson:"at" json:"at"`
	// To is the approver contact's name as listed on the tenant.
	To string `bson:"to" json:"to"`
}

// AwaitingSince is when the request last entered awaiting_approval, from its
// history; ok is false when it is not waiting on the Customer.
func (r Request) AwaitingSince() (time.Time, bool) {
	if r.Status != StatusAwaitingApproval {
		return time.Time{}, false
	}
	for i := len(r.History) - 1; i >= 0; i-- {
		if e := r.History[i]; e.To == StatusAwaitingApproval && e.From != StatusAwaitingApproval {
			return e.At, true
		}
	}
	return time.Time{}, false
}

// LastReminder is the most recent reminder, if any was sent.
func (r Request) LastReminder() (Reminder, bool) {
	if len(r.Reminders) == 0 {
		return Reminder{}, false
	}
	last := r.Reminders[0]
	for _, x := range r.Reminders[1:] {
		if !x.At.Before(last.At) {
			last = x
		}
	}
	return last, true
}

// HasFlag reports whether the request carries a flag of kind k.
func (r Request) HasFlag(k FlagKind) bool {
	for _, f := range r.Flags {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// ApprovedAt is when the Customer approved, if it did.
func (r Request) ApprovedAt() (time.Time, bool) {
	if r.Decision != nil && r.Decision.Outcome == DecisionApproved {
		return r.Decision.DecidedAt, true
	}
	return time.Time{}, false
}

// QueueFilter selects requests for the queue. Paging is keyset on (DueAt, ID):
// a page starts strictly after (AfterDue, AfterID).
type QueueFilter struct {
	TenantID string   // empty: every tenant in the actor's scope
	Statuses []Status // empty: OpenStatuses()
	Limit    int      // 0: the controller's default page size
	AfterDue time.Time
	AfterID  string
}

// SubjectLabelFor is the masked display label stored in Request.SubjectLabel.
func SubjectLabelFor(name string) string { return Mask(KindName, CleanLine(name)) }
