package model

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

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
	var prev rune // the last rune kept, for emoji sequences
	for i, r := range s {
		switch {
		case r == '\n' && keepNewlines:
			b.WriteRune(r)
		case r == '\n' || r == '\t':
			b.WriteRune(' ')
		case unsafeRune(r):
			continue
		case isIgnorable(r) && !inEmojiSequence(prev, r, s[i+utf8.RuneLen(r):]):
			continue
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// isIgnorable is a default-ignorable or format character: it draws
// nothing in one terminal and a cell in another (a soft hyphen is 0 cells to
// the layout and 1 to xterm, so 150 of them in a reason overwrote the next
// row of the audit pane), or it hides characters outright (tag characters
// carry invisible ASCII). Hangul fillers look like spaces yet are letters,
// so a name made of them reads as blank.
func isIgnorable(r rune) bool {
	switch {
	case r < 0xa0:
		return false
	case unicode.Is(unicode.Cf, r), // soft hyphen, zero-width chars, tags, invisible operators
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r), // Hangul fillers, CGJ, unassigned ignorables
		unicode.Is(unicode.Variation_Selector, r):
		return true
	case r == 0x115f, r == 0x1160, r == 0x3164, r == 0xffa0: // Hangul fillers (also in the table above; named for the reader)
		return true
	}
	return false
}

// inEmojiSequence keeps what joins and styles emoji: a zero-width joiner
// between two pictographs (a family) and a text/emoji presentation
// selector right after a pictograph or a keycap base ("❤️", "1️⃣"). Anywhere
// else they only hide text.
func inEmojiSequence(prev, r rune, rest string) bool {
	switch r {
	case 0x200d:
		next, _ := utf8.DecodeRuneInString(rest)
		return isPictograph(prev) && isPictograph(next)
	case 0xfe0e, 0xfe0f:
		return isPictograph(prev) || prev == '#' || prev == '*' || prev >= '0' && prev <= '9'
	}
	return false
}

// isPictograph approximates Extended_Pictographic, which the standard
// library lacks: symbols outside ASCII (emoji are So) and skin tones (Sk).
func isPictograph(r rune) bool {
	return r > 0x7f && (unicode.Is(unicode.So, r) || r >= 0x1f3fb && r <= 0x1f3ff)
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

// maxQuotedBytes bounds how much of an argument a message repeats.
const maxQuotedBytes = 200

// QuoteArg quotes an argument for a message that repeats it: in double
// quotes, with every control, bidi, invisible or ignorable rune and every
// invalid byte written as a Go escape (\x1b, \u202e), so a message never
// carries a terminal escape sequence someone typed or pasted, and the
// operator sees exactly what was given. Long arguments are cut with "…".
func QuoteArg(s string) string {
	cut := len(s) > maxQuotedBytes
	if cut {
		n := maxQuotedBytes
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n]
	}
	var b strings.Builder
	b.WriteByte('"')
	escapeTo(&b, s, true)
	b.WriteByte('"')
	if cut {
		b.WriteString("…")
	}
	return b.String()
}

// EscapeLine is QuoteArg without the quotes and the cut, for a message that
// already holds an argument (an error naming a path): what CleanLine would
// drop is shown escaped instead.
func EscapeLine(s string) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	escapeTo(&b, s, false)
	return b.String()
}

func escapeTo(b *strings.Builder, s string, quoted bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(b, `\x%02x`, s[i])
		case quoted && (r == '"' || r == '\\'):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x80 && (r < 0x20 || r == 0x7f):
			fmt.Fprintf(b, `\x%02x`, r)
		case unsafeRune(r) || isIgnorable(r) || !unicode.IsPrint(r) && r != ' ':
			if r > 0xffff {
				fmt.Fprintf(b, `\U%08x`, r)
			} else {
				fmt.Fprintf(b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
		i += size
	}
}

// EscapeJSON rewrites, in encoded JSON, every rune CleanLine would drop as
// a \u escape (a surrogate pair beyond U+FFFF). Such runes can only occur
// inside strings (JSON's own syntax is ASCII), where the escape means the
// same character: machine output keeps text exactly yet nothing in it can
// act on a terminal that prints it. encoding/json already escapes C0
// controls and U+2028/9, not DEL, C1, bidi or invisible runes.
func EscapeJSON(js []byte) []byte {
	if !bytes.ContainsFunc(js, func(r rune) bool { return r != '\n' && UnsafeRune(r) }) {
		return js
	}
	out := make([]byte, 0, len(js)+32)
	for len(js) > 0 {
		r, size := utf8.DecodeRune(js)
		switch {
		case r == '\n' || !UnsafeRune(r):
			out = append(out, js[:size]...)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		js = js[size:]
	}
	return out
}

// CheckPlainPath refuses a path (what names it: "--data-dir") holding
// control, bidi or invisible characters or invalid UTF-8: such a name is a
// paste gone wrong or an attempt to hide where data goes, and every later
// message naming the directory would carry it.
func CheckPlainPath(what, path string) error {
	if utf8.ValidString(path) && !strings.ContainsFunc(path, UnsafeRune) {
		return nil
	}
	return fmt.Errorf("%s %s contains control or invisible characters: give a plain directory name", what, QuoteArg(path))
}
