package model

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

func TestCleanLine(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain ASCII", "R-2026-00042 Maria Garcia", "R-2026-00042 Maria Garcia"},
		{"empty", "", ""},
		{"SGR colour", "\x1b[31mred\x1b[0m text", "red text"},
		{"clear screen and home", "a\x1b[2J\x1b[Hb", "ab"},
		{"cursor up and erase line", "ok\x1b[1A\x1b[2Kfake", "okfake"},
		{"CSI with private marker", "a\x1b[?1049hb", "ab"},
		{"OSC 52 clipboard, BEL-terminated", "\x1b]52;c;cm0gLXJmIH4=\x07after", "after"},
		{"OSC 52 clipboard, ST-terminated", "\x1b]52;c;cm0gLXJmIH4=\x1b\\after", "after"},
		{"OSC 8 hyperlink", "\x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\", "click here"},
		{"OSC window title", "\x1b]0;pwned\x07name", "name"},
		{"DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"lone ESC at the end", "name\x1b", "name"},
		{"two lone ESCs", "name\x1b\x1b", "name"},
		{"carriage return overwrite", "approved\rDENIED", "approvedDENIED"},
		{"backspaces", "abc\b\b\bxyz", "abcxyz"},
		{"BEL", "ding\x07dong", "dingdong"},
		{"DEL", "a\x7fb", "ab"},
		{"NUL", "a\x00b", "ab"},
		{"vertical tab and form feed", "a\x0bb\x0cc", "abc"},
		{"C1 CSI U+009B", "a\u009b31mb", "a31mb"},
		{"C1 OSC, ST, NEL, RI, DCS", "a\u009d\u009c\u0085\u008d\u0090b", "ab"},
		{"bidi RLO", "invoice_\u202etxt.exe", "invoice_txt.exe"},
		{"bidi embeddings and PDF", "\u202aa\u202bb\u202cc\u202dd\u202ee", "abcde"},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069d", "abcd"},
		{"LRM RLM ALM", "a\u200eb\u200fc\u061cd", "abcd"},
		{"BOM mid-string", "a\ufeffb", "ab"},
		{"newline becomes space", "line one\nline two", "line one line two"},
		{"CRLF becomes one space", "line one\r\nline two", "line one line two"},
		{"tab becomes space", "a\tb", "a b"},
		{"accents, precomposed and combining", "María José\u0301 Ñuñez café", "María José\u0301 Ñuñez café"},
		{"CJK", "王小明 山田太郎 김민준", "王小明 山田太郎 김민준"},
		{"Arabic and Hebrew", "محمد علي דוד לוי", "محمد علي דוד לוי"},
		{"emoji incl. ZWJ sequence and variation selector", "ok 😀 👨\u200d👩\u200d👧 ❤\ufe0f", "ok 😀 👨\u200d👩\u200d👧 ❤\ufe0f"},
		{"non-breaking space kept", "a\u00a0b", "a\u00a0b"},
		{"escapes around unicode", "\x1b[1m王\x1b[0m\u202eé", "王é"},
	}
	for _, c := range cases {
		if got := CleanLine(c.in); got != c.want {
			t.Errorf("%s: CleanLine(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"line one\nline two", "line one\nline two"},
		{"line one\r\nline two\r\n", "line one\nline two\n"},
		{"a\tb\nc", "a b\nc"},
		{"\x1b[31mred\x1b[0m\n\x1b]52;c;eA==\x07next", "red\nnext"},
		{"first\n\u202elast", "first\nlast"},
		{"王\n😀\nمحمد", "王\n😀\nمحمد"},
		{"bell\x07\nback\bspace", "bell\nbackspace"},
	}
	for _, c := range cases {
		if got := CleanText(c.in); got != c.want {
			t.Errorf("CleanText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCleanInvalidUTF8(t *testing.T) {
	for _, in := range []string{"a\x9b31mb", "a\xffb", "\xc2", "a\xe2\x80b", "\x9b\x9b"} {
		got := CleanLine(in)
		if !utf8.ValidString(got) {
			t.Errorf("CleanLine(%q) = %q is not valid UTF-8", in, got)
		}
		if strings.ContainsRune(got, 0x9b) || strings.Contains(got, "\x9b") || strings.Contains(got, "\x1b") {
			t.Errorf("CleanLine(%q) = %q keeps a control", in, got)
		}
	}
	if got := CleanLine("a\x9b31mb"); !strings.HasPrefix(got, "a") || !strings.HasSuffix(got, "b") {
		t.Errorf("CleanLine drops the text around a raw 0x9B: %q", got)
	}
}

func TestUnsafeRuneCoversTheBrief(t *testing.T) {
	for r := rune(0); r < 0x20; r++ {
		if !unsafeRune(r) {
			t.Errorf("C0 %U is not unsafe", r)
		}
	}
	for r := rune(0x7f); r <= 0x9f; r++ {
		if !unsafeRune(r) {
			t.Errorf("DEL/C1 %U is not unsafe", r)
		}
	}
	for _, r := range []rune{0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069} {
		if !unsafeRune(r) {
			t.Errorf("bidi control %U is not unsafe", r)
		}
	}
	for _, r := range []rune{' ', 'a', '~', 0xa0, 'é', '王', 'م', 'ד', 0x1f600, 0x200d, 0xfe0f} {
		if unsafeRune(r) {
			t.Errorf("%U %q is dropped but is ordinary text", r, r)
		}
	}
}

// TestCleanKeepsEverySafeRune: nothing but the unsafe and ignorable runes is lost, over
// the whole of Unicode.
func TestCleanKeepsEverySafeRune(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every code point")
	}
	for r := rune(0x20); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		in := "a" + string(r) + "b"
		got := CleanText(in)
		if unsafeRune(r) || isIgnorable(r) {
			if strings.ContainsRune(got, r) {
				t.Errorf("CleanText keeps unsafe %U", r)
			}
			continue
		}
		if got != in {
			t.Errorf("CleanText(%q) = %q: %U lost", in, got, r)
		}
	}
}

func checkClean(t *testing.T, in string) {
	t.Helper()
	line := CleanLine(in)
	for _, r := range line {
		if unsafeRune(r) {
			t.Fatalf("CleanLine(%q) = %q keeps unsafe %U", in, line, r)
		}
	}
	if strings.ContainsRune(line, '\x1b') {
		t.Fatalf("CleanLine(%q) = %q keeps ESC", in, line)
	}
	if !utf8.ValidString(line) {
		t.Fatalf("CleanLine(%q) = %q is not valid UTF-8", in, line)
	}
	if again := CleanLine(line); again != line {
		t.Fatalf("CleanLine is not idempotent: %q -> %q -> %q", in, line, again)
	}
	text := CleanText(in)
	for _, r := range text {
		if r != '\n' && unsafeRune(r) {
			t.Fatalf("CleanText(%q) = %q keeps unsafe %U", in, text, r)
		}
	}
	if again := CleanText(text); again != text {
		t.Fatalf("CleanText is not idempotent: %q -> %q -> %q", in, text, again)
	}
	if got := CleanLine(text); got != line {
		t.Fatalf("CleanLine(CleanText(%q)) = %q, CleanLine = %q", in, got, line)
	}
}

func FuzzCleanLine(f *testing.F) {
	for _, s := range []string{
		"", "plain", "\x1b[31mred\x1b[0m", "\x1b]52;c;cm0=\x07", "\x1b]8;;http://x\x1b\\y\x1b]8;;\x1b\\",
		"a\x1b", "a\rb\bc\x07d\x7f", "\u009b31m", "\x9b31m", "\u202eabc\u2066", "王\n😀\tمحمد",
		"\x1b\x07[31m", "\x1bXsos\x1b\\", "\x1bP\x1b[", "\xff\xfe", "\x1b[\u009b\x1b]", "\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkClean(t, s) })
}

// TestCleanIgnorable: default-ignorable and format characters are dropped
// because terminals disagree about them with the layout: a soft hyphen is
// no cell to x/ansi and one to xterm, so a reason of 150 of them pushed the
// audit pane's row 150 cells wider than it was measured and overwrote the
// next one. Invisible ones hide text from the operator reading it.
func TestCleanIgnorable(t *testing.T) {
	cases := []struct {
		name, in, want, why string
	}{
		{"soft hyphen", "Mar\u00adia", "Maria", "0 cells to the layout, 1 to xterm"},
		{"150 soft hyphens in a reason", "ok" + strings.Repeat("\u00ad", 150), "ok", "overwrote the next audit row"},
		{"tag characters", "lee\U000E0041\U000E0042\U000E007F", "lee", "invisible ASCII smuggled past a reader"},
		{"Hangul choseong filler", "a\u115fb", "ab", "a blank-looking letter, 2 cells to x/ansi, 0 in many fonts"},
		{"Hangul jungseong filler", "a\u1160b", "ab", "a blank-looking letter"},
		{"Hangul filler", "\u3164\u3164", "", "a name that reads as blank"},
		{"halfwidth Hangul filler", "a\uffa0b", "ab", "a blank-looking letter"},
		{"zero-width space, non-joiner, joiner in text", "a\u200bb\u200cc\u200dd", "abcd", "hide where words break"},
		{"word joiner and invisible operators", "a\u2060b\u2062c\u2064d", "abcd", "invisible"},
		{"Mongolian vowel separator", "a\u180eb", "ab", "format character"},
		{"combining grapheme joiner", "a\u034fb", "ab", "default-ignorable"},
		{"variation selector on a letter", "a\ufe0fb\ufe00c", "abc", "1 extra cell to x/ansi, 0 to wcwidth"},
		{"ideographic variation selector", "王\U000E0100", "王", "default-ignorable"},
		{"Arabic number sign", "a\u0600b", "ab", "prepended format character"},
		{"musical symbol format", "a\U0001D173b", "ab", "format character"},
		{"emoji presentation selector kept", "❤\ufe0f ok", "❤\ufe0f ok", "part of the emoji"},
		{"keycap kept", "1\ufe0f\u20e3", "1\ufe0f\u20e3", "part of the keycap"},
		{"family ZWJ sequence kept", "👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧", "joins the pictographs"},
		{"ZWJ after a pictograph before a letter", "👨\u200dx", "👨x", "joins nothing"},
	}
	for _, c := range cases {
		got := CleanLine(c.in)
		if got != c.want {
			t.Errorf("%s (%s): CleanLine(%q) = %q, want %q", c.name, c.why, c.in, got, c.want)
			continue
		}
		if strings.ContainsAny(c.want, "\u200d\ufe0f") {
			continue // emoji sequences: grapheme and per-rune widths differ by design
		}
		// The console measures with graphemes (x/ansi, lipgloss), terminals
		// with per-rune wcwidth: after cleaning they agree.
		if g, wc := ansi.StringWidth(got), ansi.StringWidthWc(got); g != wc {
			t.Errorf("%s: %q is %d cells to the layout, %d to wcwidth", c.name, got, g, wc)
		}
	}
}

func TestQuoteArgEscapesWhatATerminalWouldAct(t *testing.T) {
	cases := []struct{ in, want string }{
		{"R-2026-00042", `"R-2026-00042"`},
		{"X\x1b]52;c;QUFB\x07", `"X\x1b]52;c;QUFB\x07"`}, // OSC 52 would write the clipboard
		{"a\u202eb", `"a\u202eb"`},                       // bidi override reorders the message
		{"a\u00adb", `"a\u00adb"`},                       // soft hyphen: width the layout does not see
		{"lee\U000E0041", `"lee\U000e0041"`},             // tag character: invisible
		{"a\u009bb", `"a\u009bb"`},                       // C1 CSI
		{"a\xffb", `"a\xffb"`},                           // invalid UTF-8 shown as the byte
		{`say "hi" \ bye`, `"say \"hi\" \\ bye"`},
		{"María 王", `"María 王"`},
		{strings.Repeat("é", 150), `"` + strings.Repeat("é", 100) + `"…`},
	}
	for _, c := range cases {
		if got := QuoteArg(c.in); got != c.want {
			t.Errorf("QuoteArg(%q) = %s, want %s", c.in, got, c.want)
		}
		if strings.ContainsAny(QuoteArg(c.in), "\x1b\x07") || strings.ContainsAny(EscapeLine(c.in), "\x1b\x07") {
			t.Errorf("%q: raw ESC or BEL survives", c.in)
		}
	}
	if got := EscapeLine("open X\x1b[2J: no such file"); got != `open X\x1b[2J: no such file` {
		t.Errorf("EscapeLine = %q", got)
	}
}

func TestCheckPlainPath(t *testing.T) {
	for _, c := range []struct {
		path string
		ok   bool
	}{
		{"/var/lib/custodian", true},
		{"/home/maría/données", true},
		{"/tmp/x\x1b]52;c;QUFB\x07", false},
		{"/tmp/a\u202ebin", false},
		{"/tmp/a\u00adb", false},
		{"/tmp/a\nb", false},
		{"/tmp/a\xffb", false},
	} {
		err := CheckPlainPath("--data-dir", c.path)
		if (err == nil) != c.ok {
			t.Errorf("CheckPlainPath(%q) = %v, want ok %v", c.path, err, c.ok)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x1b\x07\n") {
			t.Errorf("the refusal of %q carries raw controls: %q", c.path, err)
		}
	}
}

func TestEscapeJSONKeepsTheTextAndValidJSON(t *testing.T) {
	for _, s := range []string{"plain", "a\u202eb", "a\u009bb", "lee\U000E0041\U000E007F", "a\u00adb", "❤\ufe0f", "王"} {
		raw, _ := json.Marshal(map[string]string{"name": s})
		out := EscapeJSON(raw)
		var back map[string]string
		if err := json.Unmarshal(out, &back); err != nil || back["name"] != s {
			t.Errorf("%q: EscapeJSON gave %s, which reads back as %q (%v)", s, out, back["name"], err)
		}
		if bytes.ContainsFunc(out, UnsafeRune) {
			t.Errorf("%q: EscapeJSON left an unsafe rune in %s", s, out)
		}
	}
}
