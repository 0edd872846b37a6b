package model

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestParseDate(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	// 2026-11-28 20:00 in Los Angeles is already the 29th in UTC.
	now := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	cases := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"2026-11-02", time.Date(2026, 11, 2, 0, 0, 0, 0, la), ""},
		{"  2026-11-02 ", time.Date(2026, 11, 2, 0, 0, 0, 0, la), ""},
		{"today", time.Date(2026, 11, 28, 0, 0, 0, 0, la), ""},
		{"Yesterday", time.Date(2026, 11, 27, 0, 0, 0, 0, la), ""},
		{"2026-11-02T09:30:00Z", time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC), ""},
		{"2026-11-02T09:30:00-08:00", time.Date(2026, 11, 2, 17, 30, 0, 0, time.UTC), ""},
		{"2026-11-28", time.Date(2026, 11, 28, 0, 0, 0, 0, la), ""}, // today in LA although the 29th in UTC
		{"2026-11-29", time.Time{}, "in the future"},
		{"2026-11-29T04:00:01Z", time.Time{}, "in the future"},
		{"2027-01-01", time.Time{}, "in the future"},
		{"1999-12-31", time.Time{}, "before 2000"},
		{"0026-11-02", time.Time{}, "before 2000"},
		{"", time.Time{}, "empty"},
		{"11/02/2026", time.Time{}, "YYYY-MM-DD"},
		{"2026-02-30", time.Time{}, "YYYY-MM-DD"},
		{"tomorrow", time.Time{}, `"today" or "yesterday"`},
		{"2026-11-02 09:30", time.Time{}, "RFC 3339"},
		{"\x1b[31m2026-11-02", time.Time{}, "not a date"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDate(tc.in, la, now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseDate(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.wantErr)
				}
				if strings.ContainsRune(err.Error(), '\x1b') {
					t.Fatalf("error echoes an escape sequence: %q", err)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
	if got, err := ParseDate("2026-11-02", nil, now); err != nil || !got.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("nil location: %v, %v; want UTC midnight", got, err)
	}
}

