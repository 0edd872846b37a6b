package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Sub-processors. The custodian passes what it holds to service providers
// of its own (the seed policy names "our customer relationship management
// service provider, marketing automation and analytics provider"); a
// deletion or correction must be passed on to each one holding a copy
// (11 CCR §7022(b)(3) and (c), §7023(c)), and the request is complete only
// when each has confirmed, or a privacy lead recorded why it need not.

// CiteProcessors is the source of every rule in this file.
const CiteProcessors = "11 CCR §7022(b)(3), §7022(c), §7023(c): a service provider notifies its own service providers and contractors to delete or correct"

// ProcessorContact is where a sub-processor's notices go.
type ProcessorContact struct {
	Name  string `bson:"name" json:"name" toml:"name"`
	Email string `bson:"email" json:"email" toml:"email"`
}

// SubProcessor is a service provider that receives copies of one
// collection: who it is, where notices go and what it holds.
type SubProcessor struct {
	Name    string           `bson:"name" json:"name" toml:"name"`
	Contact ProcessorContact `bson:"contact" json:"contact" toml:"contact"`
	// Holds says what the processor keeps of the collection, in words
	// ("contact fields for the CRM"): the notice quotes it.
	Holds string `bson:"holds" json:"holds" toml:"holds"`
}

// Validate names the collection and processor of the first problem.
func (p SubProcessor) Validate(collection string) error {
	name := CleanLine(strings.TrimSpace(p.Name))
	if name == "" {
		return fmt.Errorf("data map %s: a processor has no name", collection)
	}
	if name != p.Name {
		return fmt.Errorf("data map %s: processor %q: the name has surrounding space or control characters", collection, name)
	}
	if strings.TrimSpace(p.Contact.Email) == "" {
		return fmt.Errorf("data map %s: processor %s has no contact email: notices must go somewhere", collection, name)
	}
	if _, err := SafeAddress(p.Contact.Email); err != nil {
		return fmt.Errorf("data map %s: processor %s contact: %w", collection, name, err)
	}
	if strings.TrimSpace(p.Holds) == "" {
		return fmt.Errorf("data map %s: processor %s: say what it holds (holds)", collection, name)
	}
	return nil
}

// validateProcessors checks a collection's processors: each valid, none
// listed twice.
func (c CollectionMap) validateProcessors() error {
	seen := map[string]bool{}
	for _, p := range c.Processors {
		if err := p.Validate(c.Collection); err != nil {
			return err
		}
		if seen[p.Name] {
			return fmt.Errorf("data map %s: processor %s is listed twice", c.Collection, p.Name)
		}
		seen[p.Name] = true
	}
	return nil
}

// ValidateProcessorsAcross refuses one processor name with two different
// contacts in the data map: a notice goes to one address per processor.
func ValidateProcessorsAcross(dm []CollectionMap) error {
	contact := map[string]string{}
	for _, c := range dm {
		for _, p := range c.Processors {
			if was, ok := contact[p.Name]; ok && was != p.Contact.Email {
				return fmt.Errorf("data map %s: processor %s has contact %s here and %s elsewhere: give it one address", c.Collection, p.Name, p.Contact.Email, was)
			}
			contact[p.Name] = p.Contact.Email
		}
	}
	return nil
}

// PlanProcessor is one sub-processor a plan notifies: what of the
// records the plan changes it holds. Records are the custodian's record
// ids (collection/id) the processor's copies are keyed by; no value of
// the record is listed (see ProcessorNoticeData).
type PlanProcessor struct {
	Name    string           `bson:"name" json:"name"`
	Contact ProcessorContact `bson:"contact" json:"contact"`
	Holds   []string         `bson:"holds" json:"holds"`
	// Records are "collection/record id: op (fields)" for each changed
	// record of a collection the processor receives.
	Records    []string   `bson:"records" json:"records"`
	Categories []Category `bson:"categories" json:"categories"`
}

