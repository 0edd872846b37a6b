package model

import (
	"strings"
	"testing"
)

var allPerms = []Permission{PermRead, PermTriage, PermDecide, PermSignOff, PermReveal, PermRetry, PermManageOperators, PermManageTenants, PermHealth}

func TestParseRole(t *testing.T) {
	for _, r := range []Role{RoleSupport, RoleLead, RoleEngineer, RoleAdmin} {
		got, err := ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = (%q, %v)", r, got, err)
		}
	}
	// system is the console's own role and cannot be given to an operator.
	for _, s := range []string{"", "system", "Lead", " lead", "privacy lead", "root"} {
		got, err := ParseRole(s)
		if err == nil || got != "" {
			t.Errorf("ParseRole(%q) = (%q, %v), want an error", s, got, err)
			continue
		}
		if !strings.Contains(err.Error(), "support, lead, engineer or admin") {
			t.Errorf("ParseRole(%q): %q does not list the roles", s, err)
		}
	}
	if got := Roles(); len(got) != 4 {
		t.Errorf("Roles() = %v", got)
	}
}

func TestRoleCan(t *testing.T) {
	want := map[Role][]Permission{
		RoleSupport:  {PermRead, PermTriage},
		RoleLead:     {PermRead, PermTriage, PermDecide, PermSignOff, PermReveal, PermRetry, PermHealth},
		RoleEngineer: {PermRead, PermRetry, PermHealth}, // on call: PRODUCT.md "see system health"
		RoleAdmin:    {PermRead, PermManageOperators, PermManageTenants, PermHealth},
		RoleSystem:   allPerms,
		Role(""):     nil,
		Role("root"): nil,
	}
	for role, perms := range want {
		for _, p := range allPerms {
			exp := false
			for _, q := range perms {
				exp = exp || q == p
			}
			if got := role.Can(p); got != exp {
				t.Errorf("%q.Can(%s) = %v, want %v", role, p, got, exp)
			}
		}
		if role != RoleSystem && role.Can("made_up") {
			t.Errorf("%q holds an unknown permission", role)
		}
	}
	for role, ro := range map[Role]bool{RoleSupport: false, RoleLead: false, RoleEngineer: true, RoleAdmin: true, RoleSystem: false, Role(""): true} {
		if got := role.ReadOnly(); got != ro {
			t.Errorf("%q.ReadOnly() = %v, want %v", role, got, ro)
		}
	}
}

func TestActorCan(t *testing.T) {
	for _, role := range []Role{RoleSupport, RoleLead, RoleEngineer, RoleAdmin} {
		for _, p := range allPerms {
			op := Operator{Handle: "ana", Role: role}
			if got := (Actor{Operator: op}).Can(p); got != role.Can(p) {
				t.Errorf("%s actor Can(%s) = %v, role says %v", role, p, got, role.Can(p))
			}
			if got := (Actor{Operator: op, ReadOnly: true}).Can(p); got != (p == PermRead) {
				t.Errorf("read-only %s session Can(%s) = %v", role, p, got)
			}
			op.Disabled = true
			if (Actor{Operator: op}).Can(p) {
				t.Errorf("disabled %s operator Can(%s)", role, p)
			}
		}
	}
	sys := SystemActor("seed")
	if sys.Handle() != "custodian" || sys.Origin != "seed" || !sys.Can(PermDecide) {
		t.Errorf("SystemActor = %+v", sys)
	}
	if (Actor{Operator: Operator{Handle: "bo"}}).Handle() != "bo" {
		t.Error("Handle()")
	}
}

func TestOperatorInScope(t *testing.T) {
	all := Operator{Handle: "ana"}
	some := Operator{Handle: "bo", Tenants: []string{"t-1", "t-3"}}
	for tenant, want := range map[string]bool{"t-1": true, "t-2": false, "t-3": true, "": false} {
		if !all.InScope(tenant) {
			t.Errorf("unscoped operator not in scope of %q", tenant)
		}
		if got := some.InScope(tenant); got != want {
			t.Errorf("InScope(%q) = %v, want %v", tenant, got, want)
		}
	}
}

// TestValidOSUser: the names os/user.Current reports for POSIX accounts
// (portable user names: letters, digits, '.', '_', '-'), directory and
// Windows domain accounts ('@', '\') and Samba machine accounts (a trailing
// '$') pass; spaces, controls, non-ASCII and a leading '-' do not.
func TestValidOSUser(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"ann", true},
		{"Ann.Lee_2", true},
		{`CORP\ann`, true},
		{"ann@corp.example", true},
		{"host$", true},
		{"", false},
		{"-rf", false},
		{"ann lee", false},
		{"ann\x1b[2J", false},
		{"ann\u200b", false},
		{"ännä", false},
		{strings.Repeat("a", 256), true},
		{strings.Repeat("a", 257), false},
	} {
		err := ValidOSUser(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ValidOSUser(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "OS user name") {
			t.Errorf("ValidOSUser(%q): %q does not say what it checks", tc.name, err)
		}
	}
}
