package demo

import "strings"

// longValue is a 5000-byte (and 5000-rune) value: it must be truncated, never
// allowed to push a layout off screen or into a log line.
var longValue = func() string {
	const unit = "Wolfeschlegelsteinhausenbergerdorff "
	s := strings.Repeat(unit, 5000/len(unit)+1)
	return s[:5000]
}()

// hostile are values an attacker can type into a web form. Each one reaches
// the database through the demo data (subjects, records, requests, notes);
// none may reach a terminal or a log unsanitised.
var hostile = []string{
	"Eve \x1b[31mred\x1b[0m Alert",                                   // SGR colour
	"Clip\x1b]52;c;Y3VzdG9kaWFuIHB3bmVk\x07board",                    // OSC 52: write the operator's clipboard
	"Wipe\x1b[2J\x1b[HScreen",                                        // clear screen, cursor home
	"Request denied\rRequest APPROVED",                               // carriage return overwrites the line
	"secret\b\b\b\b\b\bpublic",                                       // backspaces rewrite what was shown
	"Bell\x07\x07\x07Ringer",                                         // BEL
	"C1 \u009b31mcsi\u009b0m Casey",                                  // C1 CSI (U+009B) that survives a 7-bit strip
	"Amir \u202eredro\u202c Malik",                                   // right-to-left override
	"Isolate \u2066\u2067nested\u2069\u2069 Ide",                     // bidi isolates
	"Zero\u200dWidth\u200b Jo\u200cin\u2060er",                       // ZWJ, ZWSP, ZWNJ, word joiner
	"Link \x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\", // OSC 8 hyperlink
	"Title\x1b]0;pwned\x07 Tom",                                      // OSC 0: set the window title
	"ok\x1b[1A\x1b[2Kforged previous line",                           // cursor up + erase line
	"Ask\x1b[6nterm",                                                 // DSR: makes the terminal type a reply
	"Dee\x7fEl",                                                      // DEL
	"Marks\u200e\u200f\u061c\ufeffHidden",                            // LRM, RLM, ALM, BOM mid-string
	"Line one\nLine two\tTabbed",                                     // newline and tab in a one-line field
	longValue,                                                        // 5000 characters
}

// HostileStrings returns the hostile values seeded into the demo data, so UI
// and log tests can assert that none of them reaches the screen verbatim.
func HostileStrings() []string { return append([]string(nil), hostile...) }
