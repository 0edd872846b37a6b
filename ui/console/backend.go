// Package console is custodian's full-screen console: an app shell (header,
// pane tabs, status line, help, command palette) around a list of panes.
// It reads and writes only through Backend, declared here in model types,
// so it may import model, keymap, ui/lookup and ui/records, and never db,
// the MongoDB driver, ui/cli, ui/opcli or ui/sshd.
package console

import (
	"context"
	"time"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/records"
)

// Backend is everything the console reads and writes: the union of the
// roles below, one per concern, so a reader finds a pane's calls in one
// small interface and *db.Store satisfies all of them (ui/sshd asserts it
// at compile time).
//
// Tests run against in-memory fakes, one per role (fake_test.go composes
// them into fakeBackend for tests that drive the whole console). The rule:
// a new backend call goes into exactly one role, is implemented by the
// store, and by that role's fake only; a new role gets its own fake and one
// line in fakeBackend. A test that needs one role uses that role's fake.
type Backend interface {
	Requests
	Actions
	Approvals
	Directory
	AuditTrail
	Records
	Fulfilment
	OnCall
	Reports
	OperatorAdmin
	TenantAdmin
	Letters
}

// Live is the live screens' poll (live.go): a change marker read every
// few seconds, what changed since it, and the session's own operator as it
// stands now. A backend without it (the test fakes) gets no live refresh;
// *db.Store has it (ui/sshd asserts that at compile time).
type Live interface {
	// Changes reads the change marker: one read by _id.
	Changes(ctx context.Context) (model.ChangeMarker, error)
	// ChangesSince lists the changes after seq in the actor's scope, oldest
	// first, at most limit; next is where to ask from next time, more
	// that some were left unread.
	ChangesSince(ctx context.Context, actor model.Actor, seq int64, limit int) (changes []model.Change, next int64, more bool, err error)
	// CurrentActor is actor with its operator record as stored now (a
	// record that is gone reads as disabled).
	CurrentActor(ctx context.Context, actor model.Actor) (model.Actor, error)
}

// Requests is what the queue and a request's detail read: the tenants in
// scope, the open queue page by page, one request, and its subjects.
type Requests interface {
	// Tenants returns the tenants in the actor's scope.
	Tenants(ctx context.Context, actor model.Actor) ([]model.Tenant, error)
	// Queue returns open requests sorted by DueAt then ID, starting strictly
	// after (f.AfterDue, f.AfterID) and at most f.Limit of them.
	Queue(ctx context.Context, actor model.Actor, f model.QueueFilter) ([]model.Request, error)
	// Request returns one request with everything recorded about it.
	Request(ctx context.Context, actor model.Actor, id string) (model.Request, error)
	// Subjects returns the subjects with the given ids; unknown ids are absent.
	Subjects(ctx context.Context, actor model.Actor, ids []string) (map[string]model.Subject, error)
	// Subject returns one subject.
	Subject(ctx context.Context, actor model.Actor, id string) (model.Subject, error)
}

// Actions is the writes of the request actions (the lifecycle's actions
// and logging a new request) and what their forms read to offer choices.
type Actions interface {
	// Apply performs action a on request id as read at version; edit (may
	// be nil) records the action's details on a copy. The controller checks
	// scope, role, version, lifecycle and four eyes, and writes once.
	Apply(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string, edit func(*model.Request) error) (model.Request, error)
	// CreateRequest logs a new request under the client-chosen r.ID.
	CreateRequest(ctx context.Context, actor model.Actor, r model.Request) (model.Request, error)
	// Operators lists every operator (to assign requests to).
	Operators(ctx context.Context, actor model.Actor) ([]model.Operator, error)
	// MatchSubjects returns the tenant's subjects a person may be.
	MatchSubjects(ctx context.Context, actor model.Actor, tenantID string, p model.Person) ([]model.Subject, error)
	// KnowLimit evaluates the two-requests-to-know per 12 months rule for a
	// logged request, listing the earlier requests it counts.
	KnowLimit(ctx context.Context, actor model.Actor, requestID string) (model.LimitResult, error)
}

// Approvals is what the approvals pane reads; its decisions are written
// through Actions.Apply like every other action.
type Approvals interface {
	// Approvals lists the requests waiting on their Customer's decision,
	// with history and reminders; tenantID "" is every tenant in scope.
	Approvals(ctx context.Context, actor model.Actor, tenantID string) ([]model.Request, error)
}

// Directory is the subject lookup: the searchable directory of subjects,
// and one subject's records and requests, masked unless revealed.
type Directory interface {
	// SubjectDirectory streams a scope's subjects (tenantID "" is every
	// tenant in scope; a non-zero changedSince only those written since)
	// to batch, reporting progress (total -1 when unknown).
	SubjectDirectory(ctx context.Context, actor model.Actor, tenantID string, changedSince time.Time, batch func([]model.Subject) error, progress func(done, total int)) error
	// OpenRequestCounts counts each subject's open requests in a scope.
	OpenRequestCounts(ctx context.Context, actor model.Actor, tenantID string) (map[string]int, error)
	// SubjectRecords reads a subject's records through the data map, masked.
	SubjectRecords(ctx context.Context, actor model.Actor, subjectID string) ([]model.PIRecord, error)
	// SubjectRequests returns a subject's requests, newest first.
	SubjectRequests(ctx context.Context, actor model.Actor, subjectID string) ([]model.Request, error)
	// RevealField returns one unmasked value to a privacy lead who gives a
	// reason; the reveal (or its refusal) is an audit event.
	RevealField(ctx context.Context, actor model.Actor, subjectID string, ref model.FieldRef, reason string) (string, error)
}

