package model

import (
	"fmt"
	"slices"
	"strings"
)

// ParseStatusList reads a comma-separated list of statuses as an operator
// types it (`requests list --status`, the console's `:requests`): status
// names or labels, "open" for every open status, "closed" for every closed
// one, "all" for every status. Repeats are dropped; the empty string is
// the open statuses.
func ParseStatusList(s string) ([]Status, error) {
	var out []Status
	add := func(sts ...Status) {
		for _, st := range sts {
			if !slices.Contains(out, st) {
				out = append(out, st)
			}
		}
	}
	for _, part := range strings.Split(s, ",") {
		switch p := strings.TrimSpace(strings.ToLower(part)); p {
		case "", "open":
			add(OpenStatuses()...)
		case "all":
			add(Statuses()...)
		case "closed":
			for _, st := range Statuses() {
				if !st.Open() {
					add(st)
				}
			}
		default:
			st, err := ParseStatus(p)
			if err != nil {
				return nil, fmt.Errorf("%w (or open, closed, all; separate several with commas)", err)
			}
			add(st)
		}
	}
	return out, nil
}
