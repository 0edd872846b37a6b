package model

// DefaultTemplates is the letter set every Customer starts with. Where the
// law fixes what a letter must say, the default says it, and a test
// (TestDefaultTemplatesSayWhatTheLawRequires) holds it to that:
//
//   - acknowledgement, 11 CCR §7021(a): confirm receipt within 10 business
//     days and say how the request will be processed: what happens next,
//     how verification works, and when to expect a response;
//   - extension notice, §7021(b): up to 45 more days, with notice and the
//     reason for the delay, given within the first 45;
//   - deletion completion, §7022(e): what was deleted and, where some data
//     was kept (open-records retention, a legal hold), what and why;
//   - denial, §7022(f) (deletion) and §7023(f) (correction): that the
//     request is denied, the basis, and how to appeal or complain.
func DefaultTemplates() []LetterTemplate {
	return []LetterTemplate{
		{LetterAcknowledgement, "We received your privacy request {{.RequestID}}",
			`Dear {{.RequesterName}},

We received your {{.RequestType}} request on {{.ReceivedOn}}. Its reference is {{.RequestID}}.

What happens next: we hold this information for {{.CustomerName}}, who owns it, and we ask them to approve your request before we act on it.

How verification works: before we disclose or change anything we confirm your identity by matching information you give us with information we already hold. We may write to you asking for it; we never ask for a password.

When to expect an answer: by {{.RespondBy}}. If we need more time we will tell you before then, and why.
`},
		{LetterVerification, "Your privacy request {{.RequestID}}: we need information to verify it",
			`Dear {{.RequesterName}},

To verify your {{.RequestType}} request {{.RequestID}} we need the following:

{{.InfoRequested}}

Please reply to this message. We will use what you send only to verify your request.
`},
		{LetterApprovalRequest, "Approval needed: privacy request {{.RequestID}}",
			`Dear {{.ApproverName}},

A resident made a {{.RequestType}} request ({{.RequestID}}) received on {{.ReceivedOn}} about data {{.CustomerName}} owns. We may not act on it without your approval.

Please approve or deny it, giving a reason for a denial. The response to the resident is due by {{.RespondBy}}.
`},
		{LetterApprovalReminder, "Reminder: approval needed for privacy request {{.RequestID}}",
			`Dear {{.ApproverName}},

We are still waiting for {{.CustomerName}}'s decision on the {{.RequestType}} request {{.RequestID}} received on {{.ReceivedOn}}. The response to the resident is due by {{.RespondBy}}.
`},
		{LetterExtensionResident, "Your privacy request {{.RequestID}}: we need more time",
			`Dear {{.RequesterName}},

We need more time to answer your {{.RequestType}} request {{.RequestID}}. The reason: {{.ExtensionReason}}

You will have our response by {{.RespondBy}}.
`},
		{LetterExtensionCustomer, "Extension of privacy request {{.RequestID}}",
			`Dear {{.CustomerName}},

We extended the response deadline of the {{.RequestType}} request {{.RequestID}} to {{.RespondBy}} and told the resident. The reason: {{.ExtensionReason}}
`},
		{LetterDenial, "Your privacy request {{.RequestID}} was denied",
			`Dear {{.RequesterName}},

Your {{.RequestType}} request {{.RequestID}} is denied.

The basis: {{.DenialReason}}

{{.AppealRoute}}
`},
		{LetterExcessiveRefusal, "Your privacy request {{.RequestID}} cannot be processed",
			`Dear {{.RequesterName}},

We will not act on your {{.RequestType}} request {{.RequestID}} because it is baseless, repetitive or excessive: {{.DenialReason}}

{{.AppealRoute}}
`},
		{LetterFeeQuote, "Your privacy request {{.RequestID}}: fee",
			`Dear {{.RequesterName}},

Your {{.RequestType}} request {{.RequestID}} is excessive: {{.FeeReason}}
We can process it for a reasonable fee of {{.FeeAmount}}. Reply to accept; otherwise we will not process it.

{{.AppealRoute}}
`},
		{LetterCompletionAccess, "Your privacy request {{.RequestID}}: your data",
			`Dear {{.RequesterName}},

Your access request {{.RequestID}} is complete. We delivered your package on {{.PackageDeliveredOn}}. It holds:
{{range .PackageFiles}}  - {{.}}
{{end}}
{{.PackageHowToOpen}}
`},
		{LetterCompletionDeletion, "Your privacy request {{.RequestID}} is complete",
			`Dear {{.RequesterName}},

We deleted the personal information {{.CustomerName}} held about you under request {{.RequestID}}.
{{if .Kept}}
Some information was kept, and why:
{{range .Kept}}  - {{.}}
{{end}}{{end}}`},
		{LetterCompletionCorrected, "Your privacy request {{.RequestID}} is complete",
			`Dear {{.RequesterName}},

We corrected your information under request {{.RequestID}}:
{{range .Corrections}}  - {{.}}
{{end}}`},
		{LetterCompletionOptOut, "You are unsubscribed",
			`Dear {{.RequesterName}},

You will no longer receive marketing email from {{.CustomerName}} through us (request {{.RequestID}}).
`},
		{LetterProcessorNotice, "Privacy request {{.RequestID}}: please {{.ProcessorAction}} the records listed",
			`Dear {{.ProcessorName}},

Under our agreement you hold data we process for {{.CustomerName}}:
{{range .ProcessorHolds}}  - {{.}}
{{end}}
A resident's {{.RequestType}} request ({{.RequestID}}) was approved by {{.CustomerName}} and carried out in our systems. As our service provider you must {{.ProcessorAction}} your copies too (11 CCR §7022(b)(3) and (c), §7023(c)).

Records, by the ids you received them under, and the fields concerned:
{{range .ProcessorRecords}}  - {{.}}
{{end}}Categories of personal information: {{.ProcessorCategories}}
{{if .ProcessorCorrections}}
The corrected values:
{{range .ProcessorCorrections}}  - {{.}}
{{end}}{{end}}
Please do this by {{.RespondBy}} and confirm by replying to this message with the date it was done and your own reference. Do not reply with the data itself.
`},
		{LetterProcessorReminder, "Reminder {{.ProcessorReminder}}: privacy request {{.RequestID}} awaits your confirmation",
			`Dear {{.ProcessorName}},

We have not yet received your confirmation for our request to {{.ProcessorAction}} these records of request {{.RequestID}} for {{.CustomerName}}:
{{range .ProcessorRecords}}  - {{.}}
{{end}}
Please confirm by {{.RespondBy}}, replying to this message with the date it was done and your reference. This is reminder {{.ProcessorReminder}}.
`},
	}
}

// DefaultTemplate returns the default template of kind k.
func DefaultTemplate(k LetterKind) (LetterTemplate, bool) {
	for _, t := range DefaultTemplates() {
		if t.Kind == k {
			return t, true
		}
	}
	return LetterTemplate{}, false
}
