package demo

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/model"
)

type operatorDef struct {
	handle, name string
	role         model.Role
	tenants      []string
	disabled     bool
}

var californiaTeam = []string{"oakridge-ca", "sonoma-valley-ca", "palo-verde-usd-ca", "bayshore-ca"}
var centralTeam = []string{"pecan-ridge-tx", "lakewood-springs-co", "hamlin-county-oh"}

var operatorDefs = []operatorDef{
	{handle: "sam", name: "Sam Okoye", role: model.RoleSupport},
	{handle: "sid", name: "Siddharth Rao", role: model.RoleSupport},
	{handle: "sofia", name: "Sofía Herrera", role: model.RoleSupport, tenants: californiaTeam},
	{handle: "dan", name: "Dan Whitaker", role: model.RoleSupport, disabled: true},
	{handle: "lee", name: "Lee Chen", role: model.RoleLead},
	{handle: "lou", name: "Louise Martin", role: model.RoleLead},
	{handle: "lina", name: "Lina Haddad", role: model.RoleLead, tenants: centralTeam},
	{handle: "eve", name: "Eve Lindqvist", role: model.RoleEngineer},
	{handle: "eli", name: "Eli Brenner", role: model.RoleEngineer},
	{handle: "ada", name: "Ada Morgan", role: model.RoleAdmin},
}

// LocalHandle maps an OS user name to the operator handle the demo gives the
// local user: a Windows domain prefix is dropped and the name lower-cased.
// Names that still are not valid handles are refused rather than mangled, so
// the console and the seed always agree on who the local user is.
func LocalHandle(username string) (string, error) {
	h := strings.TrimSpace(username)
	if i := strings.LastIndex(h, `\`); i >= 0 {
		h = h[i+1:]
	}
	h = strings.ToLower(h)
	if err := model.ValidHandle(h); err != nil {
		return "", fmt.Errorf("demo: local user %q cannot be an operator: %w", username, err)
	}
	return h, nil
}

// demoKeyComment marks every generated key: the private halves are derived
// from public text, so a server must never trust them outside a demo.
const demoKeyComment = "custodian-demo-key-not-secret"

// DemoKeyComment is the comment on every generated operator key. Anyone can
// derive the matching private keys (see PrivateKey), so a server exposed
// beyond a demo should refuse keys carrying it.
const DemoKeyComment = demoKeyComment

// PrivateKey returns the deterministic ed25519 key of a demo operator, for
// tests that log in over SSH. It is derived from the handle alone: it is not
// a secret.
func PrivateKey(handle string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("custodian demo operator key v1\x00" + handle))
	return ed25519.NewKeyFromSeed(seed[:])
}

func operatorKey(handle string) (line, fingerprint string) {
	pub, err := ssh.NewPublicKey(PrivateKey(handle).Public())
	if err != nil {
		panic(err) // ed25519 keys are always accepted
	}
	line = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " " + handle + "@" + demoKeyComment
	return line, ssh.FingerprintSHA256(pub)
}

// operators returns the demo staff plus the local OS user as an admin. The
// local user gets no SSH key: it uses the console on this machine, and an
// admin key anyone can derive would be a door.
func operators(localUser string) []model.Operator {
	var out []model.Operator
	for _, d := range operatorDefs {
		if d.handle == localUser {
			continue // the local user's own entry below wins
		}
		line, fp := operatorKey(d.handle)
		out = append(out, model.Operator{
			Handle: d.handle, Name: d.name, Role: d.role,
			Tenants: sorted(d.tenants), // the controller's normal form
			Keys:    []string{line}, KeyFingerprints: []string{fp},
			Disabled: d.disabled, Version: 1,
		})
	}
	if localUser != "" {
		out = append(out, model.Operator{
			Handle: localUser, Name: localUser + " (local user)", Role: model.RoleAdmin,
			Tenants: []string{}, Keys: []string{}, KeyFingerprints: []string{}, Version: 1,
		})
	}
	return out
}

func sorted(xs []string) []string {
	out := append([]string{}, xs...)
	slices.Sort(out)
	return out
}

// actorsFor lists the enabled operators of role that may act on tenant.
func actorsFor(ops []model.Operator, role model.Role, tenant string) []model.Operator {
	var out []model.Operator
	for _, o := range ops {
		if o.Role == role && !o.Disabled && o.InScope(tenant) {
			out = append(out, o)
		}
	}
	return out
}
