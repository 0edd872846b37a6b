package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/ui/cli"
	"github.com/custodian-dev/custodian/ui/present"
)

// TestCLIHelpListsEveryRequestVerb: `custodian help` names every request
// verb, and each verb's own help shows each of its flags.
func TestCLIHelpListsEveryRequestVerb(t *testing.T) {
	code, list, stderr := runCLI(t, "help")
	if code != 0 {
		t.Fatalf("help: exit %d, %s", code, stderr)
	}
	for _, v := range cli.Verbs() {
		if !strings.Contains(list, "custodian requests "+v.Name+" ID") {
			t.Errorf("the help does not list `custodian requests %s`", v.Name)
		}
		code, own, stderr := runCLI(t, "help", "requests", v.Name)
		if code != 0 {
			t.Fatalf("help requests %s: exit %d, %s", v.Name, code, stderr)
		}
		for _, f := range v.Flags {
			if !strings.Contains(own, "--"+f) {
				t.Errorf("the help of requests %s does not show its --%s", v.Name, f)
			}
		}
	}
}

func TestCLIRequestVerbs(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "60", "--requests", "30"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	as := func(op string, args ...string) []string { return append(args, "--data-dir", dir, "--operator", op) }
	idsIn := func(status string) []string {
		t.Helper()
		code, out, stderr := runCLI(t, as("lee", "requests", "list", "--status", status, "--json")...)
		var rows []cli.ListRow
		if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) == 0 {
			t.Fatalf("list %s: exit %d %s", status, code, stderr)
		}
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		return ids
	}
	show := func(id string) present.Request {
		t.Helper()
		code, out, stderr := runCLI(t, as("lee", "requests", "show", "--json", id)...)
		var v present.Request
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
			t.Fatalf("show %s: exit %d %s", id, code, stderr)
		}
		return v
	}
	received := idsIn("received")[0]
	before := show(received)

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"a flag the verb does not take", as("sam", "requests", "acknowledge", received, "--reason", "x"), "flag provided but not defined: -reason"},
		{"no id", as("sam", "requests", "acknowledge"), "give the request id"},
		{"link without the subject", as("sam", "requests", "link", received), "give the SUBJECT_ID"},
		{"two ids", as("sam", "requests", "note", received, received, "--text", "x"), "unexpected argument"},
		{"an amount that is not one", as("lee", "requests", "fee", received, "--amount", "twenty", "--reason", "x"), "--amount 25.50"},
		{"a refusal of the role", as("sam", "requests", "refuse", received, "--reason", "too many"), "cannot refuse"},
		{"a refusal says whom to ask", as("sam", "requests", "refuse", received, "--reason", "too many"), "--operator HANDLE"},
		{"input the controller refuses", as("lee", "requests", "refuse", received), "usage: custodian requests refuse ID [--reason TEXT]"},
		{"an unknown request", as("sam", "requests", "acknowledge", "R-nope"), "custodian requests list --status all"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != exitBadInput || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d saying %q", code, stderr, exitBadInput, tc.want)
			}
		})
	}
	if after := show(received); after.Version != before.Version {
		t.Fatalf("refused commands changed %s: version %d→%d", received, before.Version, after.Version)
	}

	code, out, stderr := runCLI(t, as("sam", "requests", "assign", received, "--to", "me")...)
	if code != 0 || !strings.HasPrefix(out, received+"  assign  now received") {
		t.Fatalf("assign: exit %d, out %q, err %q", code, out, stderr)
	}
	if v := show(received); v.AssignedTo != "sam" || v.Version != before.Version+1 {
		t.Fatalf("assign --to me: assigned to %q, version %d", v.AssignedTo, v.Version)
	}
}

// A refusal's remedy is the command that clears it, never a console key.
// This needs the controller to refuse with a *model.Refusal naming its
// remedy (db.Store.RunFulfilment through model.Decide).
func TestCLIRefusalNamesTheCommandThatClearsIt(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "60", "--requests", "30"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	as := func(op string, args ...string) []string { return append(args, "--data-dir", dir, "--operator", op) }
	code, out, stderr := runCLI(t, as("lee", "requests", "list", "--status", "approved", "--json")...)
	var rows []cli.ListRow
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil {
		t.Fatalf("list: exit %d %s", code, stderr)
	}
	for _, r := range rows {
		code, out, _ := runCLI(t, as("lee", "requests", "show", "--json", r.ID)...)
		var v present.Request
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Fulfilment != nil {
			continue
		}
		code, _, stderr := runCLI(t, as("lee", "requests", "run", r.ID)...)
		if code != exitBadInput || !strings.Contains(stderr, "custodian requests plan "+r.ID+" --new") || strings.Contains(stderr, "(p)") {
			t.Fatalf("run before a plan: exit %d, stderr %q; want the plan command and no console key", code, stderr)
		}
		return
	}
	t.Fatal("no approved demo request without a plan")
}
