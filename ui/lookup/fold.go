// Package lookup is the search engine behind the Lookup pane: a directory
// of subjects built once per scope, searched on every keystroke with
// github.com/sahilm/fuzzy ranking, narrowed incrementally when a query
// extends the previous one, and cancellable. It knows nothing of the
// database or the screen, so it can be tested and benchmarked alone; it
// imports nothing of ours.
package lookup

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldRune appends the search form of r to dst: lower case, Latin and
// Greek letters without their accents (an operator types "jose" for
// "José" and "zoe" for "Zoë"), full-width ASCII as ASCII. Other scripts
// (CJK, Hangul, Arabic, Hebrew, Cyrillic, Devanagari) keep their letters:
// stripping marks there changes the letter, not just its accent.
func foldRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(dst, byte(r))
	}
	if 0xFF01 <= r && r <= 0xFF5E { // full-width ASCII: "Ｔａｒｏ" is "taro"
		return foldRune(dst, r-0xFEE0)
	}
	if r == 0x3000 { // ideographic space
		return append(dst, ' ')
	}
	if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || r == 0xFE0F || r == 0xFE0E {
		// Combining marks typed separately ("Zoe\u0308"), joiners and
		// variation selectors: nothing an operator types.
		return dst
	}
	r = unicode.ToLower(r)
	if s, ok := letterFolds[r]; ok {
		return append(dst, s...)
	}
	if latinOrGreek(r) {
		for _, d := range norm.NFD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				dst = utf8.AppendRune(dst, d)
			}
		}
		return dst
	}
	return utf8.AppendRune(dst, r)
}

// letterFolds are letters with no decomposition that people type as ASCII.
var letterFolds = map[rune]string{
	'ø': "o", 'æ': "ae", 'œ': "oe", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ß': "ss", 'ı': "i",
	'ʻ': "", 'ʼ': "", '’': "'", '‘': "'",
	// Letters sahilm/fuzzy's case folding treats as another letter: folding
	// them here keeps "what matches" the same for the prefilter and the ranker.
	'ſ': "s", 'ς': "σ", 'ϐ': "β", 'ϑ': "θ", 'ϕ': "φ", 'ϖ': "π", 'ϰ': "κ", 'ϱ': "ρ", 'ϵ': "ε",
}

func latinOrGreek(r rune) bool {
	return (0x00C0 <= r && r <= 0x024F) || (0x1E00 <= r && r <= 0x1EFF) || (0x0370 <= r && r <= 0x03FF) || (0x1F00 <= r && r <= 0x1FFF)
}

// Fold returns the search form of s (see foldRune).
func Fold(s string) string {
	if isFoldedASCII(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = foldRune(b, r)
	}
	return string(b)
}

func isFoldedASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// Digits keeps the ASCII digits of s: how phones are stored and compared.
func Digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; '0' <= c && c <= '9' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// phoneShaped reports whether q looks like a phone number being typed:
// digits and the punctuation people put between them, nothing else.
func phoneShaped(q string) bool {
	digits := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case '0' <= c && c <= '9':
			digits++
		case strings.IndexByte(" ()-.+/", c) >= 0:
		default:
			return false
		}
	}
	return digits > 0
}

// phoneDigits is the national number of a phone-shaped query: a leading
// US country code ("+1 …", or an eleventh digit 1) is dropped, since phones
// are stored as the ten national digits.
func phoneDigits(q string) string {
	d := Digits(q)
	t := strings.TrimSpace(q)
	if strings.HasPrefix(t, "+1") || (len(d) == 11 && d[0] == '1') {
		return d[1:]
	}
	return d
}
