package model

import (
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode"
)

// LetterKind names one letter the custodian writes: to the resident about
// their request, or to the data-owning Customer.
type LetterKind string

const (
	LetterAcknowledgement     LetterKind = "acknowledgement"      // §7021(a)
	LetterVerification        LetterKind = "verification_request" // §7060: information needed to verify
	LetterExtensionResident   LetterKind = "extension_resident"   // §7021(b)
	LetterExtensionCustomer   LetterKind = "extension_customer"   // seed policy: "we will let our Customer know"
	LetterDenial              LetterKind = "denial"               // §7022(f), §7023(f)
	LetterCompletionAccess    LetterKind = "completion_access"
	LetterCompletionDeletion  LetterKind = "completion_deletion" // §7022(e)
	LetterCompletionCorrected LetterKind = "completion_correction"
	LetterCompletionOptOut    LetterKind = "completion_opt_out"
	LetterExcessiveRefusal    LetterKind = "excessive_refusal" // baseless, repetitive or excessive
	LetterFeeQuote            LetterKind = "fee_quote"
	LetterApprovalRequest     LetterKind = "approval_request" // to the Customer's approver
	LetterApprovalReminder    LetterKind = "approval_reminder"
	// To a sub-processor: pass a deletion or correction on (§7022(b)(3),
	// (c), §7023(c)), and chase its confirmation.
	LetterProcessorNotice   LetterKind = "processor_notice"
	LetterProcessorReminder LetterKind = "processor_reminder"
)

// Audience is who a letter goes to.
type Audience string

const (
	ToResident Audience = "resident" // the requester (or their authorized agent)
	ToCustomer Audience = "customer" // the Customer's approver or privacy contact
	// ToProcessor is a sub-processor's contact, from the data map.
	ToProcessor Audience = "processor"
)

// LetterInfo describes a kind: who receives it and what it is for.
type LetterInfo struct {
	Kind     LetterKind
	Audience Audience
	Title    string
	// Law is the provision that fixes the letter's content, empty when the
	// letter is practice rather than law.
	Law string
}

// LetterKinds lists every kind in the order letters are usually sent.
func LetterKinds() []LetterInfo {
	return []LetterInfo{
		{LetterAcknowledgement, ToResident, "acknowledgement of receipt", "11 CCR §7021(a)"},
		{LetterVerification, ToResident, "request for verification or information", "11 CCR §7060"},
		{LetterApprovalRequest, ToCustomer, "approval request to the Customer", ""},
		{LetterApprovalReminder, ToCustomer, "approval reminder to the Customer", ""},
		{LetterExtensionResident, ToResident, "extension notice to the resident", "11 CCR §7021(b)"},
		{LetterExtensionCustomer, ToCustomer, "extension notice to the Customer", "seed policy"},
		{LetterDenial, ToResident, "denial with its basis and appeal route", "11 CCR §7022(f), §7023(f)"},
		{LetterExcessiveRefusal, ToResident, "refusal of an excessive request", "seed policy: baseless, repetitive or excessive"},
		{LetterFeeQuote, ToResident, "fee quote for an excessive request", "seed policy: baseless, repetitive or excessive"},
		{LetterCompletionAccess, ToResident, "completion: access package", "11 CCR §7024"},
		{LetterCompletionDeletion, ToResident, "completion: deletion, with what was kept and why", "11 CCR §7022(e)"},
		{LetterCompletionCorrected, ToResident, "completion: correction", "11 CCR §7023"},
		{LetterCompletionOptOut, ToResident, "completion: opt-out", ""},
		{LetterProcessorNotice, ToProcessor, "notice to a sub-processor to delete or correct", "11 CCR §7022(b)(3), §7022(c), §7023(c)"},
		{LetterProcessorReminder, ToProcessor, "reminder to a sub-processor to confirm", ""},
	}
}

