package sshd

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

// TestHostileStringsNeverReachARemoteTerminal opens, over SSH, the requests
// whose requester, agent or notes carry the demo's hostile strings, and
// checks every byte the client received: only the renderer's own cursor,
// erase, mode and colour sequences, no OSC but the console's own, no
// DCS/APC, no C1 or bidi controls, and no hostile sequence verbatim.
func TestHostileStringsNeverReachARemoteTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	_, store := seeded(t)
	ts := startServer(t, store, nil)
	targets := hostileRequests(t, store)
	if len(targets) < 3 {
		t.Fatalf("only %d open requests carry hostile strings; the check would prove little", len(targets))
	}
	tm := openTerm(t, ts.mustDial(t, "lee"), 120, 40, nil)
	tm.waitText("due this week")
	var screens strings.Builder
	for _, id := range targets {
		tm.press(":")
		tm.typ("open " + id)
		tm.press("enter")
		screens.WriteString(tm.waitDetail(id))
		for range 6 {
			tm.press("pgdown")
		}
		tm.press("G")
		screens.WriteString(tm.waitFor("the end of "+id, func(s string) bool { return strings.Contains(s, "Notes (") }))
		tm.press("esc")
		tm.waitFor("the queue", func(s string) bool { return !strings.Contains(s, "› "+id) })
	}
	tm.press("q")
	tm.ended(10e9)

	checkWire(t, tm.rawOutput())
	// The check means something only if hostile text was on screen.
	shown := 0
	for _, w := range []string{"Clip", "Wipe", "Bell", "Title", "Ask", "Marks", "Isolate", "Link"} {
		if strings.Contains(screens.String(), w) {
			shown++
		}
	}
	if shown < 2 {
		t.Fatalf("the screens showed only %d of the hostile values' words; the check saw nothing hostile", shown)
	}
}

// checkWire fails if raw holds a hostile value's control sequence or any
// sequence the renderer does not use.
func checkWire(t testing.TB, raw string) {
	t.Helper()
	for _, h := range demo.HostileStrings() {
		for _, frag := range hostileFragments(h) {
			if strings.Contains(raw, frag) {
				t.Errorf("the client received %q verbatim (from hostile %q)", frag, excerpt(h))
			}
		}
	}
	if strings.Contains(ansi.Strip(raw), "Y3VzdG9kaWFuIHB3bmVk") {
		t.Error("an OSC 52 clipboard payload reached the client as text")
	}
	assertOnlyRendererSequences(t, raw)
}

func TestCheckWireCatchesEveryHostileString(t *testing.T) {
	// The check must see each attack on the wire, or its pass means nothing.
	for _, h := range demo.HostileStrings() {
		if len(hostileFragments(h)) == 0 {
			continue // nothing a terminal acts on (zero-width joiners, the long value)
		}
		rec := &recorder{TB: t}
		checkWire(rec, "\x1b[H"+h+"\x1b[K")
		if !rec.failed {
			t.Errorf("checkWire accepts %q", h)
		}
	}
}

// recorder is a testing.TB that only notes failure.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Error(...any)          { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Failed() bool          { return r.failed }