// AuditTrail is the audit pane's reading and checking of the audit chain.
type AuditTrail interface {
	// AuditHistory returns up to limit audit entries matching f with seq
	// below beforeSeq (0: the newest), newest first; page on with the last
	// entry's Seq.
	AuditHistory(ctx context.Context, actor model.Actor, f model.AuditFilter, beforeSeq int64, limit int) (model.AuditPage, error)
	// VerifyAudit walks the whole chain; progress (may be nil) hears how far.
	VerifyAudit(ctx context.Context, progress func(done, total int64)) (model.VerifyResult, error)
}

// Records is the auditors' §7101 export, the shape ui/records writes from
// (the CLI's export uses the same writer).
type Records interface {
	records.RecordSource
}

// Fulfilment is planning, signing off and running a request's fulfilment.
type Fulfilment interface {
	// PlanFulfilment computes the plan for an approved (or failed) request read
	// at version and stores it on the request (replacing an unsigned or stale one).
	PlanFulfilment(ctx context.Context, actor model.Actor, id string, version int64) (model.Request, error)
	// SignOffPlan records a second privacy lead's sign-off of the plan with digest.
	SignOffPlan(ctx context.Context, actor model.Actor, id string, version int64, digest string) (model.Request, error)
	// RunFulfilment starts (approved) or resumes (fulfilling) the signed plan,
	// reporting progress; it returns the request as the run left it. A failed
	// request must be retried (Apply ActRetry) first.
	RunFulfilment(ctx context.Context, actor model.Actor, id string, progress func(model.StepProgress)) (model.Request, error)
}

// OnCall is the on-call view: the :health and :failed panes. The
// controller decides who may see it (engineers, leads, admins).
type OnCall interface {
	// Health reports the database, claims in flight, failures, the last
	// audit verification and the open sessions.
	Health(ctx context.Context, actor model.Actor) (model.Health, error)
	// Failed lists the failed requests in scope, newest failure first.
	Failed(ctx context.Context, actor model.Actor) ([]model.Failure, error)
}

// Reports is the metrics pane's reading: a year's request metrics.
type Reports interface {
	// RequestMetrics computes the 11 CCR §7102 metrics of the requests
	// received in year (each tenant's own year), of tenantID or, "", of
	// every tenant in scope. Leads and admins only.
	RequestMetrics(ctx context.Context, actor model.Actor, year int, tenantID string) (model.Metrics, error)
}

// OperatorAdmin is the operators pane's one write; it lists operators
// through Actions.Operators, like the assign form.
type OperatorAdmin interface {
	// PutOperator creates (Version 0) or replaces (the Version read) an
	// operator: admins only, checked, keys parsed, and audited — the same
	// call `custodian operators` makes.
	PutOperator(ctx context.Context, actor model.Actor, op model.Operator) error
}

// TenantAdmin is the tenants pane's writes; it lists tenants through
// Requests.Tenants. They are the calls `custodian tenants add|edit` make:
// admins only, validated by model.Tenant.Validate, version-checked and
// audited by the controller. Each returns the names of the fields that
// changed (none: nothing was written).
type TenantAdmin interface {
	// AddTenant creates a tenant whose id is new.
	AddTenant(ctx context.Context, actor model.Actor, t model.Tenant) ([]string, error)
	// EditTenant replaces a tenant; t.Version is the version read.
	EditTenant(ctx context.Context, actor model.Actor, t model.Tenant) ([]string, error)
}

// Letters is the correspondence of a request: a letter previewed as the
// operator's role must see it, drafted unmasked for editing (only for those
// who may see personal data), queued for the outbox as rendered or as
// edited, and the letters already queued. The controller renders every
// letter from the record and checks who may send which kind.
type Letters interface {
	// PreviewLetter renders the letter of kind k for request id, masked.
	PreviewLetter(ctx context.Context, actor model.Actor, id string, k model.LetterKind) (model.Letter, error)
	// DraftLetter is the same letter unmasked, for a person who may see
	// personal data; anyone else is refused (and the refusal audited).
	DraftLetter(ctx context.Context, actor model.Actor, id string, k model.LetterKind) (model.Letter, error)
	// QueueLetter queues the rendered letter from the sender address from.
	QueueLetter(ctx context.Context, actor model.Actor, id string, k model.LetterKind, from string) (model.Message, error)
	// QueueEditedLetter queues it with the subject and body as edited.
	QueueEditedLetter(ctx context.Context, actor model.Actor, id string, k model.LetterKind, from, subject, body string) (model.Message, error)
	// Messages lists the request's letters, oldest first, masked.
	Messages(ctx context.Context, actor model.Actor, id string) ([]model.Message, error)
}
