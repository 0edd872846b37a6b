package model

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// CleanLine makes untrusted text (anything read from the database or a file)
// safe for one line of a terminal or a log: escape sequences are stripped,
// then every control rune that survives stripping is dropped, and line
// breaks and tabs become spaces.
func CleanLine(s string) string { return clean(s, false) }

// CleanText is CleanLine but keeps newlines, for multi-line views.
func CleanText(s string) string { return clean(s, true) }

func clean(s string, keepNewlines bool) string {
	if isPlain(s) {
		return s
	}
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && keepNewlines:
			b.WriteRune(r)
		case r == '\n' || r == '\t':
			b.WriteRune(' ')
		case unsafeRune(r):
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// unsafeRune covers C0 (incl. ESC, BEL, BS, CR), DEL, C1 (incl. U+009B CSI)
// and the bidi controls that can reorder what an operator reads.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators break layout
		return true
	case r == 0x200b, r >= 0x2060 && r <= 0x2064, r >= 0x206a && r <= 0x206f, r >= 0xfff9 && r <= 0xfffb:
		return true // invisible: they hide what an operator reads
	case r == 0x200e, r == 0x200f, r == 0x061c: // LRM, RLM, ALM
		return true
	case r == 0xfeff: // a BOM mid-string hides where text starts
		return true
	}
	return false
}

// isPlain is the fast path: printable ASCII needs no work.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
