package model

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Delivering an access package securely. The package holds everything the
// custodian keeps about a person, so it leaves encrypted (age,
// age-encryption.org): either to a public key the resident gave, or with a
// passphrase the custodian makes and sends by a second channel, so that
// whoever intercepts the package alone cannot read it. The rules below
// decide which methods exist, what a key must look like, how strong a
// passphrase is, which second channels count, and when a request so
// delivered may be completed.

// CiteSecureDelivery is the source of these rules.
const CiteSecureDelivery = "11 CCR §7024(f): a business shall use reasonable security measures when transmitting personal information to the consumer; " +
	"seed policy, Security of Information: \"Sensitive and private data exchange ... is encrypted\""

// DeliveryMethod is how the access package is encrypted for the resident.
type DeliveryMethod string

const (
	// DeliverToRecipient encrypts to the resident's age X25519 public key.
	DeliverToRecipient DeliveryMethod = "recipient"
	// DeliverWithPassphrase encrypts with a passphrase the custodian makes
	// and sends by a second channel.
	DeliverWithPassphrase DeliveryMethod = "passphrase"
)

// DeliveryMethods lists every method.
func DeliveryMethods() []DeliveryMethod {
	return []DeliveryMethod{DeliverToRecipient, DeliverWithPassphrase}
}

// SecondChannel is how a passphrase reached the resident: never the
// channel the package went by (email), so one intercepted message is not
// enough to read it.
type SecondChannel string

const (
	ChannelSMS       SecondChannel = "sms"
	ChannelPhoneCall SecondChannel = "phone"
	ChannelPost      SecondChannel = "post"
)

// SecondChannels lists every second channel.
func SecondChannels() []SecondChannel {
	return []SecondChannel{ChannelSMS, ChannelPhoneCall, ChannelPost}
}

// Label is how a letter names the channel.
func (c SecondChannel) Label() string {
	switch c {
	case ChannelSMS:
		return "text message"
	case ChannelPhoneCall:
		return "phone call"
	case ChannelPost:
		return "post"
	}
	return string(c)
}

// ParseSecondChannel accepts a channel's name; anything else is refused
// naming the ones that count.
func ParseSecondChannel(s string) (SecondChannel, error) {
	c := SecondChannel(strings.ToLower(strings.TrimSpace(s)))
	for _, x := range SecondChannels() {
		if c == x {
			return c, nil
		}
	}
	return "", fmt.Errorf("%q is not a second channel: use sms, phone or post (never the email that carries the package)", CleanLine(s))
}

// PassphraseSent records THAT the passphrase was sent, by whom, when and
// how; never the passphrase, which nothing stores.
type PassphraseSent struct {
	Channel SecondChannel `bson:"channel" json:"channel"`
	By      string        `bson:"by" json:"by"`
	At      time.Time     `bson:"at" json:"at"`
}

// AccessDelivery is how an access request's package is delivered, chosen
// before the export step runs.
type AccessDelivery struct {
	Method DeliveryMethod `bson:"method" json:"method"`
	// Recipient is the resident's age public key (public: it can only
	// encrypt), kept so the export step can encrypt to it.
	Recipient string    `bson:"recipient,omitempty" json:"recipient,omitempty"`
	ChosenBy  string    `bson:"chosen_by" json:"chosen_by"`
	ChosenAt  time.Time `bson:"chosen_at" json:"chosen_at"`
	// Sent is the second-channel record of a passphrase delivery.
	Sent *PassphraseSent `bson:"passphrase_sent,omitempty" json:"passphrase_sent,omitempty"`
	// DeliveredAt is the response date: set when the request is completed.
	DeliveredAt *time.Time `bson:"delivered_at,omitempty" json:"delivered_at,omitempty"`
}

// KeyID names what the package is encrypted to without any secret: the
// recipient key's fingerprint, or "passphrase".
func (d AccessDelivery) KeyID() string {
	if d.Method == DeliverToRecipient {
		return RecipientFingerprint(d.Recipient)
	}
	return string(d.Method)
}

