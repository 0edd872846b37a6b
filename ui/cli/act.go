package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// Acter is what `custodian requests <verb> ID` needs of the controller;
// *db.Store satisfies it. Every verb is an Apply: the controller decides
// the rules (model.Decide) and audits a refusal, as for the console.
type Acter interface {
	Request(ctx context.Context, actor model.Actor, id string) (model.Request, error)
	Tenant(ctx context.Context, actor model.Actor, id string) (model.Tenant, error)
	Apply(ctx context.Context, actor model.Actor, id string, version int64, a model.Action, reason string, edit func(*model.Request) error) (model.Request, error)
}

// Verb is one `custodian requests <verb>` command acting on a request: the
// action it takes, the flags it reads, and how they become the reason and
// the edit the controller is given.
type Verb struct {
	Name   string
	Action model.Action
	// Arg names the one positional argument after the request id, if any.
	Arg string
	// Flags are the flags the verb takes, in usage order (see actFlagDefs).
	Flags []string
	// Says is what the verb does, for the usage.
	Says string
	// build turns the typed flags into the reason and edit for Apply; an
	// error is a flag the command could not read (exit 2, nothing asked).
	build func(in actInput) (reason string, edit func(*model.Request) error, err error)
}

// actInput is what a verb builds its edit from: the request as read (for
// its version, tenant zone and the values a correction keeps).
type actInput struct {
	req    model.Request
	tenant model.Tenant
	actor  model.Actor
	now    time.Time
	arg    string
	f      *ActFlags
}

// ActFlags are the flags of the request verbs as typed. Only the flags a
// verb takes are declared on its flag set, so any other is refused by the
// flag parser.
type ActFlags struct {
	What, Reason, Amount, How, To, Text string
	Method, Points, Level               string
	SignedDecl, AgentVerified           bool
	Approver, Evidence, Decided         string
	Field                               string
	fs                                  *flag.FlagSet
}

// given reports whether the flag was typed (a correction keeps the stored
// value of a flag left out).
func (f *ActFlags) given(name string) bool {
	seen := false
	if f.fs != nil {
		f.fs.Visit(func(fl *flag.Flag) { seen = seen || fl.Name == name })
	}
	return seen
}

// actFlagDef is one flag: how usage shows it, its help text and where it
// lands.
type actFlagDef struct {
	usage string
	help  string
	str   func(*ActFlags) *string
	bool  func(*ActFlags) *bool
}

func actFlagDefs() map[string]actFlagDef {
	s := func(usage, help string, p func(*ActFlags) *string) actFlagDef {
		return actFlagDef{usage: usage, help: help, str: p}
	}
	b := func(usage, help string, p func(*ActFlags) *bool) actFlagDef {
		return actFlagDef{usage: usage, help: help, bool: p}
	}
	return map[string]actFlagDef{
		"what":   s("--what TEXT", "the `TEXT` telling the requester what to provide", func(f *ActFlags) *string { return &f.What }),
		"reason": s("--reason TEXT", "the reason (`TEXT`) recorded with the action; the command's summary says whose", func(f *ActFlags) *string { return &f.Reason }),
		"amount": s("--amount 25.50", "the fee in dollars, as `25.50`", func(f *ActFlags) *string { return &f.Amount }),
		"how":    s("--how TEXT", "`TEXT` saying how the requester withdrew, e.g. their email of 2026-11-02", func(f *ActFlags) *string { return &f.How }),
		"to": s("--to NAME", "assign: the operator's `NAME`, me (the default) or none; remind: the approver contact reminded",
			func(f *ActFlags) *string { return &f.To }),
		"text": s("--text TEXT", "the note's `TEXT`", func(f *ActFlags) *string { return &f.Text }),
		"method": s("--method M", "the `METHOD`: for verify, how the identity was checked; for a decision, how the Customer's decision arrived (email, ticket, …)",
			func(f *ActFlags) *string { return &f.Method }),
		"points": s("--points email,phone", "the data `POINTS` matched against the subject's record, comma-separated (email,phone)", func(f *ActFlags) *string { return &f.Points }),
		"level": s("--level reasonable|high|none", "the verification `LEVEL` reached: reasonable, high or none (default: what the request needs)",
			func(f *ActFlags) *string { return &f.Level }),
		"signed-declaration": b("--signed-declaration", "the requester signed a declaration under penalty of perjury", func(f *ActFlags) *bool { return &f.SignedDecl }),
		"agent-verified":     b("--agent-verified", "the authorized agent was verified too", func(f *ActFlags) *bool { return &f.AgentVerified }),
		"approver":           s("--approver NAME", "the `NAME` of who at the Customer decided", func(f *ActFlags) *string { return &f.Approver }),
		"evidence":           s("--evidence REF", "where the decision can be found again (`REF`: a message id, a ticket)", func(f *ActFlags) *string { return &f.Evidence }),
		"decided": s("--decided YYYY-MM-DD", "the `DAY` the Customer decided, YYYY-MM-DD in the tenant's time zone (default today)",
			func(f *ActFlags) *string { return &f.Decided }),
		"field": s("--field COLLECTION.FIELD", "the `COLLECTION.FIELD` of the access plan that holds another person's data", func(f *ActFlags) *string { return &f.Field }),
	}
}

