package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/custodian-dev/custodian/model"
)

// ErrStalePlan: the data changed since the plan was made; the request was
// failed and needs a new plan (and sign-off) before it is retried.
var ErrStalePlan = errors.New("plan is stale")

// staleError says which document changed; errors.Is(err, ErrStalePlan).
type staleError struct{ msg string }

func (e *staleError) Error() string        { return e.msg }
func (e *staleError) Is(target error) bool { return target == ErrStalePlan }

// Unwrap names the remedy, a new plan, for each door to phrase.
func (e *staleError) Unwrap() error {
	return &model.Refusal{Rule: "run.plan_current", Reason: e.msg, Cite: model.CiteFulfilment, Remedy: model.ActPlan}
}

func stale(p model.Plan, what string) error {
	return &staleError{msg: fmt.Sprintf("plan is stale: %s changed since the plan was made at %s; make a new plan and have it signed off",
		what, p.BuiltAt.UTC().Format("2006-01-02 15:04:05 UTC"))}
}

// stepRecordTimeout bounds the write that records a finished step; it runs
// even when the caller cancelled, because the step's change has happened.
const stepRecordTimeout = 30 * time.Second

// runEnv is what executing a plan reads once per run.
type runEnv struct {
	tenant model.Tenant
	maps   map[string]model.CollectionMap
	hash   func(string) string
	// issued receives the passphrase an export step sealed the package
	// with, for the run to show once (accessdelivery.go); never stored.
	issued *string
}

