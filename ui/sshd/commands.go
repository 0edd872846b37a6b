package sshd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"charm.land/ssh"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// Exit statuses of the plain commands, as the CLI uses them.
const (
	exitOK       = 0
	exitFailed   = 1
	exitBadInput = 2
)

const commandUsage = `custodian over SSH: connect with a terminal for the console
(ssh -t), or run one of:
  whoami            who your key logs you in as, your role and tenants
  audit verify      check the audit chain (exit status 1 if it is broken)
  queue [--json]    summary of the open requests in your scope
  health [--json]   on-call view: database, claims, failed requests, last audit verify, sessions
  failed [--json]   failed requests in your scope, newest first, with step and reason
`

// summaryCap bounds how many open requests a summary reads.
const summaryCap = 10_000

// runCommand serves a session without a terminal, or one that named a
// command: it prints and returns the exit status.
func (s *Server) runCommand(sess ssh.Session, actor model.Actor, fp string) int {
	// With a terminal, the session itself turns \n into \r\n.
	var out, errOut io.Writer = sess, sess.Stderr()
	args := sess.Command()
	ctx := sess.Context()
	if len(args) == 0 {
		fmt.Fprint(errOut, commandUsage)
		return exitBadInput
	}
	switch {
	case args[0] == "help" || args[0] == "--help" || args[0] == "-h":
		fmt.Fprint(out, commandUsage)
		return exitOK
	case len(args) == 1 && args[0] == "whoami":
		writeWhoami(out, actor, fp)
		return exitOK
	case len(args) == 2 && args[0] == "audit" && args[1] == "verify":
		return s.auditVerify(ctx, out, errOut)
	case args[0] == "queue" && (len(args) == 1 || len(args) == 2 && args[1] == "--json"):
		return s.queueSummary(ctx, actor, len(args) == 2, out, errOut)
	case (args[0] == "health" || args[0] == "failed") && (len(args) == 1 || len(args) == 2 && args[1] == "--json"):
		return s.onCall(ctx, actor, args[0], len(args) == 2, out, errOut)
	}
	fmt.Fprintf(errOut, "custodian: unknown command %q\n\n%s", model.CleanLine(truncateText(strings.Join(args, " "), 80)), commandUsage)
	return exitBadInput
}

func writeWhoami(w io.Writer, actor model.Actor, fp string) {
	op := actor.Operator
	tenants := "all"
	if len(op.Tenants) > 0 {
		tenants = model.CleanLine(strings.Join(op.Tenants, ", "))
	}
	mode := "read-write"
	if actor.ReadOnly || op.Role.ReadOnly() {
		mode = "read-only"
	}
	fmt.Fprintf(w, "%s (%s)\nrole: %s\ntenants: %s\nsession: %s\nfrom: %s\nkey: %s\n",
		model.CleanLine(op.Handle), model.CleanLine(op.Name), roleLabel(op.Role), tenants, mode, model.CleanLine(actor.Origin), fp)
}

func roleLabel(r model.Role) string {
	if r == model.RoleLead {
		return "privacy lead"
	}
	return model.CleanLine(string(r))
}

func (s *Server) auditVerify(ctx context.Context, out, errOut io.Writer) int {
	res, err := s.cfg.Store.VerifyAudit(ctx, nil)
	if err != nil {
		fmt.Fprintf(errOut, "custodian audit verify: %v\n", err)
		return exitFailed
	}
	if !res.OK {
		fmt.Fprintf(out, "FAILED at seq %d: %s\n", res.BadSeq, model.CleanLine(res.Problem))
		return exitFailed
	}
	fmt.Fprintf(out, "ok %d events, head %s\n", res.Events, res.Head)
	if res.Warning != "" {
		fmt.Fprintf(errOut, "warning: %s\n", model.CleanLine(res.Warning))
	}
	return exitOK
}

// QueueSummary is the scriptable view of the queue: counts only, so it
// carries no personal data.
type QueueSummary struct {
	AsOf        time.Time      `json:"as_of"`
	Operator    string         `json:"operator"`
	Open        int            `json:"open"`
	Overdue     int            `json:"overdue"`
	DueThisWeek int            `json:"due_this_week"`
	ByStatus    map[string]int `json:"by_status"`
	ByTenant    []TenantCount  `json:"by_tenant"`
	// Truncated is set when more open requests exist than a summary reads.
	Truncated bool `json:"truncated,omitempty"`
}

// TenantCount is one tenant's line of a QueueSummary.
type TenantCount struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Open    int    `json:"open"`
	Overdue int    `json:"overdue"`
}

