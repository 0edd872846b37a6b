package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// ListOptions select the requests `requests list` prints.
type ListOptions struct {
	Statuses []model.Status // empty: the open ones
	TenantID string         // empty: every tenant in scope
	JSON     bool
	// PageSize is the rows read per query; 0 is 500.
	PageSize int
}

// ParseStatuses reads --status: model.ParseStatusList, the rule the
// console's :requests reads too.
func ParseStatuses(s string) ([]model.Status, error) {
	out, err := model.ParseStatusList(s)
	if err != nil {
		return nil, fmt.Errorf("--status: %w", err)
	}
	return out, nil
}

// ListRow is one request as `requests list --json` prints it.
type ListRow struct {
	ID           string             `json:"id"`
	TenantID     string             `json:"tenant_id"`
	Type         model.RequestType  `json:"type"`
	Channel      model.Channel      `json:"channel"`
	Status       model.Status       `json:"status"`
	ReceivedAt   time.Time          `json:"received_at"`
	DueAt        time.Time          `json:"due_at"`
	DueDate      string             `json:"due_date"` // in the tenant's time zone
	DueKind      model.DeadlineKind `json:"due_kind"`
	SubjectID    string             `json:"subject_id,omitempty"`
	SubjectLabel string             `json:"subject_label,omitempty"` // masked
	AssignedTo   string             `json:"assigned_to,omitempty"`
	Flags        []model.FlagKind   `json:"flags"`
	// WaitingOnProcessors: every step done, sub-processors' confirmations
	// outstanding (the text view's status says "waiting on processors").
	WaitingOnProcessors bool `json:"waiting_on_processors,omitempty"`
	// ClosedDeadlines say, for a closed request, whether each deadline was
	// met; open ones have none. DueAt stays the queue's sort key.
	ClosedDeadlines []present.ClosedDeadline `json:"closed_deadlines,omitempty"`
}

// closedCell is what a closed row shows instead of a countdown: the first
// missed deadline, else the response deadline, as met or missed with the
// date it was met or the request closed.
func closedCell(ds []present.ClosedDeadline, loc *time.Location) string {
	for _, d := range ds {
		if !d.Met {
			return "missed " + shortKind(d.Kind) + " " + day(d.At, loc)
		}
	}
	return "met " + day(responseDeadline(ds).At, loc)
}

// responseDeadline is the legal (or extended) response deadline among ds.
func responseDeadline(ds []present.ClosedDeadline) present.ClosedDeadline {
	for _, d := range ds {
		if d.Kind == model.DueLegal || d.Kind == model.DueExtended {
			return d
		}
	}
	return ds[0]
}

func shortKind(k model.DeadlineKind) string {
	switch k {
	case model.DueAck:
		return "ack"
	case model.DueLegal, model.DueExtended:
		return "response"
	case model.DueExpedited:
		return "child"
	}
	return string(k)
}

// List prints the queue, earliest due first, reading it page by page to the
// end and writing each page as it arrives, so memory stays one page
// whatever the number of requests. Pages are keyset on (due, id). An error
// after the first page leaves the rows already written on w.
func List(ctx context.Context, store *db.Store, actor model.Actor, opts ListOptions, now time.Time, w io.Writer) error {
	tenants, err := store.Tenants(ctx, actor)
	if err != nil {
		return fmt.Errorf("list requests: %w", err)
	}
	byID := map[string]model.Tenant{}
	for _, t := range tenants {
		byID[t.ID] = t
	}
	if opts.TenantID != "" {
		if _, ok := byID[opts.TenantID]; !ok {
			return fmt.Errorf("list requests: tenant %q is unknown or outside your scope: %w", model.CleanLine(opts.TenantID), db.ErrNotFound)
		}
	}
	page := opts.PageSize
	if page <= 0 {
		page = 500
	}
	out := &listWriter{w: w, json: opts.JSON, now: now, byID: byID}
	f := model.QueueFilter{TenantID: opts.TenantID, Statuses: opts.Statuses, Limit: page}
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("list requests: %w", err)
		}
		rs, err := store.Queue(ctx, actor, f)
		if err != nil {
			return fmt.Errorf("list requests: %w", err)
		}
		for _, r := range rs {
			if err := out.row(listRow(r, byID[r.TenantID])); err != nil {
				return fmt.Errorf("list requests: %w", err)
			}
		}
		if len(rs) < page {
			break
		}
		last := rs[len(rs)-1]
		f.AfterDue, f.AfterID = last.DueAt, last.ID
	}
	if err := out.end(); err != nil {
		return fmt.Errorf("list requests: %w", err)
	}
	return nil
}