// hostileRequests lists open requests whose detail shows a hostile string.
func hostileRequests(t *testing.T, store *db.Store) []string {
	t.Helper()
	ctx := context.Background()
	sys := model.SystemActor("test")
	rows, err := store.Queue(ctx, sys, model.QueueFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, row := range rows {
		r, err := store.Request(ctx, sys, row.ID)
		if err != nil {
			t.Fatal(err)
		}
		texts := []string{r.Requester.Name, r.Requester.Email}
		for _, n := range r.Notes {
			texts = append(texts, n.Text)
		}
		if r.Agent != nil {
			texts = append(texts, r.Agent.Organization)
		}
		if slices.ContainsFunc(texts, func(s string) bool {
			return slices.ContainsFunc(demo.HostileStrings(), func(h string) bool { return len(h) < 200 && strings.Contains(s, h) })
		}) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// hostileFragments are the control sequences of h joined to the text
// beside them (up to 3 runes either side): what a pass-through would put on
// the wire, and what the renderer's own sequences, which sit between
// cells it drew, never look like.
func hostileFragments(h string) []string {
	type seg struct {
		text    string
		control bool
	}
	var segs []seg
	p := ansi.NewParser()
	var state byte
	for b := []byte(h); len(b) > 0; {
		sq, _, n, next := ansi.DecodeSequence(b, state, p)
		state = next
		r, _ := utf8.DecodeRune(sq)
		ctrl := sq[0] == 0x1b || sq[0] < 0x20 && sq[0] != '\n' && sq[0] != '\t' || sq[0] == 0x7f ||
			r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
		if !ctrl && len(segs) > 0 && !segs[len(segs)-1].control {
			segs[len(segs)-1].text += string(sq)
		} else {
			segs = append(segs, seg{string(sq), ctrl})
		}
		b = b[n:]
	}
	var out []string
	for k, sg := range segs {
		if !sg.control {
			continue
		}
		if k > 0 && !segs[k-1].control {
			rs := []rune(segs[k-1].text)
			out = append(out, string(rs[max(0, len(rs)-3):])+sg.text)
		}
		if k+1 < len(segs) && !segs[k+1].control {
			rs := []rune(segs[k+1].text)
			out = append(out, sg.text+string(rs[:min(3, len(rs))]))
		}
	}
	return out
}

func excerpt(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// assertOnlyRendererSequences walks raw as a terminal would and fails on
// anything but plain text and the sequences the console's renderer uses.
func assertOnlyRendererSequences(t testing.TB, raw string) {
	t.Helper()
	allowedOSC := []string{"\x1b]11;?\a", "\x1b]112\a", "\x1b]2;custodian\a", "\x1b]0;custodian\a", "\x1b]2;\a", "\x1b]0;\a"}
	p := ansi.NewParser()
	var state byte
	b := []byte(raw)
	for len(b) > 0 {
		seq, _, n, next := ansi.DecodeSequence(b, state, p)
		state = next
		s := string(seq)
		switch {
		case len(seq) == 0:
		case seq[0] == 0x1b && len(seq) > 1 && seq[1] == '[':
			final := seq[len(seq)-1]
			if strings.IndexByte("HGdXKJrABCDEFmhlquSTLMP@b", final) < 0 && !strings.HasSuffix(s, "$p") {
				t.Errorf("CSI sequence %q is not one the renderer uses", s)
			}
		case seq[0] == 0x1b && len(seq) > 1 && seq[1] == ']':
			if !slices.Contains(allowedOSC, s) && !cursorColour.MatchString(s) {
				t.Errorf("OSC %q is not the console's own", s)
			}
		case seq[0] == 0x1b:
			if len(seq) > 1 && strings.IndexByte("P_^X", seq[1]) >= 0 {
				t.Errorf("string sequence %q (DCS/APC/PM/SOS) reached the client", s)
			} else if s != "\x1b7" && s != "\x1b8" && s != "\x1b=" && s != "\x1b>" && s != "\x1bM" {
				t.Errorf("escape %q is not one the renderer uses", s)
			}
		case seq[0] < 0x20:
			if s != "\r" && s != "\n" {
				t.Errorf("control %q reached the client", s)
			}
		default:
			for _, r := range s {
				if r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
					r == 0x200e || r == 0x200f || r == 0x061c || r == utf8.RuneError {
					t.Errorf("control rune U+%04X reached the client in %q", r, s)
				}
			}
		}
		if t.Failed() {
			t.Fatalf("stopping at the first bad byte run; %d bytes checked", len(raw)-len(b))
		}
		b = b[n:]
	}
}

// cursorColour is OSC 12, the text input's cursor colour.
var cursorColour = regexp.MustCompile(`^\x1b\]12;#[0-9a-f]{6}\a$`)
