// Package cli holds the logic of the non-interactive commands (`custodian
// requests import|show|list`): reading and checking their input, calling the
// store, and writing text or JSON. The command line (ui/command) parses flags and wires.
package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// ImportLine is one line of an import file: a JSON object describing one
// request as the log form would take it. Unknown fields are refused, so a
// misspelt field is not silently dropped.
//
//	{"external_ref": "portal-88123",        required: the source system's id; re-importing it changes nothing
//	 "tenant": "t-oakridge",                required: the Customer's tenant id
//	 "type": "access",                      access | deletion | rectification (correction) | opt_out | child_deletion
//	 "access_scope": "categories",          access only, optional: categories (default) | specific (specific pieces of PI: reasonably high verification)
//	 "channel": "web",                      web | email | phone | mail
//	 "received": "2026-11-02",              YYYY-MM-DD (tenant's time zone), RFC 3339, today, yesterday
//	 "requester": {"name": "…", "email": "…", "phone": "…"},   at least one of the three
//	 "subject_id": "…",                     optional: the subject, of that tenant
//	 "same_as_requester": true,             optional instead: the subject is the one whose email/phone the requester gave
//	 "residency_state": "CA",               optional: two-letter code; left out, the subject's state on file, else the tenant's
//	 "agent": {"name": "…", "email": "…", "phone": "…", "organization": "…", "permission_evidence": "…"},
//	 "corrections": {"email": "…"}}         rectification only: name, email, phone, address, birth_date
type ImportLine struct {
	ExternalRef     string            `json:"external_ref"`
	Tenant          string            `json:"tenant"`
	Type            string            `json:"type"`
	AccessScope     string            `json:"access_scope"`
	Channel         string            `json:"channel"`
	Received        string            `json:"received"`
	Requester       *ImportPerson     `json:"requester"`
	SubjectID       string            `json:"subject_id"`
	SameAsRequester bool              `json:"same_as_requester"`
	ResidencyState  string            `json:"residency_state"`
	Agent           *ImportAgent      `json:"agent"`
	Corrections     map[string]string `json:"corrections"`
}

// ImportPerson is a requester as the line gives them.
type ImportPerson struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// ImportAgent is an authorized agent as the line gives them.
type ImportAgent struct {
	ImportPerson
	Organization       string `json:"organization"`
	PermissionEvidence string `json:"permission_evidence"`
}

const (
	// DefaultMaxLineBytes bounds one line: a request is a few hundred bytes,
	// so a longer line is a wrong file, not a request.
	DefaultMaxLineBytes = 64 << 10
	// maxImportLines bounds a file: the lines are checked before any is
	// written, so they are held in memory.
	maxImportLines = 200_000
	// importChunk is how many lines one round of database checks covers.
	importChunk = 500
	maxRefLen   = 100
)

// importFields names the fields in the order the schema lists them, for
// the message about an unknown one.
const importFields = "external_ref, tenant, type, access_scope, channel, received, requester, subject_id, same_as_requester, residency_state, agent, corrections"

// ImportOptions tune Import.
type ImportOptions struct {
	// SkipInvalid imports the valid lines of a file that has invalid ones;
	// without it nothing is imported from such a file.
	SkipInvalid bool
	// MaxLineBytes: 0 is DefaultMaxLineBytes.
	MaxLineBytes int
	// Clock decides what "today" and "the future" are; nil is the system clock.
	Clock model.Clock
	// Progress, if not nil, is called as lines are written.
	Progress func(done, total int)
}

// LineProblem is why one line was not imported.
type LineProblem struct {
	Line        int    `json:"line"`
	ExternalRef string `json:"external_ref,omitempty"`
	Reason      string `json:"reason"`
}

// ImportReport is what an import did.
type ImportReport struct {
	Imported int           `json:"imported"`
	Present  int           `json:"already_present"`
	Invalid  []LineProblem `json:"invalid"`
	// Failed lines were valid but their write failed (the database, not the line).
	Failed []LineProblem `json:"failed"`
	// Refused is set when invalid lines stopped the whole file (no SkipInvalid).
	Refused bool `json:"refused"`
}

