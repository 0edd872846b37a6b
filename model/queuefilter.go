package model

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// QueueQuery is what an operator typed into the queue's filter, parsed:
// every term must hold for a request to show (terms combine with AND).
// Plain words search the row's text; the rest ask about what the row's
// text cannot say, such as how far away the due date is.
type QueueQuery struct {
	// Words must each appear in the request's searchable text.
	Words []string
	// Overdue keeps requests whose due date has passed (Overdue).
	Overdue bool
	// DueUnder keeps requests due in fewer than DueUnderDays days
	// (overdue ones included: their days left are negative); DueOver those
	// due in more than DueOverDays.
	DueUnder, DueOver         bool
	DueUnderDays, DueOverDays int
	// Assignee is a handle ("" = any); Unassigned asks for nobody.
	Assignee   string
	Unassigned bool
	// Types and Statuses are the values a type: or status: term named
	// (a prefix of the code or the label); empty means any.
	Types    []RequestType
	Statuses []Status
	// Tenant is a part of the tenant id.
	Tenant string
}

// QueueFilterKeys are the key: terms the queue filter accepts.
var queueFilterKeys = []string{"assignee:", "status:", "tenant:", "type:"}

// QueueFilterHelp names every term, for messages and the help screen.
const QueueFilterHelp = "words, overdue, due<Nd, due>Nd, assignee:me|NAME|none, type:…, status:…, tenant:…"

// Words only: a longer query then only ever removes rows, which lets a
// caller narrow what it already filtered instead of starting again.
func (q QueueQuery) WordsOnly() bool {
	return !q.Overdue && !q.DueUnder && !q.DueOver && q.Assignee == "" && !q.Unassigned &&
		q.Types == nil && q.Statuses == nil && q.Tenant == ""
}

// Empty reports whether the query keeps every request.
func (q QueueQuery) Empty() bool { return q.WordsOnly() && len(q.Words) == 0 }

// ParseQueueQuery reads a filter as typed, for the operator whose handle is
// me (what assignee:me means). Matching ignores case. A term still being
// typed ("type:", "due<") asks nothing yet, so the list does not blink
// empty while the operator types; a term that can never mean anything is
// an error that says what is accepted.
func ParseQueueQuery(s, me string) (QueueQuery, error) {
	var q QueueQuery
	for _, t := range strings.Fields(strings.ToLower(s)) {
		if err := q.addTerm(t, strings.ToLower(me)); err != nil {
			return QueueQuery{}, err
		}
	}
	return q, nil
}

func (q *QueueQuery) addTerm(t, me string) error {
	switch {
	case t == "overdue":
		q.Overdue = true
		return nil
	case strings.HasPrefix(t, "due<") || strings.HasPrefix(t, "due>"):
		return q.addDue(t)
	}
	k, v, ok := strings.Cut(t, ":")
	if !ok {
		q.Words = append(q.Words, t)
		return nil
	}
	if v == "" && isPrefixOfKey(k+":") {
		return nil // still typing the value
	}
	switch k {
	case "assignee":
		switch v {
		case "me":
			q.Assignee = me
		case "none", "-":
			q.Unassigned = true
		default:
			q.Assignee = v
		}
	case "tenant":
		q.Tenant = v
	case "type":
		for _, rt := range RequestTypes() {
			if matchesValue(v, string(rt), rt.Label()) {
				q.Types = append(q.Types, rt)
			}
		}
		if q.Types == nil {
			return fmt.Errorf("no request type %q — type: takes one of %s", v, typeNames())
		}
	case "status":
		for _, st := range Statuses() {
			if matchesValue(v, string(st), st.Label()) {
				q.Statuses = append(q.Statuses, st)
			}
		}
		if q.Statuses == nil {
			return fmt.Errorf("no status %q — status: takes one of %s", v, statusNames())
		}
	default:
		return fmt.Errorf("unknown filter %q — use %s", k+":", QueueFilterHelp)
	}
	return nil
}

func (q *QueueQuery) addDue(t string) error {
	op, n := t[3], strings.TrimSuffix(t[4:], "d")
	if n == "" {
		return nil // still typing the number
	}
	days, err := strconv.Atoi(n)
	if err != nil || days < 0 || days > 9999 {
		return fmt.Errorf("%q: due%c takes a number of days, e.g. due%c7d", t, op, op)
	}
	if op == '<' {
		q.DueUnder, q.DueUnderDays = true, days
	} else {
		q.DueOver, q.DueOverDays = true, days
	}
	return nil
}

func isPrefixOfKey(k string) bool {
	for _, x := range queueFilterKeys {
		if x == k {
			return true
		}
	}
	return false
}

// matchesValue: v names code or label by its start, with "-", "_" and " "
// alike, so "await", "awaiting_approval" and "opt-out" all work.
func matchesValue(v, code, label string) bool {
	norm := strings.NewReplacer("_", " ", "-", " ").Replace
	v = norm(v)
	return strings.HasPrefix(norm(code), v) || strings.HasPrefix(norm(label), v)
}

func typeNames() string {
	var out []string
	for _, t := range RequestTypes() {
		out = append(out, string(t))
	}
	return strings.Join(out, ", ")
}

func statusNames() string {
	var out []string
	for _, s := range Statuses() {
		out = append(out, string(s))
	}
	return strings.Join(out, ", ")
}

// QueueItem is what the filter reads of one request. Text is its
// searchable text, lower-cased; Due is its next deadline and Loc the
// tenant's calendar the days are counted in.
type QueueItem struct {
	Text     string
	Type     RequestType
	Status   Status
	TenantID string
	Assignee string
	Due      time.Time
	Loc      *time.Location
}

// Match reports whether it passes every term at now. Days are counted as
// the queue's countdown counts them (DaysLeft), so "due<7d" keeps exactly
// the rows whose countdown reads less than 7d.
func (q QueueQuery) Match(it *QueueItem, now time.Time) bool {
	for _, w := range q.Words {
		if !strings.Contains(it.Text, w) {
			return false
		}
	}
	if q.WordsOnly() {
		return true
	}
	if len(q.Types) > 0 && !containsType(q.Types, it.Type) {
		return false
	}
	if len(q.Statuses) > 0 && !containsStatus(q.Statuses, it.Status) {
		return false
	}
	if q.Tenant != "" && !strings.Contains(strings.ToLower(it.TenantID), q.Tenant) {
		return false
	}
	if q.Unassigned && it.Assignee != "" {
		return false
	}
	if q.Assignee != "" && !strings.EqualFold(it.Assignee, q.Assignee) {
		return false
	}
	if q.Overdue && !Overdue(now, it.Due) {
		return false
	}
	if q.DueUnder || q.DueOver {
		if it.Due.IsZero() {
			return false // no deadline is neither soon nor far
		}
		days := DaysLeft(now, it.Due, it.Loc)
		if q.DueUnder && days >= q.DueUnderDays {
			return false
		}
		if q.DueOver && days <= q.DueOverDays {
			return false
		}
	}
	return true
}

func containsType(ts []RequestType, t RequestType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func containsStatus(ss []Status, s Status) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