// LetterInfoOf returns the description of kind k; ok is false for a kind
// that is not in LetterKinds.
func LetterInfoOf(k LetterKind) (LetterInfo, bool) {
	for _, i := range LetterKinds() {
		if i.Kind == k {
			return i, true
		}
	}
	return LetterInfo{}, false
}

// ParseLetterKind reads a kind as typed on a command line, with a message
// listing the kinds when it is not one.
func ParseLetterKind(s string) (LetterKind, error) {
	if _, ok := LetterInfoOf(LetterKind(s)); ok {
		return LetterKind(s), nil
	}
	names := make([]string, 0, len(LetterKinds()))
	for _, i := range LetterKinds() {
		names = append(names, string(i.Kind))
	}
	return "", fmt.Errorf("unknown letter kind %q: use one of %s", CleanLine(s), strings.Join(names, ", "))
}

// letterFields is the fixed, documented set of fields a template may use.
// Every one is built from the request record and its tenant (LetterDataFor);
// a template naming anything else is refused when it is saved.
func letterFields() []struct{ Name, Doc string } {
	return []struct{ Name, Doc string }{
		{"RequestID", "the request's id, e.g. R-2026-0001"},
		{"RequestType", "what was asked for: access, deletion, correction, opt-out, child deletion"},
		{"ReceivedOn", "the date the request was received, in the Customer's time zone"},
		{"AckDue", "the date receipt must be confirmed by (10 business days, §7021(a))"},
		{"RespondBy", "the date the response is due (45 days, or 90 once extended, §7021(b))"},
		{"RequesterName", "the requester's name as they gave it"},
		{"RequesterEmail", "the requester's email address"},
		{"AgentName", "the authorized agent's name (§7063), when there is one"},
		{"CustomerName", "the data-owning Customer"},
		{"CustomerState", "the Customer's two-letter state"},
		{"PrivacyContact", "the Customer's privacy contact, name and email"},
		{"ApproverName", "the Customer's first approver contact"},
		{"InfoRequested", "what the requester was asked to provide"},
		{"ExtensionReason", "why the deadline was extended"},
		{"DenialReason", "the basis of a denial"},
		{"AppealRoute", "how to appeal or complain, by the requester's state"},
		{"FeeAmount", "the fee quoted, e.g. $25.00"},
		{"FeeReason", "why the request is excessive"},
		{"Kept", "what was not deleted or disclosed and why, one line each"},
		{"Corrections", "the fields a correction changed, one line each"},
		{"PackageFiles", "the files of an access package, one line each"},
		{"PackageHowToOpen", "how to open the encrypted access package: the file, the age command, and the key or the passphrase's second channel"},
		{"PackageDeliveredOn", "the date the access package was delivered: the response date"},
		{"Outcome", "the request's recorded outcome"},
		// Processor letters only (RenderProcessorLetter).
		{"ProcessorName", "processor letters: the sub-processor"},
		{"ProcessorAction", "processor letters: delete or correct"},
		{"ProcessorHolds", "processor letters: what it holds of which collection, one line each"},
		{"ProcessorRecords", "processor letters: the records to act on by the custodian's ids, with the fields, one line each"},
		{"ProcessorCategories", "processor letters: the categories of personal information concerned"},
		{"ProcessorCorrections", "processor letters: a correction's new values of the fields it holds, one line each"},
		{"ProcessorReminder", "processor reminders: which reminder this is, e.g. 2 of 3"},
	}
}

// LetterFields returns the documented field names with their meaning, in
// the order the README lists them.
func LetterFields() [][2]string {
	fs := letterFields()
	out := make([][2]string, len(fs))
	for i, f := range fs {
		out[i] = [2]string{f.Name, f.Doc}
	}
	return out
}

func isLetterField(name string) bool {
	for _, f := range letterFields() {
		if f.Name == name {
			return true
		}
	}
	return false
}