// RunFulfilment starts (approved) or resumes (fulfilling) the signed plan,
// reporting progress; it returns the request as the run left it. A failed
// request must be retried (Apply ActRetry) first.
//
// Each step checks its document's fingerprint before touching it: equal to
// the plan's "after" means a crashed run already made the change (recorded
// resultAlreadyDone, never repeated); equal to "before" means it is made now;
// anything else means the data changed, and the request fails with the
// stale message. A cancelled context stops between steps and leaves the
// request fulfilling; running again resumes with the next pending step.
// StopWrites lets the step running finish and stops the run there, alike.
// A privacy lead's run ends by completing the request (the response); an
// engineer's leaves it fulfilling with every step done.
func (s *Store) RunFulfilment(ctx context.Context, actor model.Actor, id string, progress func(model.StepProgress)) (model.Request, error) {
	if progress == nil {
		progress = func(model.StepProgress) {}
	}
	// Each step's write checks the record again (Apply); this makes the
	// run's own rule check use the current role too.
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return model.Request{}, fmt.Errorf("run %s: %w", id, err)
	}
	r, err := s.Request(ctx, actor, id)
	if err != nil {
		return model.Request{}, err
	}
	tenant, err := s.tenant(ctx, r.TenantID)
	if err != nil {
		return r, fmt.Errorf("run %s: %w", id, err)
	}
	if ref := model.CheckRun(model.Facts{Request: r, Tenant: tenant, Actor: actor, Now: s.now()}); ref != nil {
		// Audited as what the run would have done: start, or a step.
		refused := model.ActFulfilStep
		if r.Status == model.StatusApproved {
			refused = model.ActStartFulfilment
		}
		return r, fmt.Errorf("run %s: %w", id, s.refuseRule(ctx, actor, string(refused), auditTarget("request", id), r.TenantID, ref))
	}
	if r.Type == model.TypeAccess && s.exportDir == "" {
		return r, invalidf("run %s: this console has no exports directory for the access package; run it from a console with a data directory", id)
	}
	if r.Status == model.StatusApproved {
		if r, err = s.Apply(ctx, actor, id, r.Version, model.ActStartFulfilment, "", nil); err != nil {
			return model.Request{}, err
		}
	}
	env, err := s.runEnvFor(ctx, r)
	if err != nil {
		return r, fmt.Errorf("run %s: %w", id, err)
	}
	total := len(r.Plan.Steps)
	done := func() int { return total - len(r.Plan.Pending()) }
	progress(model.StepProgress{Done: done(), Total: total, Label: "plan " + r.Plan.ID})
	// An access package is written in one step: a record added since the
	// plan must stop it before, or the package would miss it.
	if r.Type == model.TypeAccess && len(r.Plan.Pending()) > 0 {
		if r, err = s.failIfNew(ctx, actor, r); err != nil {
			return r, err
		}
	}
	for {
		pending := r.Plan.Pending()
		if len(pending) == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return r, fmt.Errorf("run %s: stopped after %d of %d steps (run it again to resume): %w", id, done(), total, err)
		}
		i := pending[0]
		label := r.Plan.Steps[i].Label
		progress(model.StepProgress{Done: done(), Total: total, Label: label})
		if r, err = s.runCountedStep(ctx, actor, env, r, i); err != nil {
			return r, err
		}
		progress(model.StepProgress{Done: done(), Total: total, Label: label})
		if *env.issued != "" {
			progress(model.StepProgress{Done: done(), Total: total, Label: passphraseShown(r), Passphrase: *env.issued})
			*env.issued = ""
		}
	}
	if err := ctx.Err(); err != nil {
		return r, fmt.Errorf("run %s: every step is done but it was stopped before completing (run it again to complete): %w", id, err)
	}
	// A deletion, correction or opt-out would leave a record added since
	// the plan untouched: checked once, when the steps are done, so the
	// response never claims what was not done. (One re-plan costs a scan of
	// every collection, about a second at demo size on the embedded database.)
	if r.Type != model.TypeAccess {
		if r, err = s.failIfNew(ctx, actor, r); err != nil {
			return r, err
		}
	}
	if model.WaitingOnProcessors(r) {
		// The response waits for the sub-processors (§7022(b)(3)): the
		// last confirmation or exception completes it.
		progress(model.StepProgress{Done: total, Total: total, Label: model.WaitingLabel + ": " + strings.Join(model.ProcessorsPending(r), ", ")})
		return r, nil
	}
	if !actor.Can(model.PermSignOff) {
		progress(model.StepProgress{Done: total, Total: total, Label: "every step is done: a privacy lead completes the request"})
		return r, nil
	}
	// A passphrase package is not a response until its passphrase went by
	// a second channel: the run stops here, not as a refusal.
	if why := model.DeliveryWaiting(r); why != "" {
		progress(model.StepProgress{Done: total, Total: total, Label: "every step is done, not completed: " + why})
		return r, nil
	}
	cr, err := s.Apply(ctx, actor, id, r.Version, model.ActComplete, "", nil)
	if err != nil {
		return r, err
	}
	progress(model.StepProgress{Done: total, Total: total, Label: "completed: " + cr.Outcome})
	return cr, nil
}

// runCountedStep runs step i and records it as one counted write
// (inflight.go): StopWrites waits for a step begun, whose change must not
// be left without its record, and refuses the next one, leaving the
// request fulfilling for a later run to resume.
func (s *Store) runCountedStep(ctx context.Context, actor model.Actor, env runEnv, r model.Request, i int) (model.Request, error) {
	total := len(r.Plan.Steps)
	ctx, leave, err := s.inflight.enter(ctx)
	if err != nil {
		return r, fmt.Errorf("run %s: stopped before step %d of %d (run it again to resume): %w", r.ID, i+1, total, err)
	}
	defer leave()
	var result string
	var exp *model.AccessExport
	var notice *model.ProcessorNotice
	if r.Plan.Steps[i].Kind == model.StepProcessor {
		result, notice, err = s.runProcessorStep(ctx, actor, env, r, i)
	} else {
		result, exp, err = s.runStep(ctx, env, r, i)
	}
	if err != nil {
		if ctx.Err() != nil {
			// Cancelled mid-step: nothing is recorded, the next run
			// repeats the fingerprint check and finds what happened.
			return r, fmt.Errorf("run %s: stopped at step %d of %d (run it again to resume): %w", r.ID, i+1, total, err)
		}
		return s.failRun(ctx, actor, r, i, err)
	}
	if h := s.hooks.afterStepEffect; h != nil {
		if err := h(i); err != nil {
			return r, err
		}
	}
	return s.recordStep(ctx, actor, r, i, result, exp, notice)
}

