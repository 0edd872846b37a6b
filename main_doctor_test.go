package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
)

// A claim no drain can ever apply makes custodian db doctor exit 1 and say
// how to resolve it; an admin's --drop removes it, on the audit chain.
func TestCLIDBDoctor(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := filepath.Join(t.TempDir(), "data")
	if code, _, stderr := runCLI(t, "seed", "--data-dir", dir, "--subjects", "50", "--requests", "10"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	code, out, stderr := runCLI(t, "db", "doctor", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "FerretDB") || !strings.Contains(out, "no pending writes") {
		t.Fatalf("healthy database: exit %d, out %q, err %q", code, out, stderr)
	}

	// A claim five versions ahead of its request, as a writer of a lost
	// database state could leave it.
	ctx := context.Background()
	conn, err := db.Open(ctx, db.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		ID      string `bson:"_id"`
		Version int64  `bson:"version"`
	}
	if err := conn.DB.Collection("requests").FindOne(ctx, bson.D{}).Decode(&req); err != nil {
		t.Fatal(err)
	}
	claimID := "requests/" + req.ID + "@" + "99"
	_, err = conn.DB.Collection("claims").InsertOne(ctx, bson.D{
		{Key: "_id", Value: claimID}, {Key: "coll", Value: "requests"}, {Key: "doc_id", Value: req.ID}, {Key: "version", Value: int64(99)},
		{Key: "write_id", Value: claimID + "#gone.n1"}, {Key: "by", Value: "lee"}, {Key: "at", Value: time.Now().Add(-time.Hour)},
		{Key: "doc", Value: bson.D{{Key: "_id", Value: req.ID}}}, {Key: "events", Value: bson.A{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Close(ctx); err != nil {
		t.Fatal(err)
	}

	code, out, _ = runCLI(t, "db", "doctor", "--data-dir", dir)
	if code != exitFailed || !strings.Contains(out, claimID) || !strings.Contains(out, "cannot apply") ||
		!strings.Contains(out, "custodian db doctor --drop "+claimID) || !strings.Contains(out, "1 need attention") {
		t.Fatalf("stuck claim: exit %d, out:\n%s", code, out)
	}
	code, _, stderr = runCLI(t, "db", "doctor", "--data-dir", dir, "--operator", "lee", "--drop", claimID)
	if code != exitBadInput || !strings.Contains(stderr, "only an admin") {
		t.Fatalf("a lead's drop: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "db", "doctor", "--data-dir", dir, "--operator", "ada", "--drop", "requests/NOPE@2")
	if last := lastLine(stderr); code != exitBadInput || !strings.HasPrefix(last, "custodian db doctor: drop claim requests/NOPE@2: not found") {
		t.Fatalf("unknown claim: exit %d, stderr %q", code, stderr)
	}
	code, out, stderr = runCLI(t, "db", "doctor", "--data-dir", dir, "--operator", "ada", "--drop", claimID)
	if code != 0 || !strings.Contains(out, "dropped") {
		t.Fatalf("admin's drop: exit %d, out %q, err %q", code, out, stderr)
	}
	if code, out, _ = runCLI(t, "db", "doctor", "--data-dir", dir); code != 0 || !strings.Contains(out, "no pending writes") {
		t.Fatalf("after the drop: exit %d, out %q", code, out)
	}
	code, out, stderr = runCLI(t, "audit", "verify", "--data-dir", dir)
	if code != 0 || !strings.HasPrefix(out, "ok ") {
		t.Fatalf("verify after the drop: exit %d, out %q, err %q", code, out, stderr)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndex(s, "\n")+1:]
}
