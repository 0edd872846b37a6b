package model

import (
	"strings"
	"testing"
	"unicode"
)

// TestDefaultTemplatesCoverEveryKind: every letter kind has a default, and
// every default renders against the sample request.
func TestDefaultTemplatesCoverEveryKind(t *testing.T) {
	for _, info := range LetterKinds() {
		tpl, ok := DefaultTemplate(info.Kind)
		if !ok {
			t.Errorf("%s: no default template", info.Kind)
			continue
		}
		l, err := PreviewTemplate(tpl)
		if err != nil {
			t.Errorf("%s: %v", info.Kind, err)
			continue
		}
		if l.Subject == "" || l.Body == "" || l.To.Email == "" {
			t.Errorf("%s: rendered %+v", info.Kind, l)
		}
	}
	if got, want := len(DefaultTemplates()), len(LetterKinds()); got != want {
		t.Errorf("%d default templates for %d kinds", got, want)
	}
}

// TestDefaultTemplatesSayWhatTheLawRequires holds the defaults to the
// content the regulations fix.
func TestDefaultTemplatesSayWhatTheLawRequires(t *testing.T) {
	r, ten := SampleLetterRequest()
	cases := []struct {
		kind LetterKind
		law  string
		want []string
	}{
		// §7021(a): how the business will process the request: what happens
		// next, how verification works, when to expect a response.
		{LetterAcknowledgement, "§7021(a)", []string{"received", "What happens next", "How verification works", "When to expect an answer: by Sunday, November 15, 2026"}},
		// §7021(b): notice of the extension with the reason for the delay.
		{LetterExtensionResident, "§7021(b)", []string{"more time", "The reason: records are held in three systems", "Wednesday, December 30, 2026"}},
		// Seed policy: the Customer is told of an extension too.
		{LetterExtensionCustomer, "seed policy", []string{"extended", "records are held in three systems"}},
		// §7022(f), §7023(f): denied, the basis, and the appeal route.
		{LetterDenial, "§7022(f)/§7023(f)", []string{"is denied", "The basis: the records are kept under the open-records law", "California Privacy Protection Agency"}},
		// §7022(e): what was kept and why.
		{LetterCompletionDeletion, "§7022(e)", []string{"We deleted", "Some information was kept, and why", "identifying: kept 7 years under the retention schedule"}},
		{LetterFeeQuote, "seed policy", []string{"$25.00", "the fifth identical request this year"}},
	}
	for _, c := range cases {
		tpl, _ := DefaultTemplate(c.kind)
		r := r
		if c.kind == LetterAcknowledgement {
			r.Extension = nil // receipt is confirmed before any extension: 45 days from October 1
		}
		to, err := LetterRecipient(c.kind, r, ten)
		if err != nil {
			t.Fatal(err)
		}
		l, err := RenderLetter(tpl, r, ten, to)
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		for _, w := range c.want {
			if !strings.Contains(l.Body, w) {
				t.Errorf("%s (%s): body lacks %q:\n%s", c.kind, c.law, w, l.Body)
			}
		}
	}
}

