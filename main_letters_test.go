package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/command"
)

// addLetterRequest logs request R-L1 in Town A of a realDatabase.
func addLetterRequest(t *testing.T, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, db.Options{DataDir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	store, err := db.NewStore(conn, db.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lead := model.Actor{Operator: model.Operator{Handle: "lou", Role: model.RoleLead}, Origin: "test"}
	r := model.Request{ID: "R-L1", TenantID: "ta", Type: model.TypeAccess, Channel: model.ChannelWeb,
		Requester: model.Person{Name: "Ana Letter", Email: "ana@example.org"}, ResidencyState: "CA"}
	if _, err := store.CreateRequest(ctx, lead, r); err != nil {
		t.Fatal(err)
	}
}

// A lead edits Town A's acknowledgement from a file (refused when it uses
// a field outside the set), and sends it for a request: shown first,
// refused off a terminal without --yes, then written once to the outbox.
func TestCLITemplatesAndLetter(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	t.Setenv("CUSTODIAN_SMTP_URL", "")
	me, err := command.OSAccount()
	if err != nil || model.ValidOSUser(me) != nil {
		t.Skipf("no OS account to register: %v", err)
	}
	dir := realDatabase(t, model.Operator{Handle: "boss", Role: model.RoleLead, OSUser: me})
	addLetterRequest(t, dir)
	files := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	code, out, stderr := runCLI(t, "templates", "list", "ta", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "acknowledgement") || !strings.Contains(out, "11 CCR §7021(a)") {
		t.Fatalf("list: exit %d\n%s\n%s", code, out, stderr)
	}
	code, file, _ := runCLI(t, "templates", "show", "ta", "acknowledgement", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(file, "Subject: ") {
		t.Fatalf("show: exit %d\n%s", code, file)
	}
	bad := write("bad.txt", strings.Replace(file, "{{.RequestID}}", "{{.SSN}}", 1))
	if code, _, stderr := runCLI(t, "templates", "edit", "ta", "acknowledgement", bad, "--yes", "--data-dir", dir); code != exitBadInput || !strings.Contains(stderr, ".SSN, which is not a letter field") {
		t.Errorf("bad template: exit %d %q", code, stderr)
	}
	if code, out, stderr := runCLI(t, "templates", "preview", "ta", "acknowledgement", "--file", bad, "--data-dir", dir); code != exitBadInput || out != "" || !strings.Contains(stderr, ".SSN") {
		t.Errorf("preview of a bad file: exit %d %q %q", code, out, stderr)
	}
	good := write("good.txt", strings.Replace(file, "We received your {{.RequestType}}", "Town A received your {{.RequestType}}", 1))
	if code, out, stderr := runCLI(t, "templates", "edit", "ta", "acknowledgement", good, "--yes", "--data-dir", dir); code != 0 || !strings.Contains(out, "version 1") {
		t.Fatalf("edit: exit %d\n%s\n%s", code, out, stderr)
	}

	if code, out, stderr := runCLI(t, "templates", "preview", "ta", "acknowledgement", "--data-dir", dir); code != 0 || !strings.Contains(out, "Town A received your deletion request on") {
		t.Errorf("preview of the stored template: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, "requests", "letter", "R-L1", "--kind", "acknowledgement", "--data-dir", dir)
	if code != exitBadInput || !strings.Contains(stderr, "pass --yes") || !strings.Contains(out, "Town A received your access request") {
		t.Fatalf("letter without --yes: exit %d\n%s\n%s", code, out, stderr)
	}
	outbox := filepath.Join(dir, "outbox")
	if ents, _ := os.ReadDir(outbox); len(ents) != 0 {
		t.Fatalf("an unconfirmed letter reached the outbox: %v", ents)
	}
	code, out, stderr = runCLI(t, "requests", "letter", "R-L1", "--kind", "acknowledgement", "--yes", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "delivered 1 to "+outbox) {
		t.Fatalf("letter --yes: exit %d\n%s\n%s", code, out, stderr)
	}
	ents, _ := os.ReadDir(outbox)
	if len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), ".eml") {
		t.Fatalf("outbox: %v", ents)
	}
	eml, _ := os.ReadFile(filepath.Join(outbox, ents[0].Name()))
	if !bytes.Contains(eml, []byte("To: \"Ana Letter\" <ana@example.org>")) || !bytes.Contains(eml, []byte("Town A received your access request")) {
		t.Errorf("eml:\n%s", eml)
	}
	code, out, _ = runCLI(t, "requests", "letter", "R-L1", "--kind", "acknowledgement", "--yes", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "not sent again") {
		t.Errorf("the same letter again: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "requests", "letters", "R-L1", "--data-dir", dir); code != 0 || !strings.Contains(out, "acknowledgement") ||
		!strings.Contains(out, "sent") || !strings.Contains(out, "a•••@example.org") || strings.Contains(out, "ana@example.org") {
		t.Errorf("letters: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "outbox", "send", "--data-dir", dir); code != 0 || !strings.Contains(out, "delivered 0") {
		t.Errorf("outbox send with nothing due: exit %d %q", code, out)
	}
	if code, _, stderr := runCLI(t, "outbox", "send", "--smtp-url", "http://mail.example", "--data-dir", dir); code != exitBadInput || !strings.Contains(stderr, "use smtp://") {
		t.Errorf("bad smtp url: exit %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "requests", "letter", "R-L1", "--kind", "poem", "--yes", "--data-dir", dir); code != exitBadInput || !strings.Contains(stderr, "use one of acknowledgement") {
		t.Errorf("bad kind: exit %d %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "requests", "letter", "R-L1", "--kind", "denial", "--yes", "--data-dir", dir); code != exitBadInput || !strings.Contains(stderr, "not denied: record the denial first") {
		t.Errorf("a denial of a request that was not denied: exit %d %q", code, stderr)
	}
}