// WriteText prints the report: the counts, then every problem with its line.
func (r ImportReport) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%d imported, %d already present, %d invalid", r.Imported, r.Present, len(r.Invalid))
	if len(r.Failed) > 0 {
		fmt.Fprintf(w, ", %d failed", len(r.Failed))
	}
	fmt.Fprintln(w)
	for _, p := range r.Invalid {
		fmt.Fprintf(w, "line %d: %s\n", p.Line, model.CleanLine(p.Reason))
	}
	for _, p := range r.Failed {
		fmt.Fprintf(w, "line %d: failed: %s\n", p.Line, model.CleanLine(p.Reason))
	}
	if r.Refused {
		fmt.Fprintln(w, "nothing was imported: fix the lines above and run the import again, or pass --skip-invalid to import the valid lines")
	}
}

// ImportRequestID is the request id an import gives the line with external
// reference ref: derived from the reference alone, so importing the same
// line again finds the request it created instead of logging a second one.
func ImportRequestID(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	return "IMP-" + strings.ToUpper(hex.EncodeToString(sum[:8]))
}

// pendingLine is a parsed line on its way into the database.
type pendingLine struct {
	line int
	req  model.Request
	same bool // same_as_requester: the subject must be found by contact
	drop bool // already present (in the database or earlier in the file)
}

// Import reads JSON lines from in and logs one request per valid line as
// actor. Every line is checked — its own fields, then against the database
// (tenant in scope, subject of that tenant, earlier imports) — before any is
// written; a file with invalid lines imports nothing unless SkipInvalid.
// The error is for what stops the whole import (unreadable input, a refused
// actor, a cancelled context); bad lines are in the report.
func Import(ctx context.Context, store *db.Store, actor model.Actor, in io.Reader, opts ImportOptions) (ImportReport, error) {
	rep := ImportReport{Invalid: []LineProblem{}, Failed: []LineProblem{}}
	// An empty batch asks the controller whether actor may log requests at
	// all, so a refusal comes before any line is read, and is audited.
	if _, err := store.CreateRequests(ctx, actor, nil, nil); err != nil {
		return rep, fmt.Errorf("import requests: %w", err)
	}
	clock := opts.Clock
	if clock == nil {
		clock = model.SystemClock{}
	}
	maxLine := opts.MaxLineBytes
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	tenantList, err := store.Tenants(ctx, actor)
	if err != nil {
		return rep, fmt.Errorf("import: read tenants: %w", err)
	}
	tenants := map[string]model.Tenant{}
	for _, t := range tenantList {
		tenants[t.ID] = t
	}

	var lines []pendingLine
	byRef := map[string]int{} // external reference -> index in lines
	now := clock.Now()
	err = readLines(in, maxLine, func(n int, raw []byte, tooLong bool) error {
		if len(lines)+len(rep.Invalid) >= maxImportLines {
			return fmt.Errorf("the file has more than %d requests: split it into smaller files", maxImportLines)
		}
		if tooLong {
			rep.Invalid = append(rep.Invalid, LineProblem{Line: n, Reason: fmt.Sprintf("the line is longer than %d bytes: one request per line, as one JSON object", maxLine)})
			return nil
		}
		req, same, err := parseImportLine(raw, tenants, now)
		if err != nil {
			// The report names the line and the field, never the person's
			// data: it is printed, saved and sent on.
			rep.Invalid = append(rep.Invalid, LineProblem{Line: n, ExternalRef: req.ExternalRef, Reason: model.Redacted(err)})
			return nil
		}
		p := pendingLine{line: n, req: req, same: same}
		if i, ok := byRef[req.ExternalRef]; ok {
			first := lines[i]
			if !db.SameRequest(req, first.req) || same != first.same {
				rep.Invalid = append(rep.Invalid, LineProblem{Line: n, ExternalRef: req.ExternalRef,
					Reason: fmt.Sprintf("external reference %q is on line %d with different content: give each request its own external_ref", req.ExternalRef, first.line)})
				return nil
			}
			p.drop = true // the same line twice: imported once
			rep.Present++
		} else {
			byRef[req.ExternalRef] = len(lines)
		}
		lines = append(lines, p)
		return ctx.Err()
	})
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}

	for start := 0; start < len(lines); start += importChunk {
		chunk := lines[start:min(start+importChunk, len(lines))]
		if err := checkAgainstStore(ctx, store, actor, chunk, &rep); err != nil {
			return rep, fmt.Errorf("import: %w", err)
		}
	}
	slices.SortFunc(rep.Invalid, func(a, b LineProblem) int { return a.Line - b.Line })
	if len(rep.Invalid) > 0 && !opts.SkipInvalid {
		rep.Refused = true
		return rep, nil
	}

	var todo []pendingLine
	for _, p := range lines {
		if !p.drop {
			todo = append(todo, p)
		}
	}
	for start := 0; start < len(todo); start += importChunk {
		chunk := todo[start:min(start+importChunk, len(todo))]
		if err := importChunkRetrying(ctx, store, actor, chunk, start, len(todo), opts, &rep); err != nil {
			return rep, fmt.Errorf("import: %w", err)
		}
	}
	slices.SortFunc(rep.Invalid, func(a, b LineProblem) int { return a.Line - b.Line })
	return rep, nil
}

