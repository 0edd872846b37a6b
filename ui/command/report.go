package command

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// reportCommands are `custodian report …`.
func reportCommands() []Command {
	return []Command{{Path: "report metrics",
		Summary: "a year's request metrics per request type (11 CCR §7102), for leads and admins",
		Detail: "Received, complied with in whole or in part, denied by basis, withdrawn, days to respond,\n" +
			"on-time rates and extensions, counted from the §7101 records in each tenant's own year.",
		Bind: bindReportMetrics}}
}

func bindReportMetrics(fs *flag.FlagSet) Run {
	var year int
	var tenant string
	var asJSON, asCSV bool
	fs.IntVar(&year, "year", 0, "the calendar `YEAR` received (default: this year)")
	fs.StringVar(&tenant, "tenant", "", "only the tenant with this `ID` (default: every tenant in your scope)")
	fs.BoolVar(&asJSON, "json", false, "print JSON (machine output)")
	fs.BoolVar(&asCSV, "csv", false, "print CSV, one row per request type and one for all")
	return func(ctx context.Context, env Env, g *Globals, _ []string) int {
		const path = "report metrics"
		if asJSON && asCSV {
			return badInput(env.Stderr, path, errors.New("choose one of --json and --csv"))
		}
		if year == 0 {
			year = time.Now().Year()
		}
		if year < 2000 || year > 9999 {
			return badInput(env.Stderr, path, fmt.Errorf("--year %d: give a calendar year such as 2026", year))
		}
		b, code := openSeeded(ctx, g, env.Stderr)
		if b == nil {
			return code
		}
		defer b.close()
		actor, code := resolveActor(ctx, b.store, g.operator, env.Stderr)
		if code != 0 {
			return code
		}
		actor.Origin = "cli"
		m, err := b.store.RequestMetrics(ctx, actor, year, tenant)
		if err != nil {
			fmt.Fprintf(env.Stderr, "custodian %s: %s\n", path, model.CleanLine(err.Error()))
			if errors.Is(err, db.ErrInvalid) {
				return ExitBadInput
			}
			return ExitFailed
		}
		switch {
		case asJSON:
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			err = enc.Encode(m)
		case asCSV:
			w := csv.NewWriter(env.Stdout)
			err = w.WriteAll(present.MetricsCSV(m))
		default:
			_, err = fmt.Fprint(env.Stdout, present.MetricsText(m))
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "custodian %s: write: %v\n", path, err)
			return ExitFailed
		}
		return 0
	}
}