// checkNothingNew plans the request again from the data as it is now and
// refuses (stale) when that plan would act on a record the signed plan does
// not list: one added since the plan was made, which a deletion would leave
// behind and an export would miss. Records the steps already handled plan
// as unchanged (or are gone), so a resumed run passes.
func (s *Store) checkNothingNew(ctx context.Context, r model.Request) error {
	fresh, err := s.buildPlan(ctx, r.Plan.BuiltBy, r)
	if err != nil {
		return fmt.Errorf("check for records added since the plan: %w", err)
	}
	// By typed _id: a new int 7 beside a planned string "7" is new. A plan
	// made before plans kept the type is compared by display text.
	listed := make(map[string]bool, len(r.Plan.Docs))
	for _, d := range r.Plan.Docs {
		listed[d.Collection+"/"+recordKey(d)] = true
	}
	for _, d := range fresh.Docs {
		where := d.Collection + "/" + d.RecordID
		if !d.Op.Changes() && d.Op != model.DocExport {
			continue
		}
		if !listed[d.Collection+"/"+recordKey(d)] && !listed[d.Collection+"/text:"+d.RecordID] {
			return stale(*r.Plan, "the subject's records ("+where+" is new)")
		}
	}
	return nil
}

// failIfNew fails the request (stale) when checkNothingNew finds a record
// the plan does not list.
func (s *Store) failIfNew(ctx context.Context, actor model.Actor, r model.Request) (model.Request, error) {
	err := s.checkNothingNew(ctx, r)
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, ErrStalePlan):
		return s.failRun(ctx, actor, r, 0, err)
	}
	return r, fmt.Errorf("run %s: %w", r.ID, err)
}

// failRun records a failed step on the request (status failed, the error as
// its reason) and returns the failed request with the error.
func (s *Store) failRun(ctx context.Context, actor model.Actor, r model.Request, i int, cause error) (model.Request, error) {
	reason := cause.Error()
	if !errors.Is(cause, ErrStalePlan) {
		reason = fmt.Sprintf("step %d/%d %s: %s", i+1, len(r.Plan.Steps), model.StepTarget(*r.Plan, i), reason)
	}
	reason = model.CleanLine(reason)
	if n := []rune(reason); len(n) > maxTextLen {
		reason = string(n[:maxTextLen])
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stepRecordTimeout)
	defer cancel()
	fr, err := s.Apply(wctx, actor, r.ID, r.Version, model.ActFail, reason, nil)
	if err != nil {
		return r, fmt.Errorf("run %s: %w; recording the failure failed too: %v", r.ID, cause, err)
	}
	return fr, fmt.Errorf("run %s: %w", r.ID, cause)
}

// recordStep marks step i done with its result in one claimed write with
// its audit event. A conflict that turns out to be another run recording the
// same step is its answer too.
func (s *Store) recordStep(ctx context.Context, actor model.Actor, r model.Request, i int, result string, exp *model.AccessExport, notice *model.ProcessorNotice) (model.Request, error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stepRecordTimeout)
	defer cancel()
	planID := r.Plan.ID
	nr, err := s.Apply(wctx, actor, r.ID, r.Version, model.ActFulfilStep, "", func(q *model.Request) error {
		if q.Plan == nil || q.Plan.ID != planID || i >= len(q.Plan.Steps) {
			return invalidf("the plan changed while it ran")
		}
		q.Plan.Steps[i].Done = true
		q.Plan.Steps[i].Result = result
		if exp != nil {
			q.Export = exp
		}
		if notice != nil {
			addNotice(q, *notice)
		}
		q.WaitingProcessors = model.WaitingOnProcessors(*q)
		return nil
	})
	if errors.Is(err, ErrConflict) {
		cur, rerr := s.readRequest(wctx, r.ID)
		if rerr == nil && cur.Plan != nil && cur.Plan.ID == planID && i < len(cur.Plan.Steps) && cur.Plan.Steps[i].Done {
			return cur, nil
		}
	}
	if err != nil {
		return r, fmt.Errorf("run %s: record step %d: %w", r.ID, i+1, err)
	}
	return nr, nil
}

