package model

import (
	"strings"
	"testing"
	"time"
)

// A real age X25519 recipient (age-keygen), and the same with one character
// changed, which its bech32 checksum must catch.
const (
	testAgeKey    = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
	testAgeKeyBad = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8q"
)

// deliveryRuleCases: 11 CCR §7024(f) and the seed policy's "encrypted"
// exchange: a passphrase package is not a response until its passphrase
// went by a second channel; the completion stamps the delivery date.
func deliveryRuleCases() []ruleCase {
	access := func(d *AccessDelivery) Request {
		p := stepsDone(signedPlan("lee", "lou"), 2)
		return rbRequest(StatusFulfilling, withType(TypeAccess), verifiedBy("sam"), decided(approvedDecision()), withPlan(p), func(r *Request) {
			r.Export = &AccessExport{Dir: "R-1", Files: []ExportFile{{Name: "access.json"}}, Sealed: &ExportFile{Name: "R-1.tar.age"}}
			r.Delivery = d
		})
	}
	sent := &PassphraseSent{Channel: ChannelSMS, By: "lee", At: rbNow.Add(-time.Hour)}
	return []ruleCase{
		{name: "complete a passphrase package before the passphrase was sent", rule: "complete.passphrase_sent", cite: CiteSecureDelivery,
			action: ActComplete, facts: rbFacts(rbLead, access(&AccessDelivery{Method: DeliverWithPassphrase})), refused: true},
		{name: "complete a passphrase package once it was sent by sms", rule: "complete.passphrase_sent", cite: CiteSecureDelivery,
			action: ActComplete, facts: rbFacts(rbLead, access(&AccessDelivery{Method: DeliverWithPassphrase, Sent: sent})),
			after: func(t *testing.T, n *Request) {
				if n.Delivery.DeliveredAt == nil || !n.Delivery.DeliveredAt.Equal(*n.RespondedAt) {
					t.Errorf("delivered at %v, responded at %v: the delivery date is the response date", n.Delivery.DeliveredAt, n.RespondedAt)
				}
			}},
		{name: "complete a package encrypted to the resident's key", rule: "complete.passphrase_sent", cite: CiteSecureDelivery,
			action: ActComplete, facts: rbFacts(rbLead, access(&AccessDelivery{Method: DeliverToRecipient, Recipient: testAgeKey}))},
	}
}

func TestCheckRecipientKey(t *testing.T) {
	for _, c := range []struct {
		key, says string
	}{
		{testAgeKey, ""},
		{"  " + testAgeKey + "\n", ""},
		{strings.ToUpper(testAgeKey), ""},
		{"", "no recipient key"},
		{"AGE-SECRET-KEY-1QQQQ", "PRIVATE key"},
		{"ssh-ed25519 AAAAC3Nza", "SSH key"},
		{"age2ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p", "starts with age1"},
		{testAgeKey[:40], "62 characters, this one has 40"},
		{testAgeKeyBad, "checksum"},
		{strings.Replace(testAgeKey, "q", "b", 1), "cannot appear"},
		{"Age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p", "lower case"},
	} {
		err := CheckRecipientKey(c.key)
		switch {
		case c.says == "" && err != nil:
			t.Errorf("%q refused: %v", c.key, err)
		case c.says != "" && (err == nil || !strings.Contains(err.Error(), c.says)):
			t.Errorf("%q: got %v, want a refusal saying %q", c.key, err, c.says)
		}
	}
}

