package main

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/model"
)

var updateREADME = flag.Bool("update", false, "rewrite the README's rule table from model.RuleBookMarkdown")

const (
	rulesBegin = "<!-- rules:begin -->\n"
	rulesEnd   = "<!-- rules:end -->"
)

// TestREADMERules keeps the README's rule section what the rule book says:
// the table between the markers is model.RuleBookMarkdown(), so a rule
// changed in model/ without the README (or the other way round) fails.
func TestREADMERules(t *testing.T) {
	const path = "README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the README: %v", err)
	}
	readme := string(b)
	start := strings.Index(readme, rulesBegin)
	end := strings.Index(readme, rulesEnd)
	if start < 0 || end < start || strings.Count(readme, rulesBegin) != 1 || strings.Count(readme, rulesEnd) != 1 {
		t.Fatalf("%s needs exactly one %q and, after it, one %q around the rule table", path, strings.TrimSpace(rulesBegin), rulesEnd)
	}
	start += len(rulesBegin)
	want := model.RuleBookMarkdown()
	if readme[start:end] == want {
		return
	}
	if *updateREADME {
		fresh := readme[:start] + want + readme[end:]
		if err := os.WriteFile(path, []byte(fresh), 0o644); err != nil {
			t.Fatalf("rewriting the README's rule table: %v", err)
		}
		t.Logf("rewrote the rule table in %s", path)
		return
	}
	t.Errorf("the rule table in %s differs from model.RuleBookMarkdown(); run `go test -run TestREADMERules -update .` or put this between the markers:\n%s", path, want)
}
