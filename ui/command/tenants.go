package command

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// tenantCommands are `custodian tenants …`: Customers as an admin keeps
// them, without mongosh. The rules (validation, who may) are in model and
// enforced by db; this file reads files, renders and asks.
func tenantCommands() []Command {
	id := Arg{Name: "ID", What: "tenant id"}
	file := Arg{Name: "FILE.toml", What: "tenant file (FILE.toml, or - for standard input)"}
	return []Command{
		{Path: "tenants list", Summary: "the Customers in your scope: id, name, state, time zone", Bind: bindTenantsList},
		{Path: "tenants show", Args: []Arg{id},
			Summary: "a Customer's contacts, retention rules, legal holds and holiday calendar (--toml: the file to edit)",
			Bind:    bindTenantsShow},
		{Path: "tenants add", Args: []Arg{file},
			Summary: "add a Customer from a TOML file, after showing it (admins)",
			Detail:  "Start from `custodian tenants show ID --toml` of another Customer. Asks y/N on a terminal\nunless --yes; without a terminal it refuses unless --yes.",
			Bind:    bindTenantsPut(true)},
		{Path: "tenants edit", Args: []Arg{id, file},
			Summary: "replace a Customer with a TOML file, after showing the diff (admins)",
			Detail:  "Get the file with `custodian tenants show ID --toml`. Asks y/N on a terminal unless --yes;\nwithout a terminal it refuses unless --yes.",
			Bind:    bindTenantsPut(false)},
	}
}

func bindTenantsList(fs *flag.FlagSet) Run {
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		ts, err := b.store.Tenants(ctx, actor)
		if err != nil {
			return failTenants(env.Stderr, "list", err)
		}
		if *asJSON {
			return writeJSON(env, ts)
		}
		w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tSTATE\tTIME ZONE\tAPPROVERS\tRETENTION\tHOLDS")
		for _, t := range ts {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", model.CleanLine(t.ID), model.CleanLine(t.Name), model.CleanLine(t.State),
				model.CleanLine(t.TimeZone), len(t.Approvers), len(t.Retention), len(t.Holds))
		}
		w.Flush()
		return 0
	}
}

func bindTenantsShow(fs *flag.FlagSet) Run {
	asTOML := fs.Bool("toml", false, "print the tenant as the TOML file tenants edit takes")
	asJSON := fs.Bool("json", false, "print JSON for scripts")
	year := fs.Int("year", 0, "list the holidays of `YEAR` (default: this year in the tenant's zone)")
	return func(ctx context.Context, env Env, g *Globals, args []string) int {
		b, actor, code := openActor(ctx, g, "cli", env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		t, err := b.store.Tenant(ctx, actor, args[0])
		if err != nil {
			return failTenants(env.Stderr, "show", err)
		}
		switch {
		case *asTOML:
			fmt.Fprint(env.Stdout, cleanLines(encodeTenant(t)))
		case *asJSON:
			return writeJSON(env, t)
		default:
			y := *year
			if y == 0 {
				y = time.Now().In(t.Location()).Year()
			}
			writeTenant(env.Stdout, t, y)
		}
		return 0
	}
}

// writeTenant is the human view of one tenant with its calendar for year.
func writeTenant(w io.Writer, t model.Tenant, year int) {
	c := model.CleanLine
	fmt.Fprintf(w, "%s  %s\n", c(t.ID), c(t.Name))
	fmt.Fprintf(w, "  state %s, time zone %s, government %t, version %d\n", c(t.State), c(t.TimeZone), t.Government, t.Version)
	fmt.Fprintln(w, "approvers:")
	for _, a := range t.Approvers {
		fmt.Fprintf(w, "  %s (%s) %s %s\n", c(a.Name), c(a.Title), c(a.Email), c(a.Phone))
	}
	fmt.Fprintln(w, "retention rules:")
	for _, r := range t.Retention {
		scope := ""
		if len(r.Collections) > 0 {
			scope = " in " + c(strings.Join(r.Collections, ", "))
		}
		fmt.Fprintf(w, "  %s%s: %s (basis: %s)\n", r.Category, scope, c(r.Period), c(r.LegalBasis))
	}
	fmt.Fprintln(w, "legal holds:")
	for _, h := range t.Holds {
		scope := "whole categories"
		if h.SubjectID != "" {
			scope = "subject " + c(h.SubjectID)
		}
		until := "until removed"
		if h.Until != nil {
			until = "until " + h.Until.In(t.Location()).Format(time.DateOnly)
		}
		fmt.Fprintf(w, "  %s %s: %s; %s %v; since %s, %s\n", c(h.ID), c(h.Reference), c(h.Reason), scope, h.Categories,
			h.Since.In(t.Location()).Format(time.DateOnly), until)
	}
	fmt.Fprintf(w, "holidays %d (%s; weekends are never business days):\n", year, c(t.TimeZone))
	for _, h := range t.Calendar().Holidays(year) {
		fmt.Fprintf(w, "  %s %s  %s (%s)\n", h.Date, dayName(h.Date), c(h.Name), c(h.Source))
	}
	if len(t.HolidayRemove) > 0 {
		fmt.Fprintf(w, "  removed by the Customer: %s\n", c(strings.Join(t.HolidayRemove, ", ")))
	}
}

func dayName(date string) string {
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return "   "
	}
	return d.Weekday().String()[:3]
}