// TestDeletionCompletionWithNothingKept: an empty list is an answer, not a
// missing field, and the "kept" paragraph disappears.
func TestDeletionCompletionWithNothingKept(t *testing.T) {
	r, ten := SampleLetterRequest()
	r.Withheld = nil
	tpl, _ := DefaultTemplate(LetterCompletionDeletion)
	l, err := RenderLetter(tpl, r, ten, Recipient{Email: "sam@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(l.Body, "kept") {
		t.Errorf("body mentions kept data:\n%s", l.Body)
	}
}

func TestRenderLetterMissingFieldNamesIt(t *testing.T) {
	r, ten := SampleLetterRequest()
	r.DenialReason = ""
	tpl, _ := DefaultTemplate(LetterDenial)
	_, err := RenderLetter(tpl, r, ten, Recipient{Email: "sam@example.org"})
	if err == nil || !strings.Contains(err.Error(), "needs DenialReason") {
		t.Fatalf("err = %v, want one naming DenialReason", err)
	}
}

func TestCheckTemplateRefusesUnknownFields(t *testing.T) {
	cases := []struct {
		name string
		tpl  LetterTemplate
		want string
	}{
		{"unknown field in body", LetterTemplate{LetterDenial, "x", "{{.SSN}}"}, ".SSN, which is not a letter field"},
		{"unknown field inside if", LetterTemplate{LetterDenial, "x", "{{if .Kept}}{{.Password}}{{end}}"}, ".Password"},
		{"unknown field inside range", LetterTemplate{LetterDenial, "x", "{{range .Kept}}{{.}}{{end}}{{with .Secret}}{{end}}"}, ".Secret"},
		{"unknown field in subject", LetterTemplate{LetterDenial, "{{.Subject}}", "ok"}, "subject uses .Subject"},
		{"syntax error", LetterTemplate{LetterDenial, "x", "{{.RequestID"}, "body"},
		{"empty body", LetterTemplate{LetterDenial, "x", " "}, "body is empty"},
		{"unknown kind", LetterTemplate{"love_letter", "x", "y"}, "unknown letter kind"},
	}
	for _, c := range cases {
		err := CheckTemplate(c.tpl)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	ok := LetterTemplate{LetterDenial, "{{.RequestID}}", "{{range .Kept}}{{.}}{{end}}"}
	if err := CheckTemplate(ok); err != nil {
		t.Errorf("valid template refused: %v", err)
	}
}

// TestHeaderValuesCannotInjectAHeader: whatever a requester typed as a name,
// and whatever a template puts in a subject, the header value has no CR,
// LF or other control character.
func TestHeaderValuesCannotInjectAHeader(t *testing.T) {
	hostile := []string{
		"Eve\r\nBcc: victim@example.com",
		"Eve\nSubject: forged",
		"Eve\rX-Injected: 1",
		"Eve\u0085Bcc: nel@example.com", // NEL
		"Eve\u2028Bcc: ls@example.com",  // line separator
		"Eve\x00Null",
		"Eve \x1b[31mred\x1b[0m",
		strings.Repeat("long ", 500),
	}
	for _, h := range hostile {
		r, ten := SampleLetterRequest()
		r.Requester.Name = h
		r.ID = h
		tpl, _ := DefaultTemplate(LetterAcknowledgement)
		l, err := RenderLetter(tpl, r, ten, Recipient{Name: h, Email: "sam@example.org"})
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		for _, v := range []string{l.Subject, l.To.Name} {
			for _, c := range v {
				if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' {
					t.Errorf("%q: header value %q keeps control %U", h, v, c)
				}
			}
			if len([]rune(v)) > MaxSubjectLen {
				t.Errorf("%q: header value is %d runes", h, len([]rune(v)))
			}
		}
		if strings.Contains(l.Body, "\x1b") || strings.Contains(l.Body, "\r") {
			t.Errorf("%q: body keeps an escape or CR", h)
		}
	}
}

func TestSafeAddress(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{"sam@example.org", true},
		{"sam@example.org\r\nBcc: x@evil.example", false},
		{"Sam <sam@example.org>", false},
		{"a@example.org, b@example.org", false},
		{"sam@exämple.org", false},
		{"", false},
		{"not an address", false},
	}
	for _, c := range cases {
		got, err := SafeAddress(c.in)
		if (err == nil) != c.ok {
			t.Errorf("SafeAddress(%q) = %q, %v; ok want %v", c.in, got, err, c.ok)
		}
	}
}

func TestLetterRecipient(t *testing.T) {
	r, ten := SampleLetterRequest()
	cases := []struct {
		name  string
		kind  LetterKind
		agent string
		want  string
	}{
		{"resident", LetterAcknowledgement, "", "sam@example.org"},
		{"agent acts (§7063)", LetterAcknowledgement, "agent@example.org", "agent@example.org"},
		{"approval goes to the approver", LetterApprovalRequest, "", "pat@sample.gov"},
		{"extension to the privacy contact", LetterExtensionCustomer, "", "privacy@sample.gov"},
	}
	for _, c := range cases {
		rr := r
		rr.Agent = &Agent{Person: Person{Name: "A", Email: c.agent}}
		got, err := LetterRecipient(c.kind, rr, ten)
		if err != nil || got.Email != c.want {
			t.Errorf("%s: got %v, %v; want %s", c.name, got, err, c.want)
		}
	}
	r.Requester.Email = ""
	r.Agent = nil
	if _, err := LetterRecipient(LetterDenial, r, ten); err == nil {
		t.Error("no address: want an error")
	}
}

