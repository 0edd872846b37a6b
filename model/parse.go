package model

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The parsers below turn what an operator types into a form, or what an
// import file says, into the values the model stores. They are shared by the
// UI forms and `custodian requests import`, so both accept and refuse the
// same things. Every refusal says what to write instead.

// earliestYear is the first year a request, decision or piece of evidence
// may be dated: anything earlier is a typo (a two-digit year, a birth date in
// the wrong field).
const earliestYear = 2000

// quoteInput shows bad input back to the operator safely and briefly: the
// input may hold escape sequences and may be a whole pasted paragraph.
// Control and invisible characters are shown escaped (\x1b, \u202e), so
// the operator sees why a value that looks right was refused.
func quoteInput(s string) string {
	if r := []rune(s); len(r) > 40 {
		return QuoteArg(string(r[:39])) + "…"
	}
	return QuoteArg(s)
}

// personal marks an argument of personalErrorf as a person's data: a name,
// an email address, a phone number, a birth date.
type personal string

// InputError is a refusal of input that repeats the refused value. Error
// shows it (the operator typed it and sees it beside the field); Redacted
// leaves it out, for reports that outlive the screen, such as an import's.
type InputError struct {
	shown, redacted string
}

func (e *InputError) Error() string { return e.shown }

// personalErrorf is fmt.Errorf whose personal arguments are quoted in
// Error and left out of the redacted message.
func personalErrorf(format string, args ...any) error {
	shown, hidden := make([]any, len(args)), make([]any, len(args))
	for i, a := range args {
		shown[i], hidden[i] = a, a
		if p, ok := a.(personal); ok {
			shown[i], hidden[i] = quoteInput(string(p)), "(value not shown)"
		}
	}
	return &InputError{shown: fmt.Sprintf(format, shown...), redacted: fmt.Sprintf(format, hidden...)}
}

// Redacted is err's message with every personal value an InputError in
// its chain repeats left out: what an import report may keep.
func Redacted(err error) string {
	msg := err.Error()
	for e := err; e != nil; {
		var ie *InputError
		if !errors.As(e, &ie) {
			break
		}
		msg = strings.Replace(msg, ie.shown, ie.redacted, 1)
		e = errors.Unwrap(ie)
	}
	return msg
}

// ParseDate reads the date a request was received or a decision was made:
// YYYY-MM-DD (the start of that day in loc), an RFC 3339 time, "today" or
// "yesterday" (relative to now in loc). Dates after now or before 2000 are
// refused. A nil loc means UTC.
func ParseDate(s string, loc *time.Location, now time.Time) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	const hint = `write YYYY-MM-DD (e.g. 2026-03-14), an RFC 3339 time (2026-03-14T09:30:00Z), "today" or "yesterday"`
	in := strings.TrimSpace(s)
	if in == "" {
		return time.Time{}, errors.New("the date is empty: " + hint)
	}
	var t time.Time
	switch strings.ToLower(in) {
	case "today":
		t = startOfDay(now.In(loc))
	case "yesterday":
		t = startOfDay(now.In(loc)).AddDate(0, 0, -1)
	default:
		var err error
		if t, err = time.ParseInLocation(time.DateOnly, in, loc); err != nil {
			if t, err = time.Parse(time.RFC3339, in); err != nil {
				return time.Time{}, fmt.Errorf("date %s is not a date: %s", quoteInput(in), hint)
			}
		}
	}
	if t.In(loc).Year() < earliestYear {
		return time.Time{}, fmt.Errorf("date %s is before %d: check the year (write it with four digits, YYYY-MM-DD)", quoteInput(in), earliestYear)
	}
	if t.After(now) {
		return time.Time{}, fmt.Errorf("date %s is in the future (it is now %s): write the date it actually happened",
			quoteInput(in), now.In(loc).Format("2006-01-02 15:04 MST"))
	}
	return t, nil
}

func startOfDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// maxEmailLen is the longest address SMTP can carry (RFC 5321: 254 octets).
const maxEmailLen = 254

