// Package ui is custodian's full-screen console: an app shell (header, pane
// tabs, status line, help, command palette) around a list of panes.
package console

import (
	"context"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// Backend is everything the console reads and writes. It is declared here, in model
// types only, so the UI never sees the database driver and tests can run
// against an in-memory fake; *db.Store satisfies it.
type Backend interface {
	// Tenants returns the tenants in the actor's scope.
	Tenants(ctx context.Context, actor model.Actor) ([]model.Tenant, error)
	// Queue returns open requests sorted by DueAt then ID, starting strictly
	// after (f.AfterDue, f.AfterID) and at most f.Limit of them.
	Queue(ctx context.Context, actor model.Actor, f model.QueueFilter) ([]model.Request, error)
	// Request returns one request with everything recorded about it.
	Request(ctx context.Context, actor model.Actor, id string) (model.Request, error)
	// Subjects returns the subjects with the given ids; unknown ids are absent.
	Subjects(ctx context.Context, actor model.Actor, ids []string) (map[string]model.Subject, error)
	Subject(ctx context.Context, actor model.Actor, id string) (model.Subject, error)

	// The writes of the request actions, and what their forms read.

	// Apply performs action a on request id as read at version; edit (may
	// be nil) records the action's details on a copy. The controller checks
	// scope, role, version, lifecycle and four eyes, and writes once.
	Apply(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string, edit func(*model.Request) error) (model.Request, error)
	// CreateRequest logs a new request under the client-chosen r.ID.
	CreateRequest(ctx context.Context, actor model.Actor, r model.Request) (model.Request, error)
	// Operators lists every operator (to assign requests to).
	Operators(ctx context.Context, actor model.Actor) ([]model.Operator, error)
	// Approvals lists the requests waiting on their Customer's decision,
	// with history and reminders; tenantID "" is every tenant in scope.
	Approvals(ctx context.Context, actor model.Actor, tenantID string) ([]model.Request, error)
	// MatchSubjects returns the tenant's subjects a person may be.
	MatchSubjects(ctx context.Context, actor model.Actor, tenantID string, p model.Person) ([]model.Subject, error)
	// KnowLimit evaluates the two-requests-to-know per 12 months rule for a
	// logged request, listing the earlier requests it counts.
	KnowLimit(ctx context.Context, actor model.Actor, requestID string) (model.LimitResult, error)
	// Audit
	// AuditHistory returns up to limit audit entries matching f with seq
	// below beforeSeq (0: the newest), newest first; page on with the last
	// entry's Seq.
	AuditHistory(ctx context.Context, actor model.Actor, f model.AuditFilter, beforeSeq int64, limit int) (model.AuditPage, error)
	// VerifyAudit walks the whole chain; progress (may be nil) hears how far.
	VerifyAudit(ctx context.Context, progress func(done, total int64)) (model.VerifyResult, error)
	// RequestRecords and RecordExport are the auditors' export (records.RecordSource).
	RequestRecords(ctx context.Context, actor model.Actor, f model.RecordFilter, fn func(model.Request) error) error
	RecordExport(ctx context.Context, actor model.Actor, f model.RecordFilter, count int, dest string) error
	// Lookup

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

	// Fulfilment
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
