// Package opcli is `custodian operators`: admins add, list, disable and
// enable operators and manage their SSH keys. Every change goes through
// db.Store.PutOperator, which checks the admin permission and audits it.
// Its table of verbs (Verbs) is what ui/command makes the operators
// commands and their help from. It imports db and model, never a front end.
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

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

// Exit statuses, as the command line (ui/command) uses them.
const (
	exitOK       = 0
	exitFailed   = 1
	exitBadInput = 2
)

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

	// LocalOSUser is the OS account running the command (the command line sets it): the
	// first admin on an empty database is registered to it unless --os-user
	// says otherwise, or nobody could act as that admin on this machine.
	LocalOSUser string
}

type keyList []string

func (k *keyList) String() string     { return strings.Join(*k, "\n") }
func (k *keyList) Set(v string) error { *k = append(*k, v); return nil }

// Verb is one `custodian operators` subcommand: its positional arguments,
// what it does, and the flags it takes. The command line's help, its flag
// sets and check's refusals all come from this table.
type Verb struct {
	Name string
	// Args are the positional arguments in usage order; Optional ones may
	// be left out.
	Args     []string
	Optional int
	Says     string
	Flags    []string
}

// Verbs is the table of operators subcommands.
func Verbs() []Verb {
	return []Verb{
		{Name: "list", Says: "every operator with role, tenants, OS user and key fingerprints", Flags: []string{"json"}},
		{Name: "add", Args: []string{"NAME"}, Says: "register an operator (the first admin on an empty database is the local user)",
			Flags: []string{"role", "tenants", "name", "key", "key-file", "os-user"}},
		{Name: "set-os-user", Args: []string{"NAME", "ACCOUNT"}, Optional: 1,
			Says: "the local OS account that acts as NAME (no ACCOUNT: NAME works over SSH only)"},
		{Name: "disable", Args: []string{"NAME"}, Says: "refuse the operator everywhere from their next action"},
		{Name: "enable", Args: []string{"NAME"}, Says: "let a disabled operator act again"},
		{Name: "add-key", Args: []string{"NAME"}, Says: "register another SSH public key", Flags: []string{"key", "key-file"}},
		{Name: "remove-key", Args: []string{"NAME", "SHA256:FINGERPRINT"}, Optional: 1,
			Says: "remove an SSH key, by fingerprint (see list) or by --key", Flags: []string{"key"}},
	}
}

func verbNamed(name string) (Verb, bool) {
	for _, v := range Verbs() {
		if v.Name == name {
			return v, true
		}
	}
	return Verb{}, false
}

// flagHelp is each operators flag's help text; a backquoted word names its value.
func flagHelp() map[string]string {
	return map[string]string{
		"role":     "the operator's `ROLE`: support, lead, engineer or admin",
		"tenants":  "comma-separated tenant `IDS` the operator is limited to (empty: every tenant)",
		"name":     "the operator's full `NAME` (default: the handle)",
		"key":      "an SSH public `KEY` line (\"ssh-ed25519 AAAA… comment\"); repeat for several",
		"key-file": "read SSH public keys from `FILE`, one per line",
		"json":     "print JSON for scripts",
		"os-user":  "the local OS `ACCOUNT` that acts as this operator (one operator per account)",
	}
}

// Bind declares every operators flag on fs, beside the shared ones; Parse
// then refuses the ones the verb does not take.
func Bind(fs *flag.FlagSet) *Command {
	return bindFlags(fs, []string{"role", "tenants", "name", "key", "key-file", "json", "os-user"})
}

// BindVerb declares only the flags verb takes, so the flag parser refuses
// the others and the verb's help lists exactly its own.
func BindVerb(fs *flag.FlagSet, verb string) *Command {
	v, _ := verbNamed(verb)
	c := bindFlags(fs, v.Flags)
	c.Verb = verb
	return c
}

func bindFlags(fs *flag.FlagSet, names []string) *Command {
	c := &Command{}
	help := flagHelp()
	for _, name := range names {
		switch name {
		case "role":
			fs.StringVar(&c.Role, name, "", help[name])
		case "tenants":
			fs.StringVar(&c.Tenants, name, "", help[name])
		case "name":
			fs.StringVar(&c.FullName, name, "", help[name])
		case "key":
			fs.Var(&c.Keys, name, help[name])
		case "key-file":
			fs.StringVar(&c.KeyFile, name, "", help[name])
		case "json":
			fs.BoolVar(&c.JSON, name, false, help[name])
		case "os-user":
			fs.StringVar(&c.OSUser, name, "", help[name])
		}
	}
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
	if _, ok := verbNamed(pos[0]); !ok {
		return fmt.Errorf("unknown subcommand %q (use list, add, disable, enable, add-key, remove-key or set-os-user)", pos[0])
	}
	c.Verb = pos[0]
	return c.SetArgs(pos[1:])
}

// SetArgs takes the verb's positional arguments (c.Verb set, flags parsed)
// and checks the command before any database work.
func (c *Command) SetArgs(pos []string) error {
	v, ok := verbNamed(c.Verb)
	if !ok {
		return fmt.Errorf("unknown subcommand %q", c.Verb)
	}
	if len(v.Args) == 2 && len(pos) == 2 {
		c.Arg, pos = pos[1], pos[:1]
	}
	want := min(len(v.Args), 1)
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
	v, _ := verbNamed(c.Verb)
	allowed := v.Flags
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
	rows := [][]string{{"HANDLE", "ROLE", "STATUS", "TENANTS", "OS USER", "NAME"}}
	var keys [][]string // each row's key fingerprints, printed under it
	keys = append(keys, nil)
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
		rows = append(rows, []string{model.CleanLine(op.Handle), model.CleanLine(string(op.Role)), status,
			model.CleanLine(tenants), model.CleanLine(osUser), model.CleanLine(op.Name)})
		keys = append(keys, op.KeyFingerprints)
	}
	widths := columnWidths(rows)
	for i, r := range rows {
		fmt.Fprintln(stdout, tableLine(r, widths))
		for _, fp := range keys[i] {
			// A key line sits under its operator, outside the columns: a
			// 50-character fingerprint in the HANDLE column would push
			// every other column off to the right.
			fmt.Fprintf(stdout, "  key %s\n", model.CleanLine(fp))
		}
	}
	return exitOK
}

// columnWidths is each column's width in terminal cells (a CJK character
// takes two), the widest cell of every row.
func columnWidths(rows [][]string) []int {
	var w []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(w) {
				w = append(w, 0)
			}
			w[i] = max(w[i], ansi.StringWidth(c))
		}
	}
	return w
}

// tableLine pads each cell but the last to its column's width, two spaces
// apart, by display width so columns line up under wide characters.
func tableLine(cells []string, widths []int) string {
	var b strings.Builder
	for i, c := range cells {
		if i == len(cells)-1 {
			b.WriteString(c)
			break
		}
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", widths[i]-ansi.StringWidth(c)+2))
	}
	return strings.TrimRight(b.String(), " ")
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
