package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/command"
)

// addWaitingRequest logs R-P1 in Town A and gives it, as a run would have,
// two unconfirmed sub-processor notices.
func addWaitingRequest(t *testing.T, dir string) {
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
	r := model.Request{ID: "R-P1", TenantID: "ta", Type: model.TypeDeletion, Channel: model.ChannelWeb,
		Requester: model.Person{Name: "Pat Proc", Email: "pat@example.org"}, ResidencyState: "CA"}
	if _, err := store.CreateRequest(ctx, lead, r); err != nil {
		t.Fatal(err)
	}
	sent := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	notices := []model.ProcessorNotice{{Processor: "Lumen CRM", SentAt: sent, MessageID: "msg-1"}, {Processor: "Tally Analytics", SentAt: sent, MessageID: "msg-2"}}
	if _, err := conn.DB.Collection("requests").UpdateOne(ctx, bson.D{{Key: "_id", Value: "R-P1"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: model.StatusFulfilling}, {Key: "processor_notices", Value: notices}}}}); err != nil {
		t.Fatal(err)
	}
}

// The CLI door to sub-processor notices: list them, refuse bad input with
// what to do, record a confirmation and a lead's exception.
func TestCLIProcessorNotices(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	me, err := command.OSAccount()
	if err != nil || model.ValidOSUser(me) != nil {
		t.Skipf("no OS account to register: %v", err)
	}
	dir := realDatabase(t, model.Operator{Handle: "boss", Role: model.RoleLead, OSUser: me})
	addWaitingRequest(t, dir)

	code, out, stderr := runCLI(t, "requests", "processors", "R-P1", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "Lumen CRM") || !strings.Contains(out, "Tally Analytics") || !strings.Contains(out, "waiting") {
		t.Fatalf("processors: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"confirm-processor", "R-P1", "--reference", "X"}, "--processor is required"},
		{[]string{"confirm-processor", "R-P1", "--processor", "Nobody", "--reference", "X"}, "use one of Lumen CRM, Tally Analytics"},
		{[]string{"confirm-processor", "R-P1", "--processor", "Lumen CRM"}, "reference"},
		{[]string{"confirm-processor", "R-P1", "--processor", "Lumen CRM", "--reference", "X", "--date", "12/03/2026"}, "YYYY-MM-DD"},
		{[]string{"except-processor", "R-P1", "--processor", "Lumen CRM", "--reason", "short"}, "10 characters"},
	} {
		code, _, stderr := runCLI(t, append(append([]string{"requests"}, c.args...), "--data-dir", dir)...)
		if code != exitBadInput || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d %q, want %q", c.args, code, stderr, c.want)
		}
	}
	code, out, stderr = runCLI(t, "requests", "confirm-processor", "R-P1", "--processor", "Lumen CRM", "--reference", "LC-8812", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "still waiting on processors: Tally Analytics") {
		t.Fatalf("confirm: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, "requests", "except-processor", "R-P1", "--processor", "Tally Analytics", "--reason", "the account was never shared with them", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "every processor is settled") {
		t.Fatalf("except: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = runCLI(t, "requests", "processors", "R-P1", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "confirmed") || !strings.Contains(out, "(LC-8812) by boss") || !strings.Contains(out, "excepted by boss") {
		t.Errorf("processors after: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "requests", "show", "R-P1", "--json", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "confirm_processor") || !strings.Contains(out, "except_processor") {
		t.Errorf("the history lacks the notice actions: exit %d\n%s", code, out)
	}
}