// ParseEmail checks an email address and returns it trimmed, with the domain
// lower-cased. The local part is kept as typed; compare addresses with
// EmailKey, which ignores case, as subjects' stored addresses are lower-case.
func ParseEmail(s string) (string, error) {
	const hint = "write one address like name@example.org"
	in := strings.TrimSpace(s)
	switch {
	case in == "":
		return "", errors.New("the email address is empty: " + hint)
	case len(in) > maxEmailLen:
		return "", fmt.Errorf("email address is %d bytes long; the limit is %d: %s", len(in), maxEmailLen, hint)
	case !utf8.ValidString(in):
		return "", personalErrorf("email address %s is not valid UTF-8 text: retype it, %s", personal(in), hint)
	case strings.ContainsFunc(in, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || unsafeRune(r) }):
		return "", personalErrorf("email address %s contains spaces or control characters: %s, without the person's name", personal(in), hint)
	case strings.ContainsAny(in, `<>(),;:"[]\`):
		return "", personalErrorf("email address %s contains <>(),;:\"[] or \\: %s, without the name or angle brackets", personal(in), hint)
	case strings.Count(in, "@") != 1:
		return "", personalErrorf("email address %s must contain exactly one @: %s", personal(in), hint)
	}
	local, domain, _ := strings.Cut(in, "@")
	switch {
	case local == "":
		return "", personalErrorf("email address %s has nothing before the @: %s", personal(in), hint)
	case len(local) > 64:
		return "", personalErrorf("email address %s has more than 64 bytes before the @: %s", personal(in), hint)
	case strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, ".."):
		return "", personalErrorf("email address %s has a misplaced dot before the @: %s", personal(in), hint)
	case !strings.Contains(domain, "."):
		return "", personalErrorf("email address %s needs a domain with a dot after the @ (e.g. example.org): %s", personal(in), hint)
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "", personalErrorf("email address %s has a malformed domain %s: %s", personal(in), personal(domain), hint)
		}
		for _, r := range label {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return "", personalErrorf("email address %s: the domain may hold only letters, digits, '-' and '.': %s", personal(in), hint)
			}
		}
	}
	return local + "@" + strings.ToLower(domain), nil
}

// EmailKey is the form an address is compared and looked up in: subjects'
// addresses are stored lower-case, and people type theirs in any case.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Phone numbers hold 7 (a local number) to 15 (E.164's maximum) digits.
const (
	phoneMinDigits = 7
	phoneMaxDigits = 15
	phoneMaxExt    = 6
)

// extensionMarkers introduce an extension after the number, longest first so
// "ext." is not read as "ext" followed by a stray dot.
func extensionMarkers() []string { return []string{"extension", "ext.", "ext", "x", "#"} }

// ParsePhone reads a phone number as people type it — "(415) 555-0132",
// "+1 415.555.0132", "1-415-555-0132", "415-555-0132 x12" — and returns it
// normalised: digits only for a North American number (its country code 1
// dropped, as subjects' numbers are stored), "+" and digits for any other
// international number, then "x" and the extension if there is one:
// "4155550132", "+442079460958", "4155550132x12". Compare numbers with
// PhoneKey, which drops the extension and the "+".
func ParsePhone(s string) (string, error) {
	const hint = `write the number with its area code, e.g. (415) 555-0132, +44 20 7946 0958 or 415-555-0132 x12`
	in := strings.TrimSpace(s)
	if in == "" {
		return "", errors.New("the phone number is empty: " + hint)
	}
	if len(in) > 64 {
		return "", fmt.Errorf("phone number is %d bytes long: %s", len(in), hint)
	}
	// The number ends where the first letter or '#' starts the extension.
	cut := strings.IndexFunc(in, func(r rune) bool { return unicode.IsLetter(r) || r == '#' })
	main, tail := in, ""
	if cut >= 0 {
		main, tail = in[:cut], in[cut:]
	}
	plus := false
	var digits strings.Builder
	for i, r := range main {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+':
			if strings.TrimSpace(main[:i]) != "" || plus {
				return "", personalErrorf("phone number %s: '+' may only start the number: %s", personal(in), hint)
			}
			plus = true
		case r == ' ' || r == '(' || r == ')' || r == '-' || r == '.' || r == '/':
		default:
			return "", personalErrorf("phone number %s contains %s: use only digits, spaces, ()-./ and a leading +: %s", personal(in), quoteInput(string(r)), hint)
		}
	}
	ext := ""
	if tail != "" {
		lower := strings.ToLower(tail)
		marker := ""
		for _, m := range extensionMarkers() {
			if strings.HasPrefix(lower, m) {
				marker = m
				break
			}
		}
		rest := strings.TrimLeft(strings.TrimSpace(tail[len(marker):]), ".: ")
		if marker == "" || rest == "" || len(rest) > phoneMaxExt || strings.ContainsFunc(rest, func(r rune) bool { return r < '0' || r > '9' }) {
			return "", personalErrorf("phone number %s contains letters: only an extension may follow the number, as x12 or ext. 12 (up to %d digits): %s", personal(in), phoneMaxExt, hint)
		}
		ext = rest
	}
	d := digits.String()
	switch n := len(d); {
	case n < phoneMinDigits:
		return "", personalErrorf("phone number %s has %d digits, fewer than %d: %s", personal(in), n, phoneMinDigits, hint)
	case n > phoneMaxDigits:
		return "", personalErrorf("phone number %s has %d digits, more than %d: %s", personal(in), n, phoneMaxDigits, hint)
	}
	out := d
	switch {
	case len(d) == 11 && d[0] == '1':
		out = d[1:] // North American number with its country code
	case plus:
		out = "+" + d
	}
	if ext != "" {
		out += "x" + ext
	}
	return out, nil
}

// PhoneKey is the digits a phone number is compared and looked up by — what
// subjects' phones fields hold: the number ParsePhone normalised, without its
// "+" and extension. It fails as ParsePhone does.
func PhoneKey(s string) (string, error) {
	p, err := ParsePhone(s)
	if err != nil {
		return "", err
	}
	p, _, _ = strings.Cut(p, "x")
	return strings.TrimPrefix(p, "+"), nil
}

// EvidenceMethod is how the Customer's decision reached the custodian.
type EvidenceMethod string

const (
	EvidenceEmail     EvidenceMethod = "email"
	EvidenceTicket    EvidenceMethod = "ticket"
	EvidenceLetter    EvidenceMethod = "signed letter"
	EvidencePhoneCall EvidenceMethod = "phone call"
	EvidencePortal    EvidenceMethod = "customer portal"
)

// EvidenceMethods lists every method in the order a form offers them.
func EvidenceMethods() []EvidenceMethod {
	return []EvidenceMethod{EvidenceEmail, EvidenceTicket, EvidenceLetter, EvidencePhoneCall, EvidencePortal}
}

// RefHint says what reference identifies the evidence for this method.
func (m EvidenceMethod) RefHint() string {
	switch m {
	case EvidenceEmail:
		return "the message id or sender and date, e.g. <CA+x1@city.example> or clerk@city.example 2026-11-02"
	case EvidenceTicket:
		return "the ticket number, e.g. CUST-01234"
	case EvidenceLetter:
		return "where the scan is filed, e.g. file ref 1187"
	case EvidencePhoneCall:
		return "who called and when, e.g. call with J. Ortiz 2026-11-02 14:10, notes in CUST-01234"
	case EvidencePortal:
		return "the portal's approval id, e.g. APR-5531"
	}
	return "a reference that finds the evidence"
}

// evidenceAlias maps other words operators use to the methods.
func evidenceAlias(s string) (EvidenceMethod, bool) {
	switch strings.ReplaceAll(strings.ReplaceAll(s, "-", " "), "_", " ") {
	case "e mail":
		return EvidenceEmail, true
	case "letter", "signed letter":
		return EvidenceLetter, true
	case "call", "phone", "phone call", "telephone":
		return EvidencePhoneCall, true
	case "portal", "customer portal":
		return EvidencePortal, true
	}
	return "", false
}

// ParseEvidenceMethod reads a method name, its usual aliases included.
func ParseEvidenceMethod(s string) (EvidenceMethod, error) {
	in := strings.ToLower(strings.Join(strings.Fields(s), " "))
	for _, m := range EvidenceMethods() {
		if in == string(m) {
			return m, nil
		}
	}
	if m, ok := evidenceAlias(in); ok {
		return m, nil
	}
	names := make([]string, 0, len(EvidenceMethods()))
	for _, m := range EvidenceMethods() {
		names = append(names, string(m))
	}
	if in == "" {
		return "", fmt.Errorf("say how the Customer's decision arrived: one of %s", strings.Join(names, ", "))
	}
	return "", fmt.Errorf("evidence method %s is unknown: use one of %s", quoteInput(s), strings.Join(names, ", "))
}

// maxEvidenceRef bounds a reference: it points at the evidence, it is not the evidence.
const maxEvidenceRef = 200

// EvidenceRef is where the proof of a Customer's decision is kept: how it
// arrived and the reference that finds it.
type EvidenceRef struct {
	Method EvidenceMethod `json:"method"`
	Ref    string         `json:"ref"`
}

// String is the one-line form shown in the detail view and the approvals pane.
func (e EvidenceRef) String() string { return string(e.Method) + ": " + e.Ref }

// ParseEvidence checks a Customer decision's evidence: a known method and a
// reference that finds it (one line, up to 200 characters; a ticket reference
// needs its number).
func ParseEvidence(method, ref string) (EvidenceRef, error) {
	m, err := ParseEvidenceMethod(method)
	if err != nil {
		return EvidenceRef{}, err
	}
	r := strings.TrimSpace(ref)
	switch {
	case r == "":
		return EvidenceRef{}, fmt.Errorf("the %s evidence needs a reference: %s", m, m.RefHint())
	case utf8.RuneCountInString(r) > maxEvidenceRef:
		return EvidenceRef{}, fmt.Errorf("the evidence reference is longer than %d characters: give %s, not the text itself", maxEvidenceRef, m.RefHint())
	case !utf8.ValidString(r) || strings.ContainsFunc(r, func(c rune) bool { return c != ' ' && (unicode.IsControl(c) || unsafeRune(c)) }):
		return EvidenceRef{}, fmt.Errorf("the evidence reference must be one line of plain text: %s", m.RefHint())
	case m == EvidenceTicket && !strings.ContainsFunc(r, unicode.IsDigit):
		return EvidenceRef{}, fmt.Errorf("ticket reference %s has no number: %s", quoteInput(r), m.RefHint())
	}
	return EvidenceRef{Method: m, Ref: r}, nil
}

// EvidenceRef reads the decision's stored Method and Evidence as an
// EvidenceRef; decisions stored before methods were checked may fail.
func (d Decision) EvidenceRef() (EvidenceRef, error) { return ParseEvidence(d.Method, d.Evidence) }

// SetEvidence stores e in the decision's Method and Evidence fields.
func (d *Decision) SetEvidence(e EvidenceRef) { d.Method, d.Evidence = string(e.Method), e.Ref }

// DataPoint is a piece of information matched against the records to verify
// a requester's identity (§7060–7062). Its value doubles as the correction
// field name where one exists, so a correction's own fields can be excluded
// from its verification.
type DataPoint string

const (
	PointName            DataPoint = "name"
	PointEmail           DataPoint = "email"
	PointPhone           DataPoint = "phone"
	PointAddress         DataPoint = "address"
	PointAccountID       DataPoint = "account_id"
	PointBirthDate       DataPoint = "birth_date"
	PointLastTransaction DataPoint = "last_transaction"
)

// DataPoints lists every data point in the order a form offers them.
func DataPoints() []DataPoint {
	return []DataPoint{PointName, PointEmail, PointPhone, PointAddress, PointAccountID, PointBirthDate, PointLastTransaction}
}

// Label is the human name of the data point.
func (p DataPoint) Label() string {
	switch p {
	case PointName:
		return "name"
	case PointEmail:
		return "email on file"
	case PointPhone:
		return "phone on file"
	case PointAddress:
		return "service address"
	case PointAccountID:
		return "account number"
	case PointBirthDate:
		return "date of birth"
	case PointLastTransaction:
		return "last payment amount"
	}
	return string(p)
}

// Kind is how a value of the data point is masked, e.g. a requested
// correction is masked like the field it replaces.
func (p DataPoint) Kind() FieldKind {
	switch p {
	case PointName:
		return KindName
	case PointEmail:
		return KindEmail
	case PointPhone:
		return KindPhone
	case PointAddress:
		return KindAddress
	case PointBirthDate:
		return KindDate
	}
	return KindText
}

// dataPointAlias maps other words for the data points, including the labels
// stored by earlier versions and the demo data.
func dataPointAlias(s string) (DataPoint, bool) {
	switch strings.ReplaceAll(strings.ReplaceAll(s, "-", " "), "_", " ") {
	case "full name":
		return PointName, true
	case "email address", "e mail":
		return PointEmail, true
	case "phone number", "telephone":
		return PointPhone, true
	case "address", "mailing address", "home address":
		return PointAddress, true
	case "account id", "account", "account number":
		return PointAccountID, true
	case "birth date", "dob", "date of birth":
		return PointBirthDate, true
	case "last transaction", "last payment", "last payment amount":
		return PointLastTransaction, true
	}
	return "", false
}

// ParseDataPoint reads a data point by its name, its label or a usual alias.
func ParseDataPoint(s string) (DataPoint, error) {
	in := strings.ToLower(strings.Join(strings.Fields(s), " "))
	for _, p := range DataPoints() {
		if in == string(p) || in == p.Label() {
			return p, nil
		}
	}
	if p, ok := dataPointAlias(in); ok {
		return p, nil
	}
	names := make([]string, 0, len(DataPoints()))
	for _, p := range DataPoints() {
		names = append(names, string(p))
	}
	return "", fmt.Errorf("data point %s is unknown: use one of %s", quoteInput(s), strings.Join(names, ", "))
}

// ParseDataPoints reads a list such as "email, phone; date of birth" into
// data points, each once, in the order given; the error names the first one
// it does not know.
func ParseDataPoints(s string) ([]string, error) {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if strings.TrimSpace(p) == "" {
			continue
		}
		dp, err := ParseDataPoint(p)
		if err != nil {
			return out, err
		}
		if !slices.Contains(out, string(dp)) {
			out = append(out, string(dp))
		}
	}
	return out, nil
}

// CorrectableFields are the subject fields a correction may change.
func CorrectableFields() []DataPoint {
	return []DataPoint{PointName, PointEmail, PointPhone, PointAddress, PointBirthDate}
}

// maxFieldValue bounds a corrected value or a name.
const maxFieldValue = 200

// ParseCorrection checks one requested correction and returns the field and
// the value normalised as the field is stored (an email's domain lower-cased,
// a phone number normalised, a birth date as YYYY-MM-DD).
func ParseCorrection(field, value string, now time.Time) (DataPoint, string, error) {
	names := make([]string, 0, len(CorrectableFields()))
	for _, c := range CorrectableFields() {
		names = append(names, string(c))
	}
	p, err := ParseDataPoint(field)
	if err != nil {
		// Name the fields a correction takes, not every data point: the
		// README and the log form list these, and only these work here.
		return "", "", fmt.Errorf("correction: %s is not a field a request can correct: correct one of %s", quoteInput(field), strings.Join(names, ", "))
	}
	correctable := false
	for _, c := range CorrectableFields() {
		correctable = correctable || c == p
	}
	if !correctable {
		return "", "", fmt.Errorf("correction: %s cannot be corrected by request: correct one of %s", p.Label(), strings.Join(names, ", "))
	}
	var v string
	switch p {
	case PointEmail:
		v, err = ParseEmail(value)
	case PointPhone:
		v, err = ParsePhone(value)
	case PointBirthDate:
		var t time.Time
		if t, err = time.Parse(time.DateOnly, strings.TrimSpace(value)); err != nil {
			err = personalErrorf("birth date %s: write YYYY-MM-DD, e.g. 1984-07-02", personal(value))
		} else if t.After(now) || t.Year() < 1900 {
			err = personalErrorf("birth date %s is not plausible: write the year with four digits, between 1900 and today", personal(value))
		}
		v = strings.TrimSpace(value)
	default:
		v, err = ParseText(string(p), value, maxFieldValue)
	}
	if err != nil {
		return "", "", fmt.Errorf("correction of %s: %w", p, err)
	}
	return p, v, nil
}

// MaxNameLen bounds a person's or an organization's name, wherever it is
// given: an import line, an operator's full name.
const MaxNameLen = 200

// ParseName checks a name (what names it: "name", "organization"): the
// rule for an imported requester's name and an operator's full name alike,
// so neither can carry control, bidi or invisible characters.
func ParseName(what, s string) (string, error) { return ParseText(what, s, MaxNameLen) }

// ParseText checks one line of free text such as a name: trimmed, not empty,
// at most max characters, no control characters or escape sequences.
func ParseText(what, s string, max int) (string, error) {
	in := strings.TrimSpace(s)
	switch {
	case in == "":
		return "", fmt.Errorf("the %s is empty: write it as the person gave it", what)
	case !utf8.ValidString(in):
		return "", fmt.Errorf("the %s is not valid UTF-8 text: retype it", what)
	case utf8.RuneCountInString(in) > max:
		return "", fmt.Errorf("the %s is longer than %d characters: shorten it", what, max)
	case CleanLine(in) != in:
		return "", personalErrorf("the %s %s contains control characters or escape sequences: retype it as plain text", what, personal(in))
	}
	return in, nil
}

// ParseRequestType reads a request type by its name or label ("correction",
// "opt-out", "child deletion" included).
func ParseRequestType(s string) (RequestType, error) {
	in := strings.ToLower(strings.Join(strings.Fields(s), " "))
	for _, t := range RequestTypes() {
		if in == string(t) || in == t.Label() || in == strings.ReplaceAll(string(t), "_", " ") || in == strings.ReplaceAll(string(t), "_", "-") {
			return t, nil
		}
	}
	names := make([]string, 0, len(RequestTypes()))
	for _, t := range RequestTypes() {
		names = append(names, string(t))
	}
	return "", fmt.Errorf("request type %s is unknown: use one of %s", quoteInput(s), strings.Join(names, ", "))
}

// ParseChannel reads how a request arrived.
func ParseChannel(s string) (Channel, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	for _, c := range Channels() {
		if in == string(c) {
			return c, nil
		}
	}
	names := make([]string, 0, len(Channels()))
	for _, c := range Channels() {
		names = append(names, string(c))
	}
	return "", fmt.Errorf("channel %s is unknown: use one of %s", quoteInput(s), strings.Join(names, ", "))
}

// ParseState reads a US state or territory as its two-letter postal code,
// upper-cased ("ca" is "CA"), which is how residency is stored and compared.
func ParseState(s string) (string, error) {
	in := strings.ToUpper(strings.TrimSpace(s))
	if len(in) != 2 || in[0] < 'A' || in[0] > 'Z' || in[1] < 'A' || in[1] > 'Z' {
		return "", fmt.Errorf("residency state %s: write the two-letter postal code, e.g. CA", quoteInput(s))
	}
	return in, nil
}