func (s *Store) runEnvFor(ctx context.Context, r model.Request) (runEnv, error) {
	tenant, err := s.tenant(ctx, r.TenantID)
	if err != nil {
		return runEnv{}, err
	}
	dm, err := s.DataMap(ctx)
	if err != nil {
		return runEnv{}, err
	}
	hash, err := s.tenantHasher(ctx, r.TenantID)
	if err != nil {
		return runEnv{}, err
	}
	env := runEnv{tenant: tenant, maps: map[string]model.CollectionMap{}, hash: hash, issued: new(string)}
	for _, cm := range dm {
		env.maps[cm.Collection] = cm
	}
	return env, nil
}

// runStep executes step i and says what happened (no PI). exp is set by
// the export step.
func (s *Store) runStep(ctx context.Context, env runEnv, r model.Request, i int) (result string, exp *model.AccessExport, err error) {
	p := *r.Plan
	st := p.Steps[i]
	switch st.Kind {
	case model.StepDocument:
		res, err := s.runDocsStep(ctx, env, r, i)
		return res, nil, err
	case model.StepSubject:
		res, err := s.runSubjectStep(ctx, env, r)
		return res, nil, err
	case model.StepExport:
		return s.runExportStep(ctx, env, r)
	}
	return "", nil, fmt.Errorf("step %d: unknown kind %q", i+1, st.Kind)
}

// runDocsStep applies the documents of step i, all of one collection, read
// in one query. Each document is checked on its own fingerprint, so a step
// stopped part-way finds its finished documents resultAlreadyDone next time.
func (s *Store) runDocsStep(ctx context.Context, env runEnv, r model.Request, i int) (string, error) {
	p := *r.Plan
	st := p.Steps[i]
	if len(st.Docs) == 0 {
		return "", fmt.Errorf("step %d names no document", i+1)
	}
	pds := make([]model.PlanDoc, 0, len(st.Docs))
	for _, di := range st.Docs {
		if di < 0 || di >= len(p.Docs) || p.Docs[di].Collection != p.Docs[st.Docs[0]].Collection {
			return "", fmt.Errorf("step %d names document %d, not one of collection %s among %d", i+1, di, p.Docs[st.Docs[0]].Collection, len(p.Docs))
		}
		pds = append(pds, p.Docs[di])
	}
	coll := p.Docs[st.Docs[0]].Collection
	cm, ok := env.maps[coll]
	if !ok {
		return "", stale(p, "the data map entry of "+coll)
	}
	stored, err := s.readRecords(ctx, cm, r.TenantID, r.SubjectID, pds)
	if err != nil {
		return "", err
	}
	if h := s.hooks.betweenReadAndWrite; h != nil {
		if err := h(i); err != nil {
			return "", err
		}
	}
	results := make([]string, 0, len(st.Docs))
	for _, pd := range pds {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		d, found := stored[recordKey(pd)]
		res, err := s.runDocStep(ctx, env, r, pd, d, found)
		if err != nil {
			return "", err
		}
		results = append(results, res)
	}
	if len(results) == 1 {
		return results[0], nil
	}
	return summariseResults(results), nil
}

// resultAlreadyDone is the step result of a change a crashed run made
// before it could record it.
const resultAlreadyDone = "already done"

