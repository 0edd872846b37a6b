package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
	"github.com/custodian-dev/custodian/ui/present"
)

// TestCLIThreeProcessesShareOneDatabase runs three workers at once, each
// starting the real binary again and again against one database: each
// imports the same request file, then adds its own note to every request
// and tries to acknowledge it. On the embedded database the first process
// to start hosts it and the others join through the data directory's
// socket; with CUSTODIAN_TEST_MONGO_URI set all of them use --mongo-uri.
//
// A process may fail or be refused (a lost race, a host that went away),
// but whatever it reported as done must be in the database exactly once:
// every request once, every acknowledged note once, one acknowledgement per
// request, and the audit chain verifies and matches every request's history.
func TestCLIThreeProcessesShareOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds custodian and runs it many times at once")
	}
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := t.TempDir()
	bin := buildCustodian(t, dir)
	// The data directory holds the audit keys and checkpoint in both modes,
	// so the three processes share them as servers sharing a cluster must.
	common := []string{"--data-dir", filepath.Join(dir, "data")}
	if dbtest.External() {
		common = append(common, "--mongo-uri", dbtest.ExternalURI(), "--db", dbtest.ExternalDatabase(t))
	}
	type result struct {
		code     int
		out, err string
	}
	run := func(op string, args ...string) result {
		cmd := exec.Command(bin, append(append(args, common...), "--operator", op)...)
		cmd.Env = append(os.Environ(), "CUSTODIAN_MONGO_URI=")
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			return result{code: -1, err: err.Error()}
		}
		return result{code, out.String(), errb.String()}
	}
	if r := run("ada", "seed", "--subjects", "60", "--requests", "10"); r.code != 0 {
		t.Fatalf("seed: exit %d: %s", r.code, r.err)
	}

	const n = 6
	var lines strings.Builder
	ids := make([]string, n)
	for i := range ids {
		ref := fmt.Sprintf("multiproc-%d", i)
		ids[i] = cli.ImportRequestID(ref)
		fmt.Fprintf(&lines, `{"external_ref": %q, "tenant": "oakridge-ca", "type": "opt_out", "channel": "web", "received": "today", "requester": {"name": "Multi Proc %d", "email": "multi.proc.%d@example.org"}}`+"\n", ref, i, i)
	}
	file := filepath.Join(dir, "requests.jsonl")
	if err := os.WriteFile(file, []byte(lines.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	// What each worker was told; read only after wg.Wait.
	type outcome struct {
		imports []result
		notes   map[string]string         // request id → note text reported as added
		done    map[string][]model.Action // request id → actions reported as done
		log     []string
	}
	outcomes := make([]outcome, 3)
	var wg sync.WaitGroup
	for w := range outcomes {
		wg.Add(1)
		go func(o *outcome) {
			defer wg.Done()
			o.notes, o.done = map[string]string{}, map[string][]model.Action{}
			r := run("sam", "requests", "import", file)
			o.imports = append(o.imports, r)
			o.log = append(o.log, fmt.Sprintf("import: exit %d %q %q", r.code, r.out, r.err))
			// Each worker starts at another request, so that they meet
			// on every request at different points of their runs.
			for k := range ids {
				id := ids[(k+2*w)%n]
				text := fmt.Sprintf("worker %d was here", w)
				if r := run("sam", "requests", "note", id, "--text", text); r.code == 0 {
					o.notes[id] = text
				} else {
					o.log = append(o.log, fmt.Sprintf("note %s: exit %d %q", id, r.code, r.err))
				}
				for _, verb := range []model.Action{model.ActAcknowledge, model.ActStartVerification} {
					if r := run("sam", "requests", cliVerb(verb), id); r.code == 0 {
						o.done[id] = append(o.done[id], verb)
					} else {
						o.log = append(o.log, fmt.Sprintf("%s %s: exit %d %q", verb, id, r.code, r.err))
					}
				}
			}
		}(&outcomes[w])
	}
	wg.Wait()
	for w, o := range outcomes {
		t.Logf("worker %d: %d notes reported added; failures and refusals:\n%s",
			w, len(o.notes), strings.Join(o.log, "\n"))
	}

	// Every request once. An import that exited 0 accounts for every line.
	counts := regexp.MustCompile(`^(\d+) imported, (\d+) already present, 0 invalid\n$`)
	imported, importsOK := 0, 0
	for _, o := range outcomes {
		for _, r := range o.imports {
			if r.code != 0 {
				continue
			}
			m := counts.FindStringSubmatch(r.out)
			if m == nil {
				t.Fatalf("import reported success as %q", r.out)
			}
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			if a+b != n {
				t.Errorf("import reported %q for a file of %d lines", r.out, n)
			}
			imported += a
			importsOK++
		}
	}
	if importsOK == 0 {
		t.Fatal("no process managed to import the file: nothing left to check")
	}
	if imported > n {
		t.Errorf("the processes reported %d requests imported from a file of %d: a line was imported twice", imported, n)
	}
	r := run("lee", "requests", "list", "--status", "all", "--json")
	var rows []cli.ListRow
	if r.code != 0 || json.Unmarshal([]byte(r.out), &rows) != nil {
		t.Fatalf("list: exit %d %s", r.code, r.err)
	}
	seen := map[string]int{}
	for _, row := range rows {
		seen[row.ID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("request %s is listed %d times after %d successful imports", id, seen[id], importsOK)
		}
	}

	// Every reported note once, one acknowledgement per request.
	for _, id := range ids {
		r := run("lee", "requests", "show", "--json", id)
		var v present.Request
		if r.code != 0 || json.Unmarshal([]byte(r.out), &v) != nil {
			t.Fatalf("show %s: exit %d %s", id, r.code, r.err)
		}
		notes := map[string]int{}
		for _, nt := range v.Notes {
			notes[nt.Text]++
		}
		reported := map[model.Action]bool{}
		for w, o := range outcomes {
			if text, ok := o.notes[id]; ok && notes[text] != 1 {
				t.Errorf("%s: worker %d was told its note was added; the request has it %d times", id, w, notes[text])
			}
			for _, a := range o.done[id] {
				reported[a] = true
			}
		}
		for text, c := range notes {
			if c > 1 {
				t.Errorf("%s: note %q stored %d times", id, text, c)
			}
		}
		// Each of these can happen once to a request: a second is refused.
		for _, a := range []model.Action{model.ActAcknowledge, model.ActStartVerification} {
			got := 0
			for _, e := range v.History {
				if e.Action == a {
					got++
				}
			}
			if got > 1 || reported[a] && got != 1 {
				t.Errorf("%s: %d %s events in its history (reported done: %v)", id, got, a, reported[a])
			}
		}
		if reported[model.ActStartVerification] && v.Status != model.StatusVerifying {
			t.Errorf("%s: start-verification was reported done, the request is %s", id, v.Status)
		}
	}

	// One chain, every MAC and checkpoint good, and every request's history
	// matches its events on the chain.
	if r := run("lee", "audit", "verify", "--requests"); r.code != 0 || !strings.Contains(r.out, "ok") {
		t.Fatalf("audit verify --requests: exit %d\n%s%s", r.code, r.out, r.err)
	}
}

// cliVerb is the command-line verb of an action.
func cliVerb(a model.Action) string {
	return map[model.Action]string{
		model.ActAcknowledge:       "acknowledge",
		model.ActStartVerification: "start-verification",
	}[a]
}