func TestParseEmail(t *testing.T) {
	long := strings.Repeat("a", 60) + "@" + strings.Repeat("b", 190) + ".org"
	cases := []struct {
		in, want, wantErr string
	}{
		{"maria@example.org", "maria@example.org", ""},
		{"  Maria.Garcia@Example.ORG ", "Maria.Garcia@example.org", ""},
		{"j+privacy@mail.city.example", "j+privacy@mail.city.example", ""},
		{"josé@correo.example", "josé@correo.example", ""},
		{"", "", "empty"},
		{"maria", "", "exactly one @"},
		{"maria@@example.org", "", "exactly one @"},
		{"a@b@example.org", "", "exactly one @"},
		{"@example.org", "", "nothing before the @"},
		{"maria@localhost", "", "domain with a dot"},
		{"maria@example..org", "", "malformed domain"},
		{"maria@.example.org", "", "malformed domain"},
		{"maria@example.org.", "", "malformed domain"},
		{"maria@-example.org", "", "malformed domain"},
		{"maria@exa_mple.org", "", "only letters, digits"},
		{".maria@example.org", "", "misplaced dot"},
		{"ma..ria@example.org", "", "misplaced dot"},
		{"maria garcia@example.org", "", "spaces"},
		{"maria@exa\tmple.org", "", "spaces"},
		{"maria\x1b[2J@example.org", "", "control characters"},
		{"maria\u202e@example.org", "", "control characters"},
		{"Maria Garcia <maria@example.org>", "", "spaces"},
		{"<maria@example.org>", "", "angle brackets"},
		{long, "", "the limit is 254"},
		{strings.Repeat("a", 65) + "@example.org", "", "more than 64 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseEmail(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseEmail(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), "name@example.org") {
					t.Fatalf("error %q does not show what to write", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseEmail(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
	if EmailKey(" Maria.Garcia@Example.ORG") != "maria.garcia@example.org" {
		t.Fatal("EmailKey must compare addresses without case")
	}
}

func TestParsePhone(t *testing.T) {
	cases := []struct {
		in, want, key, wantErr string
	}{
		{"(415) 555-0132", "4155550132", "4155550132", ""},
		{"415-555-0132", "4155550132", "4155550132", ""},
		{"415 555 0132", "4155550132", "4155550132", ""},
		{"4155550132", "4155550132", "4155550132", ""},
		{"+1 415.555.0132", "4155550132", "4155550132", ""},
		{"1-415-555-0132", "4155550132", "4155550132", ""},
		{"415-555-0132 x12", "4155550132x12", "4155550132", ""},
		{"415-555-0132 ext. 12", "4155550132x12", "4155550132", ""},
		{"415-555-0132 Ext 12", "4155550132x12", "4155550132", ""},
		{"415-555-0132 extension 1234", "4155550132x1234", "4155550132", ""},
		{"415-555-0132#12", "4155550132x12", "4155550132", ""},
		{"+44 20 7946 0958", "+442079460958", "442079460958", ""},
		{"+49 (30) 901820", "+4930901820", "4930901820", ""},
		{"555-0132", "5550132", "5550132", ""},
		{"", "", "", "empty"},
		{"555-013", "", "", "fewer than 7"},
		{"+1234567890123456", "", "", "more than 15"},
		{"415-CALL-NOW", "", "", "only an extension may follow"},
		{"415-555-0132 x", "", "", "only an extension may follow"},
		{"415-555-0132 x1234567", "", "", "up to 6 digits"},
		{"415-555-0132 x12a", "", "", "only an extension may follow"},
		{"415+555-0132", "", "", "'+' may only start"},
		{"++44 20 7946 0958", "", "", "'+' may only start"},
		{"415_555_0132", "", "", "use only digits"},
		{"415\x1b[2J5550132", "", "", "use only digits"},
		{"４１５５５５０１３２", "", "", "use only digits"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePhone(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParsePhone(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.wantErr)
				}
				if _, kerr := PhoneKey(tc.in); kerr == nil {
					t.Fatalf("PhoneKey(%q) accepted what ParsePhone refused", tc.in)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParsePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			if key, err := PhoneKey(tc.in); err != nil || key != tc.key {
				t.Fatalf("PhoneKey(%q) = %q, %v; want %q", tc.in, key, err, tc.key)
			}
			// Normalising twice changes nothing: a stored value parses back to itself.
			if again, err := ParsePhone(got); err != nil || again != got {
				t.Fatalf("ParsePhone(%q) = %q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

func TestParseEvidence(t *testing.T) {
	cases := []struct {
		method, ref string
		want        EvidenceRef
		wantErr     string
	}{
		{"email", "<CA+x1@city.example>", EvidenceRef{EvidenceEmail, "<CA+x1@city.example>"}, ""},
		{" Ticket ", " CUST-01234 ", EvidenceRef{EvidenceTicket, "CUST-01234"}, ""},
		{"signed letter", "file ref 1187", EvidenceRef{EvidenceLetter, "file ref 1187"}, ""},
		{"letter", "file ref 1187", EvidenceRef{EvidenceLetter, "file ref 1187"}, ""},
		{"phone call", "call with J. Ortiz 2026-11-02 14:10", EvidenceRef{EvidencePhoneCall, "call with J. Ortiz 2026-11-02 14:10"}, ""},
		{"phone_call", "J. Ortiz", EvidenceRef{EvidencePhoneCall, "J. Ortiz"}, ""},
		{"customer portal", "APR-5531", EvidenceRef{EvidencePortal, "APR-5531"}, ""},
		{"", "CUST-1", EvidenceRef{}, "say how the Customer's decision arrived: one of email, ticket"},
		{"fax", "page 2", EvidenceRef{}, "unknown: use one of email"},
		{"email", "  ", EvidenceRef{}, "needs a reference: the message id"},
		{"ticket", "the clerk's ticket", EvidenceRef{}, "has no number"},
		{"email", "line one\nline two", EvidenceRef{}, "one line of plain text"},
		{"email", "ref\x1b[2J", EvidenceRef{}, "one line of plain text"},
		{"email", strings.Repeat("x", 201), EvidenceRef{}, "longer than 200"},
	}
	for _, tc := range cases {
		t.Run(tc.method+"/"+tc.ref, func(t *testing.T) {
			got, err := ParseEvidence(tc.method, tc.ref)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseEvidence(%q, %q) = %v, %v; want error containing %q", tc.method, tc.ref, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseEvidence(%q, %q) = %v, %v; want %v", tc.method, tc.ref, got, err, tc.want)
			}
		})
	}
}

func TestDecisionEvidenceKeepsTheStoredFields(t *testing.T) {
	var d Decision
	d.SetEvidence(EvidenceRef{Method: EvidenceTicket, Ref: "CUST-01234"})
	if d.Method != "ticket" || d.Evidence != "CUST-01234" {
		t.Fatalf("SetEvidence stored %q / %q", d.Method, d.Evidence)
	}
	got, err := d.EvidenceRef()
	if err != nil || got != (EvidenceRef{EvidenceTicket, "CUST-01234"}) {
		t.Fatalf("EvidenceRef() = %v, %v", got, err)
	}
	// A decision recorded before methods were checked reads back with a reason.
	old := Decision{Method: "carrier pigeon", Evidence: "leg band 7"}
	if _, err := old.EvidenceRef(); err == nil || !strings.Contains(err.Error(), "carrier pigeon") {
		t.Fatalf("an unknown stored method must be named: %v", err)
	}
}

func TestParseDataPoint(t *testing.T) {
	cases := map[string]DataPoint{
		"email": PointEmail, "Email on file": PointEmail, "date of birth": PointBirthDate, "DOB": PointBirthDate,
		"service address": PointAddress, "address": PointAddress, "account number": PointAccountID,
		"account_id": PointAccountID, "last payment amount": PointLastTransaction, "phone": PointPhone, "name": PointName,
	}
	for in, want := range cases {
		if got, err := ParseDataPoint(in); err != nil || got != want {
			t.Errorf("ParseDataPoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, p := range DataPoints() {
		if got, err := ParseDataPoint(p.Label()); err != nil || got != p {
			t.Errorf("label %q of %q does not parse back: %q, %v", p.Label(), p, got, err)
		}
	}
	if _, err := ParseDataPoint("favourite colour"); err == nil || !strings.Contains(err.Error(), "use one of name, email") {
		t.Fatalf("unknown data point: %v", err)
	}
}

func TestParseCorrection(t *testing.T) {
	now := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	cases := []struct {
		field, value string
		wantField    DataPoint
		wantValue    string
		wantErr      string
	}{
		{"email", "New@Example.ORG", PointEmail, "New@example.org", ""},
		{"phone", "(415) 555-0199", PointPhone, "4155550199", ""},
		{"address", " 12 Elm St ", PointAddress, "12 Elm St", ""},
		{"name", "José Núñez-Ortega", PointName, "José Núñez-Ortega", ""},
		{"date of birth", "1984-07-02", PointBirthDate, "1984-07-02", ""},
		{"birth_date", "07/02/1984", "", "", "write YYYY-MM-DD"},
		{"birth_date", "2030-01-01", "", "", "not plausible"},
		{"account_id", "A-1", "", "", "cannot be corrected"},
		{"shoe size", "44", "", "", "not a field a request can correct"},
		{"email", "not an address", "", "", "correction of email"},
		{"name", "", "", "", "empty"},
		{"name", "\x1b]52;c;cm0=\x07Bob", "", "", "control characters"},
	}
	for _, tc := range cases {
		t.Run(tc.field+"="+tc.value, func(t *testing.T) {
			f, v, err := ParseCorrection(tc.field, tc.value, now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseCorrection(%q, %q) = %q, %q, %v; want error containing %q", tc.field, tc.value, f, v, err, tc.wantErr)
				}
				return
			}
			if err != nil || f != tc.wantField || v != tc.wantValue {
				t.Fatalf("ParseCorrection(%q, %q) = %q, %q, %v; want %q, %q", tc.field, tc.value, f, v, err, tc.wantField, tc.wantValue)
			}
		})
	}
}

// checkRefusal holds every parser's refusals to the rule that they say what to write.
func checkRefusal(t *testing.T, what, in string, err error) {
	t.Helper()
	msg := err.Error()
	if strings.TrimSpace(msg) == "" {
		t.Fatalf("%s(%q): empty refusal", what, in)
	}
	if !strings.ContainsAny(msg, ":") {
		t.Fatalf("%s(%q): refusal %q does not say what to write instead", what, in, msg)
	}
	if CleanLine(msg) != msg {
		t.Fatalf("%s(%q): refusal %q carries control characters", what, in, msg)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-02", "today", "yesterday", "2026-11-02T09:30:00Z", "1999-12-31", "9999-12-31", "", "\x1b[2J", "0000-01-01T00:00:00+23:59"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	la := mustZone(f, "America/Los_Angeles")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseDate(s, la, now)
		if err != nil {
			checkRefusal(t, "ParseDate", s, err)
			return
		}
		if got.After(now) || got.In(la).Year() < 2000 {
			t.Fatalf("ParseDate(%q) = %v: outside 2000..now", s, got)
		}
	})
}

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"maria@example.org", "Maria@EXAMPLE.org", "a@b", "@", "a@b.c", "a b@c.d", "a@b..c", "\u202e@x.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseEmail(s)
		if err != nil {
			checkRefusal(t, "ParseEmail", s, err)
			return
		}
		if len(got) > 254 || strings.Count(got, "@") != 1 || strings.ContainsFunc(got, unsafeRune) || CleanLine(got) != got {
			t.Fatalf("ParseEmail(%q) accepted %q", s, got)
		}
		if again, err := ParseEmail(got); err != nil || again != got {
			t.Fatalf("ParseEmail is not stable: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"(415) 555-0132", "+1 415.555.0132", "415-555-0132 x12", "+44 20 7946 0958", "x", "+", "#1", "1-800-FLOWERS"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParsePhone(s)
		if err != nil {
			checkRefusal(t, "ParsePhone", s, err)
			return
		}
		key, err := PhoneKey(got)
		if err != nil {
			t.Fatalf("PhoneKey refuses ParsePhone's own output %q: %v", got, err)
		}
		if n := len(key); n < 7 || n > 15 || strings.ContainsFunc(key, func(r rune) bool { return r < '0' || r > '9' }) {
			t.Fatalf("ParsePhone(%q) = %q, key %q: want 7–15 digits", s, got, key)
		}
		if again, err := ParsePhone(got); err != nil || again != got {
			t.Fatalf("ParsePhone is not stable: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}

func FuzzParseEvidence(f *testing.F) {
	f.Add("email", "<CA+x1@city.example>")
	f.Add("ticket", "CUST-01234")
	f.Add("fax", "")
	f.Add("phone call", "\x1b]0;x\x07")
	f.Fuzz(func(t *testing.T, method, ref string) {
		got, err := ParseEvidence(method, ref)
		if err != nil {
			checkRefusal(t, "ParseEvidence", method+"|"+ref, err)
			return
		}
		if got.Ref == "" || CleanLine(got.Ref) != got.Ref || !utf8.ValidString(got.Ref) || utf8.RuneCountInString(got.Ref) > 200 {
			t.Fatalf("ParseEvidence(%q, %q) accepted %q", method, ref, got.Ref)
		}
	})
}

func FuzzParseCorrection(f *testing.F) {
	f.Add("email", "a@b.c")
	f.Add("birth_date", "1984-07-02")
	f.Add("phone", "415 555 0132")
	f.Add("name", "\u202eevil")
	now := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, field, value string) {
		_, v, err := ParseCorrection(field, value, now)
		if err != nil {
			checkRefusal(t, "ParseCorrection", field+"="+value, err)
			return
		}
		if v == "" || CleanLine(v) != v {
			t.Fatalf("ParseCorrection(%q, %q) accepted %q", field, value, v)
		}
	})
}

func TestParseRequestTypeChannelState(t *testing.T) {
	types := map[string]RequestType{
		"access": TypeAccess, "Deletion": TypeDeletion, "correction": TypeRectification, "rectification": TypeRectification,
		"opt-out": TypeOptOut, "opt_out": TypeOptOut, "child deletion": TypeChildDeletion, "child_deletion": TypeChildDeletion,
	}
	for in, want := range types {
		if got, err := ParseRequestType(in); err != nil || got != want {
			t.Errorf("ParseRequestType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRequestType("erase"); err == nil || !strings.Contains(err.Error(), "use one of access, deletion") {
		t.Errorf("unknown type: %v", err)
	}
	if got, err := ParseChannel(" Email "); err != nil || got != ChannelEmail {
		t.Errorf("ParseChannel: %q, %v", got, err)
	}
	if _, err := ParseChannel("fax"); err == nil || !strings.Contains(err.Error(), "use one of web, email, phone, mail") {
		t.Errorf("unknown channel: %v", err)
	}
	if got, err := ParseState(" ca"); err != nil || got != "CA" {
		t.Errorf("ParseState: %q, %v", got, err)
	}
	for _, bad := range []string{"", "Cal", "C1", "ÇA"} {
		if _, err := ParseState(bad); err == nil || !strings.Contains(err.Error(), "two-letter postal code") {
			t.Errorf("ParseState(%q): %v", bad, err)
		}
	}
}

func TestDataPointKind(t *testing.T) {
	for _, tc := range []struct {
		p    DataPoint
		want FieldKind
	}{
		{PointName, KindName}, {PointEmail, KindEmail}, {PointPhone, KindPhone},
		{PointAddress, KindAddress}, {PointBirthDate, KindDate}, {PointAccountID, KindText},
	} {
		if got := tc.p.Kind(); got != tc.want {
			t.Errorf("%s.Kind() = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// An unknown correction field is answered with the fields a correction
// takes (the README's corrections row lists the same), not every data point.
func TestParseCorrectionNamesCorrectableFields(t *testing.T) {
	for _, field := range []string{"shoe_size", "ssn_last4", "account"} {
		_, _, err := ParseCorrection(field, "x", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC))
		if err == nil {
			t.Errorf("%s accepted", field)
			continue
		}
		for _, c := range CorrectableFields() {
			if !strings.Contains(err.Error(), string(c)) {
				t.Errorf("%s: %q does not name %s", field, err, c)
			}
		}
		for _, p := range DataPoints() {
			if !slices.Contains(CorrectableFields(), p) && strings.Contains(err.Error(), ", "+string(p)) {
				t.Errorf("%s: %q offers %s, which cannot be corrected", field, err, p)
			}
		}
	}
}