// summariseResults counts a multi-document step's outcomes ("deleted 3,
// masked 2 fields (email, phone) ×2, already done 1"), keeping each
// distinct result once with how often it happened.
func summariseResults(results []string) string {
	counts := map[string]int{}
	var order []string
	if !slices.ContainsFunc(results, func(r string) bool { return r != resultAlreadyDone }) {
		// Found done by a re-run: the same record whether a crash came after
		// one document of the step or after all of them.
		return resultAlreadyDone
	}
	for _, r := range results {
		if counts[r] == 0 {
			order = append(order, r)
		}
		counts[r]++
	}
	parts := make([]string, len(order))
	for k, r := range order {
		parts[k] = r
		if counts[r] > 1 {
			parts[k] = fmt.Sprintf("%s ×%d", r, counts[r])
		}
	}
	return strings.Join(parts, "; ")
}

// vanished is the error of a planned record that is no longer there (or
// no longer the subject's) when its change was not a deletion: the plan
// promised a change to it, and nothing can prove that change was made.
func vanished(p model.Plan, where string) error {
	return &staleError{msg: fmt.Sprintf("record %s vanished since the plan was made at %s; make a new plan and have it signed off",
		where, p.BuiltAt.UTC().Format("2006-01-02 15:04:05 UTC"))}
}

func (s *Store) runDocStep(ctx context.Context, env runEnv, r model.Request, pd model.PlanDoc, d storedDoc, found bool) (string, error) {
	p := *r.Plan
	where := pd.Collection + "/" + pd.RecordID
	cm, ok := env.maps[pd.Collection]
	if !ok {
		return "", stale(p, "the data map entry of "+pd.Collection)
	}
	if !found {
		// Gone is what a deletion leaves, so a planned deletion found gone
		// is done (by a run that crashed before recording it, or by the
		// product). Anything else has lost its record.
		if pd.Op == model.DocDelete {
			return resultAlreadyDone, nil
		}
		return "", vanished(p, where)
	}
	if !d.linked(cm, r.TenantID, r.SubjectID) {
		// The id now names someone else's record: never touch it.
		return "", stale(p, where)
	}
	fp := model.Fingerprint(d.doc)
	if pd.Op != model.DocDelete && fp == pd.After {
		return resultAlreadyDone, nil
	}
	if fp != pd.Before {
		return "", stale(p, where)
	}
	out, deleted := model.ApplyDoc(cm, pd, d.doc, r.Corrections, env.hash)
	if deleted && pd.Op != model.DocDelete {
		return "", fmt.Errorf("%s: the plan masks it but applying the plan deletes it", where)
	}
	// The plan promised this fingerprint; writing anything else would make
	// the step unrecognisable to a re-run.
	if got := model.Fingerprint(out); !deleted && got != pd.After {
		return "", fmt.Errorf("%s: applying the plan gives another result than planned (fingerprint %s, planned %s)", where, model.ShortDigest(got), model.ShortDigest(pd.After))
	}
	var repl bson.D
	if !deleted {
		repl = d.writable(out)
	}
	matched, err := s.casWrite(ctx, s.conn.DB.Collection(pd.Collection), cm, d, repl)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", where, err)
	}
	if !matched {
		return s.lostWrite(ctx, p, cm, r, pd)
	}
	if deleted {
		return "deleted", nil
	}
	return docResult(pd, d.doc, env.hash), nil
}

// lostWrite decides a step whose conditional write matched nothing: the
// record changed between the step's read and its write. Read again, it is
// either in the planned state already (another run of the same plan got
// there first: done) or it is not (the product changed it: stale, and the
// product's write stands).
func (s *Store) lostWrite(ctx context.Context, p model.Plan, cm model.CollectionMap, r model.Request, pd model.PlanDoc) (string, error) {
	where := pd.Collection + "/" + pd.RecordID
	d, found, err := s.readRecord(ctx, cm, r.TenantID, r.SubjectID, pd)
	switch {
	case err != nil:
		return "", fmt.Errorf("re-read %s after a write that matched nothing: %w", where, err)
	case !found && pd.Op == model.DocDelete:
		return resultAlreadyDone, nil
	case !found:
		return "", vanished(p, where)
	case pd.Op != model.DocDelete && model.Fingerprint(d.doc) == pd.After:
		return resultAlreadyDone, nil
	}
	return "", stale(p, where+" (changed while the step ran)")
}

