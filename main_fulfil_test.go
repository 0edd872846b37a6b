package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// TestCLIFulfilmentSurvivesKilledProcesses runs a signed deletion plan with
// the real binary and SIGKILLs it after each step lands, resuming every time,
// and compares the result with an uninterrupted run on a copy of the same
// database: same records, same subject record, same request, and on the
// audit chain every step recorded exactly once.
func TestCLIFulfilmentSurvivesKilledProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds custodian and runs it many times against an embedded database")
	}
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := t.TempDir()
	bin := buildCustodian(t, dir)
	killed := filepath.Join(dir, "killed")
	cli := func(data, op string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--data-dir", data, "--operator", op)...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return code, out.String(), errb.String()
	}
	if code, _, stderr := cli(killed, "ada", "seed"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}

	// The approved deletion with the most steps.
	code, out, stderr := cli(killed, "lee", "requests", "list", "--status", "approved", "--json")
	if code != 0 {
		t.Fatalf("list: %s", stderr)
	}
	var approved []struct {
		ID   string            `json:"id"`
		Type model.RequestType `json:"type"`
	}
	if err := json.Unmarshal([]byte(out), &approved); err != nil {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	var id string
	var plan model.Plan
	for _, r := range approved {
		if r.Type != model.TypeDeletion && r.Type != model.TypeChildDeletion {
			continue
		}
		code, out, stderr := cli(killed, "lee", "requests", "plan", r.ID, "--json")
		if code != 0 {
			t.Fatalf("plan %s: %s", r.ID, stderr)
		}
		var p model.Plan
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("plan --json: %v", err)
		}
		if len(p.Steps) > len(plan.Steps) {
			id, plan = r.ID, p
		}
	}
	if len(plan.Steps) < 3 {
		t.Fatalf("no approved deletion in the demo has 3 steps or more (best %s with %d)", id, len(plan.Steps))
	}
	n := len(plan.Steps)

	// Bad input changes nothing and says what to do.
	if code, _, stderr := cli(killed, "lee", "requests", "sign-off", id, "--digest", plan.Digest); code != exitBadInput || !strings.Contains(stderr, "four eyes") {
		t.Fatalf("self sign-off: exit %d, %q", code, stderr)
	}
	if code, _, stderr := cli(killed, "lou", "requests", "sign-off", id, "--digest", "0123456789abcdef"); code != exitBadInput || !strings.Contains(stderr, "plan was replaced") {
		t.Fatalf("wrong digest: exit %d, %q", code, stderr)
	}
	if code, _, stderr := cli(killed, "lou", "requests", "run", id); code != exitFailed && code != exitBadInput || !strings.Contains(stderr, "sign") {
		t.Fatalf("run before sign-off: exit %d, %q", code, stderr)
	}
	if code, out, stderr := cli(killed, "lou", "requests", "sign-off", id, "--digest", plan.Digest[:12]); code != 0 || !strings.Contains(out, "signed off by lou") {
		t.Fatalf("sign-off: exit %d, %q %q", code, out, stderr)
	}

	// The same database, copied before anything ran, runs without interruption.
	whole := filepath.Join(dir, "whole")
	if out, err := exec.Command("cp", "-a", killed, whole).CombinedOutput(); err != nil {
		t.Fatalf("copy the data directory: %v %s", err, out)
	}
	// Without a terminal to ask and without --yes, the run is refused
	// as bad input and changes nothing.
	code, out, stderr = cli(whole, "lou", "requests", "run", id)
	if code != exitBadInput || !strings.Contains(stderr, "add --yes to run without asking") || !strings.Contains(stderr, "Run the plan: ") {
		t.Fatalf("run without --yes: exit %d, %q %q", code, out, stderr)
	}
	if code, out, _ := cli(whole, "lee", "requests", "show", id, "--json"); code != 0 || !strings.Contains(out, `"status": "approved"`) {
		t.Fatalf("a refused run changed %s: %s", id, out)
	}
	// A deletion that reaches the demo's sub-processors ends its run
	// waiting on their confirmations instead of completed.
	if code, out, stderr := cli(whole, "lou", "requests", "run", id, "--yes"); code != 0 || !strings.Contains(out, "completed") && !strings.Contains(out, model.WaitingLabel) {
		t.Fatalf("uninterrupted run: exit %d, %q %q", code, out, stderr)
	}

	// Kill the run each time one more step has landed, then resume.
	kills := 0
	for attempt := 0; ; attempt++ {
		if attempt > n+1 {
			t.Fatalf("the run did not finish after %d resumptions", attempt)
		}
		finished, landed := runUntilStepLands(t, bin, killed, id, kills+1)
		if finished {
			break
		}
		if !landed {
			t.Fatalf("resumption %d neither finished nor reported a step", attempt)
		}
		kills++
	}
	t.Logf("%s: %d steps, killed %d times", id, n, kills)
	if kills < n-1 {
		t.Errorf("killed %d times over %d steps; each resumption should land one step before dying", kills, n)
	}

	a, b := fulfilmentState(t, killed, id), fulfilmentState(t, whole, id)
	if a.request != b.request {
		t.Errorf("request after killed runs:\n%s\nafter one run:\n%s", a.request, b.request)
	}
	if a.subject != b.subject {
		t.Errorf("subject after killed runs %s, after one run %s", a.subject, b.subject)
	}
	if !slices.Equal(a.records, b.records) {
		t.Errorf("records after killed runs:\n%s\nafter one run:\n%s", strings.Join(a.records, "\n"), strings.Join(b.records, "\n"))
	}
	if !slices.Equal(a.audit, b.audit) {
		t.Errorf("audit of %s after killed runs:\n%s\nafter one run:\n%s", id, strings.Join(a.audit, "\n"), strings.Join(b.audit, "\n"))
	}
	steps := 0
	for _, e := range a.audit {
		if strings.HasPrefix(e, string(model.ActFulfilStep)+" ") {
			steps++
		}
	}
	if steps != n {
		t.Errorf("%d fulfil_step events for %d steps", steps, n)
	}
	if code, out, _ := cli(killed, "lee", "audit", "verify"); code != 0 || !strings.HasPrefix(out, "ok ") {
		t.Errorf("audit verify after killed runs: exit %d %q", code, out)
	}
}