// appealRoutes is where a resident can take a denial, by state. §7022(f)
// and §7023(f) require the response to say the request was denied and why;
// California has no appeal step, so the route is its regulators. Virginia
// (Va. Code §59.1-578(C)) and Colorado (C.R.S. §6-1-1306(3)) require an
// appeal to the business itself, answered in writing within 60 days
// (Virginia) or 45 days extendable by 60 (Colorado), and, when the appeal
// is denied, a way to complain to the state's Attorney General.
func appealRoutes() map[string]string {
	return map[string]string{
		"CA": "If you disagree, you may file a complaint with the California Privacy Protection Agency (cppa.ca.gov) or the California Attorney General (oag.ca.gov/privacy).",
		"VA": "You may appeal this decision by replying to this letter. We will answer your appeal in writing within 60 days of receiving it, with our reasons. If we deny your appeal, you may submit a complaint to the Virginia Attorney General (oag.state.va.us).",
		"CO": "You may appeal this decision by replying to this letter. We will answer your appeal within 45 days of receiving it; if we need longer (at most 60 more days) we will tell you why. If we deny your appeal, you may contact the Colorado Attorney General (coag.gov).",
	}
}

// AppealRoute returns the appeal or complaint route for a requester in state.
func AppealRoute(state string) string {
	if r, ok := appealRoutes()[strings.ToUpper(strings.TrimSpace(state))]; ok {
		return r
	}
	return "If you disagree, reply to this letter and your request will be reviewed again by someone who did not decide it."
}

