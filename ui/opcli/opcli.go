// Package opcli is `custodian operators`: admins add, list, disable and
// enable operators and manage their SSH keys. Every change goes through
// db.Store.PutOperator, which checks the admin permission and audits it.
// It may import db and model; the console never imports it.
package opcli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// Exit statuses, as main uses them.
const (
	exitOK       = 0
	exitFailed   = 1
	exitBadInput = 2
)

// Usage is the operators part of the command help.
const Usage = `Operators (admins only; every change is audited):
  custodian operators list [--json]
  custodian operators add NAME --role support|lead|engineer|admin [--tenants a,b] [--name "Full Name"]
                          [--key "ssh-ed25519 AAAA… comment"]... [--key-file FILE] [--os-user ACCOUNT]
  custodian operators set-os-user NAME [ACCOUNT]   the local OS account that acts as NAME (none: SSH only)
  custodian operators disable NAME | enable NAME
  custodian operators add-key NAME --key "…" | --key-file FILE
  custodian operators remove-key NAME SHA256:fingerprint | --key "…"
`

// Command is one parsed `operators` invocation.
type Command struct {
	Verb string
	Name string
	Arg  string // remove-key's fingerprint

	Role     string
	Tenants  string
	FullName string
	Keys     keyList
	KeyFile  string
	JSON     bool
	OSUser   string // --os-user, or set-os-user's account

	// LocalOSUser is the OS account running the command (main sets it): the
	// first admin on an empty database is registered to it unless --os-user
	// says otherwise, or nobody could act as that admin on this machine.
	LocalOSUser string
}

type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, "\n") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

// verbs and the positional arguments each takes.
var verbs = map[string]int{"list": 0, "add": 1, "disable": 1, "enable": 1, "add-key": 1, "remove-key": 1, "set-os-user": 1}

// Bind declares the operators flags on fs, beside the shared ones.
func Bind(fs *flag.FlagSet) *Command {
	c := &Command{}
	fs.StringVar(&c.Role, "role", "", "")
	fs.StringVar(&c.Tenants, "tenants", "", "")
	fs.StringVar(&c.FullName, "name", "", "")
	fs.Var(&c.Keys, "key", "")
	fs.StringVar(&c.KeyFile, "key-file", "", "")
	fs.BoolVar(&c.JSON, "json", false, "")
	fs.StringVar(&c.OSUser, "os-user", "", "")
	return c
}

// Parse reads args (verb, positionals and flags in any order) into c.
func Parse(fs *flag.FlagSet, c *Command, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) == 0 {
		return errors.New("missing subcommand (list, add, disable, enable, add-key, remove-key, set-os-user)")
	}
	c.Verb = pos[0]
	want, ok := verbs[c.Verb]
	if !ok {
		return fmt.Errorf("unknown subcommand %q (use list, add, disable, enable, add-key, remove-key or set-os-user)", c.Verb)
	}
	pos = pos[1:]
	if (c.Verb == "remove-key" || c.Verb == "set-os-user") && len(pos) == 2 {
		c.Arg, pos = pos[1], pos[:1]
	}
	if len(pos) != want {
		if want == 1 && len(pos) == 0 {
			return fmt.Errorf("%s needs an operator handle", c.Verb)
		}
		return fmt.Errorf("%s: unexpected argument %q", c.Verb, pos[len(pos)-1])
	}
	if want == 1 {
		c.Name = pos[0]
	}
	return c.check()
}

// check refuses flags that make no sense for the verb, before any database work.
func (c *Command) check() error {
	given := func(f string) bool {
		switch f {
		case "role":
			return c.Role != ""
		case "tenants":
			return c.Tenants != ""
		case "name":
			return c.FullName != ""
		case "key":
			return len(c.Keys) > 0 || c.KeyFile != ""
		case "json":
			return c.JSON
		case "os-user":
			return c.OSUser != ""
		}
		return false
	}
	allowed := map[string][]string{
		"list": {"json"}, "add": {"role", "tenants", "name", "key", "os-user"},
		"disable": {}, "enable": {}, "add-key": {"key"}, "remove-key": {"key"}, "set-os-user": {},
	}[c.Verb]
	for _, f := range []string{"role", "tenants", "name", "key", "json", "os-user"} {
		if given(f) && !slices.Contains(allowed, f) {
			return fmt.Errorf("%s does not take --%s", c.Verb, f)
		}
	}
	switch c.Verb {
	case "set-os-user":
		c.OSUser = c.Arg
		fallthrough
	case "add":
		if c.OSUser != "" {
			if err := model.ValidOSUser(c.OSUser); err != nil {
				return err
			}
		}
		if c.Verb != "add" {
			break
		}
		if c.Role == "" {
			return errors.New("add needs --role support|lead|engineer|admin")
		}
		if _, err := model.ParseRole(c.Role); err != nil {
			return err
		}
		// Blank is the handle (the controller's default); anything given
		// follows the rule for a requester's name.
		if c.FullName != "" {
			if _, err := model.ParseName("--name", c.FullName); err != nil {
				return err
			}
		}
	case "add-key":
		if !given("key") {
			return errors.New(`add-key needs --key "ssh-ed25519 AAAA… comment" or --key-file FILE`)
		}
	case "remove-key":
		if (c.Arg == "") == (len(c.Keys) == 0) || c.KeyFile != "" {
			return errors.New(`remove-key needs the key's SHA256: fingerprint (see operators list) or --key "…", one of them`)
		}
	}
	return nil
}

