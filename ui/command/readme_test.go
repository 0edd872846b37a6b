package command

import (
	"flag"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// flagsOf is the set of flags c takes, its own and the global ones.
func flagsOf(c Command) map[string]bool {
	fs, _, _ := flagSetFor(c)
	names := map[string]bool{"help": true} // the flag package's own, as -h
	fs.VisitAll(func(f *flag.Flag) { names[f.Name] = true })
	return names
}

// TestREADMECommandsAreTheTable keeps the README's command lines true:
// every `--flag` it mentions is declared by some command, and a line that
// names a command (`custodian requests list --json`) gives it only flags
// that command takes. The README tells the story; `custodian help` is the
// reference, made from the table.
func TestREADMECommandsAreTheTable(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("reading the README: %v", err)
	}
	table := Table()
	anywhere := map[string]bool{"help": true}
	for _, c := range table {
		for f := range flagsOf(c) {
			anywhere[f] = true
		}
	}
	flagRE := regexp.MustCompile(`--([a-z][a-z-]*)`)
	tops := map[string]bool{}
	for _, c := range table {
		if w, _, _ := strings.Cut(c.Path, " "); w != "" {
			tops[w] = true
		}
	}
	for n, line := range strings.Split(string(raw), "\n") {
		for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
			if !anywhere[m[1]] {
				t.Errorf("README line %d mentions --%s, which no command takes", n+1, m[1])
			}
		}
		// Each "custodian WORDS…" on the line, up to the next one.
		segments := strings.Split(line, "custodian ")
		for _, seg := range segments[1:] {
			words := strings.Fields(seg)
			if len(words) == 0 || !tops[strings.Trim(words[0], "`")] {
				continue // prose: "custodian's", "custodian command"
			}
			var path []string
			for _, w := range words {
				w = strings.Trim(w, "`")
				if !isPrefix(table, strings.Join(append(slices.Clone(path), w), " ")) {
					break
				}
				path = append(path, w)
			}
			c, ok := find(table, strings.Join(path, " "))
			if !ok {
				continue // a group with a placeholder: "custodian requests VERB ID"
			}
			takes := flagsOf(c)
			for _, m := range flagRE.FindAllStringSubmatch(seg, -1) {
				if !takes[m[1]] {
					t.Errorf("README line %d: custodian %s does not take --%s", n+1, c.Path, m[1])
				}
			}
		}
	}
}