// BindActFlags declares v's flags on fs, with their help, and returns
// where they land.
func BindActFlags(fs *flag.FlagSet, v Verb) *ActFlags {
	f := &ActFlags{fs: fs}
	defs := actFlagDefs()
	for _, name := range v.Flags {
		d := defs[name]
		if d.bool != nil {
			fs.BoolVar(d.bool(f), name, false, d.help)
		} else {
			fs.StringVar(d.str(f), name, "", d.help)
		}
	}
	return f
}

// decisionFlags are the flags of a Customer decision.
func decisionFlags() []string { return []string{"approver", "method", "evidence", "decided"} }

// Verbs is the table of request verbs, in lifecycle order.
func Verbs() []Verb {
	reasonFrom := func(pick func(*ActFlags) string) func(actInput) (string, func(*model.Request) error, error) {
		return func(in actInput) (string, func(*model.Request) error, error) { return pick(in.f), nil, nil }
	}
	bare := func(actInput) (string, func(*model.Request) error, error) { return "", nil, nil }
	return []Verb{
		{Name: "acknowledge", Action: model.ActAcknowledge, Says: "record that receipt was confirmed to the requester", build: bare},
		{Name: "start-verification", Action: model.ActStartVerification, Says: "start verifying the requester's identity", build: bare},
		{Name: "ask-info", Action: model.ActRequestInfo, Flags: []string{"what"}, Says: "ask the requester for information",
			build: reasonFrom(func(f *ActFlags) string { return f.What })},
		{Name: "info-received", Action: model.ActInfoReceived, Says: "the requester answered; verification resumes", build: bare},
		{Name: "verify", Action: model.ActVerify, Flags: []string{"method", "points", "level", "signed-declaration", "agent-verified"},
			Says: "record the verification (level defaults to what the request needs)", build: buildVerify},
		{Name: "deny-unverifiable", Action: model.ActDenyUnverifiable, Flags: []string{"reason"}, Says: "deny: identity could not be verified",
			build: reasonFrom(func(f *ActFlags) string { return f.Reason })},
		{Name: "refuse", Action: model.ActRefuseExcessive, Flags: []string{"reason"}, Says: "refuse as baseless, repetitive or excessive",
			build: reasonFrom(func(f *ActFlags) string { return f.Reason })},
		{Name: "fee", Action: model.ActChargeFee, Flags: []string{"amount", "reason"}, Says: "quote a reasonable fee instead of refusing", build: buildFee},
		{Name: "approve", Action: model.ActApprove, Flags: decisionFlags(), Says: "record the Customer's approval", build: buildDecision(model.DecisionApproved)},
		{Name: "deny", Action: model.ActDeny, Flags: append(decisionFlags(), "reason"), Says: "record the Customer's denial (--reason: the Customer's)",
			build: buildDecision(model.DecisionDenied)},
		{Name: "correct-decision", Action: model.ActCorrectDecision, Flags: append(decisionFlags(), "reason"),
			Says: "correct the recorded decision (flags left out keep their value; --reason: why)", build: buildCorrection},
		{Name: "extend", Action: model.ActExtend, Flags: []string{"reason"}, Says: "extend the response deadline once (the requester is told why)",
			build: reasonFrom(func(f *ActFlags) string { return f.Reason })},
		{Name: "withdraw", Action: model.ActWithdraw, Flags: []string{"how"}, Says: "close as withdrawn by the requester",
			build: reasonFrom(func(f *ActFlags) string { return f.How })},
		{Name: "assign", Action: model.ActAssign, Flags: []string{"to"}, Says: "assign to an operator (default me; none unassigns)", build: buildAssign},
		{Name: "note", Action: model.ActNote, Flags: []string{"text"}, Says: "add a note",
			build: reasonFrom(func(f *ActFlags) string { return f.Text })},
		{Name: "remind", Action: model.ActRemind, Flags: []string{"to"}, Says: "record a reminder to one of the Customer's approver contacts", build: buildRemind},
		{Name: "disclose", Action: model.ActDisclose, Flags: []string{"field", "reason"},
			Says: "disclose another person's data held in a field of the access plan (--reason: why it does not harm them); make a new plan after", build: buildDisclose},
		{Name: "link", Action: model.ActLink, Arg: "SUBJECT_ID", Says: "link an unmatched request to its subject", build: buildLink},
	}
}