// StepProcessor notifies one sub-processor (PlanStep.Processor names it).
const StepProcessor StepKind = "processor"

// planProcessors lists, per distinct processor of the collections whose
// documents the plan changes, what it must act on; in data-map order.
// Only a deletion or a correction is passed on.
func planProcessors(p Plan, dm []CollectionMap) []PlanProcessor {
	switch p.Type {
	case TypeDeletion, TypeChildDeletion, TypeRectification:
	default:
		return nil
	}
	var out []PlanProcessor
	index := map[string]int{}
	for _, cm := range dm {
		if len(cm.Processors) == 0 {
			continue
		}
		var records []string
		var cats []Category
		for _, d := range p.Docs {
			if d.Collection != cm.Collection || !d.Op.Changes() {
				continue
			}
			var fields []string
			for _, f := range d.Fields {
				switch f.Op {
				case FieldDelete, FieldNull, FieldFixed, FieldHash, FieldSet:
					fields = append(fields, f.Field)
					if !slices.Contains(cats, f.Category) {
						cats = append(cats, f.Category)
					}
				}
			}
			line := d.Collection + "/" + d.RecordID + ": " + string(d.Op)
			if d.Op != DocDelete && len(fields) > 0 {
				line += " (" + strings.Join(fields, ", ") + ")"
			}
			records = append(records, line)
		}
		if len(records) == 0 {
			continue
		}
		for _, sp := range cm.Processors {
			i, ok := index[sp.Name]
			if !ok {
				i = len(out)
				index[sp.Name] = i
				out = append(out, PlanProcessor{Name: sp.Name, Contact: sp.Contact})
			}
			pp := &out[i]
			pp.Holds = appendUnique(pp.Holds, cm.Collection+": "+sp.Holds)
			pp.Records = append(pp.Records, records...)
			for _, c := range cats {
				if !slices.Contains(pp.Categories, c) {
					pp.Categories = append(pp.Categories, c)
				}
			}
		}
	}
	return out
}

// processorSteps are the plan's notice steps, one per processor, after
// the custodian's own changes: a notice says what was done here.
func processorSteps(p Plan) []PlanStep {
	var out []PlanStep
	for _, pp := range p.Processors {
		out = append(out, PlanStep{Kind: StepProcessor, Processor: pp.Name, Label: "notify " + pp.Name})
	}
	return out
}

// PlanProcessorNamed returns the plan's processor called name.
func (p Plan) PlanProcessorNamed(name string) (PlanProcessor, bool) {
	for _, pp := range p.Processors {
		if pp.Name == name {
			return pp, true
		}
	}
	return PlanProcessor{}, false
}

// ProcessorConfirmation is a processor's confirmation that it acted.
type ProcessorConfirmation struct {
	At         time.Time `bson:"at" json:"at"`
	Reference  string    `bson:"reference" json:"reference"`
	RecordedBy string    `bson:"recorded_by" json:"recorded_by"`
}

// ProcessorException is a privacy lead's decision that a notice needs no
// confirmation (the processor no longer exists, held nothing, …).
type ProcessorException struct {
	Reason string    `bson:"reason" json:"reason"`
	By     string    `bson:"by" json:"by"`
	At     time.Time `bson:"at" json:"at"`
}

// ProcessorNotice is one notice sent to a sub-processor and its state.
type ProcessorNotice struct {
	Processor string                 `bson:"processor" json:"processor"`
	SentAt    time.Time              `bson:"sent_at" json:"sent_at"`
	MessageID string                 `bson:"message_id" json:"message_id"`
	Confirmed *ProcessorConfirmation `bson:"confirmed,omitempty" json:"confirmed,omitempty"`
	Exception *ProcessorException    `bson:"exception,omitempty" json:"exception,omitempty"`
	Reminders []time.Time            `bson:"reminders,omitempty" json:"reminders,omitempty"`
}