func TestParseLetterKind(t *testing.T) {
	if k, err := ParseLetterKind("denial"); err != nil || k != LetterDenial {
		t.Errorf("denial: %v %v", k, err)
	}
	if _, err := ParseLetterKind("x\x1b[2J"); err == nil || strings.Contains(err.Error(), "\x1b") {
		t.Errorf("bad kind: %v", err)
	}
}

func TestMaskLetterHidesThePIItCarries(t *testing.T) {
	r, ten := SampleLetterRequest()
	r.Type = TypeRectification
	for _, k := range []LetterKind{LetterAcknowledgement, LetterCompletionCorrected} {
		tpl, _ := DefaultTemplate(k)
		tpl.Subject += " for {{.RequesterName}}"
		l, err := RenderLetter(tpl, r, ten, Recipient{Name: r.Requester.Name, Email: r.Requester.Email})
		if err != nil {
			t.Fatal(err)
		}
		m := MaskLetter(l, r)
		for _, secret := range []string{"Sam Sample", "sam@example.org", "1 Main St"} {
			for _, v := range []string{m.Subject, m.Body, m.To.Name, m.To.Email} {
				if strings.Contains(v, secret) {
					t.Errorf("%s: masked letter shows %q in %q", k, secret, v)
				}
			}
		}
		if !strings.Contains(m.Body, "S••• S•••") || m.To.Email != "s•••@example.org" {
			t.Errorf("%s: masked to %+v\n%s", k, m.To, m.Body)
		}
	}
}

func TestLetterFits(t *testing.T) {
	base, _ := SampleLetterRequest()
	cases := []struct {
		name string
		kind LetterKind
		edit func(*Request)
		want string // "" fits
	}{
		{"acknowledgement always", LetterAcknowledgement, func(r *Request) { r.Status = StatusReceived }, ""},
		{"completion of an open request", LetterCompletionDeletion, func(r *Request) { r.Status = StatusFulfilling }, "once it is completed"},
		{"completion of another type", LetterCompletionAccess, func(r *Request) { r.Status = StatusCompleted }, "does not fit"},
		{"deletion completion", LetterCompletionDeletion, func(r *Request) { r.Status = StatusCompleted }, ""},
		{"child deletion completion", LetterCompletionDeletion, func(r *Request) { r.Status, r.Type = StatusCompleted, TypeChildDeletion }, ""},
		{"denial of an open request", LetterDenial, func(r *Request) { r.Status = StatusApproved }, "record the denial first"},
		{"denial", LetterDenial, func(r *Request) { r.Status = StatusDenied }, ""},
		{"excessive refusal of an open request", LetterExcessiveRefusal, func(r *Request) { r.Status = StatusVerifying }, "record the denial first"},
		{"extension without one", LetterExtensionResident, func(r *Request) { r.Extension = nil }, "record the extension"},
		{"fee without one", LetterFeeQuote, func(r *Request) { r.Fee = nil }, "no fee quoted"},
		{"approval request too late", LetterApprovalRequest, func(r *Request) { r.Status = StatusApproved }, "awaits it"},
		{"approval request", LetterApprovalReminder, func(r *Request) { r.Status = StatusAwaitingApproval }, ""},
		{"verification after approval", LetterVerification, func(r *Request) { r.Status = StatusApproved }, "before approval"},
	}
	for _, c := range cases {
		r := base
		c.edit(&r)
		err := LetterFits(c.kind, r)
		if (c.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestAppealRoute: a denial names the route the requester's state gives.
// California (11 CCR §7022(f), §7023(f)): its regulators. Virginia (Va.
// Code §59.1-578(C)): an appeal answered in writing within 60 days, then
// the Attorney General. Colorado (C.R.S. §6-1-1306(3)): an appeal answered
// within 45 days (extendable by 60, with the reason), then the Attorney
// General. Anywhere else: a second review by someone who did not decide.
func TestAppealRoute(t *testing.T) {
	tests := []struct {
		state string
		want  []string
	}{
		{"CA", []string{"California Privacy Protection Agency", "Attorney General"}},
		{"va", []string{"appeal", "within 60 days", "Virginia Attorney General"}},
		{" CO ", []string{"appeal", "within 45 days", "60 more days", "Colorado Attorney General"}},
		{"TX", []string{"reviewed again by someone who did not decide it"}},
		{"", []string{"reviewed again"}},
	}
	for _, tt := range tests {
		got := AppealRoute(tt.state)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("AppealRoute(%q) = %q, lacks %q", tt.state, got, w)
			}
		}
	}
}
