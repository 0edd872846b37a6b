package db

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// Audit actions of the delivery writes. Neither detail ever holds a
// passphrase: the chain says which method, which key (by fingerprint) and
// which second channel.
const (
	actionSetDelivery    = "set_delivery"
	actionPassphraseSent = "passphrase_sent"
)

// SealedName is the file an access package is delivered as.
func SealedName(requestID string) string { return requestID + ".tar.age" }

// SetAccessDelivery chooses how access request id's package is encrypted,
// before its export step runs: to the resident's age public key
// (model.DeliverToRecipient, recipientKey "age1…") or with a passphrase
// the custodian makes when it writes the package (model.DeliverWithPassphrase,
// recipientKey empty). A bad key is refused naming what is wrong and
// changes nothing; version is the one the caller read (a stale one is a
// *ConflictError naming who changed the request).
func (s *Store) SetAccessDelivery(ctx context.Context, actor model.Actor, id string, version int64, method model.DeliveryMethod, recipientKey string) (model.Request, error) {
	key := strings.ToLower(strings.TrimSpace(recipientKey))
	switch method {
	case model.DeliverToRecipient:
		if err := model.CheckRecipientKey(recipientKey); err != nil {
			return model.Request{}, invalidf("deliver %s: %v", id, err)
		}
		if _, err := age.ParseX25519Recipient(key); err != nil {
			return model.Request{}, invalidf("deliver %s: the key is not an age public key: %v", id, err)
		}
	case model.DeliverWithPassphrase:
		if key != "" {
			return model.Request{}, invalidf("deliver %s: a passphrase delivery takes no recipient key (the custodian makes the passphrase)", id)
		}
	default:
		return model.Request{}, invalidf("deliver %s: %q is not a delivery method: use recipient (the resident's age1… key) or passphrase", id, model.CleanLine(string(method)))
	}
	resealed := false
	r, err := s.writeDelivery(ctx, actor, id, version, actionSetDelivery, model.CheckChooseDelivery, func(r *model.Request, now time.Time) string {
		detail := "method passphrase"
		if method == model.DeliverToRecipient {
			detail = "method recipient, key " + model.RecipientFingerprint(key)
		}
		r.Delivery = &model.AccessDelivery{Method: method, Recipient: key, ChosenBy: actor.Handle(), ChosenAt: now}
		if model.Reseals(*r) {
			reopenExport(r)
			resealed = true
			detail += "; the package is written again by the next run"
		}
		return detail
	})
	if err == nil && resealed {
		// What the old package left must not outlive its record: a plain
		// copy or a file sealed for a passphrase nobody has.
		s.removePackage(id)
	}
	return r, err
}

// reopenExport marks r's export step not done and forgets its package, so
// the next run writes it again for the delivery now chosen.
func reopenExport(r *model.Request) {
	r.Export = nil
	if r.Plan == nil {
		return
	}
	for i, st := range r.Plan.Steps {
		if st.Kind != model.StepExport {
			continue
		}
		r.Plan.Steps[i].Done, r.Plan.Steps[i].DoneAt, r.Plan.Steps[i].DoneBy, r.Plan.Steps[i].Result = false, time.Time{}, "", ""
		switch {
		case r.PlanRef != nil && i < len(r.PlanRef.Steps):
			r.PlanRef.Steps[i] = model.StepState{}
		case r.LegacyPlan != nil && i < len(r.LegacyPlan.Steps):
			r.LegacyPlan.Steps[i].Done, r.LegacyPlan.Steps[i].DoneAt, r.LegacyPlan.Steps[i].DoneBy, r.LegacyPlan.Steps[i].Result = false, time.Time{}, "", ""
		}
	}
}

// removePackage deletes request id's package files (plain or sealed); a
// failure is logged, and the next export replaces them anyway.
func (s *Store) removePackage(id string) {
	if s.exportDir == "" || !filepath.IsLocal(id) || filepath.Base(id) != id {
		return
	}
	dir := filepath.Join(s.exportDir, id)
	for _, name := range []string{accessJSONName, accessSummaryName, SealedName(id)} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("remove an access package file", "request", id, "file", name, "err", err)
		}
	}
}

// RecordPassphraseSent records that the passphrase of id's sealed package
// was sent to the resident by channel ("sms", "phone" or "post"), by the
// actor, now. The passphrase itself is never asked for nor stored.
func (s *Store) RecordPassphraseSent(ctx context.Context, actor model.Actor, id string, version int64, channel string) (model.Request, error) {
	ch, err := model.ParseSecondChannel(channel)
	if err != nil {
		return model.Request{}, invalidf("passphrase sent %s: %v", id, err)
	}
	return s.writeDelivery(ctx, actor, id, version, actionPassphraseSent, model.CheckPassphraseSent, func(r *model.Request, now time.Time) string {
		r.Delivery.Sent = &model.PassphraseSent{Channel: ch, By: actor.Handle(), At: now}
		return "passphrase sent by " + string(ch)
	})
}

