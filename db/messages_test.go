package db_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/demo"
	"github.com/custodian-dev/custodian/model"
)

const sender = "privacy@custodian.example"

func (f *fixture) auditDetails(action string) []string {
	f.t.Helper()
	cur, err := f.conn.DB.Collection("audit").Find(f.ctx, bson.D{{Key: "action", Value: action}})
	if err != nil {
		f.t.Fatal(err)
	}
	var evs []model.AuditEvent
	if err := cur.All(f.ctx, &evs); err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Outcome+" "+e.Detail)
	}
	return out
}

func TestTemplatesDefaultEditAndWhoMay(t *testing.T) {
	f := newFixture(t)
	list, err := f.s.Templates(f.ctx, f.support, "ta")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(model.LetterKinds()) || !list[0].Default {
		t.Fatalf("want the default set, got %d templates (first default=%v)", len(list), list[0].Default)
	}
	edited := model.LetterTemplate{Kind: model.LetterAcknowledgement, Subject: "Town A got {{.RequestID}}", Body: "Dear {{.RequesterName}}, we answer by {{.RespondBy}}."}
	for _, c := range []struct {
		name  string
		actor model.Actor
	}{{"support", f.support}, {"engineer", f.engineer}, {"out of scope", actor("sib", model.RoleLead, "tb")}} {
		if _, err := f.s.PutTemplate(f.ctx, c.actor, "ta", edited); err == nil {
			t.Errorf("%s edited a template", c.name)
		}
	}
	bad := edited
	bad.Body = "{{.SSN}}"
	if _, err := f.s.PutTemplate(f.ctx, f.lead, "ta", bad); !errors.Is(err, db.ErrInvalid) || !strings.Contains(err.Error(), ".SSN") {
		t.Errorf("bad template: %v, want ErrInvalid naming .SSN", err)
	}
	if got, _ := f.s.Template(f.ctx, f.support, "ta", model.LetterAcknowledgement); !got.Default {
		t.Fatalf("refused edits changed the template: %+v", got)
	}
	for _, a := range []model.Actor{f.lead, f.admin} {
		if _, err := f.s.PutTemplate(f.ctx, a, "ta", edited); err != nil {
			t.Fatalf("%s: %v", a.Handle(), err)
		}
	}
	got, err := f.s.Template(f.ctx, f.support, "ta", model.LetterAcknowledgement)
	if err != nil || got.Default || got.Subject != edited.Subject || got.Version != 2 {
		t.Fatalf("after edit: %+v, %v", got, err)
	}
	if other, _ := f.s.Template(f.ctx, f.support, "tb", model.LetterAcknowledgement); !other.Default {
		t.Error("an edit of Town A's template changed Borough B's")
	}
	// Support and the engineer are refused on the chain; the out-of-scope
	// lead meets "not found", audited as such elsewhere.
	ok, refused := 0, 0
	for _, d := range f.auditDetails("edit_template") {
		if strings.HasPrefix(d, model.OutcomeOK+" acknowledgement; version") {
			ok++
		}
		if strings.HasPrefix(d, model.OutcomeRefused) {
			refused++
		}
	}
	if ok != 2 || refused != 2 {
		t.Errorf("%d audited edits, want 2: %q", ok, f.auditDetails("edit_template"))
	}
}

