package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// Show prints request id, as text or as JSON.
func Show(ctx context.Context, store *db.Store, actor model.Actor, id string, asJSON bool, now time.Time, w io.Writer) error {
	r, err := store.Request(ctx, actor, id)
	if err != nil {
		return fmt.Errorf("show %s: %w", model.CleanLine(id), err)
	}
	t, err := store.Tenant(ctx, actor, r.TenantID)
	if err != nil {
		return fmt.Errorf("show %s: tenant: %w", r.ID, err)
	}
	v := present.RequestOf(r, t)
	v.ExportDir = store.ExportDir()
	switch {
	case r.SubjectID == "":
		v.Subject = "not matched to a subject yet"
	default:
		if sub, err := store.Subject(ctx, actor, r.SubjectID); err != nil {
			v.Subject = "cannot be read: " + model.CleanLine(err.Error())
		} else {
			v.Subject = present.SubjectName(sub) + " (account " + model.CleanLine(string(sub.Status)) + ")"
		}
	}
	if model.CheckKnowLimit(r, nil).Applies {
		res, err := store.KnowLimit(ctx, actor, r.ID)
		if err != nil {
			return fmt.Errorf("show %s: %w", r.ID, err)
		}
		v.Limit = present.LimitOf(res)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	writeRequestText(w, v, t, now)
	return nil
}

// residencyLine is the state whose law applies and where it came from.
func residencyLine(state, from string) string {
	switch from {
	case model.ResidencyStated:
		return orDash(state) + " (stated by the requester)"
	case model.ResidencySubject:
		return orDash(state) + " (the subject on file)"
	case model.ResidencyTenant:
		return orDash(state) + " (the tenant's state: nothing else known)"
	}
	return orDash(state)
}

func day(t time.Time, loc *time.Location) string { return present.Date(t, loc) }

func stamp(t time.Time, loc *time.Location) string { return present.Time(t, loc) }

func daysLeft(now, due time.Time, loc *time.Location) string { return present.DaysLeft(now, due, loc) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// writeRequestText prints v for a reader; its times are in t's zone, the
// zone v.TimeZone names.
func writeRequestText(w io.Writer, v present.Request, t model.Tenant, now time.Time) {
	loc := t.Location()
	kv := func(k, val string) { fmt.Fprintf(w, "  %-18s %s\n", k, val) }
	fmt.Fprintf(w, "%s  %s  %s\n", v.ID, v.Type.Label(), v.Status.Label())
	kv("tenant", v.TenantID+"  "+v.TenantName)
	kv("received", stamp(v.ReceivedAt, loc)+" via "+string(v.Channel))
	if v.ExternalRef != "" {
		kv("external ref", v.ExternalRef)
	}
	kv("subject", orDash(v.SubjectID)+"  "+v.Subject)
	kv("requester", strings.Join(nonEmpty(v.Requester.Name, v.Requester.Email, v.Requester.Phone), "  "))
	if v.Agent != nil {
		kv("agent", strings.Join(nonEmpty(v.Agent.Name, v.Agent.Organization, v.Agent.Email, v.Agent.Phone), "  "))
		kv("agent permission", v.Agent.PermissionEvidence)
	}
	kv("residency", residencyLine(v.ResidencyState, v.ResidencyFrom))
	if v.AccessScope != "" {
		kv("access scope", v.AccessScope.Label())
	}
	kv("verification need", v.Need().Label())
	kv("logged by", orDash(v.LoggedBy))
	kv("assigned to", orDash(v.AssignedTo))
	for _, f := range slices.Sorted(maps.Keys(v.Corrections)) {
		kv("correct "+f, v.Corrections[f])
	}
	for _, x := range []struct{ k, v string }{{"info requested", v.InfoRequested}, {"outcome", v.Outcome}, {"denial reason", v.DenialReason}, {"failure", v.FailureReason}} {
		if x.v != "" {
			kv(x.k, x.v)
		}
	}
	if v.RespondedAt != nil {
		kv("responded", stamp(*v.RespondedAt, loc))
	}

	fmt.Fprintf(w, "\nDeadlines (%s)\n", v.TimeZone)
	if len(v.ClosedDeadlines) > 0 {
		// A closed request is judged, not counted down.
		for _, x := range v.ClosedDeadlines {
			fmt.Fprintf(w, "  %s\n", x.Line)
		}
	} else {
		writeOpenDeadlines(w, v, t, now)
	}
	writeRest(w, v, t)
}

func writeOpenDeadlines(w io.Writer, v present.Request, t model.Tenant, now time.Time) {
	loc := t.Location()
	kv := func(k, val string) { fmt.Fprintf(w, "  %-18s %s\n", k, val) }
	d := v.Deadlines
	due := func(kind model.DeadlineKind, at time.Time, note string) {
		line := fmt.Sprintf("  %-18s %s  %s", kind, day(at, loc), daysLeft(now, at, loc))
		if note != "" {
			line += "  " + note
		}
		if kind == d.NextKind {
			line += "  ◀ next"
		}
		fmt.Fprintln(w, line)
	}
	ack := ""
	if d.Acknowledged {
		ack = "(met)"
	}
	due(model.DueAck, d.Acknowledgement, ack)
	due(model.DueLegal, d.Legal45, "")
	if d.Extended {
		due(model.DueExtended, d.LegalResponse, "")
	} else {
		kv(string(model.DueExtended), "not extended")
	}
	if d.Custodian != nil {
		due(model.DueCustodian, *d.Custodian, "")
	} else {
		kv(string(model.DueCustodian), "starts when the Customer approves")
	}
	if d.OptOut != nil {
		due(model.DueOptOut, *d.OptOut, "")
	}
	if d.Expedited != nil {
		due(model.DueExpedited, *d.Expedited, "")
	}
}

func writeRest(w io.Writer, v present.Request, t model.Tenant) {
	loc := t.Location()
	kv := func(k, val string) { fmt.Fprintf(w, "  %-18s %s\n", k, val) }
	if v.Limit != nil {
		fmt.Fprintln(w, "\nTwo requests to know per 12 months")
		state := "within the limit"
		if v.Limit.Over {
			state = "OVER the limit"
		}
		kv(state, v.Limit.Reason)
	}

	fmt.Fprintln(w, "\nFlags")
	if len(v.Flags) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, f := range v.Flags {
		kv(f.Kind.Short(), f.Reason)
	}

	fmt.Fprintln(w, "\nVerification")
	if x := v.Verification; x == nil {
		fmt.Fprintln(w, "  not recorded")
	} else {
		kv("level", orDash(string(x.Level)))
		kv("method", orDash(x.Method))
		kv("data points", orDash(strings.Join(x.DataPoints, ", ")))
		kv("signed declaration", yesNo(x.SignedDecl))
		if v.Agent != nil {
			kv("agent verified", yesNo(x.AgentChecked))
		}
		kv("by", orDash(x.By)+" "+stamp(x.At, loc))
	}

	fmt.Fprintln(w, "\nCustomer decision")
	if x := v.Decision; x == nil {
		fmt.Fprintln(w, "  not recorded")
	} else {
		kv("outcome", string(x.Outcome))
		kv("decided by", orDash(x.Approver)+" on "+day(x.DecidedAt, loc))
		kv("evidence", orDash(x.Method)+": "+orDash(x.Evidence))
		if x.Reason != "" {
			kv("reason", x.Reason)
		}
		kv("recorded by", orDash(x.RecordedBy)+" "+stamp(x.RecordedAt, loc))
	}
	for i, x := range v.PriorDecisions {
		kv(fmt.Sprintf("corrected (%d)", i+1), fmt.Sprintf("was %s by %s on %s, %s: %s; recorded by %s %s", x.Outcome, orDash(x.Approver),
			day(x.DecidedAt, loc), orDash(x.Method), orDash(x.Evidence), orDash(x.RecordedBy), stamp(x.RecordedAt, loc)))
	}
	if x := v.Fee; x != nil {
		fmt.Fprintln(w, "\nFee")
		kv("amount", x.Amount())
		kv("reason", orDash(x.Reason))
		kv("quoted by", orDash(x.By)+" "+stamp(x.At, loc))
	}
	if x := v.Extension; x != nil {
		fmt.Fprintln(w, "\nExtension")
		kv("by", x.By+" "+stamp(x.At, loc))
		kv("reason", x.Reason)
	}
	if f := v.Fulfilment; f != nil {
		fmt.Fprintln(w, "\nFulfilment")
		kv("plan", f.Plan+"  digest "+prefix(f.Digest, minDigestPrefix))
		kv("built by", f.BuiltBy+" "+stamp(f.BuiltAt, loc))
		if f.SignedBy != "" {
			kv("signed off by", f.SignedBy+" "+stamp(f.SignedAt, loc))
		} else {
			kv("signed off by", "nobody yet (a privacy lead other than "+f.BuiltBy+")")
		}
		kv("steps", fmt.Sprintf("%d of %d done", f.StepsDone, f.Steps))
		if f.Stale != "" {
			kv("stale", StaleText(v.ID, f.Stale))
		}
		writeExport(w, v.Export, v.ExportDir)
		writeWithheld(w, v.Withheld)
	}
	if v.Delivery != nil {
		if v.Fulfilment == nil {
			fmt.Fprintln(w, "\nFulfilment")
		}
		writeDelivery(w, v.Delivery, loc)
	}
	if len(v.Notes) > 0 {
		fmt.Fprintln(w, "\nNotes")
		for _, n := range v.Notes {
			fmt.Fprintf(w, "  %s  %s: %s\n", stamp(n.At, loc), n.By, n.Text)
		}
	}
	fmt.Fprintln(w, "\nHistory")
	for _, e := range v.History {
		line := fmt.Sprintf("  %s  %-8s %-14s %s", stamp(e.At, loc), e.Actor, e.Action.Label(), arrow(e.From, e.To))
		if e.Reason != "" {
			line += "  " + e.Reason
		}
		fmt.Fprintln(w, line)
	}
}

func arrow(from, to model.Status) string {
	if from == "" || from == to {
		return "→ " + string(to)
	}
	return string(from) + " → " + string(to)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func nonEmpty(ss ...string) []string {
	out := []string{}
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return []string{"—"}
	}
	return out
}
