package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/command"
)

const onboardPermitsMap = `
[[collection]]
  name = "permits"
  product = "Building permits"
  subject_field = "subject_id"
  date_field = "filed_at"
  purposes = ["To process the permit you applied for"]

  [[collection.field]]
    field = "applicant_name"
    category = "identifying"
    kind = "name"
    erasure = "fixed"
    fixed = "[removed]"
    subject_point = "name"

  [[collection.field]]
    field = "applicant_email"
    category = "identifying"
    kind = "email"
    erasure = "null"
    subject_point = "email"
`

// TestCLIOnboardCustomerFromEmptyDatabase: a new Customer and a new product
// collection are onboarded on an empty database with the command line
// alone, and a request for that Customer is logged, planned and fulfilled.
//
// Two things are not custodian's to do and are done here as the outside
// world would: the product (not custodian) writes its records and its
// users into the database, so the subject and its permit are inserted with
// the driver; and the four people of the workflow (an admin, a support
// operator, two privacy leads for the four-eyes sign-off) each sit at their
// own OS account, which the test stands in for by moving the one account
// it has between their operator records before each of their commands.
func TestCLIOnboardCustomerFromEmptyDatabase(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	me, err := command.OSAccount()
	if err != nil || model.ValidOSUser(me) != nil {
		t.Skipf("no OS account to register: %v", err)
	}
	server := dbtest.New(t) // a server custodian did not start, reached by its URI
	ctx := context.Background()
	empty := server.Client.Database("onboard")
	dir, files := t.TempDir(), t.TempDir()
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, "--mongo-uri", server.URI, "--db", "onboard", "--data-dir", dir)...)
	}
	must := func(what string, args ...string) string {
		t.Helper()
		code, out, stderr := cli(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", what, code, out, stderr)
		}
		return out
	}
	write := func(name, text string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	as := func(handle string) { // the person at the keyboard is now handle
		t.Helper()
		ops := empty.Collection("operators")
		if _, err := ops.UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "os_user", Value: ""}}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ops.UpdateOne(ctx, bson.D{{Key: "_id", Value: handle}}, bson.D{{Key: "$set", Value: bson.D{{Key: "os_user", Value: me}}}}); err != nil {
			t.Fatal(err)
		}
	}

	// The schema, then the first admin: the only operator an empty database lets in.
	must("migrate", "migrate")
	must("first admin", "operators", "add", "boss", "--role", "admin")
	for _, op := range [][]string{{"sam", "support"}, {"lou", "lead"}, {"lee", "lead"}} {
		must("add "+op[0], "operators", "add", op[0], "--role", op[1])
	}

	// The Customer and its product collection, from files, on the chain.
	must("tenants add", "tenants", "add", write("cedar.toml", newTenantTOML), "--yes")
	export := must("datamap export", "datamap", "export")
	if !strings.Contains(export, "version = 0") {
		t.Fatalf("an empty database's data map:\n%s", export)
	}
	dmFile := write("datamap.toml", export+onboardPermitsMap)
	must("datamap check", "datamap", "check", dmFile)
	bad := write("bad.toml", export+strings.Replace(onboardPermitsMap, `erasure = "null"`, `erasure = "shred"`, 1))
	for _, verb := range []string{"check", "apply"} {
		args := []string{"datamap", verb, bad}
		if verb == "apply" {
			args = append(args, "--yes")
		}
		if code, _, stderr := cli(args...); code != exitBadInput ||
			!strings.Contains(stderr, `data map permits.applicant_email: unknown erasure "shred"`) {
			t.Errorf("datamap %s of a bad file: exit %d %q", verb, code, stderr)
		}
	}
	if out := must("datamap apply", "datamap", "apply", dmFile, "--yes"); !strings.Contains(out, "data map version 1 applied (+permits)") {
		t.Fatalf("apply: %s", out)
	}

	if code, _, stderr := cli("datamap", "apply", dmFile, "--yes"); code != exitBadInput || !strings.Contains(stderr, "the file is of version 0, the data map is at version 1") {
		t.Errorf("a stale data map file: exit %d %q", code, stderr)
	}

	// The product writes its user and their permit.
	if _, err := empty.Collection("subjects").InsertOne(ctx, db.StoredSubject(model.Subject{ID: "cf-1", TenantID: "cedar-tx",
		Name: "Rosa Vance", Emails: []string{"rosa@example.org"}, Phones: []string{"5125550199"}, Status: model.AccountActive})); err != nil {
		t.Fatal(err)
	}
	if _, err := empty.Collection("permits").InsertOne(ctx, bson.D{{Key: "_id", Value: "P-1"}, {Key: "tenant_id", Value: "cedar-tx"},
		{Key: "subject_id", Value: "cf-1"}, {Key: "applicant_name", Value: "Rosa Vance"}, {Key: "applicant_email", Value: "rosa@example.org"},
		{Key: "filed_at", Value: time.Now().AddDate(0, -2, 0)}}); err != nil {
		t.Fatal(err)
	}

	// The request: logged, verified, approved by the Customer, planned,
	// signed off by a second lead, run.
	as("sam")
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	line := `{"external_ref":"CF-2026-1","tenant":"cedar-tx","type":"deletion","channel":"email","subject_id":"cf-1",` +
		`"received":"` + time.Now().In(chicago).Format(time.DateOnly) + `",` +
		`"residency_state":"TX","requester":{"name":"Rosa Vance","email":"rosa@example.org"}}` + "\n"
	if out := must("import", "requests", "import", write("req.jsonl", line)); !strings.Contains(out, "1 imported") {
		t.Fatalf("import: %s", out)
	}
	var list []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(must("list", "requests", "list", "--json", "--tenant", "cedar-tx")), &list); err != nil || len(list) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	id := list[0].ID
	must("acknowledge", "requests", "acknowledge", id)
	must("start verification", "requests", "start-verification", id)
	must("verify", "requests", "verify", id, "--method", "emailed code", "--points", "email,phone")
	as("lou")
	must("approve", "requests", "approve", id, "--approver", "Rita Clerk", "--method", "email", "--evidence", "msg-2026-77")
	var plan model.Plan
	if err := json.Unmarshal([]byte(must("plan", "requests", "plan", id, "--json")), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.DataMapVersion != 1 || len(plan.Docs) != 1 || plan.Docs[0].Collection != "permits" {
		t.Fatalf("plan: data map version %d, docs %+v", plan.DataMapVersion, plan.Docs)
	}
	if out := must("plan text", "requests", "plan", id); !strings.Contains(out, "data map    version 1") {
		t.Errorf("the plan does not name its data map version:\n%s", out)
	}
	as("lee")
	must("sign-off", "requests", "sign-off", id, "--digest", plan.Digest)
	if out := must("run", "requests", "run", id, "--yes"); !strings.Contains(out, "completed") {
		t.Fatalf("run: %s", out)
	}

	var permit bson.M
	if err := empty.Collection("permits").FindOne(ctx, bson.D{{Key: "_id", Value: "P-1"}}).Decode(&permit); err != nil {
		t.Fatal(err)
	}
	if permit["applicant_name"] != "[removed]" || permit["applicant_email"] != nil {
		t.Errorf("the permit after the deletion: %v", permit)
	}
	as("boss")
	if out := must("audit verify", "audit", "verify", "--allow-missing-checkpoint"); !strings.HasPrefix(out, "ok ") {
		t.Errorf("audit verify: %s", out)
	}
}