// LetterDataFor builds the field values of r for tenant t. A field with
// nothing to say for this request is left out, so a template that uses it
// fails to render naming the field rather than sending a letter with a
// blank in it. Every value is one clean line (CleanLine): a hostile name
// can neither reach a terminal nor break the letter's layout.
func LetterDataFor(r Request, t Tenant) map[string]any {
	loc := t.Location()
	d := ComputeDeadlinesIn(r, t, loc)
	day := func(x time.Time) string { return x.In(loc).Format("Monday, January 2, 2006") }
	m := map[string]any{}
	set := func(k, v string) {
		if v = CleanLine(v); strings.TrimSpace(v) != "" {
			m[k] = v
		}
	}
	lines := func(k string, vs []string) {
		var keep []string
		for _, v := range vs {
			if v = CleanLine(v); strings.TrimSpace(v) != "" {
				keep = append(keep, v)
			}
		}
		// A list is always present, empty when there is nothing to list:
		// "nothing was kept" is an answer, not a missing field.
		m[k] = append([]string{}, keep...)
	}
	set("RequestID", r.ID)
	set("RequestType", r.Type.Label())
	if !r.ReceivedAt.IsZero() {
		set("ReceivedOn", day(r.ReceivedAt))
		set("AckDue", day(d.Ack))
		set("RespondBy", day(d.Legal))
	}
	set("RequesterName", r.Requester.Name)
	set("RequesterEmail", r.Requester.Email)
	if r.Agent != nil {
		set("AgentName", r.Agent.Name)
	}
	set("CustomerName", t.Name)
	set("CustomerState", t.State)
	if c := t.PrivacyContact; c != nil {
		set("PrivacyContact", strings.TrimSpace(c.Name+" <"+c.Email+">"))
	}
	if len(t.Approvers) > 0 {
		set("ApproverName", t.Approvers[0].Name)
	}
	set("InfoRequested", r.InfoRequested)
	if r.Extension != nil {
		set("ExtensionReason", r.Extension.Reason)
	}
	reason := r.DenialReason
	if reason == "" && r.Decision != nil && r.Decision.Outcome == DecisionDenied {
		reason = r.Decision.Reason
	}
	set("DenialReason", reason)
	set("AppealRoute", AppealRoute(r.ResidencyState))
	if r.Fee != nil {
		if r.Fee.AmountCents > 0 {
			set("FeeAmount", r.Fee.Amount())
		}
		set("FeeReason", r.Fee.Reason)
	}
	var kept []string
	for _, w := range r.Withheld {
		kept = append(kept, string(w.Category)+": "+w.Reason)
	}
	lines("Kept", kept)
	var fixes []string
	for _, k := range sortedKeys(r.Corrections) {
		fixes = append(fixes, k+" → "+r.Corrections[k])
	}
	lines("Corrections", fixes)
	var files []string
	if r.Export != nil {
		for _, f := range r.Export.Files {
			files = append(files, f.Name)
		}
	}
	lines("PackageFiles", files)
	set("PackageHowToOpen", PackageHowToOpen(r))
	switch {
	case r.Delivery != nil && r.Delivery.DeliveredAt != nil:
		set("PackageDeliveredOn", day(*r.Delivery.DeliveredAt))
	case r.Export != nil && r.RespondedAt != nil:
		set("PackageDeliveredOn", day(*r.RespondedAt))
	}
	set("Outcome", r.Outcome)
	return m
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// LetterTemplate is the subject and body of one kind, as a Customer (or the
// default set) words it; both are text/template sources.
type LetterTemplate struct {
	Kind    LetterKind `bson:"kind" json:"kind"`
	Subject string     `bson:"subject" json:"subject"`
	Body    string     `bson:"body" json:"body"`
}

// Recipient is who a letter goes to.
type Recipient struct {
	Name  string `bson:"name" json:"name"`
	Email string `bson:"email" json:"email"`
}

// Letter is a rendered letter, ready to be turned into a message.
type Letter struct {
	Kind    LetterKind `json:"kind"`
	To      Recipient  `json:"to"`
	Subject string     `json:"subject"`
	Body    string     `json:"body"`
}

// DefaultLetterFrom is the sender of letters when none is configured
// (--from, CUSTODIAN_MAIL_FROM): an address no mail server delivers to,
// so a demo's .eml files never pass for real mail.
const DefaultLetterFrom = "privacy@localhost"

// MaxSubjectLen bounds a rendered subject: a long hostile name must not
// make a header line that mail servers fold or reject.
const MaxSubjectLen = 200

// CheckTemplate parses tpl and refuses a field outside the documented set,
// naming it and listing the fields that may be used.
func CheckTemplate(tpl LetterTemplate) error {
	if _, ok := LetterInfoOf(tpl.Kind); !ok {
		_, err := ParseLetterKind(string(tpl.Kind))
		return err
	}
	for part, src := range map[string]string{"subject": tpl.Subject, "body": tpl.Body} {
		if strings.TrimSpace(src) == "" {
			return fmt.Errorf("%s template: the %s is empty: write one", tpl.Kind, part)
		}
		t, err := template.New(part).Option("missingkey=error").Parse(src)
		if err != nil {
			return fmt.Errorf("%s template %s: %w", tpl.Kind, part, err)
		}
		var bad []string
		walkFields(t.Tree.Root, func(name string) {
			if !isLetterField(name) {
				bad = append(bad, name)
			}
		})
		if len(bad) > 0 {
			fs := letterFields()
			names := make([]string, len(fs))
			for i, f := range fs {
				names[i] = f.Name
			}
			return fmt.Errorf("%s template %s uses .%s, which is not a letter field: use one of %s",
				tpl.Kind, part, bad[0], strings.Join(names, ", "))
		}
	}
	return nil
}

// walkFields calls fn with the first name of every field reference
// ({{.Name}}) in the tree: the fields are a flat set, so only the first
// element matters.
func walkFields(n parse.Node, fn func(string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walkFields(c, fn)
		}
	case *parse.ActionNode:
		walkFields(n.Pipe, fn)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			walkFields(c, fn)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkFields(a, fn)
		}
	case *parse.FieldNode:
		fn(n.Ident[0])
	case *parse.ChainNode:
		walkFields(n.Node, fn)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, fn)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, fn)
	}
}

func walkBranch(b *parse.BranchNode, fn func(string)) {
	walkFields(b.Pipe, fn)
	walkFields(b.List, fn)
	walkFields(b.ElseList, fn)
}

