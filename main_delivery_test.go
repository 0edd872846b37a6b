package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/custodian-dev/custodian/model"
)

// TestCLIAccessDeliveredWithPassphrase takes a demo access request through
// the doors: a bad key is refused (exit 2, nothing changed), a passphrase
// delivery is chosen, the run shows the passphrase once and stops short of
// completing, the second channel is recorded (email refused), and the next
// run completes; the passphrase opens the only file in the package
// directory.
func TestCLIAccessDeliveredWithPassphrase(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds the demo database and runs a plan through the command line")
	}
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	data := t.TempDir()
	cli := func(op string, args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, "--data-dir", data, "--operator", op)...)
	}
	if code, _, stderr := cli("ada", "seed"); code != 0 {
		t.Fatalf("seed: %s", stderr)
	}
	code, out, stderr := cli("lee", "requests", "list", "--status", "approved", "--json")
	if code != 0 {
		t.Fatalf("list: %s", stderr)
	}
	var approved []struct {
		ID   string            `json:"id"`
		Type model.RequestType `json:"type"`
	}
	if err := json.Unmarshal([]byte(out), &approved); err != nil {
		t.Fatal(err)
	}
	id := ""
	for _, r := range approved {
		if r.Type == model.TypeAccess {
			id = r.ID
			break
		}
	}
	if id == "" {
		t.Fatal("no approved access request in the demo data")
	}
	show := func() string {
		t.Helper()
		_, out, _ := cli("lee", "requests", "show", id, "--json")
		return out
	}
	before := show()
	ident, _ := age.GenerateX25519Identity()
	key := ident.Recipient().String()
	badKey := key[:len(key)-1] + map[bool]string{true: "q", false: "p"}[key[len(key)-1] != 'q']
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"--recipient", badKey}, "checksum"},
		{[]string{"--recipient", key, "--passphrase"}, "not both"},
		{nil, "--passphrase"},
	} {
		code, _, stderr := cli("lee", append([]string{"requests", "deliver", id}, c.args...)...)
		if code != exitBadInput || !strings.Contains(stderr, c.says) {
			t.Errorf("deliver %v: exit %d %q, want 2 saying %q", c.args, code, stderr, c.says)
		}
	}
	if after := show(); after != before {
		t.Fatalf("a refused deliver changed the request")
	}
	if code, out, stderr := cli("lee", "requests", "deliver", id, "--passphrase"); code != 0 || !strings.Contains(out, "shows it once") {
		t.Fatalf("deliver --passphrase: exit %d %q %q", code, out, stderr)
	}
	code, out, stderr = cli("lee", "requests", "plan", id, "--json")
	if code != 0 {
		t.Fatalf("plan: %s", stderr)
	}
	var plan model.Plan
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := cli("lou", "requests", "sign-off", id, "--digest", plan.Digest); code != 0 {
		t.Fatalf("sign-off: %s", stderr)
	}
	code, out, stderr = cli("lou", "requests", "run", id, "--yes")
	m := regexp.MustCompile(`PASSPHRASE \(shown once, not stored\): (\S+)`).FindStringSubmatch(stderr)
	if code != 0 || m == nil || strings.Count(stderr, m[1]) != 1 || strings.Contains(out, m[1]) {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "passphrase-sent") || !strings.Contains(show(), `"status": "fulfilling"`) {
		t.Fatalf("the run did not stop for the second channel:\n%s", stderr)
	}
	if _, text, _ := cli("lee", "requests", "show", id); !strings.Contains(text, "passphrase not yet recorded as sent") {
		t.Errorf("requests show before passphrase-sent:\n%s", text)
	}
	if code, _, stderr := cli("lou", "requests", "passphrase-sent", id, "--channel", "email"); code != exitBadInput || !strings.Contains(stderr, "sms, phone or post") {
		t.Errorf("passphrase-sent by email: exit %d %q", code, stderr)
	}
	if code, out, stderr := cli("lou", "requests", "passphrase-sent", id, "--channel", "sms"); code != 0 || !strings.Contains(out, "sent by sms") {
		t.Fatalf("passphrase-sent: exit %d %q %q", code, out, stderr)
	}
	if code, out, stderr := cli("lou", "requests", "run", id, "--yes"); code != 0 || !strings.Contains(out, "completed") {
		t.Fatalf("run after passphrase-sent: exit %d %q %q", code, out, stderr)
	}
	if strings.Contains(show(), m[1]) {
		t.Fatal("requests show prints the passphrase")
	}
	_, text, _ := cli("lee", "requests", "show", id)
	for _, want := range []string{"delivery: encrypted (age) with a passphrase, chosen by lee", "delivery: passphrase sent by text message by lou",
		"delivery: delivered", "sealed: " + id + ".tar.age"} {
		if !strings.Contains(text, want) {
			t.Errorf("requests show lacks %q:\n%s", want, text)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(data, "*", id, "*"))
	if len(matches) != 1 || filepath.Base(matches[0]) != id+".tar.age" {
		t.Fatalf("package directory holds %v", matches)
	}
	raw, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := age.NewScryptIdentity(m[1])
	r, err := age.Decrypt(bytes.NewReader(raw), sid)
	if err != nil {
		t.Fatalf("the shown passphrase does not open the package: %v", err)
	}
	var plain bytes.Buffer
	if _, err := plain.ReadFrom(r); err != nil || !bytes.Contains(plain.Bytes(), []byte(id+"/access.json")) {
		t.Fatalf("decrypted package: %v", err)
	}
}
