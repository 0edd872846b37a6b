package demo

import (
	"slices"

	"github.com/custodian-dev/custodian/model"
)

// Tenant data collections, one per product.
const (
	CollRecRegistrations   = "rec_registrations"
	CollPayments           = "payments"
	CollJobApplications    = "job_applications"
	CollBoardApplications  = "board_applications"
	CollHRRecords          = "hr_records"
	CollAlertSubscriptions = "alert_subscriptions"
	CollMeetingMedia       = "meeting_media"
	CollWebVisits          = "web_visits"
	CollMobileDevices      = "mobile_devices"
)

// Fields every tenant data document has besides its PI.
const (
	FieldID       = "_id"
	FieldTenantID = "tenant_id"
	FieldSubject  = "subject_id"
)

type collSpec struct {
	m     model.CollectionMap
	nonPI []string // fields that are about the record, not the person
}

func fm(field string, cat model.Category, kind model.FieldKind, erase model.Erasure) model.FieldMap {
	f := model.FieldMap{Field: field, Category: cat, Kind: kind, Erasure: erase}
	if erase == model.EraseFixed {
		f.Fixed = "[removed]"
	}
	return f
}

// copyOf marks a field that holds a copy of one of the subject's own data
// points (an application's applicant_name is the subject's name), so a
// correction of that point corrects it too. Fields about other people (a
// guardian, a dependant, an emergency contact) are never marked.
func copyOf(f model.FieldMap, p model.DataPoint) model.FieldMap {
	f.SubjectPoint = p
	return f
}

// optOut marks a marketing subscription flag an opt-out switches off.
func optOut(f model.FieldMap) model.FieldMap {
	f.OptOut = true
	return f
}

// never marks a field the law forbids disclosing in an access response
// (11 CCR §7024(d)): the response says it is on file instead.
func never(f model.FieldMap, c model.FieldClass) model.FieldMap {
	f.Class = c
	return f
}

// other marks a field that holds another person's data (who): an access
// response withholds it unless a privacy lead decides otherwise.
func other(f model.FieldMap, who string) model.FieldMap {
	f.ThirdParty = who
	return f
}

// About says where a product's data comes from, why the Customer holds it
// and who receives it, from the seed policy's "How Do We Collect", "How Do
// We Use" and "How Do We Share" sections, for a resident's access package.
func about(collection string) (sources, purposes, recipients []string) {
	const (
		you      = "You, when you used the product (a web form, email, text or a call to the Customer)"
		browser  = "Your browser or device, automatically, when you visited (IP address, cookies, pages)"
		service  = "To provide the service you asked the Customer for, and support for it"
		improve  = "To understand how the product is used and improve it"
		law      = "To comply with the laws that apply to the Customer, including open-records laws"
		vendor   = "The vendor that runs the product for the Customer, and its service providers (hosting, support)"
		officers = "Law enforcement or other officials, when a subpoena, court order or law requires it"
		payment  = "The Customer's payment processor and financial institutions, to complete a payment"
	)
	sources, purposes, recipients = []string{you}, []string{service, law}, []string{vendor, officers}
	switch collection {
	case CollPayments:
		recipients = []string{payment, vendor, officers}
	case CollJobApplications, CollBoardApplications:
		purposes = []string{"To consider your application", law}
	case CollHRRecords:
		sources = []string{you, "The Customer, as your employer"}
		purposes = []string{"To employ and pay you", law}
	case CollAlertSubscriptions:
		purposes = []string{"To send you the alerts and messages you subscribed to", service}
	case CollMeetingMedia:
		sources = []string{"The recording of a public meeting you spoke at"}
		purposes = []string{"To publish the public record of the meeting", law}
	case CollWebVisits:
		sources = []string{browser}
		purposes = []string{improve, service}
	case CollMobileDevices:
		sources = []string{"Your device, when you installed the app and allowed notifications or location"}
		purposes = []string{"To send you push notifications you chose", improve}
	}
	return sources, purposes, recipients
}

const (
	del   = model.EraseDeleteDoc
	null  = model.EraseNull
	fixed = model.EraseFixed
	hash  = model.EraseHash
	keep  = model.EraseKeep
)

