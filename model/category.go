package model

// Category is a class of personal information named by the privacy policy.
type Category string

const (
	CatIdentifying Category = "identifying" // name, email, phone, address, social handle
	CatContact     Category = "contact"     // user-initiated contact data
	CatWebVisitor  Category = "web_visitor" // IP, cookies, pages visited
	CatSensitive   Category = "sensitive"   // DOB, gender, ethnicity, political party, education, job history, references
	CatFinancial   Category = "financial"   // processor tokens only: card data is never stored
	CatApplicant   Category = "applicant"   // SSN, passport, alien registration, driver's licence, salaries
	CatEmployee    Category = "employee"    // bank account/routing, dependants' names and SSNs
	CatImage       Category = "image"       // meeting video, photos
	CatMobile      Category = "mobile"      // push tokens, device location
)

// Sensitivity decides who may see a field unmasked.
type Sensitivity int

const (
	// Ordinary fields are masked in lists but may be read in the subject detail.
	Ordinary Sensitivity = iota
	// Sensitive fields are always masked; only a privacy lead may reveal one, with a reason.
	Sensitive
)

// CategoryInfo describes a category for display and policy.
type CategoryInfo struct {
	Category    Category
	Label       string
	Examples    string
	Sensitivity Sensitivity
}

// Categories lists every PI category in the order the policy gives them.
func Categories() []CategoryInfo {
	return []CategoryInfo{
		{CatIdentifying, "Identifying data", "name, email, phone, address, social handle", Ordinary},
		{CatContact, "User-initiated contact", "SMS, email or social contact with a Customer", Ordinary},
		{CatWebVisitor, "Website visitor data", "IP address, cookies, pages visited", Ordinary},
		{CatSensitive, "Protected sensitive data", "date of birth, gender, ethnicity, political party, education, job history, references", Sensitive},
		{CatFinancial, "Financial (processor token only)", "payment processor token; card data is never stored", Sensitive},
		{CatApplicant, "Applicant data", "SSN, passport, alien registration number, driver's licence, salaries, history", Sensitive},
		{CatEmployee, "Employee data", "bank account and routing numbers, dependants' names and SSNs", Sensitive},
		{CatImage, "Physical images", "meeting video and photos", Ordinary},
		{CatMobile, "Mobile device data", "push tokens, device location", Ordinary},
	}
}

// Info returns the description of c; ok is false for an unknown category.
func (c Category) Info() (CategoryInfo, bool) {
	for _, ci := range Categories() {
		if ci.Category == c {
			return ci, true
		}
	}
	return CategoryInfo{}, false
}

// Valid reports whether c is one of the policy's categories.
func (c Category) Valid() bool { _, ok := c.Info(); return ok }
