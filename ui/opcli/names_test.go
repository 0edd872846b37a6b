package opcli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// TestOperatorNamesFollowTheImportRule: an operator's full name is checked
// by the rule for an imported requester's name (model.ParseName), at the
// command and again at the controller, so neither path stores control,
// bidi or invisible characters.
func TestOperatorNamesFollowTheImportRule(t *testing.T) {
	c := seededCLI(t)
	ctx := context.Background()
	ada, err := c.store.Operator(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	admin := model.Actor{Operator: ada, Origin: "cli"}
	for _, tc := range []struct{ name, fullName string }{
		{"escape sequence", "Zed\x1b[2J"},
		{"bidi override", "Zed \u202eevil"},
		{"soft hyphens", "Zed" + strings.Repeat("\u00ad", 150)},
		{"Hangul fillers", "\u3164\u3164"},
		{"tag characters", "Zed\U000E0041"},
		{"too long", strings.Repeat("z", model.MaxNameLen+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := c.run("ada", "add", "zed", "--role", "support", "--name", tc.fullName)
			if code != exitBadInput || !strings.Contains(errs, "--name") {
				t.Fatalf("exit %d, stderr %q: want the name refused", code, errs)
			}
			if strings.ContainsAny(errs, "\x1b\u202e") {
				t.Errorf("the refusal repeats raw controls: %q", errs)
			}
			err := c.store.PutOperator(ctx, admin, model.Operator{Handle: "zed", Name: tc.fullName, Role: model.RoleSupport})
			if !errors.Is(err, db.ErrInvalid) {
				t.Errorf("the controller stored the name: %v", err)
			}
			if _, err := c.store.Operator(ctx, "zed"); err == nil {
				t.Fatal("a refused name was stored")
			}
		})
	}
	if code, _, errs := c.run("ada", "add", "zed", "--role", "support", "--name", "Zoë Ødegård 王"); code != exitOK {
		t.Fatalf("a plain name was refused: %s", errs)
	}
	code, out, _ := c.run("ada", "list", "--json")
	if code != exitOK || !strings.Contains(out, "Zoë Ødegård 王") || strings.ContainsFunc(out, func(r rune) bool { return r != '\n' && model.UnsafeRune(r) }) {
		t.Errorf("list --json: exit %d, %s", code, out)
	}
}
