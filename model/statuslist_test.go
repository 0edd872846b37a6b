package model

import (
	"slices"
	"strings"
	"testing"
)

func TestParseStatusList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []Status
		err  string
	}{
		{"", OpenStatuses(), ""},
		{"all", Statuses(), ""},
		{"closed", []Status{StatusCompleted, StatusDenied, StatusWithdrawn}, ""},
		{"Denied, completed,denied", []Status{StatusDenied, StatusCompleted}, ""},
		{"needs info", []Status{StatusNeedsInfo}, ""},
		{"failed,bogus", nil, `unknown status "bogus" (or open, closed, all`},
	} {
		got, err := ParseStatusList(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseStatusList(%q) error %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ParseStatusList(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}
