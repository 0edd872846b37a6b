// Package model is custodian's domain: requests, tenants, subjects,
// operators and the audit record as plain types, and every rule that judges
// them — the request lifecycle as one transition table and its rule book
// (who may do what, when, citing the seed policy or the CCR section),
// deadlines and holidays, the right-to-know limits, roles and scopes,
// masking, fulfilment plans, and letters (their kinds, the fields a
// template may use, the default templates and header-safe rendering).
//
// It imports the standard library and github.com/rickar/cal/v2 (holiday
// rules) only: no database, no terminal, nothing else of ours. Every door (console, CLI, import, SSH) reaches these rules
// through the controller in db, so one input gets one outcome everywhere.
package model