// bindTenantsPut is `tenants add FILE` (create) and `tenants edit ID FILE`:
// read and check the file, show what changes, ask, save.
func bindTenantsPut(create bool) func(fs *flag.FlagSet) Run {
	verb := map[bool]string{true: "add", false: "edit"}[create]
	return func(fs *flag.FlagSet) Run {
		yes := fs.Bool("yes", false, "save without asking")
		return func(ctx context.Context, env Env, g *Globals, args []string) int {
			path := args[len(args)-1]
			t, err := readTenantFile(path, env.Stdin)
			if err != nil {
				fmt.Fprintf(env.Stderr, "custodian tenants %s: %s\n", verb, model.EscapeLine(err.Error()))
				return ExitBadInput
			}
			if create {
				t.Version = 0 // a file shown for another tenant carries its version
			} else {
				if t.ID == "" {
					t.ID = args[0]
				}
				if t.ID != args[0] {
					fmt.Fprintf(env.Stderr, "custodian tenants %s: the file is for tenant %q, not %q; an id cannot be changed\n", verb, model.EscapeLine(t.ID), model.EscapeLine(args[0]))
					return ExitBadInput
				}
			}
			// Checked before the database is opened: a bad file says so at once.
			if err := t.Validate(); err != nil {
				fmt.Fprintf(env.Stderr, "custodian tenants %s: %s; nothing saved\n", verb, model.EscapeLine(err.Error()))
				return ExitBadInput
			}
			b, actor, code := openActor(ctx, g, "cli", env.Stderr)
			if b == nil {
				return code
			}
			defer b.close()
			before := ""
			if !create {
				old, err := b.store.Tenant(ctx, actor, t.ID)
				if err != nil {
					return failTenants(env.Stderr, verb, err)
				}
				if t.Version != old.Version {
					fmt.Fprintf(env.Stderr, "custodian tenants %s: the file is of version %d, tenant %s is at version %d (changed since); run tenants show %s --toml again and redo your change\n",
						verb, t.Version, model.CleanLine(t.ID), old.Version, model.CleanLine(t.ID))
					return ExitBadInput
				}
				before = encodeTenant(old)
			}
			diff, changed := present.LineDiff(before, encodeTenant(t))
			if !changed {
				fmt.Fprintf(env.Stdout, "tenant %s: no change\n", model.CleanLine(t.ID))
				return 0
			}
			fmt.Fprint(env.Stdout, cleanLines(diff))
			if code := confirmSave(env, *yes, fmt.Sprintf("%s tenant %s?", map[bool]string{true: "Add", false: "Save"}[create], t.ID), "tenants "+verb); code >= 0 {
				return code
			}
			put := b.store.EditTenant
			if create {
				put = b.store.AddTenant
			}
			fields, err := put(ctx, actor, t)
			if err != nil {
				return failTenants(env.Stderr, verb, err)
			}
			fmt.Fprintf(env.Stdout, "tenant %s %s (%s); on the audit chain\n", model.CleanLine(t.ID), map[bool]string{true: "added", false: "saved"}[create], strings.Join(fields, ", "))
			return 0
		}
	}
}

// confirmSave asks before a change is saved: --yes saves, a terminal is
// asked (no unless y), anything else is refused so a script that forgot
// --yes changes nothing. It returns -1 to go on, or the exit code.
func confirmSave(env Env, yes bool, question, cmd string) int {
	if yes {
		return -1
	}
	ask := terminalAsk(env.Stdin, env.Stderr)
	if ask == nil {
		fmt.Fprintf(env.Stderr, "custodian %s: not saved: no terminal to confirm on; check the diff above and pass --yes to save\n", cmd)
		return ExitBadInput
	}
	ok, err := ask(question)
	if err != nil || !ok {
		fmt.Fprintf(env.Stderr, "custodian %s: not saved\n", cmd)
		return ExitFailed
	}
	return -1
}

func failTenants(stderr io.Writer, verb string, err error) int {
	hint := ""
	if errors.Is(err, db.ErrNotFound) {
		hint = " (custodian tenants list shows the ids in your scope)"
	}
	fmt.Fprintf(stderr, "custodian tenants %s: %s%s\n", verb, model.EscapeLine(err.Error()), hint)
	return exitFor(err)
}

// cleanLines makes each line of text from the database safe for a terminal.
func cleanLines(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = model.CleanLine(l)
	}
	return strings.Join(lines, "\n") + "\n"
}

func writeJSON(env Env, v any) int {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(env.Stderr, "custodian: %v\n", err)
		return ExitFailed
	}
	return 0
}
