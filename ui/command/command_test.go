package command

import (
	"bytes"
	"flag"
	"maps"
	"strings"
	"testing"
)

// parsed is what a command line resolves to, for comparing two of them.
type parsed struct {
	path    string
	globals Globals
	args    []string
	flags   map[string]string
}

func parseForTest(t *testing.T, args ...string) (parsed, int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	inv, code, done := parseLine(Table(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if done {
		return parsed{}, code, out.String() + errb.String()
	}
	p := parsed{path: inv.cmd.Path, globals: *inv.globals, args: inv.args, flags: map[string]string{}}
	inv.fs.VisitAll(func(f *flag.Flag) { p.flags[f.Name] = f.Value.String() })
	return p, 0, ""
}

// TestEveryCommandSaysWhatItDoes: every row of the table has a summary,
// names its arguments, and every flag it takes (its own and the global
// ones) has help text. Building each flag set also proves no command
// declares a flag twice or reuses a global one (flag panics on both).
func TestEveryCommandSaysWhatItDoes(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Table() {
		name := strings.TrimSpace("custodian " + c.Path)
		if seen[c.Path] {
			t.Errorf("%s is in the table twice", name)
		}
		seen[c.Path] = true
		if strings.TrimSpace(c.Summary) == "" || strings.Contains(c.Summary, "\n") {
			t.Errorf("%s: want a one-line summary, got %q", name, c.Summary)
		}
		for _, a := range c.Args {
			if a.Name == "" || (!c.FreeArgs && a.What == "") {
				t.Errorf("%s: argument %+v needs a name and, when the parser checks it, what to ask for", name, a)
			}
		}
		fs, _, run := flagSetFor(c)
		if run == nil {
			t.Errorf("%s: Bind returns no run function", name)
		}
		fs.VisitAll(func(f *flag.Flag) {
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s: --%s has no help text", name, f.Name)
			}
		})
	}
}

// TestGlobalFlagsBeforeOrAfterTheCommand: a global flag means the same
// wherever it stands — before the command's name, between its words,
// after it, or after its arguments — and so do a command's own flags
// after its arguments.
func TestGlobalFlagsBeforeOrAfterTheCommand(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	t.Setenv("CUSTODIAN_AUDIT_KEY", "")
	t.Setenv("CUSTODIAN_CHECKPOINT_LOG", "")
	cases := []struct {
		name  string
		lines [][]string
	}{
		{"requests list", [][]string{
			{"--data-dir", "D", "--operator", "lee", "requests", "list", "--json"},
			{"requests", "list", "--json", "--data-dir", "D", "--operator", "lee"},
			{"requests", "--data-dir", "D", "list", "--operator=lee", "--json"},
			{"--operator", "lee", "requests", "list", "--data-dir=D", "--json"},
		}},
		{"a flag after the id", [][]string{
			{"--db", "x", "requests", "show", "R-1", "--json"},
			{"requests", "show", "--json", "R-1", "--db", "x"},
			{"requests", "show", "R-1", "--db=x", "--json"},
		}},
		{"a verb with two arguments", [][]string{
			{"--mongo-uri", "mongodb://h", "requests", "link", "R-1", "S-2"},
			{"requests", "link", "R-1", "--mongo-uri", "mongodb://h", "S-2"},
			{"requests", "link", "R-1", "S-2", "--mongo-uri", "mongodb://h"},
		}},
		{"a command below a command", [][]string{
			{"--data-dir", "D", "db", "doctor", "--drop", "c1"},
			{"db", "doctor", "--drop", "c1", "--data-dir", "D"},
		}},
		{"the console", [][]string{
			{"--data-dir", "D", "--keys", "k.toml"},
			{"--keys", "k.toml", "--data-dir", "D"},
		}},
		{"operators", [][]string{
			{"--audit-key", "K", "operators", "add", "bob", "--role", "lead"},
			{"operators", "add", "--role", "lead", "bob", "--audit-key", "K"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first, code, msg := parseForTest(t, tc.lines[0]...)
			if code != 0 {
				t.Fatalf("%q: exit %d, %s", tc.lines[0], code, msg)
			}
			if first.globals == (Globals{database: "custodian"}) {
				t.Fatalf("%q: no global flag was read", tc.lines[0])
			}
			for _, line := range tc.lines[1:] {
				got, code, msg := parseForTest(t, line...)
				if code != 0 {
					t.Fatalf("%q: exit %d, %s", line, code, msg)
				}
				if got.path != first.path || got.globals != first.globals || strings.Join(got.args, " ") != strings.Join(first.args, " ") || !maps.Equal(got.flags, first.flags) {
					t.Errorf("%q parses as %+v,\n%q as %+v", line, got, tc.lines[0], first)
				}
			}
		})
	}
}

// TestEnvironmentFillsOnlyWhatTheLineLeavesOut: CUSTODIAN_MONGO_URI is
// the default, --mongo-uri (even empty, for the embedded database) wins.
func TestEnvironmentFillsOnlyWhatTheLineLeavesOut(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "mongodb://from-env")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"seed"}, "mongodb://from-env"},
		{[]string{"seed", "--mongo-uri", "mongodb://flag"}, "mongodb://flag"},
		{[]string{"--mongo-uri=", "seed"}, ""},
	} {
		p, code, msg := parseForTest(t, tc.args...)
		if code != 0 || p.globals.mongoURI != tc.want {
			t.Errorf("%q: exit %d %s, mongo URI %q, want %q", tc.args, code, msg, p.globals.mongoURI, tc.want)
		}
	}
}

