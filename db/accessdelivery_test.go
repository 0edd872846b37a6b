package db_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// openSealed decrypts the request's sealed package with identity and
// unpacks it under a new directory laid out like the exports directory
// (<dir>/<request id>/<file>), which it returns; it fails the test unless
// the exports directory holds the sealed file alone, mode 0600.
func (f *ffix) openSealed(t *testing.T, r model.Request, id age.Identity) string {
	t.Helper()
	if r.Export == nil || r.Export.Sealed == nil {
		t.Fatalf("%s has no sealed package: %+v", r.ID, r.Export)
	}
	dir := filepath.Join(f.exports, r.ID)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != db.SealedName(r.ID) || r.Export.Sealed.Name != names[0] {
		t.Fatalf("the package directory holds %v (recorded %s): want the sealed file alone, no plain copy", names, r.Export.Sealed.Name)
	}
	path := filepath.Join(dir, names[0])
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("sealed file: %v %v", st, err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := sha256Hex(raw); got != r.Export.Sealed.SHA256 || int64(len(raw)) != r.Export.Sealed.Bytes {
		t.Errorf("sealed file sha256 %s (%d bytes), recorded %s (%d)", got, len(raw), r.Export.Sealed.SHA256, r.Export.Sealed.Bytes)
	}
	if bytes.Contains(raw, []byte(`"records"`)) || bytes.Contains(raw, []byte("<html")) {
		t.Fatal("the sealed file carries plain package text")
	}
	plain, err := age.Decrypt(bytes.NewReader(raw), id)
	if err != nil {
		t.Fatalf("decrypt %s: %v", path, err)
	}
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, r.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(plain)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || !strings.HasPrefix(h.Name, r.ID+"/") || strings.Contains(h.Name[len(r.ID)+1:], "/") {
			t.Fatalf("archive entry %q (type %c)", h.Name, h.Typeflag)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, h.Name), b, os.FileMode(h.Mode).Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// accessSubject picks a subject whose access package checkAccess can
// judge fully: active, adult, records in three collections, some of them
// older than the look-back (out of scope).
func (f *ffix) accessSubject() model.Subject {
	f.t.Helper()
	return f.pick("an access request", func(s model.Subject) bool {
		cs := f.collections(s.ID)
		if s.IsChild(f.ds.Now) || len(s.Emails) == 0 || s.Status != model.AccountActive || len(cs) < 3 {
			return false
		}
		for _, c := range cs {
			for _, d := range f.records(c, s.ID) {
				if at, ok := field(d, dataMap(c).DateField).(time.Time); ok && at.Before(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)) {
					return true
				}
			}
		}
		return false
	})
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestAccessDeliveredToRecipientKey: an access request delivered to the
// resident's age key is written as one encrypted file; the matching
// identity opens it and finds the package the plain run would have
// written (checkAccess: every file's recorded hash, every record against
// the database); the delivery date is the response date and the
// completion letter says how to open it.
func TestAccessDeliveredToRecipientKey(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	sub := f.accessSubject()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	r := f.approved("T-AGE-KEY", sub, model.TypeAccess, nil)
	r, err = f.s.SetAccessDelivery(f.ctx, f.who["lee"], r.ID, r.Version, model.DeliverToRecipient, id.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	r = f.run(f.planned(r), "lou")
	if r.Status != model.StatusCompleted {
		t.Fatalf("ended %s", r.Status)
	}
	g := *f
	g.exports = f.openSealed(t, r, id)
	g.checkAccess(t, r, sub)

	if r.Delivery.DeliveredAt == nil || r.RespondedAt == nil || !r.Delivery.DeliveredAt.Equal(*r.RespondedAt) {
		t.Errorf("delivered %v, responded %v", r.Delivery.DeliveredAt, r.RespondedAt)
	}
	l, err := f.s.PreviewLetter(f.ctx, f.who["lee"], r.ID, model.LetterCompletionAccess)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"age -d -o T-AGE-KEY.tar T-AGE-KEY.tar.age", id.Recipient().String()[:16], "private key", "access.json"} {
		if !strings.Contains(l.Body, want) {
			t.Errorf("completion letter lacks %q:\n%s", want, l.Body)
		}
	}
	// A second identity cannot open it.
	other, _ := age.GenerateX25519Identity()
	raw, _ := os.ReadFile(filepath.Join(f.exports, r.ID, r.Export.Sealed.Name))
	if _, err := age.Decrypt(bytes.NewReader(raw), other); err == nil {
		t.Error("another identity opened the package")
	}
	var setEv model.AuditEvent
	for _, ev := range f.auditOf(r.ID) {
		if ev.Action == "set_delivery" {
			setEv = ev
		}
	}
	if want := "key " + model.RecipientFingerprint(id.Recipient().String()); !strings.Contains(setEv.Detail, want) {
		t.Errorf("set_delivery audit detail %q, want it to name %s", setEv.Detail, want)
	}
}

// TestAccessDeliveredWithPassphrase: the run shows the passphrase once (in
// its progress) and stores it nowhere — not on the request, not on the
// chain; it opens the package; completion is refused until the second
// channel is recorded, and allowed after; the letter names that channel.
func TestAccessDeliveredWithPassphrase(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	sub := f.accessSubject()
	r := f.approved("T-AGE-PASS", sub, model.TypeAccess, nil)
	r, err := f.s.SetAccessDelivery(f.ctx, f.who["lee"], r.ID, r.Version, model.DeliverWithPassphrase, "")
	if err != nil {
		t.Fatal(err)
	}
	r = f.planned(r)
	var shown []string
	r, err = f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, func(p model.StepProgress) {
		if p.Passphrase != "" {
			shown = append(shown, p.Passphrase)
			if !strings.Contains(p.Label, "sms, phone or post") {
				t.Errorf("the passphrase is shown with %q", p.Label)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) != 1 {
		t.Fatalf("passphrase shown %d times", len(shown))
	}
	pass := shown[0]
	if err := model.CheckPassphrase(pass); err != nil {
		t.Errorf("weak passphrase %q: %v", pass, err)
	}
	if r.Status != model.StatusFulfilling {
		t.Fatalf("a lead's run ended %s before the passphrase was sent", r.Status)
	}
	// Nowhere in the database: the request and the whole audit collection.
	var raw bson.M
	if err := f.conn.DB.Collection("requests").FindOne(f.ctx, bson.D{{Key: "_id", Value: r.ID}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, coll := range []string{"requests", "audit"} {
		cur, err := f.conn.DB.Collection(coll).Find(f.ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(f.ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if bytes.Contains(d, []byte(pass)) {
				t.Fatalf("the passphrase is stored in %s", coll)
			}
		}
	}
	sid, err := age.NewScryptIdentity(pass)
	if err != nil {
		t.Fatal(err)
	}
	g := *f
	g.exports = f.openSealed(t, r, sid)

	_, err = f.s.Apply(f.ctx, f.who["lou"], r.ID, r.Version, model.ActComplete, "", nil)
	if !errors.Is(err, db.ErrRefused) || !strings.Contains(err.Error(), "passphrase-sent") {
		t.Fatalf("complete before the passphrase was sent: %v", err)
	}
	// A channel that is not a second one changes nothing.
	if _, err := f.s.RecordPassphraseSent(f.ctx, f.who["lou"], r.ID, r.Version, "email"); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "sms, phone or post") {
		t.Fatalf("sent by email: %v", err)
	}
	// Support may not record it; a stale version is a conflict.
	if _, err := f.s.RecordPassphraseSent(f.ctx, f.who["sam"], r.ID, r.Version, "sms"); !errors.Is(err, db.ErrRefused) {
		t.Fatalf("support records the passphrase sent: %v", err)
	}
	if _, err := f.s.RecordPassphraseSent(f.ctx, f.who["lou"], r.ID, r.Version-1, "sms"); !errors.Is(err, db.ErrConflict) {
		t.Fatalf("stale version: %v", err)
	}
	if r, err = f.s.RecordPassphraseSent(f.ctx, f.who["lou"], r.ID, r.Version, "sms"); err != nil {
		t.Fatal(err)
	}
	if s := r.Delivery.Sent; s == nil || s.Channel != model.ChannelSMS || s.By != "lou" {
		t.Fatalf("second channel record %+v", s)
	}
	r = f.run(r, "lou")
	if r.Status != model.StatusCompleted {
		t.Fatalf("after the passphrase was sent the run ended %s", r.Status)
	}
	g.checkAccess(t, r, sub)
	if r.Delivery.DeliveredAt == nil || !r.Delivery.DeliveredAt.Equal(*r.RespondedAt) {
		t.Errorf("delivered %v, responded %v", r.Delivery.DeliveredAt, r.RespondedAt)
	}
	l, err := f.s.PreviewLetter(f.ctx, f.who["lee"], r.ID, model.LetterCompletionAccess)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(l.Body, "passphrase we sent you by text message") || strings.Contains(l.Body, pass) {
		t.Errorf("completion letter:\n%s", l.Body)
	}
}

// TestAccessDeliveryRefusals: bad input and the wrong request change
// nothing, and the refusal says what is wrong.
func TestAccessDeliveryRefusals(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	sub := f.pick("an access request", func(s model.Subject) bool { return s.Status == model.AccountActive })
	r := f.approved("T-AGE-BAD", sub, model.TypeAccess, nil)
	id, _ := age.GenerateX25519Identity()
	key := id.Recipient().String()
	bad := key[:len(key)-1] + map[bool]string{true: "q", false: "p"}[key[len(key)-1] != 'q']
	for _, c := range []struct {
		who    string
		method model.DeliveryMethod
		key    string
		is     error
		says   string
	}{
		{"lee", model.DeliverToRecipient, bad, db.ErrInvalid, "checksum"},
		{"lee", model.DeliverToRecipient, "AGE-SECRET-KEY-1ABC", db.ErrInvalid, "PRIVATE key"},
		{"lee", model.DeliverToRecipient, "", db.ErrInvalid, "no recipient key"},
		{"lee", model.DeliverWithPassphrase, key, db.ErrInvalid, "takes no recipient key"},
		{"lee", "carrier", "", db.ErrInvalid, "not a delivery method"},
		{"sam", model.DeliverToRecipient, key, db.ErrRefused, "privacy lead"},
	} {
		_, err := f.s.SetAccessDelivery(f.ctx, f.who[c.who], r.ID, r.Version, c.method, c.key)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s %s %q: %v, want %v saying %q", c.who, c.method, c.key, err, c.is, c.says)
		}
	}
	if _, err := f.s.SetAccessDelivery(f.ctx, f.who["lee"], r.ID, r.Version+1, model.DeliverWithPassphrase, ""); !errors.Is(err, db.ErrConflict) {
		t.Errorf("wrong version: %v", err)
	}
	now, err := f.s.Request(f.ctx, f.who["lee"], r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if now.Version != r.Version || now.Delivery != nil {
		t.Fatalf("a refused delivery changed the request: version %d→%d, delivery %+v", r.Version, now.Version, now.Delivery)
	}
	del := f.approved("T-AGE-DEL", f.pick("a deletion", func(s model.Subject) bool { return s.Status == model.AccountActive }), model.TypeDeletion, nil)
	if _, err := f.s.SetAccessDelivery(f.ctx, f.who["lee"], del.ID, del.Version, model.DeliverWithPassphrase, ""); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "only an access request") {
		t.Errorf("deletion: %v", err)
	}
	// Once the package is written, the method is fixed.
	r = f.run(f.planned(r), "lou")
	if _, err := f.s.SetAccessDelivery(f.ctx, f.who["lee"], r.ID, r.Version, model.DeliverToRecipient, key); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("after the export: %v", err)
	}
}

// TestAccessPackageSealedAgain: a passphrase nobody saw (a run whose
// caller did not show it) is not a dead end: choosing the delivery again
// reopens the export step and removes the old file, and the next run seals
// a new package with a new passphrase. A package an engineer's run wrote
// unencrypted is sealed the same way, its plain files removed.
func TestAccessPackageSealedAgain(t *testing.T) {
	f := newFulfilFixture(t, 60, 10)
	r := f.approved("T-AGE-LOST", f.accessSubject(), model.TypeAccess, nil)
	r, err := f.s.SetAccessDelivery(f.ctx, f.who["lee"], r.ID, r.Version, model.DeliverWithPassphrase, "")
	if err != nil {
		t.Fatal(err)
	}
	r = f.run(f.planned(r), "lou") // no progress: the passphrase is lost
	if r.Status != model.StatusFulfilling || r.Export == nil || r.Export.Sealed == nil {
		t.Fatalf("first run: %s %+v", r.Status, r.Export)
	}
	if r, err = f.s.SetAccessDelivery(f.ctx, f.who["lee"], r.ID, r.Version, model.DeliverWithPassphrase, ""); err != nil {
		t.Fatal(err)
	}
	if r.Export != nil || len(r.Plan.Pending()) != 1 {
		t.Fatalf("after choosing again: export %+v, %d steps pending", r.Export, len(r.Plan.Pending()))
	}
	if ents, _ := os.ReadDir(filepath.Join(f.exports, r.ID)); len(ents) != 0 {
		t.Fatalf("the old package is still there: %v", ents)
	}
	pass := ""
	r, err = f.s.RunFulfilment(f.ctx, f.who["lou"], r.ID, func(p model.StepProgress) {
		if p.Passphrase != "" {
			pass = p.Passphrase
		}
	})
	if err != nil || pass == "" {
		t.Fatalf("second run: %v, passphrase shown: %t", err, pass != "")
	}
	sid, _ := age.NewScryptIdentity(pass)
	f.openSealed(t, r, sid)
	if r, err = f.s.RecordPassphraseSent(f.ctx, f.who["lou"], r.ID, r.Version, "phone"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetAccessDelivery(f.ctx, f.who["lee"], r.ID, r.Version, model.DeliverWithPassphrase, ""); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), "already sent by phone call") {
		t.Errorf("sealing again after the passphrase was sent: %v", err)
	}

	// Started by a lead and written unencrypted by an engineer's run
	// (which leaves the completion to a lead), then sealed to a key
	// before the response.
	sub := f.accessSubject()
	plain := f.planned(f.approved("T-AGE-PLAIN", sub, model.TypeAccess, nil))
	if plain, err = f.s.Apply(f.ctx, f.who["lou"], plain.ID, plain.Version, model.ActStartFulfilment, "", nil); err != nil {
		t.Fatal(err)
	}
	plain = f.run(plain, "eve")
	if _, err := os.Stat(filepath.Join(f.exports, plain.ID, "access.json")); err != nil || plain.Status != model.StatusFulfilling {
		t.Fatalf("the plain package: %v, %s", err, plain.Status)
	}
	id, _ := age.GenerateX25519Identity()
	if plain, err = f.s.SetAccessDelivery(f.ctx, f.who["lee"], plain.ID, plain.Version, model.DeliverToRecipient, id.Recipient().String()); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Join(f.exports, plain.ID)); len(ents) != 0 {
		t.Fatalf("the plain package is still there after sealing was chosen: %v", ents)
	}
	plain = f.run(plain, "lou")
	if plain.Status != model.StatusCompleted {
		t.Fatalf("ended %s", plain.Status)
	}
	g := *f
	g.exports = f.openSealed(t, plain, id)
	g.checkAccess(t, plain, sub)
}