// RecipientFingerprint is a short, stable name for a public key: the start
// of its SHA-256, as the audit chain and the screens show it.
func RecipientFingerprint(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// Passphrase rules: PassphraseGroups groups of PassphraseGroupLen
// characters from PassphraseAlphabet (32 symbols, 5 bits each), 24
// characters, 120 bits — beyond guessing even against age's scrypt at a
// modest work factor — and easy to read aloud or type from a text message
// (no l or 1, no o or 0).
const (
	PassphraseAlphabet  = "abcdefghijkmnpqrstuvwxyz23456789"
	PassphraseGroups    = 6
	PassphraseGroupLen  = 4
	PassphraseRandBytes = PassphraseGroups * PassphraseGroupLen
)

// FormatPassphrase turns PassphraseRandBytes random bytes (from
// crypto/rand, read by the controller) into a passphrase. Each byte picks a
// symbol by its value modulo 32, which divides 256: no symbol is likelier.
func FormatPassphrase(random []byte) (string, error) {
	if len(random) != PassphraseRandBytes {
		return "", fmt.Errorf("a passphrase needs %d random bytes, got %d", PassphraseRandBytes, len(random))
	}
	if len(PassphraseAlphabet) != 32 {
		return "", fmt.Errorf("passphrase alphabet has %d symbols", len(PassphraseAlphabet))
	}
	var b strings.Builder
	for i, r := range random {
		if i > 0 && i%PassphraseGroupLen == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(PassphraseAlphabet[int(r)%len(PassphraseAlphabet)])
	}
	return b.String(), nil
}

// CheckPassphrase refuses a passphrase weaker than the rule: fewer than 24
// characters from the alphabet (the dashes are not counted).
func CheckPassphrase(p string) error {
	n := 0
	for _, r := range p {
		switch {
		case r == '-':
		case strings.ContainsRune(PassphraseAlphabet, r):
			n++
		default:
			return fmt.Errorf("a passphrase holds only %q and dashes", PassphraseAlphabet)
		}
	}
	if n < PassphraseRandBytes {
		return fmt.Errorf("a passphrase needs %d characters, this one has %d", PassphraseRandBytes, n)
	}
	return nil
}

// bech32 charset and generator (BIP 173), the encoding of age keys.
const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if (top>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// CheckRecipientKey validates an age X25519 recipient ("age1" and 58
// bech32 characters: 32 key bytes and a checksum), naming what is wrong.
// Private keys (AGE-SECRET-KEY-1…) and SSH keys are refused by name: the
// first must never be handed over, the second is not what we encrypt to.
func CheckRecipientKey(key string) error {
	k := strings.TrimSpace(key)
	switch {
	case k == "":
		return fmt.Errorf("no recipient key given: ask the resident for their age public key (age1…)")
	case strings.HasPrefix(strings.ToUpper(k), "AGE-SECRET-KEY-"):
		return fmt.Errorf("that is an age PRIVATE key: it must never leave the resident; ask for the public key (age1…) that age-keygen printed beside it")
	case strings.HasPrefix(k, "ssh-") || strings.HasPrefix(k, "ecdsa-"):
		return fmt.Errorf("that is an SSH key: ask the resident for an age public key (age1…, made with age-keygen)")
	case strings.ToLower(k) != k && strings.ToUpper(k) != k:
		return fmt.Errorf("an age public key is all lower case (mixed case is not bech32)")
	}
	k = strings.ToLower(k)
	if !strings.HasPrefix(k, "age1") {
		return fmt.Errorf("an age public key starts with age1: %q does not", CleanLine(trimForMessage(k)))
	}
	data := k[len("age1"):]
	if len(data) != 58 {
		return fmt.Errorf("an age public key has 62 characters, this one has %d: it may be cut short or have extra characters", len(k))
	}
	values := []byte{}
	for _, c := range "age" {
		values = append(values, byte(c)>>5)
	}
	values = append(values, 0)
	for _, c := range "age" {
		values = append(values, byte(c)&31)
	}
	for i, c := range data {
		v := strings.IndexRune(bech32Charset, c)
		if v < 0 {
			return fmt.Errorf("character %d of the key, %q, cannot appear in an age public key: check for a typing mistake", len("age1")+i+1, c)
		}
		values = append(values, byte(v))
	}
	if bech32Polymod(values) != 1 {
		return fmt.Errorf("the key's checksum does not match: a character was mistyped; ask the resident to copy it again")
	}
	return nil
}

func trimForMessage(s string) string {
	if r := []rune(s); len(r) > 24 {
		return string(r[:24]) + "…"
	}
	return s
}

// CheckChooseDelivery: the method is chosen for an open access request,
// before its package is written — or after, to seal it again (a
// passphrase lost before it was sent, a package written unencrypted): the
// export step then runs again. Once a passphrase was sent, the package the
// resident can open stays as it is.
func CheckChooseDelivery(r Request) error {
	if r.Type != TypeAccess {
		return fmt.Errorf("%s is a %s request: only an access request has a package to deliver", r.ID, r.Type.Label())
	}
	if !r.Status.Open() {
		return fmt.Errorf("%s is %s: its response was already given", r.ID, r.Status)
	}
	if r.Delivery != nil && r.Delivery.Sent != nil {
		return fmt.Errorf("%s's passphrase was already sent by %s: the package the resident can open stays as it is", r.ID, r.Delivery.Sent.Channel.Label())
	}
	return nil
}

// Reseals says whether choosing the delivery now writes the package again:
// it was written already, so its export step must run once more.
func Reseals(r Request) bool { return r.Export != nil }

// CheckPassphraseSent says whether the second-channel record may be made:
// only for a passphrase delivery whose package is sealed, before the
// response.
func CheckPassphraseSent(r Request) error {
	switch {
	case r.Delivery == nil || r.Delivery.Method != DeliverWithPassphrase:
		return fmt.Errorf("%s is not delivered with a passphrase: there is nothing to send by a second channel", r.ID)
	case r.Export == nil || r.Export.Sealed == nil:
		return fmt.Errorf("%s's package is not sealed yet: run the plan first; the passphrase is shown when the package is written", r.ID)
	case !r.Status.Open():
		return fmt.Errorf("%s is %s: its response was already given", r.ID, r.Status)
	}
	return nil
}

// DeliveryWaiting says why an access request may not be completed yet
// because of its delivery ("" when it may): a passphrase package whose
// passphrase has not been recorded as sent by a second channel.
func DeliveryWaiting(r Request) string {
	if r.Type != TypeAccess || r.Delivery == nil || r.Delivery.Method != DeliverWithPassphrase {
		return ""
	}
	if r.Delivery.Sent == nil {
		return "the package's passphrase has not been recorded as sent: send it by sms, phone or post (not by email), record that with passphrase-sent, then complete the request"
	}
	return ""
}

func ruleCompleteDelivered() Rule {
	return Rule{ID: "complete.passphrase_sent", Cite: CiteSecureDelivery,
		Says: "An access package encrypted with a passphrase is completed only once the passphrase was sent by a second channel.",
		Pre: func(f Facts) *Refusal {
			if why := DeliveryWaiting(f.Request); why != "" {
				return refuse(ruleCompleteDelivered(), "%s", why)
			}
			return nil
		}}
}

// recordDelivered stamps the delivery date: the response date.
func recordDelivered(f Facts, next *Request) {
	if next.Delivery != nil && next.Export != nil && next.Delivery.DeliveredAt == nil {
		at := f.Now
		next.Delivery.DeliveredAt = &at
	}
}

// PackageHowToOpen is what the completion letter says about opening the
// package: the file, the tool, and where the key or passphrase comes from.
func PackageHowToOpen(r Request) string {
	if r.Export == nil {
		return ""
	}
	if r.Export.Sealed == nil || r.Delivery == nil {
		return "The files are attached as they are; they are not encrypted."
	}
	name := r.Export.Sealed.Name
	out := strings.TrimSuffix(name, ".age")
	const tool = "The file %s is encrypted with age (age-encryption.org). Open it with: age -d -o %s %s"
	switch r.Delivery.Method {
	case DeliverToRecipient:
		return fmt.Sprintf(tool+" -i YOUR-KEY-FILE, using the private key that matches the public key you gave us (%s…). Then unpack it with: tar -xf %s", name, out, name, trimKey(r.Delivery.Recipient), out)
	case DeliverWithPassphrase:
		how := "a separate channel"
		if r.Delivery.Sent != nil {
			how = r.Delivery.Sent.Channel.Label()
		}
		return fmt.Sprintf(tool+" and type the passphrase we sent you by %s when asked. Then unpack it with: tar -xf %s", name, out, name, how, out)
	}
	return ""
}

func trimKey(k string) string {
	if len(k) > 16 {
		return k[:16]
	}
	return k
}

// DeliveryPermission is who may choose how a package is delivered and
// record its second channel: a privacy lead, who signs off and runs the
// plan and so is the one shown the passphrase.
func DeliveryPermission() Permission { return PermSignOff }

// Describe is the delivery in words for the screens, with times in loc:
// the method and key, then the second channel's record or what is missing.
func (d AccessDelivery) Describe(loc *time.Location) []string {
	at := func(t time.Time) string { return t.In(loc).Format("2006-01-02 15:04 MST") }
	var out []string
	switch d.Method {
	case DeliverToRecipient:
		out = append(out, fmt.Sprintf("encrypted (age) to the resident's key %s, chosen by %s", RecipientFingerprint(d.Recipient), d.ChosenBy))
	case DeliverWithPassphrase:
		out = append(out, "encrypted (age) with a passphrase, chosen by "+d.ChosenBy)
		if d.Sent != nil {
			out = append(out, fmt.Sprintf("passphrase sent by %s by %s, %s", d.Sent.Channel.Label(), d.Sent.By, at(d.Sent.At)))
		} else {
			out = append(out, "passphrase not yet recorded as sent by a second channel")
		}
	}
	if d.DeliveredAt != nil {
		out = append(out, "delivered "+at(*d.DeliveredAt))
	}
	return out
}
