package model

import "fmt"

// CiteNeverDisclose is the regulation behind FieldClass.
const CiteNeverDisclose = "11 CCR §7024(d): a business shall not disclose in response to a request to know a consumer's Social Security number, driver's license or other government-issued identification number, financial account number, any health insurance or medical identification number, an account password, security questions and answers, or unique biometric data; it informs the consumer with sufficient particularity that it has collected that type of information"

// FieldClass is the kind of secret a field holds when the law forbids
// handing it out in a response to a request to know. The empty class is an
// ordinary field.
type FieldClass string

const (
	ClassNone             FieldClass = ""
	ClassSSN              FieldClass = "ssn"
	ClassGovernmentID     FieldClass = "government_id" // driver's licence, passport, state ID, alien registration
	ClassFinancialAccount FieldClass = "financial_account"
	ClassPaymentToken     FieldClass = "payment_token"
	ClassHealthID         FieldClass = "health_id" // medical record or health-insurance number, medical notes
	ClassPassword         FieldClass = "password"
	ClassSecurityAnswer   FieldClass = "security_answer"
	ClassBiometric        FieldClass = "biometric"
)

// FieldClasses lists every class a data map may name.
func FieldClasses() []FieldClass {
	return []FieldClass{ClassSSN, ClassGovernmentID, ClassFinancialAccount, ClassPaymentToken, ClassHealthID, ClassPassword, ClassSecurityAnswer, ClassBiometric}
}

// Valid reports whether c is empty or one of FieldClasses.
func (c FieldClass) Valid() bool {
	if c == ClassNone {
		return true
	}
	for _, k := range FieldClasses() {
		if k == c {
			return true
		}
	}
	return false
}

// NeverDisclose reports whether a field of class c is withheld from every
// access response (11 CCR §7024(d)); the response says the business holds
// that kind of data instead. A payment-processor token is not named by the
// regulation, but it is a credential to the resident's payment account, so
// it is treated as a financial account number.
func (c FieldClass) NeverDisclose() bool { return c != ClassNone && c.Valid() }

// Held is how a response names data of class c it holds but may not send:
// "Your Social Security number".
func (c FieldClass) Held() string {
	switch c {
	case ClassSSN:
		return "Your Social Security number"
	case ClassGovernmentID:
		return "A government-issued identification number (driver's licence, passport or similar)"
	case ClassFinancialAccount:
		return "A financial account number"
	case ClassPaymentToken:
		return "A payment processor's token for your payment card or account"
	case ClassHealthID:
		return "Health or medical information or identification numbers"
	case ClassPassword:
		return "An account password"
	case ClassSecurityAnswer:
		return "Security questions and answers"
	case ClassBiometric:
		return "Unique biometric data"
	}
	return ""
}

// WithholdReason is the plan's reason for a field of class c.
func (c FieldClass) WithholdReason() string {
	return fmt.Sprintf("§7024(d): %s is never disclosed; the response says it is on file", c)
}

// ThirdPartyReason is the plan's reason for withholding a field about
// someone else (a guardian, a dependant) without a lead's decision.
func ThirdPartyReason(who string) string {
	return fmt.Sprintf("holds another person's data (%s): withheld unless a privacy lead decides to disclose it", who)
}