// runUntilStepLands runs `requests run` and SIGKILLs it once it reports
// that step `step` is done; finished is true when it completed first.
func runUntilStepLands(t *testing.T, bin, data, id string, step int) (finished, landed bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "requests", "run", id, "--yes", "--data-dir", data, "--operator", "lou")
	cmd.Stdout = io.Discard
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen []string
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		line := sc.Text()
		seen = append(seen, line)
		var done, total int
		if _, err := fmt.Sscanf(line, "step %d/%d", &done, &total); err == nil && done >= step && done < total {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			landed = true
			break
		}
	}
	_, _ = io.Copy(io.Discard, pipe)
	err = cmd.Wait()
	if landed {
		return false, true
	}
	if err != nil {
		t.Fatalf("run exited with %v:\n%s", err, strings.Join(seen, "\n"))
	}
	return true, false
}

type fulfilState struct {
	request, subject string
	records, audit   []string
}

// fulfilmentState reads what a run leaves behind through the store, with
// the times that differ between two runs left out.
func fulfilmentState(t *testing.T, data, id string) fulfilState {
	t.Helper()
	ctx := context.Background()
	store := openAsCommandsDo(t, data)
	lee := model.Actor{Operator: model.Operator{Handle: "lee", Role: model.RoleLead}, Origin: "test"}
	r, err := store.Request(ctx, lee, id)
	if err != nil {
		t.Fatal(err)
	}
	var st fulfilState
	steps := make([]string, len(r.Plan.Steps))
	for i, s := range r.Plan.Steps {
		steps[i] = fmt.Sprintf("%s done=%v %s", s.Label, s.Done, s.Result)
	}
	st.request = fmt.Sprintf("status %s outcome %q withheld %v signed %s\n%s", r.Status, r.Outcome, r.Withheld, r.Plan.SignedBy, strings.Join(steps, "\n"))
	sub, err := store.Subject(ctx, lee, r.SubjectID)
	if err != nil {
		t.Fatal(err)
	}
	st.subject = fmt.Sprintf("%s %q %q %q %q %q v%d", sub.Status, sub.Name, sub.Emails, sub.Phones, sub.Address, sub.BirthDate, sub.Version)
	recs, err := store.SubjectRecords(ctx, lee, r.SubjectID)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		var fs []string
		for _, f := range rec.Fields {
			fs = append(fs, f.Field+"="+f.Masked)
		}
		st.records = append(st.records, rec.Collection+"/"+rec.RecordID+" "+strings.Join(fs, " "))
	}
	slices.Sort(st.records)
	page, err := store.AuditHistory(ctx, lee, model.AuditFilter{Target: "request:" + id}, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(page.Records) - 1; i >= 0; i-- {
		e := page.Records[i].AuditEvent
		detail := e.Detail
		if e.Action == "queue_letter" {
			// A notice's bytes carry the Date it was queued: the two runs
			// queue the same message (same id) at different instants.
			if i := strings.Index(detail, "; sha256 "); i >= 0 {
				detail = detail[:i]
			}
		}
		st.audit = append(st.audit, fmt.Sprintf("%s %s %s %s", e.Action, e.Outcome, e.Actor, detail))
	}
	return st
}

// openAsCommandsDo opens the store in data as every custodian command does:
// the same checkpoint and keys, and pending writes drained first.
func openAsCommandsDo(t *testing.T, data string) *db.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := db.Open(ctx, db.Options{DataDir: data, MustExist: true})
	if err != nil {
		t.Fatalf("open %s: %v", data, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = conn.Close(ctx)
	})
	store, err := db.NewStore(conn, db.StoreOptions{
		Clock:             model.SystemClock{},
		CheckpointPath:    filepath.Join(data, "audit-checkpoint.json"),
		CheckpointKeyPath: filepath.Join(data, "audit-checkpoint.key"),
		ExportDir:         filepath.Join(data, "exports"),
	})
	if err != nil {
		t.Fatalf("store in %s: %v", data, err)
	}
	if _, err := store.DrainOutbox(ctx); err != nil {
		t.Fatalf("finishing pending writes in %s: %v", data, err)
	}
	return store
}
