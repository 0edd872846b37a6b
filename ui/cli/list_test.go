package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/cli"
)

// `requests list --status all` across many small pages, with a run of
// requests sharing one due time that straddles page boundaries, lists every
// request exactly once in (due, id) order, and its JSON is byte for byte
// what encoding the whole list at once gives.
func TestListAllKeysetPagesEveryRequestOnce(t *testing.T) {
	e := newEnv(t)
	lee := e.actor(t, "lee")
	reqs := e.conn.DB.Collection("requests")
	var ids []string
	cur, err := reqs.Find(e.ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(12).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(e.ctx, &docs); err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		ids = append(ids, d.ID)
	}
	tie := now.Add(72 * time.Hour).UTC().Truncate(time.Millisecond)
	for _, coll := range []string{"requests", "queue"} {
		if _, err := e.conn.DB.Collection(coll).UpdateMany(e.ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "due_at", Value: tie}}}}); err != nil {
			t.Fatal(err)
		}
	}

	// What the list must be: every request, by (due, id).
	cur, err = reqs.Find(e.ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	docs = nil
	if err := cur.All(e.ctx, &docs); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range docs {
		want = append(want, d.ID)
	}
	all, err := cli.ParseStatuses("all")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{5, 7, 500} {
		var out bytes.Buffer
		if err := cli.List(e.ctx, e.store, lee, cli.ListOptions{Statuses: all, JSON: true, PageSize: size}, now, &out); err != nil {
			t.Fatal(err)
		}
		var rows []cli.ListRow
		if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
			t.Fatalf("page size %d: %v\n%s", size, err, out.String())
		}
		if got := idsOf(rows); !slices.Equal(got, want) {
			t.Fatalf("page size %d: %d rows %v, want %d %v", size, len(got), got, len(want), want)
		}
		var enc bytes.Buffer
		je := json.NewEncoder(&enc)
		je.SetIndent("", "  ")
		if err := je.Encode(rows); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), enc.Bytes()) {
			t.Fatalf("page size %d: streamed JSON differs from the list encoded at once:\n%s\nwant:\n%s", size, out.String(), enc.String())
		}
	}
	var empty bytes.Buffer
	if err := cli.List(e.ctx, e.store, lee, cli.ListOptions{Statuses: []model.Status{model.StatusDenied}, TenantID: "oakridge-ca", JSON: true}, now, &empty); err != nil {
		t.Fatal(err)
	}
	var none []cli.ListRow
	if err := json.Unmarshal(empty.Bytes(), &none); err != nil {
		t.Fatalf("%v\n%s", err, empty.String())
	}
}

// The list is written page by page: a reader that stops after the first
// row (here: cancels) has the first page in hand, not nothing.
func TestListStreamsPageByPage(t *testing.T) {
	e := newEnv(t)
	lee := e.actor(t, "lee")
	all, err := cli.ParseStatuses("all")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	w := &cancelAfterWrite{cancel: cancel}
	err = cli.List(ctx, e.store, lee, cli.ListOptions{Statuses: all, PageSize: 5}, now, w)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("list after the reader went away: %v", err)
	}
	lines := bytes.Count(w.buf.Bytes(), []byte("\n"))
	if lines != 1+5 { // the header and the first page
		t.Fatalf("written before the stop: %d lines, want the header and one page of 5:\n%s", lines, w.buf.String())
	}
}

type cancelAfterWrite struct {
	buf    bytes.Buffer
	cancel func()
}

func (w *cancelAfterWrite) Write(p []byte) (int, error) {
	w.cancel()
	return w.buf.Write(p)
}