func TestQueueLetterAndDeliverToEMLOutbox(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	if _, err := f.s.QueueLetter(f.ctx, f.support, "R-1", model.LetterDenial, sender); err == nil {
		t.Error("support queued a denial letter, a lead's")
	}
	if _, err := f.s.QueueLetter(f.ctx, f.scopedA, "R-1", model.LetterKind("nope"), sender); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("unknown kind: %v", err)
	}
	m, err := f.s.QueueLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement, sender)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != db.MsgQueued || m.To.Email != "alma@example.org" || !bytes.Contains(m.Raw, []byte("What happens next")) {
		t.Fatalf("queued %+v\n%s", m, m.Raw)
	}
	again, err := f.s.QueueLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement, sender)
	if err != nil || again.ID != m.ID {
		t.Fatalf("queued twice: %v %v (want the first, %s)", again.ID, err, m.ID)
	}
	// The refused denial is on the chain; the queued letter once, with the
	// hash of its bytes.
	if d := f.auditDetails("queue_letter"); len(d) != 2 || !strings.HasPrefix(d[0], model.OutcomeRefused) ||
		d[1] != model.OutcomeOK+" acknowledgement; "+m.ID+"; sha256 "+sha256Of(m.Raw) {
		t.Errorf("audit: %q, want a refusal and one event with sha256 %s", d, sha256Of(m.Raw))
	}

	dir := filepath.Join(t.TempDir(), "outbox")
	n, err := f.s.DeliverDue(f.ctx, db.EMLOutbox{Dir: dir}, sender, 10)
	if err != nil || n != 1 {
		t.Fatalf("deliver: %d, %v", n, err)
	}
	path := filepath.Join(dir, m.ID+".eml")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, m.Raw) {
		t.Error("the .eml file is not the stored bytes")
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if n, _ := f.s.DeliverDue(f.ctx, db.EMLOutbox{Dir: dir}, sender, 10); n != 0 {
		t.Errorf("a sent message was delivered again (%d)", n)
	}
	msgs, err := f.s.Messages(f.ctx, f.support, "R-1")
	if err != nil || len(msgs) != 1 || msgs[0].Status != db.MsgSent || msgs[0].SentAt == nil {
		t.Fatalf("messages: %+v %v", msgs, err)
	}
	if msgs[0].To.Email != "a•••@example.org" || msgs[0].Raw != nil {
		t.Errorf("the list shows %q and %d bytes; want the address masked and no bytes", msgs[0].To.Email, len(msgs[0].Raw))
	}
	if l, err := f.s.PreviewLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement); err != nil || strings.Contains(l.Body+l.To.Email, "alma@example.org") || strings.Contains(l.Body, "Alma A") {
		t.Errorf("preview is not masked: %+v %v", l, err)
	}
	if _, err := f.s.Messages(f.ctx, actor("sib", model.RoleSupport, "tb"), "R-1"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("out of scope messages: %v", err)
	}
}

func sha256Of(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

type failing struct{ n int }

func (d *failing) Deliver(context.Context, db.Message, string) error {
	d.n++
	return errors.New("421 try later")
}

func TestOutboxRetriesWithBackoffThenFails(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	if _, err := f.s.QueueLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement, sender); err != nil {
		t.Fatal(err)
	}
	d := &failing{}
	for i := 1; i <= db.MaxSendAttempts; i++ {
		if n, err := f.s.DeliverDue(f.ctx, d, sender, 10); n != 0 || err != nil {
			t.Fatalf("attempt %d: %d %v", i, n, err)
		}
		if d.n != i {
			t.Fatalf("attempt %d: %d deliveries", i, d.n)
		}
		// Not due again until its backoff has passed.
		f.s.DeliverDue(f.ctx, d, sender, 10)
		if d.n != i {
			t.Fatalf("attempt %d: retried before its backoff", i)
		}
		f.clock.Add(time.Hour)
	}
	msgs, _ := f.s.Messages(f.ctx, f.support, "R-1")
	if msgs[0].Status != db.MsgFailed || msgs[0].Attempts != db.MaxSendAttempts || !strings.Contains(msgs[0].LastError, "421") {
		t.Fatalf("after %d failures: %+v", db.MaxSendAttempts, msgs[0])
	}
	f.s.DeliverDue(f.ctx, d, sender, 10)
	if d.n != db.MaxSendAttempts {
		t.Error("a failed message was tried again")
	}
}