// TestBadCommandLines: one line naming what is wrong and what to do, exit 2.
func TestBadCommandLines(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"sed"}, []string{`unknown command "sed"`, `did you mean "custodian seed"?`, "custodian help"}},
		{[]string{"launch"}, []string{`unknown command "launch"`, "custodian help"}},
		{[]string{"requests", "lsit"}, []string{`unknown subcommand "lsit"`, `did you mean "custodian requests list"?`}},
		{[]string{"requests"}, []string{"unknown or missing subcommand", "custodian requests import|show|list"}},
		{[]string{"audit", "exprot"}, []string{`unknown subcommand "exprot"`, "custodian audit export"}},
		{[]string{"audit", "--data-dir", "D"}, []string{"unknown or missing subcommand", "custodian audit verify, custodian audit export"}},
		{[]string{"requests", "list", "--colour"}, []string{"custodian requests list: flag provided but not defined: -colour", "custodian help requests list"}},
		{[]string{"requests", "show"}, []string{"give the request id"}},
		{[]string{"requests", "show", "R-1", "R-2"}, []string{`unexpected argument "R-2"`}},
		{[]string{"requests", "--json", "list"}, []string{"custodian requests: flag provided but not defined: -json"}},
		{[]string{"seed", "--subjects", "many"}, []string{`invalid value "many" for flag -subjects`}},
		{[]string{"version", "now"}, []string{`unexpected argument "now"`}},
		{[]string{"help", "requests", "lsit"}, []string{`no command "requests lsit"`, `did you mean "custodian requests list"?`}},
	} {
		_, code, msg := parseForTest(t, tc.args...)
		if tc.args[0] == "help" {
			var out, errb bytes.Buffer
			code = Main(t.Context(), tc.args, Env{Stdout: &out, Stderr: &errb})
			msg = out.String() + errb.String()
		}
		if code != ExitBadInput || strings.Count(msg, "\n") != 1 {
			t.Errorf("%q: exit %d, want %d and one line; got %q", tc.args, code, ExitBadInput, msg)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q: %q does not say %q", tc.args, msg, w)
			}
		}
	}
}

// TestHelpComesFromTheTable: every way of asking for help answers on
// stdout with exit 0, and a command's help shows its flags' help text.
func TestHelpComesFromTheTable(t *testing.T) {
	help := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Main(t.Context(), args, Env{Stdout: &out, Stderr: &errb}); code != 0 || errb.Len() > 0 {
			t.Fatalf("%q: exit %d, stderr %q", args, code, errb.String())
		}
		return out.String()
	}
	list := help("help")
	for _, same := range [][]string{{"--help"}, {"-h"}, {"--data-dir", "D", "--help"}} {
		if got := help(same...); got != list {
			t.Errorf("%q differs from custodian help", same)
		}
	}
	for _, c := range Table() {
		if !strings.Contains(list, strings.TrimSuffix(c.Usage(), " [flags]")) || !strings.Contains(list, c.Summary) {
			t.Errorf("custodian help does not list %q with its summary", c.Usage())
		}
	}
	for _, global := range []string{"--mongo-uri URI", "--data-dir DIR", "--operator HANDLE", "--checkpoint-log FILE", "CUSTODIAN_AUDIT_KEY"} {
		if !strings.Contains(list, global) {
			t.Errorf("custodian help does not describe %s", global)
		}
	}

	own := help("help", "requests", "list")
	for _, same := range [][]string{{"requests", "list", "--help"}, {"requests", "list", "-h"}, {"--data-dir", "D", "requests", "list", "-h"}} {
		if got := help(same...); got != own {
			t.Errorf("%q differs from custodian help requests list:\n%s", same, got)
		}
	}
	for _, want := range []string{"usage: custodian requests list [flags]", "--status STATUSES", "completed,denied", "(default open)", "--tenant ID", "--json"} {
		if !strings.Contains(own, want) {
			t.Errorf("custodian help requests list does not say %q:\n%s", want, own)
		}
	}

	group := help("help", "audit")
	if group != help("audit", "--help") || !strings.Contains(group, "custodian audit verify") || !strings.Contains(group, "custodian audit export") {
		t.Errorf("custodian help audit:\n%s", group)
	}
	if ops := help("operators", "help"); !strings.Contains(ops, "custodian operators add NAME") {
		t.Errorf("custodian operators help:\n%s", ops)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"seed", "seed", 0}, {"sed", "seed", 1}, {"lsit", "list", 2}, {"kitten", "sitting", 3}, {"", "abc", 3},
	} {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
