package model

import (
	"strings"
	"testing"
	"time"
)

// TestQueueQuery checks the queue filter's grammar. "overdue" and the due
// terms read the same deadline the queue's countdown shows (the earlier of
// the §7021(b) 45-day response and the Customer promise, DaysLeft in the
// tenant's calendar), so a filter never disagrees with the column it filters.
func TestQueueQuery(t *testing.T) {
	loc := mustLoad(t, "America/Los_Angeles")
	now := at(loc, "2026-11-02", 10, 0)
	item := func(days int, mut func(*QueueItem)) *QueueItem {
		it := &QueueItem{
			Text: "r-2026-00001\x00oakridge-ca\x00deletion\x00a••• b•••\x00failed\x00lee", Type: TypeDeletion,
			Status: StatusFailed, TenantID: "oakridge-ca", Assignee: "lee", Loc: loc,
			Due: endOfDay(localDate(now, loc).AddDate(0, 0, days)),
		}
		if mut != nil {
			mut(it)
		}
		return it
	}
	cases := []struct {
		query string
		item  *QueueItem
		want  bool
	}{
		{"", item(3, nil), true},
		{"oakridge failed", item(3, nil), true},                                // words combine with AND
		{"oakridge received", item(3, nil), false},                             // one word missing
		{"OAKRIDGE", item(3, nil), true},                                       // case does not matter
		{"overdue", item(-1, nil), true},                                       // yesterday's deadline has passed
		{"overdue", item(0, nil), false},                                       // due today holds until local midnight
		{"due<7d", item(6, nil), true},                                         // countdown reads 6d
		{"due<7d", item(7, nil), false},                                        // 7d is not under 7
		{"due<7d", item(-20, nil), true},                                       // overdue is due sooner than anything
		{"due<7", item(2, nil), true},                                          // the d is optional
		{"due>30d", item(31, nil), true},                                       //
		{"due>30d", item(30, nil), false},                                      //
		{"due<7d", item(0, func(i *QueueItem) { i.Due = time.Time{} }), false}, // no deadline at all
		{"assignee:me", item(3, nil), true},                                    // me is the operator filtering (lee)
		{"assignee:sid", item(3, nil), false},                                  //
		{"assignee:LEE", item(3, nil), true},                                   //
		{"assignee:none", item(3, nil), false},                                 //
		{"assignee:none", item(3, func(i *QueueItem) { i.Assignee = "" }), true},
		{"type:deletion", item(3, nil), true}, //
		{"type:deletion", item(3, func(i *QueueItem) { i.Type = TypeChildDeletion }), false},
		{"type:child", item(3, func(i *QueueItem) { i.Type = TypeChildDeletion }), true},
		{"type:correction", item(3, func(i *QueueItem) { i.Type = TypeRectification }), true}, // the label works too
		{"status:fail", item(3, nil), true},                                                   // a prefix of the status
		{"status:awaiting", item(3, nil), false},                                              //
		{"tenant:oak", item(3, nil), true},                                                    //
		{"tenant:bayshore", item(3, nil), false},                                              //
		{"oakridge overdue type:del assignee:me", item(-2, nil), true},
		{"oakridge overdue type:del assignee:me", item(2, nil), false},
		{"type: due<", item(3, nil), true}, // terms still being typed ask nothing yet
	}
	for _, c := range cases {
		q, err := ParseQueueQuery(c.query, "Lee")
		if err != nil {
			t.Errorf("%q: %v", c.query, err)
			continue
		}
		if got := q.Match(c.item, now); got != c.want {
			t.Errorf("%q on %+v = %v, want %v", c.query, *c.item, got, c.want)
		}
	}
}

// TestQueueQueryErrors: bad input says what is accepted.
func TestQueueQueryErrors(t *testing.T) {
	cases := map[string][]string{
		"owner:lee":   {`"owner:"`, "assignee:", "type:", "status:", "tenant:", "overdue", "due<Nd"},
		"type:refund": {`"refund"`, "access", "deletion", "child_deletion"},
		"status:lost": {`"lost"`, "awaiting_approval", "failed"},
		"due<soon":    {"due<7d"},
		"due>-3d":     {"due>7d"},
	}
	for in, wants := range cases {
		_, err := ParseQueueQuery(in, "lee")
		if err == nil {
			t.Errorf("%q parsed without error", in)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q does not mention %s", in, err, w)
			}
		}
	}
}

// TestQueueQueryWordsOnly: only a query of words may be narrowed in place.
func TestQueueQueryWordsOnly(t *testing.T) {
	for in, want := range map[string]bool{"oak failed": true, "": true, "overdue": false, "due<3d": false, "type:del": false, "type:": true} {
		q, err := ParseQueueQuery(in, "lee")
		if err != nil {
			t.Fatal(err)
		}
		if q.WordsOnly() != want {
			t.Errorf("%q: WordsOnly = %v, want %v", in, !want, want)
		}
	}
}