// summarize counts the open requests in the actor's scope. It also returns
// the zone the summary's time is shown in: the tenant's when the scope is
// one tenant, else UTC, named either way.
func (s *Server) summarize(ctx context.Context, actor model.Actor) (QueueSummary, *time.Location, error) {
	now := s.cfg.App.Clock
	if now == nil {
		now = model.SystemClock{}
	}
	sum := QueueSummary{AsOf: now.Now().UTC(), Operator: actor.Handle(), ByStatus: map[string]int{}, ByTenant: []TenantCount{}}
	tenants, err := s.cfg.Store.Tenants(ctx, actor)
	if err != nil {
		return sum, nil, fmt.Errorf("tenants: %w", err)
	}
	loc := summaryZone(tenants)
	byID := map[string]int{}
	for _, t := range tenants {
		byID[t.ID] = len(sum.ByTenant)
		sum.ByTenant = append(sum.ByTenant, TenantCount{ID: model.CleanLine(t.ID), Name: model.CleanLine(t.Name)})
	}
	f := model.QueueFilter{Limit: 500}
	for sum.Open < summaryCap {
		page, err := s.cfg.Store.Queue(ctx, actor, f)
		if err != nil {
			return sum, nil, fmt.Errorf("queue: %w", err)
		}
		for _, r := range page {
			sum.Open++
			sum.ByStatus[string(r.Status)]++
			// The store resolved each tenant's zone when it read it; a
			// request of a tenant out of the list counts in UTC.
			loc := time.UTC
			if i, ok := byID[r.TenantID]; ok {
				loc = tenants[i].Location()
			}
			over := model.Overdue(sum.AsOf, r.DueAt)
			if over {
				sum.Overdue++
			} else if !r.DueAt.IsZero() && model.DaysLeft(sum.AsOf, r.DueAt, loc) <= model.SoonDays {
				sum.DueThisWeek++
			}
			if i, ok := byID[r.TenantID]; ok {
				sum.ByTenant[i].Open++
				if over {
					sum.ByTenant[i].Overdue++
				}
			}
		}
		if len(page) < f.Limit {
			return sum, loc, nil
		}
		last := page[len(page)-1]
		f.AfterDue, f.AfterID = last.DueAt, last.ID
	}
	sum.Truncated = true
	return sum, loc, nil
}

// summaryZone is the zone a summary of these tenants' requests is shown in:
// the tenant's own when there is one, else UTC, since the counts then span
// zones; the zone is named either way.
func summaryZone(tenants []model.Tenant) *time.Location {
	if len(tenants) == 1 {
		return tenants[0].Location()
	}
	return time.UTC
}

func (s *Server) queueSummary(ctx context.Context, actor model.Actor, asJSON bool, out, errOut io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	sum, loc, err := s.summarize(ctx, actor)
	if err != nil {
		fmt.Fprintf(errOut, "custodian queue: %v\n", err)
		return exitFailed
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return exitFailed
		}
		return exitOK
	}
	writeQueueSummary(out, sum, loc)
	return exitOK
}

// writeQueueSummary prints the summary for a person: the "as of" time in
// loc with its zone named (the JSON keeps it in UTC).
func writeQueueSummary(out io.Writer, sum QueueSummary, loc *time.Location) {
	fmt.Fprintf(out, "%d open requests, %d overdue, %d due within %d days (as of %s)\n",
		sum.Open, sum.Overdue, sum.DueThisWeek, model.SoonDays, present.Time(sum.AsOf, loc))
	if sum.Truncated {
		fmt.Fprintf(out, "(more than %d open requests: counts cover the first %d by due date)\n", summaryCap, summaryCap)
	}
	statuses := make([]string, 0, len(sum.ByStatus))
	for st := range sum.ByStatus {
		statuses = append(statuses, st)
	}
	slices.Sort(statuses)
	fmt.Fprintln(out, "by status:")
	for _, st := range statuses {
		fmt.Fprintf(out, "  %-20s %5d\n", model.CleanLine(st), sum.ByStatus[st])
	}
	fmt.Fprintln(out, "by tenant:")
	for _, t := range sum.ByTenant {
		fmt.Fprintf(out, "  %-22s %5d open %4d overdue  %s\n", truncateText(t.ID, 22), t.Open, t.Overdue, truncateText(t.Name, 40))
	}
}

// onCall is `health` and `failed`: the report and list `custodian health`
// and `custodian failed` print, from the same renderer.
func (s *Server) onCall(ctx context.Context, actor model.Actor, what string, asJSON bool, out, errOut io.Writer) int {
	var err error
	switch what {
	case "health":
		var h model.Health
		if h, err = s.cfg.Store.Health(ctx, actor); err == nil {
			err = present.WriteHealth(out, h, asJSON)
		}
	default:
		var fs []model.Failure
		if fs, err = s.cfg.Store.Failed(ctx, actor); err == nil {
			now := s.cfg.App.Clock
			if now == nil {
				now = model.SystemClock{}
			}
			err = present.WriteFailures(out, fs, now.Now(), asJSON)
		}
	}
	if err != nil {
		fmt.Fprintf(errOut, "custodian %s: %s\n", what, model.CleanLine(err.Error()))
		return exitFailed
	}
	return exitOK
}
