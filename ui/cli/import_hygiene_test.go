package cli_test

import (
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/ui/cli"
)

// TestImportRefusesWhatJSONLetsThrough: encoding/json replaces invalid
// UTF-8, lets the last of two equal keys win and reads "Name" as "name",
// all silently; the import refuses each, naming the line and the field, and
// no message repeats the person's data.
func TestImportRefusesWhatJSONLetsThrough(t *testing.T) {
	e := newEnv(t)
	sam := e.actor(t, "sam")
	const head = `{"external_ref": "h-1", "tenant": "oakridge-ca", "type": "access", "channel": "web", "received": "2026-11-02", `
	cases := []struct {
		name, line, want string
		secret           string // personal data on the line that no message may repeat
	}{
		{"invalid UTF-8 in a name", head + "\"requester\": {\"name\": \"Mar\xffia Secretperson\"}}", "requester.name is not valid UTF-8", "Secretperson"},
		{"invalid UTF-8 in a field name", head + "\"requester\": {\"na\xffme\": \"Val\"}}", "a field name in requester is not valid UTF-8", ""},
		{"a field twice", head + `"requester": {"name": "Val"}, "tenant": "oakridge-ca"}`, "tenant is given twice", ""},
		{"a nested field twice", head + `"requester": {"email": "first@example.org", "email": "second@example.org"}}`, "requester.email is given twice", "second@example.org"},
		{"an upper-case field", head + `"Requester": {"name": "Val"}}`, `field requester is written "Requester": field names are lower case`, ""},
		{"an upper-case nested field", head + `"requester": {"NAME": "Val Secretperson"}}`, `field requester.name is written "NAME"`, "Secretperson"},
		{"a bad email is not echoed", head + `"requester": {"email": "secret.person@@example.org"}}`, "email address (value not shown) must contain exactly one @", "secret.person"},
		{"a bad phone is not echoed", head + `"requester": {"phone": "555-SECRET-12"}}`, "phone number (value not shown)", "SECRET"},
		{"a name with escapes is not echoed", head + `"requester": {"name": "Secret\u001b[31mPerson"}}`, "the name (value not shown) contains control characters", "Secret"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.countRequests(t)
			rep := e.importText(t, sam, "\n"+c.line+"\n", cli.ImportOptions{})
			if !rep.Refused || len(rep.Invalid) != 1 || rep.Invalid[0].Line != 2 || !strings.Contains(rep.Invalid[0].Reason, c.want) {
				t.Fatalf("report %+v: want line 2 refused with %q", rep, c.want)
			}
			var out strings.Builder
			rep.WriteText(&out)
			if c.secret != "" && strings.Contains(out.String(), c.secret) {
				t.Errorf("the report repeats personal data %q: %s", c.secret, out.String())
			}
			if after := e.countRequests(t); after != before {
				t.Errorf("%d requests written", after-before)
			}
		})
	}
}