// collSpecs is the data map in display order. Every erasure rule is used at
// least once so fulfilment has something of each kind to do.
var collSpecs = []collSpec{
	{m: model.CollectionMap{Collection: CollRecRegistrations, Product: "Recreation & library registration", SubjectField: FieldSubject, DateField: "registered_at",
		Fields: []model.FieldMap{
			fm("participant_name", model.CatIdentifying, model.KindName, del),
			fm("participant_birth_date", model.CatSensitive, model.KindDate, null),
			other(fm("guardian_name", model.CatIdentifying, model.KindName, fixed), "guardian"),
			other(fm("guardian_email", model.CatIdentifying, model.KindEmail, null), "guardian"),
			other(fm("guardian_phone", model.CatIdentifying, model.KindPhone, null), "guardian"),
			copyOf(fm("address", model.CatIdentifying, model.KindAddress, null), model.PointAddress),
			other(fm("emergency_contact", model.CatContact, model.KindText, null), "emergency contact"),
			never(fm("medical_notes", model.CatSensitive, model.KindText, null), model.ClassHealthID),
		}},
		nonPI: []string{"program", "season", "fee_cents"}},
	{m: model.CollectionMap{Collection: CollPayments, Product: "Online payments", SubjectField: FieldSubject, DateField: "paid_at",
		Fields: []model.FieldMap{
			copyOf(fm("payer_name", model.CatIdentifying, model.KindName, fixed), model.PointName),
			copyOf(fm("billing_email", model.CatIdentifying, model.KindEmail, null), model.PointEmail),
			copyOf(fm("billing_address", model.CatIdentifying, model.KindAddress, null), model.PointAddress),
			// Card data is never stored: only the processor's token.
			never(fm("processor_token", model.CatFinancial, model.KindToken, keep), model.ClassPaymentToken),
		}},
		nonPI: []string{"amount_cents", "description", "processor"}},
	{m: model.CollectionMap{Collection: CollJobApplications, Product: "Jobs portal", SubjectField: FieldSubject, DateField: "applied_at",
		Fields: []model.FieldMap{
			copyOf(fm("applicant_name", model.CatIdentifying, model.KindName, fixed), model.PointName),
			copyOf(fm("email", model.CatIdentifying, model.KindEmail, null), model.PointEmail),
			copyOf(fm("phone", model.CatIdentifying, model.KindPhone, null), model.PointPhone),
			copyOf(fm("address", model.CatIdentifying, model.KindAddress, null), model.PointAddress),
			copyOf(fm("birth_date", model.CatSensitive, model.KindDate, null), model.PointBirthDate),
			fm("gender", model.CatSensitive, model.KindText, null),
			fm("ethnicity", model.CatSensitive, model.KindText, null),
			fm("political_party", model.CatSensitive, model.KindText, null),
			fm("education", model.CatSensitive, model.KindText, null),
			fm("job_history", model.CatSensitive, model.KindText, null),
			other(fm("references", model.CatSensitive, model.KindText, null), "references"),
			never(fm("ssn", model.CatApplicant, model.KindSSN, hash), model.ClassSSN),
			never(fm("passport_number", model.CatApplicant, model.KindNumber, null), model.ClassGovernmentID),
			never(fm("alien_registration_number", model.CatApplicant, model.KindNumber, null), model.ClassGovernmentID),
			never(fm("drivers_license", model.CatApplicant, model.KindNumber, null), model.ClassGovernmentID),
			fm("salary_history", model.CatApplicant, model.KindText, null),
		}},
		nonPI: []string{"position", "requisition", "decision"}},
	{m: model.CollectionMap{Collection: CollBoardApplications, Product: "Boards & commissions", SubjectField: FieldSubject, DateField: "submitted_at",
		Fields: []model.FieldMap{
			copyOf(fm("applicant_name", model.CatIdentifying, model.KindName, keep), model.PointName),
			copyOf(fm("email", model.CatIdentifying, model.KindEmail, null), model.PointEmail),
			copyOf(fm("phone", model.CatIdentifying, model.KindPhone, null), model.PointPhone),
			copyOf(fm("address", model.CatIdentifying, model.KindAddress, fixed), model.PointAddress),
			fm("statement", model.CatContact, model.KindText, keep),
			fm("political_party", model.CatSensitive, model.KindText, null),
			fm("occupation", model.CatSensitive, model.KindText, null),
		}},
		nonPI: []string{"board", "term"}},
	{m: model.CollectionMap{Collection: CollHRRecords, Product: "HR & payroll", SubjectField: FieldSubject, DateField: "hired_at",
		Fields: []model.FieldMap{
			copyOf(fm("employee_name", model.CatIdentifying, model.KindName, keep), model.PointName),
			copyOf(fm("home_address", model.CatIdentifying, model.KindAddress, null), model.PointAddress),
			copyOf(fm("personal_phone", model.CatIdentifying, model.KindPhone, null), model.PointPhone),
			copyOf(fm("birth_date", model.CatSensitive, model.KindDate, keep), model.PointBirthDate),
			never(fm("ssn", model.CatEmployee, model.KindSSN, keep), model.ClassSSN),
			never(fm("bank_account", model.CatEmployee, model.KindNumber, null), model.ClassFinancialAccount),
			never(fm("routing_number", model.CatEmployee, model.KindNumber, null), model.ClassFinancialAccount),
			// Arrays: one entry per dependant, in the same order.
			other(fm("dependant_names", model.CatEmployee, model.KindName, null), "dependants"),
			other(never(fm("dependant_ssns", model.CatEmployee, model.KindSSN, null), model.ClassSSN), "dependants"),
		}},
		nonPI: []string{"employee_number", "department", "job_title", "separated_at"}},
	{m: model.CollectionMap{Collection: CollAlertSubscriptions, Product: "Community alerts", SubjectField: FieldSubject, DateField: "subscribed_at",
		Fields: []model.FieldMap{
			copyOf(fm("email", model.CatIdentifying, model.KindEmail, del), model.PointEmail),
			fm("sms_phone", model.CatIdentifying, model.KindPhone, null),
			// The opt-in flags are the subject's own choices (user-initiated contact data).
			optOut(fm("marketing_email_opt_in", model.CatContact, model.KindText, null)),
			fm("sms_opt_in", model.CatContact, model.KindText, null),
			fm("topics", model.CatContact, model.KindText, null),
		}},
		nonPI: []string{"list"}},
	{m: model.CollectionMap{Collection: CollMeetingMedia, Product: "Meeting video", SubjectField: FieldSubject, DateField: "recorded_at",
		Fields: []model.FieldMap{
			copyOf(fm("speaker_name", model.CatIdentifying, model.KindName, keep), model.PointName),
			fm("video_ref", model.CatImage, model.KindText, keep),
			fm("thumbnail_ref", model.CatImage, model.KindText, null),
		}},
		nonPI: []string{"meeting", "body"}},
	{m: model.CollectionMap{Collection: CollWebVisits, Product: "Website analytics", SubjectField: FieldSubject, DateField: "visited_at",
		Fields: []model.FieldMap{
			fm("ip", model.CatWebVisitor, model.KindIP, del),
			fm("cookie_id", model.CatWebVisitor, model.KindToken, hash),
			fm("pages", model.CatWebVisitor, model.KindText, null),
			fm("user_agent", model.CatWebVisitor, model.KindText, null),
		}},
		nonPI: nil},
	{m: model.CollectionMap{Collection: CollMobileDevices, Product: "Resident mobile app", SubjectField: FieldSubject, DateField: "registered_at",
		Fields: []model.FieldMap{
			fm("push_token", model.CatMobile, model.KindToken, del),
			fm("device_model", model.CatMobile, model.KindText, null),
			fm("last_location", model.CatMobile, model.KindText, null),
		}},
		nonPI: []string{"app_version"}},
}

