package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// FuzzParseImportLine: no line panics the parser, every refusal is a
// non-empty one-line message, and an accepted line is a request the store's
// own checks would take (id pattern, known type and channel, a requester).
func FuzzParseImportLine(f *testing.F) {
	f.Add(`{"external_ref": "a", "tenant": "t1", "type": "access", "channel": "web", "received": "2026-11-02", "requester": {"name": "A"}}`)
	f.Add(`{"external_ref": "b", "tenant": "t1", "type": "rectification", "channel": "mail", "received": "today", "requester": {"email": "a@b.co"}, "corrections": {"phone": "415 555 0132"}}`)
	f.Add(`{"external_ref": "c", "tenant": "t1", "type": "deletion", "channel": "phone", "received": "yesterday", "requester": {"phone": "+44 20 7946 0958"}, "agent": {"organization": "O", "permission_evidence": "letter 1"}, "same_as_requester": true}`)
	f.Add(`{"tenant": 1}`)
	f.Add(`[]`)
	f.Add("{\"external_ref\": \"\x1b[2J\"}")
	now := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	tenants := map[string]model.Tenant{"t1": {ID: "t1", State: "CA", TimeZone: "UTC"}}
	f.Fuzz(func(t *testing.T, line string) {
		r, _, err := parseImportLine([]byte(line), tenants, now)
		if err != nil {
			msg := err.Error()
			if strings.TrimSpace(msg) == "" || strings.ContainsAny(msg, "\n\r\x1b") {
				t.Fatalf("refusal of %q: %q", line, msg)
			}
			return
		}
		if !strings.HasPrefix(r.ID, "IMP-") || r.TenantID != "t1" || r.ExternalRef == "" || r.ReceivedAt.After(now) ||
			(r.Requester == model.Person{}) || r.Type == "" || r.Channel == "" {
			t.Fatalf("accepted %q as %+v", line, r)
		}
	})
}