// VerbNamed finds the verb called name.
func VerbNamed(name string) (Verb, bool) {
	for _, v := range Verbs() {
		if v.Name == name {
			return v, true
		}
	}
	return Verb{}, false
}

// Synopsis is the verb's command line, e.g.
// "custodian requests fee ID --amount 25.50 --reason TEXT".
func (v Verb) Synopsis() string {
	parts := []string{"custodian requests", v.Name, "ID"}
	if v.Arg != "" {
		parts = append(parts, v.Arg)
	}
	defs := actFlagDefs()
	for _, name := range v.Flags {
		parts = append(parts, "["+defs[name].usage+"]")
	}
	return strings.Join(parts, " ")
}

// ActUsage lists every verb with what it does, for the usage text.
func ActUsage() string {
	var b strings.Builder
	for _, v := range Verbs() {
		fmt.Fprintf(&b, "  %s\n      %s\n", v.Synopsis(), v.Says)
	}
	return b.String()
}

// Act takes v on request id as actor: it reads the request (for its
// version and tenant), builds the edit from the flags and asks the
// controller. A flag it cannot read is an *InputError and nothing is asked.
func Act(ctx context.Context, a Acter, actor model.Actor, v Verb, id, arg string, f *ActFlags, now time.Time, w io.Writer) error {
	if err := CheckActFlags(v, f); err != nil {
		return err
	}
	r, err := a.Request(ctx, actor, id)
	if err != nil {
		return fmt.Errorf("%s %s: %w", v.Name, model.CleanLine(id), err)
	}
	t, err := a.Tenant(ctx, actor, r.TenantID)
	if err != nil {
		return fmt.Errorf("%s %s: tenant: %w", v.Name, r.ID, err)
	}
	reason, edit, err := v.build(actInput{req: r, tenant: t, actor: actor, now: now, arg: arg, f: f})
	if err != nil {
		return err
	}
	got, err := a.Apply(ctx, actor, r.ID, r.Version, v.Action, reason, edit)
	if err != nil {
		return &actError{verb: v, tenant: t, err: err}
	}
	fmt.Fprintf(w, "%s  %s  now %s (version %d)\n", got.ID, v.Action.Label(), got.Status.Label(), got.Version)
	return nil
}

// CheckActFlags reads what the flags say without the request: amounts,
// levels and data points in the model's own parsers, so a typo is caught
// before the database is opened.
func CheckActFlags(v Verb, f *ActFlags) error {
	if f.given("amount") {
		if _, err := model.ParseFee(f.Amount); err != nil {
			return inputf("--amount: %v (e.g. --amount 25.50)", err)
		}
	}
	if f.given("level") {
		if _, err := parseLevel(f.Level); err != nil {
			return err
		}
	}
	if f.given("points") {
		if _, err := parsePoints(f.Points); err != nil {
			return err
		}
	}
	if f.given("method") && slices.Contains(v.Flags, "evidence") {
		if _, err := model.ParseEvidenceMethod(f.Method); err != nil {
			return inputf("--method: %v", err)
		}
	}
	return nil
}

func parseLevel(s string) (model.VerificationLevel, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case string(model.LevelReasonable):
		return model.LevelReasonable, nil
	case string(model.LevelHigh):
		return model.LevelHigh, nil
	case "none":
		return model.LevelNone, nil
	}
	return "", inputf("--level %q is unknown: use reasonable (2 matched points), high (3 points and a signed declaration) or none (an opt-out)", model.CleanLine(s))
}

// parsePoints reads --points as the console reads its field.
func parsePoints(s string) ([]string, error) {
	out, err := model.ParseDataPoints(s)
	if err != nil {
		return nil, inputf("--points: %v", err)
	}
	return out, nil
}

func buildVerify(in actInput) (string, func(*model.Request) error, error) {
	level := model.RequiredLevel(in.req)
	if in.f.given("level") {
		level, _ = parseLevel(in.f.Level)
	}
	points, _ := parsePoints(in.f.Points)
	method := strings.TrimSpace(in.f.Method)
	if !in.f.given("method") {
		method = "data points"
	}
	v := model.Verification{Method: method, DataPoints: points, Level: level, SignedDecl: in.f.SignedDecl, AgentChecked: in.f.AgentVerified}
	return "", func(r *model.Request) error { vc := v; r.Verification = &vc; return nil }, nil
}