// TestPassphraseStrength: the rule's passphrase is 24 symbols of a
// 32-symbol alphabet (120 bits), grouped for reading aloud; each byte maps
// to one symbol without bias (32 divides 256).
func TestPassphraseStrength(t *testing.T) {
	if len(PassphraseAlphabet) != 32 {
		t.Fatalf("alphabet has %d symbols, want 32", len(PassphraseAlphabet))
	}
	raw := make([]byte, PassphraseRandBytes)
	for i := range raw {
		raw[i] = byte(i * 37)
	}
	p, err := FormatPassphrase(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(p, "-"); got != PassphraseGroups-1 || len(p) != PassphraseRandBytes+PassphraseGroups-1 {
		t.Errorf("passphrase %q: %d dashes, %d characters", p, got, len(p))
	}
	if err := CheckPassphrase(p); err != nil {
		t.Errorf("a formatted passphrase is refused: %v", err)
	}
	if err := CheckPassphrase("abcd-efgh"); err == nil || !strings.Contains(err.Error(), "needs 24") {
		t.Errorf("a short passphrase: %v", err)
	}
	if _, err := FormatPassphrase(raw[:10]); err == nil {
		t.Error("too few random bytes accepted")
	}
	if strings.ContainsAny(PassphraseAlphabet, "lo01") {
		t.Error("the alphabet holds a symbol easily misread")
	}
}

func TestSecondChannel(t *testing.T) {
	for _, ok := range []string{"sms", "SMS", " phone ", "post"} {
		if _, err := ParseSecondChannel(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"email", "", "carrier pigeon"} {
		if _, err := ParseSecondChannel(bad); err == nil || !strings.Contains(err.Error(), "sms, phone or post") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestChooseDeliveryAndSent(t *testing.T) {
	r := rbRequest(StatusApproved, withType(TypeAccess))
	if err := CheckChooseDelivery(r); err != nil {
		t.Errorf("approved access request: %v", err)
	}
	if err := CheckChooseDelivery(rbRequest(StatusApproved)); err == nil {
		t.Error("a deletion has no package to deliver")
	}
	r.Export = &AccessExport{Dir: "R-1"}
	if err := CheckChooseDelivery(r); err != nil || !Reseals(r) {
		t.Errorf("after the export, before any passphrase was sent, the package may be sealed again: %v", err)
	}
	if err := CheckPassphraseSent(r); err == nil {
		t.Error("a passphrase sent for a request with no passphrase delivery")
	}
	r.Delivery = &AccessDelivery{Method: DeliverWithPassphrase}
	if err := CheckPassphraseSent(r); err == nil || !strings.Contains(err.Error(), "not sealed") {
		t.Errorf("unsealed: %v", err)
	}
	r.Export.Sealed = &ExportFile{Name: "R-1.tar.age"}
	if err := CheckPassphraseSent(r); err != nil {
		t.Errorf("sealed: %v", err)
	}
	r.Delivery.Sent = &PassphraseSent{Channel: ChannelSMS}
	if err := CheckChooseDelivery(r); err == nil || !strings.Contains(err.Error(), "already sent by text message") {
		t.Errorf("reseal after the passphrase was sent: %v", err)
	}
}

// TestPackageHowToOpen: the completion letter names the file, the tool and
// where the key comes from; never a passphrase.
func TestPackageHowToOpen(t *testing.T) {
	r := Request{ID: "R-1", Type: TypeAccess, Export: &AccessExport{Sealed: &ExportFile{Name: "R-1.tar.age"}},
		Delivery: &AccessDelivery{Method: DeliverWithPassphrase, Sent: &PassphraseSent{Channel: ChannelSMS}}}
	got := PackageHowToOpen(r)
	for _, want := range []string{"age -d -o R-1.tar R-1.tar.age", "text message", "age-encryption.org", "tar -xf R-1.tar"} {
		if !strings.Contains(got, want) {
			t.Errorf("how to open = %q, missing %q", got, want)
		}
	}
	r.Delivery = &AccessDelivery{Method: DeliverToRecipient, Recipient: testAgeKey}
	if got := PackageHowToOpen(r); !strings.Contains(got, "private key") || !strings.Contains(got, testAgeKey[:16]) {
		t.Errorf("recipient: %q", got)
	}
	if got := (AccessDelivery{Method: DeliverToRecipient, Recipient: testAgeKey}).KeyID(); !strings.HasPrefix(got, "sha256:") || len(got) != len("sha256:")+16 {
		t.Errorf("KeyID = %q", got)
	}
}

// TestDeliveryDescribe: the screens say how the package went and what is
// missing, in the tenant's zone, and never hold a secret (there is none to
// hold: only the public key's fingerprint).
func TestDeliveryDescribe(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	at := time.Date(2026, 11, 10, 18, 0, 0, 0, time.UTC)
	d := AccessDelivery{Method: DeliverWithPassphrase, ChosenBy: "lee"}
	if got := strings.Join(d.Describe(la), "\n"); !strings.Contains(got, "not yet recorded as sent") {
		t.Errorf("unsent: %q", got)
	}
	d.Sent = &PassphraseSent{Channel: ChannelPost, By: "lou", At: at}
	d.DeliveredAt = &at
	got := strings.Join(d.Describe(la), "\n")
	for _, want := range []string{"passphrase sent by post by lou, 2026-11-10 10:00 PST", "delivered 2026-11-10 10:00 PST"} {
		if !strings.Contains(got, want) {
			t.Errorf("Describe = %q, missing %q", got, want)
		}
	}
	k := AccessDelivery{Method: DeliverToRecipient, Recipient: testAgeKey, ChosenBy: "lee"}
	if got := strings.Join(k.Describe(la), "\n"); !strings.Contains(got, RecipientFingerprint(testAgeKey)) || strings.Contains(got, testAgeKey) {
		t.Errorf("recipient: %q", got)
	}
}

// TestMetricsCountToTheDelivery: days-to-respond of an access request
// delivered encrypted end at its delivery date, the completion's.
func TestMetricsCountToTheDelivery(t *testing.T) {
	r := rbRequest(StatusFulfilling, withType(TypeAccess), verifiedBy("sam"), decided(approvedDecision()),
		withPlan(stepsDone(signedPlan("lee", "lou"), 2)), func(r *Request) {
			r.Export = &AccessExport{Dir: "R-1", Sealed: &ExportFile{Name: "R-1.tar.age"}}
			r.Delivery = &AccessDelivery{Method: DeliverWithPassphrase, Sent: &PassphraseSent{Channel: ChannelSMS, By: "lee", At: rbNow}}
		})
	next := r
	if _, ref := Decide(ActComplete, rbFacts(rbLead, r), &next, ""); ref != nil {
		t.Fatal(ref)
	}
	next.Status = StatusCompleted
	f := FactsOf(next, rbTenant())
	if f.Responded == nil || next.Delivery.DeliveredAt == nil || !f.Responded.Equal(*next.Delivery.DeliveredAt) {
		t.Fatalf("metrics responded %v, delivered %v", f.Responded, next.Delivery.DeliveredAt)
	}
}