// TestHostileNamesCannotInjectMailHeaders sends an acknowledgement to every
// hostile demo name and parses the bytes: the same header set each time,
// one recipient, no control character in any header.
func TestHostileNamesCannotInjectMailHeaders(t *testing.T) {
	f := newFixture(t)
	want := map[string]bool{"To": true, "From": true, "Subject": true, "Date": true, "Message-Id": true, "Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true}
	for i, h := range demo.HostileStrings() {
		r := newReq("R-H"+string(rune('a'+i)), "ta", "sa1")
		r.Requester.Name = h
		if _, err := f.s.CreateRequest(f.ctx, f.support, r); err != nil {
			t.Fatal(err)
		}
		m, err := f.s.QueueLetter(f.ctx, f.support, r.ID, model.LetterAcknowledgement, sender)
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		for k, vs := range msg.Header {
			if !want[k] || len(vs) != 1 {
				t.Errorf("%q: header %s %q", h, k, vs)
			}
			for _, c := range vs[0] {
				if unicode.IsControl(c) {
					t.Errorf("%q: header %s keeps %U", h, k, c)
				}
			}
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "alma@example.org" {
			t.Errorf("%q: To %v %v", h, to, err)
		}
		if bytes.Contains(m.Raw, []byte("\x1b")) {
			t.Errorf("%q: an escape reached the message", h)
		}
	}
}

// smtpServer is a real SMTP server on loopback that requires STARTTLS and
// PLAIN auth and keeps what arrived.
type smtpServer struct {
	mu   sync.Mutex
	got  [][]byte
	rcpt []string
}

type smtpSession struct {
	s    *smtpServer
	auth bool
}

func (b *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: b}, nil }
func (s *smtpSession) AuthMechanisms() []string                   { return []string{sasl.Plain} }
func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "mailer" || pass != "s3cret" {
			return errors.New("bad credentials")
		}
		s.auth = true
		return nil
	}), nil
}
func (s *smtpSession) Mail(string, *smtp.MailOptions) error {
	if !s.auth {
		return errors.New("auth first")
	}
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.s.mu.Lock()
	defer s.s.mu.Unlock()
	s.s.rcpt = append(s.s.rcpt, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.s.mu.Lock()
	defer s.s.mu.Unlock()
	s.s.got = append(s.s.got, b)
	return err
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// startSMTP runs a go-smtp server on loopback requiring STARTTLS and PLAIN
// auth, and returns it with an outbox that trusts its certificate.
func startSMTP(t *testing.T) (*smtpServer, db.SMTPOutbox, string) {
	t.Helper()
	cert, pool := selfSigned(t)
	backend := &smtpServer{}
	srv := smtp.NewServer(backend)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	u, err := db.ParseSMTPURL("smtp://mailer:s3cret@" + l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return backend, db.SMTPOutbox{URL: u, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}, l.Addr().String()
}

func TestSMTPDeliveryArrivesByteForByte(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	m, err := f.s.QueueLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement, sender)
	if err != nil {
		t.Fatal(err)
	}
	backend, out, addr := startSMTP(t)
	if n, err := f.s.DeliverDue(f.ctx, out, sender, 10); n != 1 || err != nil {
		t.Fatalf("deliver: %d %v", n, err)
	}
	if n, _ := f.s.DeliverDue(f.ctx, out, sender, 10); n != 0 {
		t.Fatal("delivered twice")
	}
	backend.mu.Lock()
	defer backend.mu.Unlock()
	if len(backend.got) != 1 {
		t.Fatalf("%d messages arrived, want 1", len(backend.got))
	}
	if !bytes.Equal(backend.got[0], m.Raw) {
		t.Errorf("arrived bytes differ from the stored ones:\n got %q\nwant %q", backend.got[0], m.Raw)
	}
	if len(backend.rcpt) != 1 || backend.rcpt[0] != "alma@example.org" {
		t.Errorf("rcpt %q", backend.rcpt)
	}

	// Wrong credentials: nothing arrives, and the message waits for a retry.
	bad, _ := url.Parse("smtp://mailer:wrong@" + addr)
	f.create("R-2", "ta")
	if _, err := f.s.QueueLetter(f.ctx, f.support, "R-2", model.LetterAcknowledgement, sender); err != nil {
		t.Fatal(err)
	}
	backend.mu.Unlock()
	n, _ := f.s.DeliverDue(f.ctx, db.SMTPOutbox{URL: bad, TLSConfig: out.TLSConfig}, sender, 10)
	backend.mu.Lock()
	if n != 0 || len(backend.got) != 1 {
		t.Errorf("bad credentials: sent %d, %d arrived", n, len(backend.got))
	}
}

func TestParseSMTPURL(t *testing.T) {
	for in, ok := range map[string]bool{
		"smtp://u:p@mail.example:587": true,
		"smtps://mail.example":        true,
		"http://mail.example":         false,
		"smtp://":                     false,
	} {
		if _, err := db.ParseSMTPURL(in); (err == nil) != ok {
			t.Errorf("%s: %v", in, err)
		}
	}
}

type counting struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *counting) Deliver(_ context.Context, m db.Message, _ string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n[m.ID]++
	return nil
}

// TestTwoWorkersNeverSendOneMessageTwice: stores sharing one database
// deliver the same due messages at once; each message goes out once.
func TestTwoWorkersNeverSendOneMessageTwice(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"R-1", "R-2", "R-3"} {
		f.create(id, "ta")
		if _, err := f.s.QueueLetter(f.ctx, f.support, id, model.LetterAcknowledgement, sender); err != nil {
			t.Fatal(err)
		}
	}
	d := &counting{n: map[string]int{}}
	stores := []*db.Store{f.s, f.newStore(f.conn), f.newStore(f.conn)}
	var wg sync.WaitGroup
	total := make([]int, len(stores))
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.DeliverDue(f.ctx, d, sender, 10)
			if err != nil {
				t.Error(err)
			}
			total[i] = n
		}()
	}
	wg.Wait()
	if len(d.n) != 3 {
		t.Errorf("%d messages delivered, want 3", len(d.n))
	}
	for id, n := range d.n {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	if total[0]+total[1]+total[2] != 3 {
		t.Errorf("workers report %v sent", total)
	}
}