func buildFee(in actInput) (string, func(*model.Request) error, error) {
	if !in.f.given("amount") {
		// The controller says what a fee needs; the usage says how to give it.
		return in.f.Reason, nil, nil
	}
	cents, _ := model.ParseFee(in.f.Amount)
	return in.f.Reason, func(r *model.Request) error { r.Fee = &model.Fee{AmountCents: cents}; return nil }, nil
}

// decisionFrom builds a decision from the flags, starting from base (the
// recorded one for a correction, empty otherwise).
func decisionFrom(in actInput, base model.Decision) (model.Decision, error) {
	d := base
	d.RecordedBy, d.RecordedAt = "", time.Time{}
	if in.f.given("approver") {
		d.Approver = strings.TrimSpace(in.f.Approver)
	}
	method, evidence := d.Method, d.Evidence
	if in.f.given("method") {
		method = in.f.Method
	}
	if in.f.given("evidence") {
		evidence = in.f.Evidence
	}
	if strings.TrimSpace(method) != "" || strings.TrimSpace(evidence) != "" {
		e, err := model.ParseEvidence(method, evidence)
		if err != nil {
			return d, inputf("--method/--evidence: %v", err)
		}
		d.SetEvidence(e)
	}
	if in.f.given("decided") {
		at, err := model.ParseDate(in.f.Decided, in.tenant.Location(), in.now)
		if err != nil {
			return d, inputf("--decided: %v (a date in %s)", err, in.tenant.Location())
		}
		d.DecidedAt = at
	}
	return d, nil
}

func buildDecision(outcome model.DecisionOutcome) func(actInput) (string, func(*model.Request) error, error) {
	return func(in actInput) (string, func(*model.Request) error, error) {
		d, err := decisionFrom(in, model.Decision{Outcome: outcome})
		if err != nil {
			return "", nil, err
		}
		reason := ""
		if outcome == model.DecisionDenied {
			reason = in.f.Reason
			d.Reason = strings.TrimSpace(reason)
		}
		return reason, func(r *model.Request) error { dc := d; r.Decision = &dc; return nil }, nil
	}
}

// buildCorrection starts from the recorded decision, so only the flags
// given change; with none recorded the controller refuses (and says so).
func buildCorrection(in actInput) (string, func(*model.Request) error, error) {
	if in.req.Decision == nil {
		return in.f.Reason, nil, nil
	}
	d, err := decisionFrom(in, *in.req.Decision)
	if err != nil {
		return "", nil, err
	}
	return in.f.Reason, func(r *model.Request) error { dc := d; r.Decision = &dc; return nil }, nil
}

func buildAssign(in actInput) (string, func(*model.Request) error, error) {
	to := strings.TrimSpace(in.f.To)
	switch {
	case !in.f.given("to"):
		return "", nil, nil // a bare assign is "assign to me"
	case strings.EqualFold(to, "me"):
		to = in.actor.Handle()
	case strings.EqualFold(to, "none") || strings.EqualFold(to, "nobody"):
		to = ""
	}
	return "", func(r *model.Request) error { r.AssignedTo = to; return nil }, nil
}

func buildRemind(in actInput) (string, func(*model.Request) error, error) {
	to := strings.TrimSpace(in.f.To)
	return "", func(r *model.Request) error {
		r.Reminders = append(r.Reminders, model.Reminder{To: to})
		return nil
	}, nil
}

func buildLink(in actInput) (string, func(*model.Request) error, error) {
	sub, err := model.ParseText("subject id", in.arg, 64)
	if err != nil {
		return "", nil, inputf("%v: give the subject's id (the console's Lookup finds it)", err)
	}
	return "", func(r *model.Request) error { r.SubjectID = sub; return nil }, nil
}

// actError is the controller's answer to a verb, kept with the verb so the
// explanation can say which flags to give.
type actError struct {
	verb   Verb
	tenant model.Tenant
	err    error
}

func (e *actError) Error() string { return e.err.Error() }
func (e *actError) Unwrap() error { return e.err }

// errorIsInput reports whether err is the operator's input to fix: a flag
// the command could not read, or the controller's refusal of the input.
func errorIsInput(err error) bool {
	var ref *model.Refusal
	return IsInputError(err) || (errors.As(err, &ref) && ref.Input)
}

// buildDisclose reads --field as collection.field; the rule book decides
// whether that field may be disclosed.
func buildDisclose(in actInput) (string, func(*model.Request) error, error) {
	coll, field, ok := strings.Cut(strings.TrimSpace(in.f.Field), ".")
	if !ok || coll == "" || field == "" {
		return "", nil, inputf("--field names the field as collection.field, e.g. rec_registrations.guardian_phone (the plan view lists them)")
	}
	return in.f.Reason, func(r *model.Request) error {
		r.Disclosures = append(r.Disclosures, model.Disclosure{Collection: coll, Field: field})
		return nil
	}, nil
}
