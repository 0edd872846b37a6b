package db

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	gomail "github.com/wneessen/go-mail"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// collMessages holds every letter queued for a request: its exact bytes,
// their SHA-256 (also on the audit chain) and its delivery state.
const collMessages = "messages"

// Message statuses (model.Message's), named here for the controller's
// callers.
const (
	MsgQueued  = model.MsgQueued
	MsgSending = model.MsgSending
	MsgSent    = model.MsgSent
	MsgFailed  = model.MsgFailed
)

// MaxSendAttempts is how many deliveries are tried before a message is
// marked failed for a person to look at.
const MaxSendAttempts = 5

// Message is one letter, stored with the bytes that are (or were) sent
// (model.Message: the console lists them through its own interface).
type Message = model.Message

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// PreviewLetter renders the letter of kind k for request id with its
// tenant's template, without storing anything, masked as every view of a
// request is (model.MaskLetter): the bytes sent are never shown.
func (s *Store) PreviewLetter(ctx context.Context, actor model.Actor, id string, k model.LetterKind) (model.Letter, error) {
	if _, err := model.ParseLetterKind(string(k)); err != nil {
		return model.Letter{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	r, err := s.Request(ctx, actor, id)
	if err != nil {
		return model.Letter{}, err
	}
	l, err := s.renderLetter(ctx, r, k)
	if err != nil {
		return model.Letter{}, err
	}
	return model.MaskLetter(l, r), nil
}

func (s *Store) renderLetter(ctx context.Context, r model.Request, k model.LetterKind) (model.Letter, error) {
	if err := model.LetterFits(k, r); err != nil {
		return model.Letter{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	t, err := s.tenant(ctx, r.TenantID)
	if err != nil {
		return model.Letter{}, err
	}
	tpl, err := s.template(ctx, r.TenantID, k)
	if err != nil {
		return model.Letter{}, err
	}
	to, err := model.LetterRecipient(k, r, t)
	if err != nil {
		return model.Letter{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	l, err := model.RenderLetter(tpl.LetterTemplate, r, t, to)
	if err != nil {
		return model.Letter{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return l, nil
}

// QueueLetter renders the letter of kind k for request id, builds its MIME
// bytes (from is the sender address) and stores it queued for the outbox,
// with the SHA-256 of those bytes on the audit chain. Queuing the same
// letter again returns the message already stored.
func (s *Store) QueueLetter(ctx context.Context, actor model.Actor, id string, k model.LetterKind, from string) (Message, error) {
	actor, r, err := s.letterSender(ctx, actor, id, k)
	if err != nil {
		return Message{}, err
	}
	if from, err = model.SafeAddress(from); err != nil {
		return Message{}, fmt.Errorf("%w: sender: %w", ErrInvalid, err)
	}
	l, err := s.renderLetter(ctx, r, k)
	if err != nil {
		return Message{}, err
	}
	return s.queueRendered(ctx, actor, r, k, l, from, "")
}

// letterSender is the checks every way of queuing a letter starts with:
// the actor as stored now, a known kind, the request in the actor's scope,
// a session that may write, and the permission the kind needs (a refusal
// is audited). It returns the current actor and the request.
func (s *Store) letterSender(ctx context.Context, actor model.Actor, id string, k model.LetterKind) (model.Actor, model.Request, error) {
	const action = "queue_letter"
	actor, err := s.currentActor(ctx, actor)
	if err != nil {
		return actor, model.Request{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	if _, err := model.ParseLetterKind(string(k)); err != nil {
		return actor, model.Request{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	r, err := s.Request(ctx, actor, id)
	if err != nil {
		return actor, model.Request{}, err
	}
	tgt := auditTarget("request", id)
	if actor.ReadOnly {
		return actor, r, s.refuse(ctx, actor, action, tgt, r.TenantID, "this session is read-only", nil)
	}
	if p := model.LetterPermission(k); !actor.Can(p) {
		return actor, r, s.refuse(ctx, actor, action, tgt, r.TenantID, actor.Refusal(p, "send a "+string(k)+" letter"), nil)
	}
	return actor, r, nil
}

// queueRendered stores the rendered letter l (of kind k, about request r)
// queued for the outbox: its MIME bytes from the sender from, a message id
// derived from what it says (the idempotency key: the same letter queued
// twice is found, not sent twice) and an audit event with the SHA-256 of
// the bytes. note, when set, is added to the event's detail (e.g.
// "edited before sending"); it must carry no PI. The caller has checked
// the actor may send k and that from is a safe address.
func (s *Store) queueRendered(ctx context.Context, actor model.Actor, r model.Request, k model.LetterKind, l model.Letter, from, note string) (Message, error) {
	const action = "queue_letter"
	id := r.ID
	tgt := auditTarget("request", id)
	msgID := "msg-" + sha256Hex([]byte(id + "\x00" + string(k) + "\x00" + l.To.Email + "\x00" + l.Subject + "\x00" + l.Body))[:24]
	if old, err := s.message(ctx, msgID); err == nil {
		return old, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Message{}, err
	}
	now := s.now()
	raw, err := BuildMIME(l, from, msgID, now)
	if err != nil {
		return Message{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	m := Message{ID: msgID, RequestID: id, TenantID: r.TenantID, Kind: k, To: l.To, Subject: l.Subject,
		SHA256: sha256Hex(raw), Raw: raw, Status: MsgQueued, NextAt: now, CreatedBy: actor.Handle(), CreatedAt: now, Version: 1}
	c := s.newClaim(collMessages, msgID, 1, actor.Handle(), now)
	// The detail carries no PI: the kind, the message id and the hash of
	// the exact bytes, which proves later what was sent.
	detail := fmt.Sprintf("%s; %s; sha256 %s", k, msgID, m.SHA256)
	if note != "" {
		detail += "; " + model.CleanLine(note)
	}
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: action, Target: tgt, TenantID: r.TenantID, Outcome: model.OutcomeOK,
		Detail: detail,
	}}
	if c.Doc, err = bson.Marshal(m); err != nil {
		return Message{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) || errors.Is(err, ErrExists) {
			if old, rerr := s.message(ctx, msgID); rerr == nil {
				return old, nil
			}
		}
		return Message{}, fmt.Errorf("%s %s: %w", action, id, err)
	}
	return m, nil
}

func (s *Store) message(ctx context.Context, id string) (Message, error) {
	var m Message
	err := s.db.Collection(collMessages).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return m, notFound("message", id)
	}
	if err != nil {
		return m, fmt.Errorf("read message %s: %w", id, err)
	}
	return m, nil
}

// Messages lists the letters of request id, oldest first, masked.
func (s *Store) Messages(ctx context.Context, actor model.Actor, id string) ([]Message, error) {
	if _, err := s.Request(ctx, actor, id); err != nil {
		return nil, err
	}
	cur, err := s.db.Collection(collMessages).Find(ctx, bson.D{{Key: "request_id", Value: id}},
		options.Find().SetSort(bson.D{{Key: "request_id", Value: 1}, {Key: "created_at", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("messages of %s: %w", id, err)
	}
	var out []Message
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("messages of %s: %w", id, err)
	}
	// A list is a view: the recipient is masked and the bytes (which
	// carry the letter unmasked) stay in the database.
	for i := range out {
		out[i].To = model.Recipient{Name: model.Mask(model.KindName, out[i].To.Name), Email: model.Mask(model.KindEmail, out[i].To.Email)}
		out[i].Raw = nil
	}
	return out, nil
}

// BuildMIME writes letter l as an RFC 5322 message, plain text in UTF-8
// with quoted-printable body. The Message-ID comes from the message id so
// a resend of the same stored bytes is recognisably the same message.
func BuildMIME(l model.Letter, from, msgID string, at time.Time) ([]byte, error) {
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithEncoding(gomail.EncodingQP))
	if err := m.From(from); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	// Name and subject went through model.HeaderSafe; go-mail encodes
	// non-ASCII as RFC 2047 words, so no value can end a header line.
	if err := m.AddToFormat(l.To.Name, l.To.Email); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	m.Subject(l.Subject)
	m.SetDateWithValue(at)
	m.SetMessageIDWithValue(msgID + "@custodian")
	m.SetBodyString(gomail.TypeTextPlain, l.Body)
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	return b.Bytes(), nil
}