// Settled reports whether the notice needs nothing more: confirmed or
// excepted.
func (n ProcessorNotice) Settled() bool { return n.Confirmed != nil || n.Exception != nil }

// Reminder schedule: an unconfirmed notice is reminded every
// ProcessorReminderEvery business days after it (or its last reminder)
// went, at most ProcessorRemindersMax times; after that it shows overdue
// for a person to chase. Five business days is a working week, the
// custodian's own practice; the law sets no figure, only that the notice
// be given and the request answered within 45 days (§7021(b)).
const (
	ProcessorReminderEvery = 5
	ProcessorRemindersMax  = 3
)

// ProcessorReminderDue says whether notice n is due a reminder at now in
// calendar c; overdue is true once every reminder went unanswered for
// another period.
func ProcessorReminderDue(n ProcessorNotice, now time.Time, c *Calendar, loc *time.Location) (due, overdue bool) {
	if n.Settled() || n.SentAt.IsZero() {
		return false, false
	}
	last := n.SentAt
	for _, r := range n.Reminders {
		if r.After(last) {
			last = r
		}
	}
	// Due from the start of the day ProcessorReminderEvery business days on.
	next := AddBusinessDays(localDate(last, loc), ProcessorReminderEvery, c)
	if now.Before(next) {
		return false, false
	}
	if len(n.Reminders) >= ProcessorRemindersMax {
		return false, true
	}
	return true, false
}

// ProcessorState is how a notice reads in a list.
func ProcessorState(n ProcessorNotice, now time.Time, c *Calendar, loc *time.Location) string {
	switch {
	case n.Confirmed != nil:
		return "confirmed " + n.Confirmed.At.In(loc).Format(time.DateOnly) + " (" + CleanLine(n.Confirmed.Reference) + ") by " + CleanLine(n.Confirmed.RecordedBy)
	case n.Exception != nil:
		return "excepted by " + CleanLine(n.Exception.By) + ": " + CleanLine(n.Exception.Reason)
	}
	_, overdue := ProcessorReminderDue(n, now, c, loc)
	s := "waiting"
	if len(n.Reminders) > 0 {
		s += ", " + Count(len(n.Reminders), "reminder") + " sent"
	}
	if overdue {
		s += ", OVERDUE: chase it"
	}
	return s
}

// ProcessorsPending lists the processors of r whose notice is neither
// confirmed nor excepted, and those whose notice step has not run yet.
func ProcessorsPending(r Request) []string {
	var out []string
	if r.Plan != nil {
		for _, st := range r.Plan.Steps {
			if st.Kind == StepProcessor && !st.Done {
				out = appendUnique(out, st.Processor)
			}
		}
	}
	for _, n := range r.ProcessorNotices {
		if !n.Settled() {
			out = appendUnique(out, n.Processor)
		}
	}
	return out
}

// WaitingOnProcessors reports whether r has run every step of its plan and
// waits only on sub-processors' confirmations: it stays fulfilling (the
// lifecycle table has no status of its own for it; the queue and the
// detail say "waiting on processors").
func WaitingOnProcessors(r Request) bool {
	if r.Status != StatusFulfilling || r.Plan == nil || len(r.Plan.Pending()) > 0 {
		return false
	}
	for _, n := range r.ProcessorNotices {
		if !n.Settled() {
			return true
		}
	}
	return false
}

// WaitingLabel is the queue's and the detail's word for WaitingOnProcessors.
const WaitingLabel = "waiting on processors"

// StatusText is how every door shows r's status: a fulfilling request
// waiting only on its sub-processors says so. A queue row has no plan, so
// the flag stored with it (Request.WaitingProcessors) counts too.
func StatusText(r Request) string {
	if r.Status == StatusFulfilling && (r.WaitingProcessors || WaitingOnProcessors(r)) {
		return WaitingLabel
	}
	return r.Status.Label()
}