// RenderLetter renders tpl for request r of tenant t, addressed to to. A
// field the template uses but the request has no value for is an error
// naming the field. The subject and the recipient's name pass HeaderSafe,
// and the address must be one plain address: nothing a requester typed can
// add a header.
func RenderLetter(tpl LetterTemplate, r Request, t Tenant, to Recipient) (Letter, error) {
	if info, ok := LetterInfoOf(tpl.Kind); ok && info.Audience == ToProcessor {
		return Letter{}, fmt.Errorf("a %s letter is sent by the run of a plan, to the processor's contact", tpl.Kind)
	}
	return renderLetterData(tpl, r, LetterDataFor(r, t), to)
}

// renderLetterData is RenderLetter with the template's data at hand.
func renderLetterData(tpl LetterTemplate, r Request, data map[string]any, to Recipient) (Letter, error) {
	if err := CheckTemplate(tpl); err != nil {
		return Letter{}, err
	}
	render := func(part, src string) (string, error) {
		tt, err := template.New(part).Option("missingkey=error").Parse(src)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		if err := tt.Execute(&b, data); err != nil {
			return "", missingField(tpl.Kind, part, err)
		}
		return b.String(), nil
	}
	subject, err := render("subject", tpl.Subject)
	if err != nil {
		return Letter{}, err
	}
	body, err := render("body", tpl.Body)
	if err != nil {
		return Letter{}, err
	}
	addr, err := SafeAddress(to.Email)
	if err != nil {
		return Letter{}, fmt.Errorf("%s letter for %s: %w", tpl.Kind, r.ID, err)
	}
	return Letter{
		Kind:    tpl.Kind,
		To:      Recipient{Name: HeaderSafe(to.Name), Email: addr},
		Subject: HeaderSafe(subject),
		Body:    CleanText(body),
	}, nil
}

// missingField turns text/template's missing-key error into one that names
// the field and says what to do.
func missingField(k LetterKind, part string, err error) error {
	msg := err.Error()
	if i := strings.Index(msg, `map has no entry for key "`); i >= 0 {
		name := strings.TrimSuffix(msg[i+len(`map has no entry for key "`):], `"`)
		return fmt.Errorf("%s letter %s needs %s, which this request does not have: record it first or edit the template", k, part, name)
	}
	return fmt.Errorf("%s letter %s: %w", k, part, err)
}

