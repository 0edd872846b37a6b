package db

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/custodian-dev/custodian/model"
)

// Deliverer hands one message's stored bytes to the world.
type Deliverer interface {
	Deliver(ctx context.Context, m Message, from string) error
}

// EMLOutbox is the embedded default: each message is written as an
// RFC 5322 file <Dir>/<message id>.eml, mode 0600 (it holds a resident's
// correspondence), so the demo works with no mail server.
type EMLOutbox struct{ Dir string }

// Deliver writes m.Raw to its file through a temporary name, so a reader
// never sees half a message.
func (o EMLOutbox) Deliver(_ context.Context, m Message, _ string) error {
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return fmt.Errorf("outbox %s: %w", o.Dir, err)
	}
	final := filepath.Join(o.Dir, m.ID+".eml")
	tmp, err := os.CreateTemp(o.Dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("outbox %s: %w", o.Dir, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("outbox %s: %w", final, err)
	}
	if _, err := tmp.Write(m.Raw); err != nil {
		tmp.Close()
		return fmt.Errorf("outbox %s: %w", final, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("outbox %s: %w", final, err)
	}
	return os.Rename(tmp.Name(), final)
}

// SMTPOutbox sends through a mail server given as
// smtp://user:password@host:587 (STARTTLS required; smtps:// for implicit
// TLS). TLSConfig, when set, replaces the default (tests trust their own
// certificate with it).
type SMTPOutbox struct {
	URL       *url.URL
	TLSConfig *tls.Config
}

// ParseSMTPURL checks an --smtp-url value and says what is wrong with it.
func ParseSMTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("smtp url: %w", err)
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("smtp url: scheme %q: use smtp://user:password@host:587 (STARTTLS) or smtps://…:465", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("smtp url: no host: use smtp://user:password@host:587")
	}
	return u, nil
}

// Deliver sends m.Raw unchanged: the bytes whose SHA-256 is on the chain are
// the bytes the server receives. STARTTLS is mandatory on smtp://: a server
// that does not offer it gets nothing, credentials least of all.
func (o SMTPOutbox) Deliver(ctx context.Context, m Message, from string) error {
	host := o.URL.Hostname()
	port := o.URL.Port()
	if port == "" {
		port = "587"
		if o.URL.Scheme == "smtps" {
			port = "465"
		}
	}
	cfg := o.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return fmt.Errorf("smtp %s: %w", host, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	var c *smtp.Client
	if o.URL.Scheme == "smtps" {
		c = smtp.NewClient(tls.Client(conn, cfg))
	} else if c, err = smtp.NewClientStartTLS(conn, cfg); err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: starttls: %w", host, err)
	}
	defer c.Close()
	if u := o.URL.User; u != nil {
		pw, _ := u.Password()
		if err := c.Auth(sasl.NewPlainClient("", u.Username(), pw)); err != nil {
			return fmt.Errorf("smtp %s: auth: %w", host, err)
		}
	}
	if err := c.SendMail(from, []string{m.To.Email}, strings.NewReader(string(m.Raw))); err != nil {
		return fmt.Errorf("smtp %s: send %s: %w", host, m.ID, err)
	}
	return c.Quit()
}

// sendBackoff is the wait before attempt n+1 after n failed: 1, 2, 4, 8…
// minutes, at most an hour, so a mail server down for a while is not hammered.
func sendBackoff(attempts int) time.Duration {
	d := time.Minute << min(attempts-1, 6)
	return min(d, time.Hour)
}

// DeliverDue sends up to limit queued messages whose time has come through
// d, from the sender address from. Each is first claimed (status sending,
// a claimed write only one worker can win), then delivered, then marked
// sent or, on failure, queued again with backoff (failed after
// MaxSendAttempts). It returns how many were sent.
func (s *Store) DeliverDue(ctx context.Context, d Deliverer, from string, limit int) (int, error) {
	now := s.now()
	cur, err := s.db.Collection(collMessages).Find(ctx,
		bson.D{{Key: "status", Value: MsgQueued}, {Key: "next_at", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "status", Value: 1}, {Key: "next_at", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return 0, fmt.Errorf("due messages: %w", err)
	}
	var due []Message
	if err := cur.All(ctx, &due); err != nil {
		return 0, fmt.Errorf("due messages: %w", err)
	}
	sent := 0
	for _, m := range due {
		m.Status, m.Attempts = MsgSending, m.Attempts+1
		claimedAt := s.now()
		m.ClaimedAt = &claimedAt
		claimed, err := s.writeMessage(ctx, m, "claim_letter", fmt.Sprintf("%s; attempt %d", m.ID, m.Attempts))
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			continue // another worker has it
		}
		if err != nil {
			return sent, err
		}
		derr := d.Deliver(ctx, claimed, from)
		next := claimed
		detail := fmt.Sprintf("%s; sha256 %s", m.ID, m.SHA256)
		action := "send_letter"
		if derr == nil {
			at := s.now()
			next.Status, next.SentAt, next.LastError = MsgSent, &at, ""
		} else {
			next.LastError = model.CleanLine(derr.Error())
			next.Status, next.NextAt = MsgQueued, s.now().Add(sendBackoff(next.Attempts))
			if next.Attempts >= MaxSendAttempts {
				next.Status = MsgFailed
			}
			action, detail = "send_letter_failed", fmt.Sprintf("%s; attempt %d; %s", m.ID, next.Attempts, next.Status)
		}
		if _, err := s.writeMessage(ctx, next, action, detail); err != nil {
			return sent, err
		}
		if derr == nil {
			sent++
		}
	}
	return sent, nil
}

// writeMessage stores m as its next version, a claimed write by the system
// with one audit event.
func (s *Store) writeMessage(ctx context.Context, m Message, action, detail string) (Message, error) {
	outcome := model.OutcomeOK
	if m.LastError != "" && m.Status != MsgSending {
		outcome = model.OutcomeFailed
	}
	actor := model.SystemActor("outbox")
	now := s.now()
	m.Version++
	c := s.newClaim(collMessages, m.ID, m.Version, actor.Handle(), now)
	c.Events = []model.AuditEvent{{
		ID: c.WriteID, At: now, Actor: actor.Handle(), Role: actor.Operator.Role, Origin: actor.Origin,
		Action: action, Target: auditTarget("request", m.RequestID), TenantID: m.TenantID, Outcome: outcome, Detail: detail,
	}}
	raw, err := bson.Marshal(m)
	if err != nil {
		return m, fmt.Errorf("%s %s: %w", action, m.ID, err)
	}
	c.Doc = raw
	if _, err := s.commit(ctx, c); err != nil {
		if errors.Is(err, errClaimTaken) || errors.Is(err, errSlotUsed) {
			return m, err
		}
		return m, fmt.Errorf("%s %s: %w", action, m.ID, err)
	}
	return m, nil
}