// docResult says what a document step did, without PI: a correction's old
// value only as the start of its SHA-256.
func docResult(pd model.PlanDoc, before model.Doc, hash func(string) string) string {
	var changed []string
	for _, f := range pd.Fields {
		switch f.Op {
		case model.FieldNull, model.FieldFixed, model.FieldHash, model.FieldSet:
			changed = append(changed, f.Field)
		case model.FieldDelete:
			if pd.Op != model.DocDelete {
				changed = append(changed, f.Field)
			}
		}
	}
	switch pd.Op {
	case model.DocCorrect:
		parts := make([]string, len(changed))
		for i, f := range changed {
			parts[i] = fmt.Sprintf("%s (old %s)", f, oldValueHash(before[f], hash))
		}
		return "corrected " + strings.Join(parts, ", ")
	case model.DocOptOut:
		return "switched off " + strings.Join(changed, ", ")
	}
	return fmt.Sprintf("masked %d fields (%s)", len(changed), strings.Join(changed, ", "))
}

// oldValueHash is how a replaced value appears in the record: the
// tenant-key HMAC, enough to match it against a value the Customer knows,
// not to read it — an unkeyed hash of a birth date or a street address
// could be reversed by trying them all.
func oldValueHash(v any, hash func(string) string) string {
	return hash(valueText(v))
}

func (s *Store) runSubjectStep(ctx context.Context, env runEnv, r model.Request) (string, error) {
	p := *r.Plan
	pd := p.Subject
	where := model.SubjectsCollection + "/" + r.SubjectID
	if pd == nil {
		return "", fmt.Errorf("the plan has a subject step but no subject change")
	}
	var sub model.Subject
	err := s.subjects.FindOne(ctx, bson.D{{Key: "_id", Value: r.SubjectID}}).Decode(&sub)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", stale(p, where)
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", where, err)
	}
	if sub.TenantID != r.TenantID {
		return "", stale(p, where)
	}
	fp := model.Fingerprint(model.SubjectDoc(sub))
	if fp == pd.After {
		return resultAlreadyDone, nil
	}
	if fp != pd.Before {
		return "", stale(p, where)
	}
	ns := model.ApplySubject(sub, *pd, r.Corrections, env.hash)
	if got := model.Fingerprint(model.SubjectDoc(ns)); got != pd.After {
		return "", fmt.Errorf("%s: applying the plan gives another result than planned", where)
	}
	// The lookup directory polls updated_at; the version tells a reader the
	// record moved on.
	ns.Version = sub.Version + 1
	ns.UpdatedAt = s.now()
	filter := bson.D{{Key: "_id", Value: sub.ID}}
	if !s.conn.Embedded {
		filter = append(filter, bson.E{Key: "version", Value: sub.Version})
	}
	res, err := s.subjects.ReplaceOne(ctx, filter, StoredSubject(ns))
	if err != nil {
		return "", fmt.Errorf("write %s: %w", where, err)
	}
	if res.MatchedCount == 0 {
		return "", stale(p, where)
	}
	var fields []string
	for _, f := range pd.Fields {
		if f.Op != model.FieldKeep && f.Op != model.FieldAlready && f.Op != model.FieldExport {
			if r.Type == model.TypeRectification {
				fields = append(fields, fmt.Sprintf("%s (old %s)", f.Field, oldValueHash(model.SubjectDoc(sub)[f.Field], env.hash)))
			} else {
				fields = append(fields, f.Field)
			}
		}
	}
	if r.Type == model.TypeRectification {
		return "corrected " + strings.Join(fields, ", "), nil
	}
	return "erased " + strings.Join(fields, ", "), nil
}
