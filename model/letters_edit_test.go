package model

import (
	"strings"
	"testing"
)

// TestCleanLetterBody: what an operator typed or pasted into a letter
// reaches the resident without terminal escapes, controls or bidi tricks
// (the same unsafe runes CleanLine drops, model/text.go), keeping its
// lines and tabs.
func TestCleanLetterBody(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "Dear Sam,\n\nDone.", "Dear Sam,\n\nDone."},
		{"tabs and newlines kept", "a\tb\nc", "a\tb\nc"},
		{"crlf", "a\r\nb\rc", "a\nb\nc"},
		{"csi colour", "\x1b[31mred\x1b[0m", "red"},
		{"osc title", "\x1b]0;pwned\x07ok", "ok"},
		{"bell and backspace", "a\x07b\x08c", "abc"},
		{"c1 csi", "a\u009b31mb", "a31mb"},
		{"bidi override", "pay \u202eevil", "pay evil"},
		{"nul", "a\x00b", "ab"},
	} {
		if got := CleanLetterBody(tc.in); got != tc.want {
			t.Errorf("%s: CleanLetterBody(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestCheckEditedLetter(t *testing.T) {
	for _, tc := range []struct {
		name, subject, body, wantErr string
	}{
		{"ok", "Your request", "Hello", ""},
		{"empty subject", " \r\n", "Hello", "subject is empty"},
		{"empty body", "Subject", "\x1b[31m\n\t ", "body is empty"},
		{"long body", "Subject", strings.Repeat("x", MaxLetterBodyLen+1), "keep it under"},
	} {
		s, b, err := CheckEditedLetter(tc.subject, tc.body)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.wantErr)
		case tc.wantErr == "" && (s == "" || b == ""):
			t.Errorf("%s: cleaned to %q %q", tc.name, s, b)
		}
	}
	// A subject cannot carry a header: CR and LF become nothing.
	s, _, err := CheckEditedLetter("Hi\r\nBcc: x@evil.test", "b")
	if err != nil || strings.ContainsAny(s, "\r\n") {
		t.Errorf("subject %q, %v", s, err)
	}
}