// TestLettersOfARequestThroughSMTP takes a deletion from receipt to
// completion with its letters: the acknowledgement to the resident, the
// approval request to the Customer's approver, the completion to the
// resident, each arriving once and byte for byte. Letters that do not fit
// the request yet are refused and send nothing.
func TestLettersOfARequestThroughSMTP(t *testing.T) {
	f := newFixture(t)
	backend, out, _ := startSMTP(t)
	f.create("R-1", "ta")
	var queued []db.Message
	send := func(who model.Actor, k model.LetterKind) {
		t.Helper()
		m, err := f.s.QueueLetter(f.ctx, who, "R-1", k, sender)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		if n, err := f.s.DeliverDue(f.ctx, out, sender, 10); n != 1 || err != nil {
			t.Fatalf("%s: delivered %d, %v", k, n, err)
		}
		queued = append(queued, m)
	}
	send(f.support, model.LetterAcknowledgement)
	if _, err := f.s.QueueLetter(f.ctx, f.support, "R-1", model.LetterApprovalRequest, sender); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("approval request before verification: %v", err)
	}
	for _, a := range pathTo(model.StatusAwaitingApproval) {
		f.do("R-1", a)
	}
	send(f.support, model.LetterApprovalRequest)
	for _, a := range []model.Action{model.ActApprove, model.ActStartFulfilment} {
		f.do("R-1", a)
	}
	if _, err := f.s.QueueLetter(f.ctx, f.lead, "R-1", model.LetterCompletionDeletion, sender); !errors.Is(err, db.ErrInvalid) {
		t.Errorf("completion before completing: %v", err)
	}
	f.do("R-1", model.ActComplete)
	send(f.lead, model.LetterCompletionDeletion)

	backend.mu.Lock()
	defer backend.mu.Unlock()
	if len(backend.got) != 3 {
		t.Fatalf("%d messages arrived, want 3", len(backend.got))
	}
	wantTo := []string{"alma@example.org", "pat@town-a.example", "alma@example.org"}
	for i, m := range queued {
		if !bytes.Equal(backend.got[i], m.Raw) || backend.rcpt[i] != wantTo[i] {
			t.Errorf("%s: arrived to %s, bytes equal %v", m.Kind, backend.rcpt[i], bytes.Equal(backend.got[i], m.Raw))
		}
	}
	for i, want := range []string{"What happens next", "We may not act on it without your approval", "We deleted the personal information"} {
		if !bytes.Contains(backend.got[i], []byte(want)) {
			t.Errorf("letter %d lacks %q", i, want)
		}
	}
	msgs, _ := f.s.Messages(f.ctx, f.lead, "R-1")
	if len(msgs) != 3 {
		t.Fatalf("%d messages on the request", len(msgs))
	}
	for _, m := range msgs {
		if m.Status != db.MsgSent {
			t.Errorf("%s is %s", m.Kind, m.Status)
		}
	}
}

// TestSMTPWithoutSTARTTLSGetsNothing: a server that does not offer STARTTLS
// is never sent the credentials or the letter; the message waits.
func TestSMTPWithoutSTARTTLSGetsNothing(t *testing.T) {
	f := newFixture(t)
	f.create("R-1", "ta")
	if _, err := f.s.QueueLetter(f.ctx, f.support, "R-1", model.LetterAcknowledgement, sender); err != nil {
		t.Fatal(err)
	}
	backend := &smtpServer{}
	srv := smtp.NewServer(backend)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true // it would take the password in clear: it must never be offered it
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	u, _ := db.ParseSMTPURL("smtp://mailer:s3cret@" + l.Addr().String())
	if n, _ := f.s.DeliverDue(f.ctx, db.SMTPOutbox{URL: u}, sender, 10); n != 0 {
		t.Errorf("sent %d without STARTTLS", n)
	}
	backend.mu.Lock()
	defer backend.mu.Unlock()
	if len(backend.got) != 0 || len(backend.rcpt) != 0 {
		t.Errorf("the server received %d messages, %d recipients", len(backend.got), len(backend.rcpt))
	}
	msgs, _ := f.s.Messages(f.ctx, f.support, "R-1")
	if msgs[0].Status != db.MsgQueued || !strings.Contains(msgs[0].LastError, "starttls") {
		t.Errorf("message %s, last error %q", msgs[0].Status, msgs[0].LastError)
	}
}