// ResolveActor finds the admin running the command. On a database with no
// operators at all the first admin cannot exist yet, so `add … --role
// admin` runs as the console itself on behalf of the local user.
func ResolveActor(ctx context.Context, store *db.Store, c *Command, handle string) (model.Actor, error) {
	op, err := store.Operator(ctx, handle)
	if err == nil {
		if op.Disabled {
			return model.Actor{}, fmt.Errorf("operator %q is disabled; ask another admin", handle)
		}
		return model.Actor{Operator: op, Origin: "cli"}, nil
	}
	if !errors.Is(err, db.ErrNotFound) {
		return model.Actor{}, fmt.Errorf("operator %q: %w", handle, err)
	}
	all, lerr := store.Operators(ctx, model.SystemActor("cli"))
	if lerr != nil {
		return model.Actor{}, fmt.Errorf("list operators: %w", lerr)
	}
	if len(all) == 0 && c.Verb == "add" && c.Role == string(model.RoleAdmin) {
		if c.OSUser == "" {
			c.OSUser = c.LocalOSUser
		}
		return model.SystemActor("cli: first admin, added by local user " + handle), nil
	}
	if len(all) == 0 {
		return model.Actor{}, fmt.Errorf("no operators exist yet: add the first admin with `custodian operators add NAME --role admin --key …`")
	}
	return model.Actor{}, fmt.Errorf("no registered operator %q: run as an admin with --operator", handle)
}

// Run carries out c as actor.
func Run(ctx context.Context, store *db.Store, actor model.Actor, c *Command, stdout, stderr io.Writer) int {
	if c.Verb == "list" {
		return list(ctx, store, actor, c.JSON, stdout, stderr)
	}
	keys, err := c.keyLines()
	if err != nil {
		fmt.Fprintf(stderr, "custodian operators %s: %s\n", c.Verb, model.EscapeLine(err.Error()))
		return exitBadInput
	}
	var op model.Operator
	var what string
	if c.Verb == "add" {
		op = model.Operator{Handle: c.Name, Name: c.FullName, Role: model.Role(c.Role), Tenants: splitList(c.Tenants), Keys: keys, OSUser: c.OSUser}
		what = fmt.Sprintf("added %s (%s)", c.Name, c.Role)
		if c.OSUser != "" {
			what += ", OS user " + c.OSUser
		}
	} else {
		op, err = store.Operator(ctx, c.Name)
		if err != nil {
			return fail(stderr, c, err)
		}
		switch c.Verb {
		case "disable", "enable":
			if op.Disabled == (c.Verb == "disable") {
				fmt.Fprintf(stdout, "%s is already %sd; nothing changed\n", op.Handle, c.Verb)
				return exitOK
			}
			op.Disabled = c.Verb == "disable"
			what = c.Verb + "d " + op.Handle
		case "set-os-user":
			if op.OSUser == c.OSUser {
				fmt.Fprintf(stdout, "%s is already registered to OS user %s; nothing changed\n", op.Handle, orNone(splitList(c.OSUser)))
				return exitOK
			}
			op.OSUser = c.OSUser
			what = op.Handle + " is now OS user " + orNone(splitList(c.OSUser)) + " on this machine"
		case "add-key":
			op.Keys = append(op.Keys, keys...)
			what = fmt.Sprintf("added %d key(s) to %s", len(keys), op.Handle)
		case "remove-key":
			fp := c.Arg
			if len(keys) > 0 {
				fp = fingerprint(keys[0])
			}
			i := slices.Index(op.KeyFingerprints, fp)
			if i < 0 || i >= len(op.Keys) {
				fmt.Fprintf(stderr, "custodian operators remove-key: %s has no key %s (its keys: %s)\n",
					op.Handle, model.CleanLine(fp), orNone(op.KeyFingerprints))
				return exitBadInput
			}
			op.Keys = slices.Delete(slices.Clone(op.Keys), i, i+1)
			what = "removed key " + fp + " from " + op.Handle
		}
	}
	if err := store.PutOperator(ctx, actor, op); err != nil {
		return fail(stderr, c, err)
	}
	fmt.Fprintln(stdout, what)
	if c.Verb == "add" && len(keys) == 0 {
		if c.OSUser != "" {
			fmt.Fprintf(stdout, "%s has no SSH key: only the local console, run by OS user %s, until `operators add-key`\n", c.Name, c.OSUser)
		} else {
			fmt.Fprintf(stdout, "%s has no SSH key and no OS user: no way in until `operators add-key` or `operators set-os-user`\n", c.Name)
		}
	}
	return exitOK
}