// writeDelivery is one delivery write: the actor's permission and scope,
// the version, the model's check, then the change and its audit event in
// one claimed write, as Apply does for the lifecycle's actions.
func (s *Store) writeDelivery(ctx context.Context, actor model.Actor, id string, version int64, action string,
	check func(model.Request) error, change func(*model.Request, time.Time) string) (model.Request, error) {
	ctx, leave, err := s.inflight.enter(ctx)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	defer leave()
	tgt := auditTarget("request", id)
	if actor, err = s.currentActor(ctx, actor); err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	cur, err := s.readRequest(ctx, id)
	if err != nil {
		return model.Request{}, err
	}
	if !actor.Operator.InScope(cur.TenantID) {
		_ = s.refuse(ctx, actor, action, tgt, cur.TenantID, fmt.Sprintf("tenant %s is outside operator %s's scope", cur.TenantID, actor.Handle()), nil)
		return model.Request{}, notFound("request", id)
	}
	if actor.ReadOnly {
		return model.Request{}, s.refuse(ctx, actor, action, tgt, cur.TenantID, "this session is read-only", nil)
	}
	if p := model.DeliveryPermission(); !actor.Can(p) {
		return model.Request{}, s.refuse(ctx, actor, action, tgt, cur.TenantID,
			actor.Refusal(p, "choose how an access package is delivered or record its passphrase"), nil)
	}
	if version != cur.Version {
		return model.Request{}, s.conflictFromDoc(cur)
	}
	if err := check(cur); err != nil {
		return model.Request{}, invalidf("%s", err.Error())
	}
	nr, err := cloneRequest(cur)
	if err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	now := s.now()
	detail := change(&nr, now)
	nr.Version = cur.Version + 1
	nr.UpdatedBy, nr.UpdatedAt = actor.Handle(), now
	c := s.newClaim(collRequests, id, nr.Version, actor.Handle(), now)
	c.Status = nr.Status
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: action, Target: tgt, TenantID: cur.TenantID, Outcome: model.OutcomeOK, Detail: detail,
	}}
	if c.Doc, err = bson.Marshal(nr); err != nil {
		return model.Request{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			return model.Request{}, s.conflictAfterClaim(ctx, id, c.ID)
		}
		return model.Request{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	return nr, nil
}

// newPassphrase is a passphrase by the model's rule, from crypto/rand.
func newPassphrase() (string, error) {
	raw := make([]byte, model.PassphraseRandBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	p, err := model.FormatPassphrase(raw)
	if err != nil {
		return "", err
	}
	return p, model.CheckPassphrase(p)
}

// sealPackage writes the package's files as one tar archive encrypted
// with age, <dir>/<request id>.tar.age (0600), and removes any plain copy
// an earlier, unfinished run left in dir. The archive is made in memory:
// the plain bytes never reach the disk. For a passphrase delivery it
// makes the passphrase and hands it to *issued, the only place it exists
// once this returns.
func sealPackage(dir, requestID string, at time.Time, contents []packageFile, d model.AccessDelivery, issued *string) (*model.ExportFile, error) {
	var rcpt age.Recipient
	passphrase := ""
	switch d.Method {
	case model.DeliverToRecipient:
		x, err := age.ParseX25519Recipient(d.Recipient)
		if err != nil {
			return nil, fmt.Errorf("the recipient key on the request: %w", err)
		}
		rcpt = x
	case model.DeliverWithPassphrase:
		if issued == nil {
			return nil, errors.New("a passphrase package needs a run that can show its passphrase")
		}
		p, err := newPassphrase()
		if err != nil {
			return nil, fmt.Errorf("make the passphrase: %w", err)
		}
		x, err := age.NewScryptRecipient(p)
		if err != nil {
			return nil, fmt.Errorf("passphrase recipient: %w", err)
		}
		rcpt, passphrase = x, p
	default:
		return nil, fmt.Errorf("unknown delivery method %q", d.Method)
	}
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	for _, f := range contents {
		// Under a directory named after the request, so unpacking it
		// does not scatter files; dated by the plan's sign-off like the
		// package's own generated_at.
		hdr := &tar.Header{Name: requestID + "/" + f.name, Mode: 0o600, Size: int64(len(f.data)), ModTime: at.UTC(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("archive %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("archive %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("archive the package: %w", err)
	}
	var out bytes.Buffer
	w, err := age.Encrypt(&out, rcpt)
	if err != nil {
		return nil, fmt.Errorf("encrypt the package: %w", err)
	}
	if _, err := w.Write(tarBuf.Bytes()); err != nil {
		return nil, fmt.Errorf("encrypt the package: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt the package: %w", err)
	}
	name := SealedName(requestID)
	if err := writePackageFile(dir, name, out.Bytes()); err != nil {
		return nil, err
	}
	for _, f := range contents {
		if err := os.Remove(filepath.Join(dir, f.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("remove the plain %s left by an earlier run: %w", f.name, err)
		}
	}
	if passphrase != "" {
		*issued = passphrase
	}
	sum := sha256.Sum256(out.Bytes())
	return &model.ExportFile{Name: name, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(out.Len())}, nil
}

// passphraseShown is the progress line beside the passphrase a run shows.
func passphraseShown(r model.Request) string {
	name := SealedName(r.ID)
	if r.Export != nil && r.Export.Sealed != nil {
		name = r.Export.Sealed.Name
	}
	return fmt.Sprintf("%s is sealed with a passphrase, shown now and never again: send it to the resident by sms, phone or post (never by email), then record that (passphrase-sent)", name)
}