// ruleCompleteProcessors is the completion gate: the response is not given
// while a sub-processor has not confirmed nor been excepted.
func ruleCompleteProcessors() Rule {
	return Rule{ID: "complete.processors", Cite: CiteProcessors,
		Says: "A deletion or correction is completed only when every sub-processor notified has confirmed, or a privacy lead recorded an exception with its reason.",
		Pre: func(f Facts) *Refusal {
			var waiting []string
			for _, n := range f.Request.ProcessorNotices {
				if !n.Settled() {
					waiting = append(waiting, CleanLine(n.Processor))
				}
			}
			if len(waiting) > 0 {
				return refuse(ruleCompleteProcessors(), "%s: waiting on %s to confirm; record each confirmation (or a lead's exception) first",
					WaitingLabel, strings.Join(waiting, ", "))
			}
			return nil
		}}
}

// Who records what of a notice. A confirmation is evidence arriving,
// triage work like recording a verification (support or a lead); an
// exception lets the response go without a processor's confirmation, a
// judgement a privacy lead makes, as it signs off the plan.
const (
	PermConfirmProcessor = PermTriage
	PermExceptProcessor  = PermSignOff
)

// ProcessorReasonMin is the shortest reason an exception may give.
const ProcessorReasonMin = 10

// Notice actions, recorded in a request's history and on the audit chain;
// none changes the status.
const (
	ActConfirmProcessor Action = "confirm_processor"
	ActExceptProcessor  Action = "except_processor"
	ActRemindProcessor  Action = "remind_processor"
)

// CheckProcessorNotice decides whether actor may record a confirmation
// (confirm) or an exception (!confirm) of processor's notice on r at now,
// and returns the notice's index. reference or reason is what was typed;
// at is the confirmation's date (zero: now).
func CheckProcessorNotice(r Request, actor Actor, processor string, confirm bool, text string, at, now time.Time) (int, error) {
	perm, verb := PermConfirmProcessor, "record a processor's confirmation"
	if !confirm {
		perm, verb = PermExceptProcessor, "record a processor exception"
	}
	if actor.ReadOnly {
		return -1, fmt.Errorf("this session is read-only")
	}
	if !actor.Can(perm) {
		return -1, fmt.Errorf("%s", actor.Refusal(perm, verb))
	}
	if r.Status != StatusFulfilling {
		return -1, fmt.Errorf("%s is %s: processor notices are settled while it is fulfilling", r.ID, r.Status.Label())
	}
	i := slices.IndexFunc(r.ProcessorNotices, func(n ProcessorNotice) bool { return n.Processor == processor })
	if i < 0 {
		var names []string
		for _, n := range r.ProcessorNotices {
			names = append(names, n.Processor)
		}
		if len(names) == 0 {
			return -1, fmt.Errorf("%s has no processor notice yet: run its plan first", r.ID)
		}
		return -1, fmt.Errorf("%s sent no notice to %q: use one of %s", r.ID, CleanLine(processor), strings.Join(names, ", "))
	}
	n := r.ProcessorNotices[i]
	if n.Settled() {
		return -1, fmt.Errorf("%s's notice is already %s", CleanLine(processor), map[bool]string{true: "confirmed", false: "excepted"}[n.Confirmed != nil])
	}
	text = strings.TrimSpace(text)
	if confirm {
		if text == "" {
			return -1, fmt.Errorf("give the processor's reference for its confirmation (--reference)")
		}
		if !at.IsZero() && (at.After(now) || at.Before(n.SentAt.Truncate(24*time.Hour))) {
			return -1, fmt.Errorf("the confirmation date %s must be between the notice (%s) and today", at.Format(time.DateOnly), n.SentAt.Format(time.DateOnly))
		}
	} else if len([]rune(text)) < ProcessorReasonMin {
		return -1, fmt.Errorf("say why no confirmation is needed, in at least %d characters (--reason)", ProcessorReasonMin)
	}
	return i, nil
}