func fail(stderr io.Writer, c *Command, err error) int {
	fmt.Fprintf(stderr, "custodian operators %s: %s\n", c.Verb, model.CleanLine(err.Error()))
	switch {
	case errors.Is(err, db.ErrInvalid), errors.Is(err, db.ErrNotFound):
		return exitBadInput
	case errors.Is(err, db.ErrExists):
		fmt.Fprintln(stderr, "  (use add-key, enable or disable to change an existing operator)")
		return exitBadInput
	}
	return exitFailed
}

func list(ctx context.Context, store *db.Store, actor model.Actor, asJSON bool, stdout, stderr io.Writer) int {
	ops, err := store.Operators(ctx, actor)
	if err != nil {
		fmt.Fprintf(stderr, "custodian operators list: %v\n", err)
		return exitFailed
	}
	if asJSON {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(ops); err != nil {
			fmt.Fprintf(stderr, "custodian operators list: %v\n", err)
			return exitFailed
		}
		// Records stored before names were checked may hold control or
		// bidi characters: escaped, they cannot act on a terminal.
		if _, err := stdout.Write(model.EscapeJSON(b.Bytes())); err != nil {
			return exitFailed
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HANDLE\tROLE\tSTATUS\tTENANTS\tOS USER\tNAME")
	for _, op := range ops {
		status := "enabled"
		if op.Disabled {
			status = "disabled"
		}
		tenants := "all"
		if len(op.Tenants) > 0 {
			tenants = strings.Join(op.Tenants, ",")
		}
		osUser := "-"
		if op.OSUser != "" {
			osUser = op.OSUser
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", model.CleanLine(op.Handle), model.CleanLine(string(op.Role)), status,
			model.CleanLine(tenants), model.CleanLine(osUser), model.CleanLine(op.Name))
		for _, fp := range op.KeyFingerprints {
			fmt.Fprintf(tw, "  key %s\t\t\t\t\t\n", fp)
		}
	}
	_ = tw.Flush()
	return exitOK
}

// keyLines gathers --key values and --key-file lines, checking each so a
// bad key is named before anything is written.
func (c *Command) keyLines() ([]string, error) {
	var out []string
	for i, k := range c.Keys {
		if err := checkKey(k); err != nil {
			return nil, fmt.Errorf("--key %d: %w", i+1, err)
		}
		out = append(out, strings.TrimSpace(k))
	}
	if c.KeyFile == "" {
		return out, nil
	}
	data, err := os.ReadFile(c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("--key-file: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	n, found := 0, 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := checkKey(line); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", c.KeyFile, n, err)
		}
		out = append(out, line)
		found++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--key-file %s: %w", c.KeyFile, err)
	}
	if found == 0 {
		return nil, fmt.Errorf("%s holds no public key", c.KeyFile)
	}
	return out, nil
}

func checkKey(line string) error {
	line = strings.TrimSpace(line)
	if strings.Contains(line, "PRIVATE KEY") {
		return errors.New("that is a private key: give the public half (the .pub file, one line starting ssh-ed25519)")
	}
	pk, _, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return fmt.Errorf(`not a public key line ("ssh-ed25519 AAAA… comment"): %v`, err)
	}
	if pk.Type() == gossh.KeyAlgoDSA {
		return errors.New("a DSA key, which OpenSSH no longer accepts: use ed25519")
	}
	return nil
}

func fingerprint(line string) string {
	pk, _, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return ""
	}
	return gossh.FingerprintSHA256(pk)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