// DataMap returns the data map of every tenant data collection (stored in
// the datamap collection, one document per collection).
func DataMap() []model.CollectionMap {
	out := make([]model.CollectionMap, len(collSpecs))
	for i, c := range collSpecs {
		out[i] = c.m
		out[i].Fields = slices.Clone(c.m.Fields)
		out[i].Sources, out[i].Purposes, out[i].Recipients = about(c.m.Collection)
	}
	return out
}

// DataMapWithProcessors is DataMap with the vendor's sub-processors on the
// collections they receive: what the demo a person runs shows. Tests that
// seed without Options.Processors keep a map whose deletions complete
// without waiting on anyone.
func DataMapWithProcessors() []model.CollectionMap {
	dm := DataMap()
	for i := range dm {
		dm[i].Processors = processorsOf(dm[i].Collection)
	}
	return dm
}

// The vendor's own service providers the seed policy names ("our customer
// relationship management service provider, marketing automation and
// analytics provider"), with invented names and example.com contacts: a
// deletion or correction of a collection they receive is passed on to them.
var (
	demoCRM       = model.SubProcessor{Name: "Lumen CRM", Contact: model.ProcessorContact{Name: "Lumen CRM privacy desk", Email: "privacy@lumen-crm.example.com"}, Holds: "contact records (name, email, phone) for resident support"}
	demoMarketing = model.SubProcessor{Name: "Beacon Mail", Contact: model.ProcessorContact{Name: "Beacon Mail data protection", Email: "dpo@beacon-mail.example.com"}, Holds: "subscriber list and email engagement for marketing automation"}
	demoAnalytics = model.SubProcessor{Name: "Tally Analytics", Contact: model.ProcessorContact{Name: "Tally Analytics privacy team", Email: "privacy@tally-analytics.example.org"}, Holds: "visit and device events for usage analytics"}
)

// processorsOf is who receives copies of collection.
func processorsOf(collection string) []model.SubProcessor {
	switch collection {
	case CollRecRegistrations, CollPayments:
		return []model.SubProcessor{demoCRM}
	case CollAlertSubscriptions:
		return []model.SubProcessor{demoCRM, demoMarketing}
	case CollWebVisits, CollMobileDevices:
		return []model.SubProcessor{demoAnalytics}
	}
	return nil
}

// Collections lists the tenant data collections in data-map order.
func Collections() []string {
	out := make([]string, len(collSpecs))
	for i, c := range collSpecs {
		out[i] = c.m.Collection
	}
	return out
}

// NonPIFields lists the fields of collection that describe the record rather
// than the person (program, amount, board…): they are deliberately not in the
// data map. The structural fields (_id, tenant_id, the subject link and the
// date field) are not listed.
func NonPIFields(collection string) []string {
	for _, c := range collSpecs {
		if c.m.Collection == collection {
			return slices.Clone(c.nonPI)
		}
	}
	return nil
}

func specFor(collection string) *collSpec {
	for i := range collSpecs {
		if collSpecs[i].m.Collection == collection {
			return &collSpecs[i]
		}
	}
	return nil
}