// readLines streams in line by line, calling fn with each non-blank line
// and its 1-based number; a line over max bytes is passed as tooLong (and
// skipped to its end) so one bad line does not hide the rest of the file.
func readLines(in io.Reader, max int, fn func(n int, raw []byte, tooLong bool) error) error {
	br := bufio.NewReaderSize(in, max+1)
	for n := 1; ; n++ {
		raw, err := br.ReadSlice('\n')
		tooLong := false
		if errors.Is(err, bufio.ErrBufferFull) {
			tooLong = true
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read line %d: %w", n, err)
		}
		line := bytes.TrimSpace(raw)
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff")) // a byte-order mark some editors write
		}
		if tooLong || len(line) > 0 {
			if ferr := fn(n, line, tooLong); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// checkAgainstStore checks a chunk of parsed lines against the database:
// the subject ids, the subjects found by contact, and earlier imports.
func checkAgainstStore(ctx context.Context, store *db.Store, actor model.Actor, chunk []pendingLine, rep *ImportReport) error {
	invalid := func(p *pendingLine, format string, args ...any) {
		rep.Invalid = append(rep.Invalid, LineProblem{Line: p.line, ExternalRef: p.req.ExternalRef, Reason: fmt.Sprintf(format, args...)})
		p.drop = true
	}
	var subjectIDs, ids, refs []string
	var same []int // lines whose subject is found by contact
	for i, p := range chunk {
		if p.drop {
			continue
		}
		ids, refs = append(ids, p.req.ID), append(refs, p.req.ExternalRef)
		if p.req.SubjectID != "" {
			subjectIDs = append(subjectIDs, p.req.SubjectID)
		}
		if p.same {
			same = append(same, i)
		}
	}
	subjects, err := store.Subjects(ctx, actor, subjectIDs)
	if err != nil {
		return fmt.Errorf("read subjects: %w", err)
	}
	for i := range chunk {
		p := &chunk[i]
		if p.drop || p.req.SubjectID == "" {
			continue
		}
		if sub, ok := subjects[p.req.SubjectID]; !ok || sub.TenantID != p.req.TenantID {
			invalid(p, "subject_id %q is not a subject of tenant %s: check the id, or use same_as_requester to find the subject by email or phone", model.CleanLine(p.req.SubjectID), p.req.TenantID)
		}
	}
	var people []db.TenantPerson
	for _, i := range same {
		people = append(people, db.TenantPerson{TenantID: chunk[i].req.TenantID, Person: chunk[i].req.Requester})
	}
	if len(people) > 0 {
		matches, err := store.MatchSubjectsMany(ctx, actor, people)
		if err != nil {
			return fmt.Errorf("find subjects by contact: %w", err)
		}
		for j, i := range same {
			p := &chunk[i]
			switch m := matches[j]; len(m) {
			case 1:
				p.req.SubjectID = m[0].ID
			case 0:
				invalid(p, "same_as_requester: no subject of tenant %s has the requester's email or phone: give subject_id, or leave same_as_requester out to import the request unlinked", p.req.TenantID)
			default:
				invalid(p, "same_as_requester: %d subjects of tenant %s have the requester's email or phone (%s): give subject_id", len(m), p.req.TenantID, strings.Join(idsOf(m), ", "))
			}
		}
	}
	existing, err := store.ExistingRequests(ctx, actor, ids, refs)
	if err != nil {
		return fmt.Errorf("look for earlier imports: %w", err)
	}
	byID, byRef := map[string]model.Request{}, map[string]model.Request{}
	for _, r := range existing {
		byID[r.ID] = r
		if r.ExternalRef != "" {
			byRef[r.ExternalRef] = r
		}
	}
	for i := range chunk {
		p := &chunk[i]
		if p.drop {
			continue
		}
		if have, ok := byID[p.req.ID]; ok {
			if !db.SameRequest(p.req, have) {
				invalid(p, "external reference %q was imported before as request %s with different content: give this request its own external_ref, or leave the line out", p.req.ExternalRef, have.ID)
				continue
			}
			p.drop = true
			rep.Present++
			continue
		}
		if have, ok := byRef[p.req.ExternalRef]; ok {
			invalid(p, "external reference %q already belongs to request %s, logged another way: leave the line out, or give it its own external_ref", p.req.ExternalRef, model.CleanLine(have.ID))
		}
	}
	return nil
}

func idsOf(subs []model.Subject) []string {
	out := make([]string, len(subs))
	for i, s := range subs {
		out[i] = model.CleanLine(s.ID)
	}
	return out
}

// importRetries is how many times a line whose write met a database outage
// is written again, waiting importRetryWait, twice as long each time: about
// a minute in all, longer than the shared database service takes to start
// again. Writing again is safe: a line already in is reported present.
const (
	importRetries   = 6
	importRetryWait = time.Second
)

// importChunkRetrying writes chunk (lines done+1… of total) and files each
// line's outcome in rep. A line that failed because the database stopped
// answering is written again once it answers, so an import that spans a
// restart of the database service loses nothing; only an outage longer than
// the retries leaves lines failed.
func importChunkRetrying(ctx context.Context, store *db.Store, actor model.Actor, chunk []pendingLine, done, total int, opts ImportOptions, rep *ImportReport) error {
	wait := importRetryWait
	for attempt := 0; ; attempt++ {
		last := attempt == importRetries
		reqs := make([]model.Request, len(chunk))
		for i, p := range chunk {
			reqs[i] = p.req
		}
		results, err := store.CreateRequests(ctx, actor, reqs, func(n, _ int) {
			if opts.Progress != nil && attempt == 0 {
				opts.Progress(done+n, total)
			}
		})
		var again []pendingLine
		for i, res := range results {
			switch {
			case res.Err == nil && res.Created:
				rep.Imported++
			case res.Err == nil:
				rep.Present++
			case errors.Is(res.Err, db.ErrInvalid) || errors.Is(res.Err, db.ErrExists) || errors.Is(res.Err, db.ErrNotFound) || errors.Is(res.Err, db.ErrRefused):
				rep.Invalid = append(rep.Invalid, LineProblem{Line: chunk[i].line, ExternalRef: chunk[i].req.ExternalRef, Reason: res.Err.Error()})
			case db.IsTransient(res.Err) && !last:
				again = append(again, chunk[i])
			default:
				rep.Failed = append(rep.Failed, LineProblem{Line: chunk[i].line, ExternalRef: chunk[i].req.ExternalRef, Reason: res.Err.Error()})
			}
		}
		if err != nil {
			if !db.IsTransient(err) || last {
				return err
			}
			again = append(again, chunk[len(results):]...)
		}
		if len(again) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
		chunk = again
	}
}