// HeaderSafe makes a value safe for a mail header: escape sequences and
// every control character (CR and LF included) are removed, runs of space
// collapse to one, and the result is cut to MaxSubjectLen runes. A header
// value built this way cannot end its line, so it cannot start another
// header.
func HeaderSafe(s string) string {
	s = CleanLine(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if rs := []rune(s); len(rs) > MaxSubjectLen {
		s = string(rs[:MaxSubjectLen-1]) + "…"
	}
	return s
}

// SafeAddress accepts exactly one bare email address (no display name, no
// list, no control characters) and returns it; anything else is refused
// with a message, never repaired, so a letter never goes somewhere other
// than the address on file.
func SafeAddress(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("no email address on file: record one before sending")
	}
	for _, r := range s {
		if unicode.IsControl(r) || r > unicode.MaxASCII {
			return "", fmt.Errorf("email address %q has characters an address cannot have: correct it on the request", CleanLine(s))
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(s) {
		return "", fmt.Errorf("%q is not one plain email address: correct it on the request", CleanLine(s))
	}
	return a.Address, nil
}

// LetterRecipient is whom a letter of kind k about r goes to: the agent
// when an authorized agent acts (§7063) and gave an address, else the
// requester; for Customer letters the privacy contact, else the first
// approver (the approval request and its reminders go to the approver).
func LetterRecipient(k LetterKind, r Request, t Tenant) (Recipient, error) {
	info, ok := LetterInfoOf(k)
	if !ok {
		_, err := ParseLetterKind(string(k))
		return Recipient{}, err
	}
	if info.Audience == ToProcessor {
		return Recipient{}, fmt.Errorf("a %s letter goes to a processor's contact: it is sent by running the plan", k)
	}
	if info.Audience == ToResident {
		if r.Agent != nil && r.Agent.Email != "" {
			return Recipient{Name: r.Agent.Name, Email: r.Agent.Email}, nil
		}
		if r.Requester.Email == "" {
			return Recipient{}, fmt.Errorf("%s has no email address for the requester: record one, or answer by post", r.ID)
		}
		return Recipient{Name: r.Requester.Name, Email: r.Requester.Email}, nil
	}
	approver := k == LetterApprovalRequest || k == LetterApprovalReminder
	if !approver && t.PrivacyContact != nil && t.PrivacyContact.Email != "" {
		return Recipient{Name: t.PrivacyContact.Name, Email: t.PrivacyContact.Email}, nil
	}
	for _, a := range t.Approvers {
		if a.Email != "" {
			return Recipient{Name: a.Name, Email: a.Email}, nil
		}
	}
	return Recipient{}, fmt.Errorf("%s has no approver with an email address: add one to the tenant", t.ID)
}

// SampleLetterRequest is a request with every letter field set, against
// which an edited template is rendered before it is saved: a template that
// renders here can fail later only for a field a real request lacks.
func SampleLetterRequest() (Request, Tenant) {
	at := time.Date(2026, 10, 1, 15, 0, 0, 0, time.UTC)
	r := Request{
		ID: "R-SAMPLE", TenantID: "sample", Type: TypeDeletion, ReceivedAt: at,
		Requester:      Person{Name: "Sam Sample", Email: "sam@example.org"},
		Agent:          &Agent{Person: Person{Name: "Alex Agent"}},
		ResidencyState: "CA", InfoRequested: "a copy of a utility bill",
		Extension:    &Extension{Reason: "records are held in three systems", At: at},
		DenialReason: "the records are kept under the open-records law",
		Fee:          &Fee{AmountCents: 2500, Reason: "the fifth identical request this year"},
		Withheld:     []Withheld{{Category: "identifying", Reason: "kept 7 years under the retention schedule"}},
		Corrections:  map[string]string{"address": "1 Main St"},
		Export: &AccessExport{Files: []ExportFile{{Name: "records.json"}},
			Sealed: &ExportFile{Name: "R-SAMPLE.tar.age"}},
		Delivery: &AccessDelivery{Method: DeliverWithPassphrase, Sent: &PassphraseSent{Channel: ChannelSMS, At: at},
			DeliveredAt: &at},
		Outcome: "completed",
	}
	t := Tenant{ID: "sample", Name: "City of Sample", State: "CA", TimeZone: "America/Los_Angeles",
		Approvers:      []Contact{{Name: "Pat Approver", Email: "pat@sample.gov"}},
		PrivacyContact: &Contact{Name: "Priya Privacy", Email: "privacy@sample.gov"}}
	return r, t
}

// PreviewTemplate renders tpl against SampleLetterRequest: the check an
// edited template must pass before it is stored.
func PreviewTemplate(tpl LetterTemplate) (Letter, error) {
	r, t := SampleLetterRequest()
	if info, ok := LetterInfoOf(tpl.Kind); ok && info.Audience == ToProcessor {
		return RenderProcessorLetter(tpl, r, t, sampleProcessor())
	}
	to, err := LetterRecipient(tpl.Kind, r, t)
	if err != nil {
		return Letter{}, err
	}
	return RenderLetter(tpl, r, t, to)
}

// CanEditLetters is who may change a Customer's letter templates: admins
// (who manage Customers) and privacy leads (who sign what is sent). Support
// and engineers may read and preview them.
func CanEditLetters(a Actor) bool { return a.Can(PermManageTenants) || a.Can(PermSignOff) }

// LetterPermission is what sending a letter of kind k needs: the letters of
// triage (receipt, verification, chasing the Customer) need triage; a
// letter announcing a decision, an extension, a refusal or a completion is
// a lead's, as the action behind it is.
func LetterPermission(k LetterKind) Permission {
	switch k {
	case LetterAcknowledgement, LetterVerification, LetterApprovalRequest, LetterApprovalReminder:
		return PermTriage
	}
	return PermSignOff
}

// MaskLetter is l as an operator's screen shows it: the requester's and
// agent's name, email and phone, and the values a correction asks for, are
// masked wherever the letter carries them (headers and body). The message
// sent keeps them; only the preview hides them, as every other view does.
func MaskLetter(l Letter, r Request) Letter {
	type pi struct {
		kind FieldKind
		v    string
	}
	vals := []pi{{KindName, r.Requester.Name}, {KindEmail, r.Requester.Email}, {KindPhone, r.Requester.Phone}}
	if r.Agent != nil {
		vals = append(vals, pi{KindName, r.Agent.Name}, pi{KindEmail, r.Agent.Email}, pi{KindPhone, r.Agent.Phone})
	}
	for _, k := range sortedKeys(r.Corrections) {
		vals = append(vals, pi{KindText, r.Corrections[k]})
	}
	// Longest first, so a name inside a longer value is not masked into
	// half of it.
	sort.SliceStable(vals, func(i, j int) bool { return len(vals[i].v) > len(vals[j].v) })
	for _, p := range vals {
		for _, form := range []string{CleanLine(p.v), HeaderSafe(p.v)} {
			if strings.TrimSpace(form) == "" {
				continue
			}
			m := Mask(p.kind, form)
			l.Subject = strings.ReplaceAll(l.Subject, form, m)
			l.Body = strings.ReplaceAll(l.Body, form, m)
			l.To.Name = strings.ReplaceAll(l.To.Name, form, m)
			l.To.Email = strings.ReplaceAll(l.To.Email, form, m)
		}
	}
	return l
}

// LetterFits says whether a letter of kind k may be sent about r as it
// stands, and if not, what must happen first: a completion letter before
// the request is completed, or of another type, would tell the resident
// something untrue. Field-level gaps (no denial reason) are caught when
// the letter renders.
func LetterFits(k LetterKind, r Request) error {
	completion := map[LetterKind][]RequestType{
		LetterCompletionAccess:    {TypeAccess},
		LetterCompletionDeletion:  {TypeDeletion, TypeChildDeletion},
		LetterCompletionCorrected: {TypeRectification},
		LetterCompletionOptOut:    {TypeOptOut},
	}
	switch {
	case completion[k] != nil:
		ok := false
		for _, t := range completion[k] {
			ok = ok || r.Type == t
		}
		if !ok {
			return fmt.Errorf("%s is a %s request: a %s letter does not fit it", r.ID, r.Type.Label(), k)
		}
		if r.Status != StatusCompleted {
			return fmt.Errorf("%s is %s: send the completion letter once it is completed", r.ID, r.Status)
		}
	case (k == LetterDenial || k == LetterExcessiveRefusal) && r.Status != StatusDenied:
		return fmt.Errorf("%s is %s, not denied: record the denial first", r.ID, r.Status)
	case (k == LetterExtensionResident || k == LetterExtensionCustomer) && r.Extension == nil:
		return fmt.Errorf("%s has no extension: record the extension (with its reason) first", r.ID)
	case k == LetterFeeQuote && r.Fee == nil:
		return fmt.Errorf("%s has no fee quoted: record the fee first", r.ID)
	case (k == LetterApprovalRequest || k == LetterApprovalReminder) && r.Status != StatusAwaitingApproval:
		return fmt.Errorf("%s is %s: the Customer is asked for approval only while the request awaits it", r.ID, r.Status)
	case (k == LetterProcessorNotice || k == LetterProcessorReminder) && r.Status != StatusFulfilling:
		return fmt.Errorf("%s is %s: processors are notified while its plan runs", r.ID, r.Status)
	case k == LetterVerification && r.Status != StatusNeedsInfo && r.Status != StatusVerifying && r.Status != StatusReceived:
		return fmt.Errorf("%s is %s: verification is asked for before approval", r.ID, r.Status)
	}
	return nil
}
