package model

import (
	"strings"
	"testing"
)

// A reveal's reason is what the audit keeps of why PI was unmasked (the
// roles table: "reveal a sensitive field with a stated reason"): empty and
// one-word scraps are refused with a message that says what to write.
func TestCheckRevealReason(t *testing.T) {
	for _, c := range []struct {
		in, want, err string
	}{
		{"", "", "needs a reason"},
		{"   ", "", "needs a reason"},
		{"x", "", "at least 10"},
		{"ok thanks", "", "at least 10"},                     // 9
		{"  checking!  ", "", "at least 10"},                 // 9 after trimming
		{"subpoena 24", "subpoena 24", ""},                   // 11
		{"añoñoñoñoñ", "añoñoñoñoñ", ""},                     // 10 letters, more bytes
		{"call\x1b[31m back re H-1", "call back re H-1", ""}, // cleaned before counting
	} {
		got, err := CheckRevealReason(c.in)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.in, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one saying %q", c.in, err, c.err)
		case got != c.want:
			t.Errorf("%q: cleaned to %q, want %q", c.in, got, c.want)
		}
	}
}
