package model

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what an operator is allowed to do.
type Role string

const (
	RoleSupport  Role = "support"
	RoleLead     Role = "lead"
	RoleEngineer Role = "engineer"
	RoleAdmin    Role = "admin"
	// RoleSystem is used for events the console records on its own (seeding, outbox moves).
	RoleSystem Role = "system"
)

// Roles lists the roles an operator can be given.
func Roles() []Role { return []Role{RoleSupport, RoleLead, RoleEngineer, RoleAdmin} }

// ParseRole turns a flag or file value into a Role.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles() {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (use support, lead, engineer or admin)", s)
}

// Operator is a member of the vendor's staff who uses the console.
type Operator struct {
	Handle string `bson:"_id" json:"handle"`
	Name   string `bson:"name" json:"name"`
	Role   Role   `bson:"role" json:"role"`
	// Tenants limits the operator to these tenant ids; empty means every tenant.
	Tenants []string `bson:"tenants" json:"tenants"`
	// Keys are authorized_keys lines; KeyFingerprints their SHA256 fingerprints for lookup.
	Keys            []string `bson:"keys" json:"keys"`
	KeyFingerprints []string `bson:"key_fingerprints" json:"key_fingerprints"`
	Disabled        bool     `bson:"disabled" json:"disabled"`
	// OSUser is the local OS account this operator is: a command run on
	// the console's machine by that account acts as this operator. Empty:
	// the operator works over SSH only. At most one operator per account.
	OSUser  string `bson:"os_user,omitempty" json:"os_user,omitempty"`
	Version int64  `bson:"version" json:"version"`
}

// InScope reports whether the operator may see tenantID.
func (o Operator) InScope(tenantID string) bool {
	return len(o.Tenants) == 0 || slices.Contains(o.Tenants, tenantID)
}

// Permission is a capability checked in the controller layer.
type Permission string

const (
	PermRead            Permission = "read"             // see requests, subjects, audit (masked)
	PermTriage          Permission = "triage"           // log, acknowledge, verify, ask for info, assign, note, withdraw
	PermDecide          Permission = "decide"           // record a Customer approval or denial
	PermSignOff         Permission = "sign_off"         // sign off plans, run fulfilment, extend, refuse excessive
	PermReveal          Permission = "reveal"           // unmask a sensitive field with a stated reason
	PermRetry           Permission = "retry"            // retry a failed fulfilment step
	PermManageOperators Permission = "manage_operators" // add/disable operators and keys
	PermHealth          Permission = "health"           // see system health and the failed runs (on call)
	PermManageTenants   Permission = "manage_tenants"   // add and edit Customers and the data map
)

// Can reports whether role holds perm. This table is the single source the
// controller layer consults; the UI only uses it to hide what would be refused.
func (r Role) Can(perm Permission) bool {
	switch r {
	case RoleSupport:
		return perm == PermRead || perm == PermTriage
	case RoleLead:
		return perm == PermRead || perm == PermTriage || perm == PermDecide || perm == PermSignOff || perm == PermReveal || perm == PermRetry || perm == PermHealth
	case RoleEngineer:
		return perm == PermRead || perm == PermRetry || perm == PermHealth
	case RoleAdmin:
		return perm == PermRead || perm == PermManageOperators || perm == PermManageTenants || perm == PermHealth
	case RoleSystem:
		return true
	}
	return false
}

// ReadOnly reports whether an operator of this role can change nothing about a request's decision.
func (r Role) ReadOnly() bool { return !r.Can(PermTriage) && !r.Can(PermDecide) }

// ValidOSUser checks an OS account name given for an operator: 1–256 bytes
// of ASCII letters, digits and '.', '_', '-', '@', '$', '\' (POSIX portable
// user names, plus the '@' and '\' of directory and Windows domain accounts
// and the trailing '$' of Samba machine accounts), not starting with '-'.
// Anything else could not be an account os/user.Current reports, or would
// smuggle spaces and controls into lists and audit entries.
func ValidOSUser(name string) error {
	ok := len(name) >= 1 && len(name) <= 256 && name[0] != '-'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(`._-@$\`, c) >= 0
	}
	if !ok {
		return fmt.Errorf("OS user name %q: use 1–256 ASCII letters, digits, '.', '_', '-', '@', '$' or '\\', not starting with '-'", name)
	}
	return nil
}

// ValidHandle checks the operator handle rule: 1–64 lower-case ASCII letters,
// digits, '.', '_' or '-', starting with a letter or digit. Handles appear in
// audit events and SSH logins, so they stay plain.
func ValidHandle(h string) error {
	ok := len(h) >= 1 && len(h) <= 64
	for i := 0; ok && i < len(h); i++ {
		c := h[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		ok = alnum || i > 0 && (c == '.' || c == '_' || c == '-')
	}
	if !ok {
		return fmt.Errorf("operator handle %q: use 1–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", h)
	}
	return nil
}