// listWriter writes rows as they come, in the same bytes the whole list
// encoded at once would give: an indented JSON array, or the table with
// its header before the first row and the count after the last.
type listWriter struct {
	w    io.Writer
	json bool
	now  time.Time
	byID map[string]model.Tenant
	n    int
	// widths are the text table's columns, in terminal cells: rows stream,
	// so they come from what is known before the first row (every tenant
	// in scope) and from the longest a cell may be, never from the rows.
	widths []int
}

// listSubjectW is the subject column: a masked name longer than this is
// cut with an ellipsis (show prints it whole) so flags stay in line.
const listSubjectW = 20

// listLine writes cells padded to widths by display width, so a CJK name
// (two cells a character) does not push the columns after it.
func listLine(cells []string, widths []int) string {
	var b strings.Builder
	for i, c := range cells {
		if i == len(cells)-1 {
			b.WriteString(c)
			break
		}
		w := widths[i]
		if ansi.StringWidth(c) > w {
			c = ansi.Truncate(c, w, "…")
		}
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", w-ansi.StringWidth(c)+1))
	}
	return strings.TrimRight(b.String(), " ") + "\n"
}

func (lw *listWriter) row(r ListRow) error {
	if lw.json {
		b, err := json.MarshalIndent(r, "  ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n  "
		if lw.n == 0 {
			sep = "[\n  "
		}
		lw.n++
		_, err = fmt.Fprintf(lw.w, "%s%s", sep, b)
		return err
	}
	if lw.n == 0 {
		tenantW := len("TENANT")
		for id := range lw.byID {
			tenantW = max(tenantW, ansi.StringWidth(model.CleanLine(id)))
		}
		idW := 22 // IMP- and 16 hex digits, with room; a longer id pushes the row, it is never cut
		lw.widths = []int{10, 22, idW, tenantW, 14, 20, listSubjectW, 0}
		if _, err := io.WriteString(lw.w, listLine([]string{"DUE", "", "ID", "TENANT", "TYPE", "STATUS", "SUBJECT", "FLAGS"}, lw.widths)); err != nil {
			return err
		}
	}
	lw.n++
	// An unknown tenant is the zero tenant, whose zone is UTC.
	loc := lw.byID[r.TenantID].Location()
	flags := make([]string, len(r.Flags))
	for i, k := range r.Flags {
		flags[i] = k.Short()
	}
	due, when := r.DueDate, daysLeft(lw.now, r.DueAt, loc)
	if len(r.ClosedDeadlines) > 0 {
		due, when = day(responseDeadline(r.ClosedDeadlines).Due, loc), closedCell(r.ClosedDeadlines, loc)
	}
	id := model.CleanLine(r.ID)
	widths := lw.widths
	if ansi.StringWidth(id) > widths[2] {
		widths = slices.Clone(widths)
		widths[2] = ansi.StringWidth(id)
	}
	_, err := io.WriteString(lw.w, listLine([]string{due, when, id, model.CleanLine(r.TenantID),
		r.Type.Label(), model.StatusText(model.Request{Status: r.Status, WaitingProcessors: r.WaitingOnProcessors}), model.CleanLine(orDash(r.SubjectLabel)), strings.Join(flags, " ")}, widths))
	return err
}

func (lw *listWriter) end() error {
	var err error
	switch {
	case lw.json && lw.n == 0:
		_, err = fmt.Fprintln(lw.w, "[]")
	case lw.json:
		_, err = fmt.Fprint(lw.w, "\n]\n")
	case lw.n == 0:
		_, err = fmt.Fprintln(lw.w, "no requests")
	default:
		_, err = fmt.Fprintf(lw.w, "%d requests\n", lw.n)
	}
	return err
}

func listRow(r model.Request, t model.Tenant) ListRow {
	c := model.CleanLine
	loc := t.Location()
	row := ListRow{
		ID: c(r.ID), TenantID: c(r.TenantID), Type: model.RequestType(c(string(r.Type))), Channel: model.Channel(c(string(r.Channel))),
		Status: model.Status(c(string(r.Status))), ReceivedAt: r.ReceivedAt, DueAt: r.DueAt, DueDate: day(r.DueAt, loc),
		SubjectID: c(r.SubjectID), SubjectLabel: c(r.SubjectLabel), AssignedTo: c(r.AssignedTo), Flags: []model.FlagKind{},
		WaitingOnProcessors: r.Status == model.StatusFulfilling && r.WaitingProcessors,
	}
	if r.Status.Open() {
		row.DueKind = model.ComputeDeadlines(r, t).NextKind
	} else if ds := present.ClosedDeadlines(r, t); len(ds) > 0 {
		row.ClosedDeadlines = ds
	}
	for _, f := range r.Flags {
		row.Flags = append(row.Flags, model.FlagKind(c(string(f.Kind))))
	}
	return row
}
