package command

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
	"github.com/custodian-dev/custodian/model"
)

// TestOutboxWorkerOfConsoleAndServe: the worker the console and serve
// start from the mail flags delivers a letter into <data dir>/outbox when
// woken (as the console wakes it after queuing), and bad flags are refused
// before anything starts.
func TestOutboxWorkerOfConsoleAndServe(t *testing.T) {
	dbtest.SkipIfExternal(t, "the outbox is in the embedded database's data directory")
	ctx := context.Background()
	dir := t.TempDir()
	b, code := openBackend(ctx, &Globals{dataDir: dir}, io.Discard)
	if b == nil {
		t.Fatalf("open: exit %d", code)
	}
	defer b.close()
	t.Setenv(smtpURLEnv, "")
	for _, args := range [][]string{{"--from", "a b@x"}, {"--smtp-url", "http://mail.example"}} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		mf := bindMailFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		if _, _, err := mf.startOutbox(ctx, b, time.Hour, nil); !errors.Is(err, db.ErrInvalid) {
			t.Errorf("%v: %v, want ErrInvalid", args, err)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	mf := bindMailFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	// An hour between passes: only the first pass and the wake can send.
	w, where, err := mf.startOutbox(ctx, b, time.Hour, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	defer w.stop()
	if where != "to "+filepath.Join(dir, "outbox") {
		t.Errorf("where %q", where)
	}
	if _, err := db.Seed(ctx, b.store, db.SeedOptions{Subjects: 50, Requests: 5}); err != nil {
		t.Fatal(err)
	}
	op, err := b.store.Operator(ctx, "sam")
	if err != nil {
		t.Fatal(err)
	}
	sam := model.Actor{Operator: op, Origin: "test"}
	r, err := b.store.CreateRequest(ctx, sam, model.Request{ID: "R-W-1", TenantID: "oakridge-ca", Type: model.TypeDeletion, Channel: model.ChannelEmail, ResidencyState: "CA",
		ReceivedAt: time.Now().Add(-time.Hour).Truncate(time.Second), Requester: model.Person{Name: "Ada", Email: "ada@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.store.QueueLetter(ctx, sam, r.ID, model.LetterAcknowledgement, model.DefaultLetterFrom)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "outbox", m.ID+".eml")
	for i := 0; ; i++ {
		w.wake()
		if _, err := os.Stat(path); err == nil {
			break
		}
		if i == 2000 {
			t.Fatalf("the worker never delivered %s", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
