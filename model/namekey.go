package model

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// NameKey is a person's name as intake compares names: cleaned of control
// and invisible characters, accents folded (é is e), lower-case,
// punctuation and symbols dropped, whitespace collapsed to single spaces.
// Subjects store it (name_key) so that a name-only match is one indexed
// equality instead of a case-insensitive scan of a tenant; the requester's
// name goes through the same function, so the two always agree. Letters
// with no decomposition (ø, ł, ß) are kept as they are.
func NameKey(name string) string {
	s := CleanLine(name)
	if folded, _, err := transform.String(accentFolder(), s); err == nil {
		s = folded
	}
	s = strings.ToLower(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// accentFolder decomposes, drops the combining marks and recomposes. A
// transformer keeps state, so each call gets its own.
func accentFolder() transform.Transformer {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}