// ProcessorNoticeData is what a notice letter says beyond the request's
// own fields. It names the request, the Customer, the records by the
// custodian's ids, and the categories and fields to act on, and no value
// of them: the processor finds its copies by the ids it received them
// under, so the notice adds no personal information to its mailbox. A
// correction is the exception: the processor cannot correct without the
// corrected value, so the values of the fields the processor holds (and
// only those) are listed.
type ProcessorNoticeData struct {
	Processor PlanProcessor
	Action    string // "delete" or "correct"
	Reminder  int    // 0 for the notice, n for the nth reminder
	// Corrections are "field → new value" for the points the processor's
	// collections hold.
	Corrections []string
}

// NoticeDataFor builds the notice of processor pp for request r, whose
// plan was built with the data map dm.
func NoticeDataFor(r Request, pp PlanProcessor, dm []CollectionMap, reminder int) ProcessorNoticeData {
	d := ProcessorNoticeData{Processor: pp, Action: "delete", Reminder: reminder}
	if r.Type != TypeRectification {
		return d
	}
	d.Action = "correct"
	held := map[string]bool{}
	for _, cm := range dm {
		if !slices.ContainsFunc(cm.Processors, func(sp SubProcessor) bool { return sp.Name == pp.Name }) {
			continue
		}
		for _, f := range cm.Fields {
			if f.SubjectPoint != "" {
				held[string(f.SubjectPoint)] = true
			}
		}
	}
	for _, k := range sortedKeys(r.Corrections) {
		if held[k] {
			d.Corrections = append(d.Corrections, k+" → "+CleanLine(r.Corrections[k]))
		}
	}
	return d
}

// processorLetterData adds the notice's fields to a letter's data.
func processorLetterData(m map[string]any, d ProcessorNoticeData) {
	m["ProcessorName"] = CleanLine(d.Processor.Name)
	m["ProcessorAction"] = d.Action
	lines := func(vs []string) []string {
		out := []string{}
		for _, v := range vs {
			if v = CleanLine(v); strings.TrimSpace(v) != "" {
				out = append(out, v)
			}
		}
		return out
	}
	m["ProcessorHolds"] = lines(d.Processor.Holds)
	m["ProcessorRecords"] = lines(d.Processor.Records)
	cats := make([]string, len(d.Processor.Categories))
	for i, c := range d.Processor.Categories {
		cats[i] = string(c)
	}
	m["ProcessorCategories"] = strings.Join(cats, ", ")
	m["ProcessorCorrections"] = lines(d.Corrections)
	if d.Reminder > 0 {
		m["ProcessorReminder"] = fmt.Sprintf("%d of %d", d.Reminder, ProcessorRemindersMax)
	}
}

// RenderProcessorLetter renders tpl (a processor notice or reminder) for
// request r of tenant t, addressed to the processor's contact.
func RenderProcessorLetter(tpl LetterTemplate, r Request, t Tenant, d ProcessorNoticeData) (Letter, error) {
	if info, ok := LetterInfoOf(tpl.Kind); !ok || info.Audience != ToProcessor {
		return Letter{}, fmt.Errorf("%s is not a letter to a processor", tpl.Kind)
	}
	data := LetterDataFor(r, t)
	processorLetterData(data, d)
	return renderLetterData(tpl, r, data, Recipient{Name: d.Processor.Contact.Name, Email: d.Processor.Contact.Email})
}

// sampleProcessor is the processor a processor template is previewed with.
func sampleProcessor() ProcessorNoticeData {
	return ProcessorNoticeData{Action: "delete", Reminder: 1, Corrections: []string{"address → 1 Main St"},
		Processor: PlanProcessor{Name: "Sample CRM", Contact: ProcessorContact{Name: "Sample CRM privacy desk", Email: "privacy@crm.example.com"},
			Holds: []string{"accounts: contact fields"}, Records: []string{"accounts/ACC-1: delete"}, Categories: []Category{"identifying"}}}
}
