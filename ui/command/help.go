package command

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// helpIntro heads the command list.
const helpIntro = `custodian — privacy request console

usage: custodian [global flags] [COMMAND [ARGS] [flags]]
Flags go before or after the command's name, and after its arguments.
`

// summaryColumn is where a summary starts when the usage line is short
// enough to share its line.
const summaryColumn = 36

// writeHelp writes the help for path: the command list for the root, a
// group's commands ("requests"), or one command's usage and flags. It
// returns the exit code of an explicit request for help: 0.
func writeHelp(w io.Writer, table []Command, path []string) int {
	joined := strings.Join(path, " ")
	if c, ok := find(table, joined); ok && joined != "" {
		return writeCommandHelp(w, c)
	}
	if joined == "" {
		fmt.Fprint(w, helpIntro)
		fmt.Fprintln(w, "\nCommands:")
		writeList(w, table)
		fmt.Fprintln(w, "\nGlobal flags (every command):")
		writeFlags(w, globalFlagSet())
		fmt.Fprintln(w, "\n`custodian help COMMAND` (or `custodian COMMAND --help`) shows a command's flags.")
		return 0
	}
	var group []Command
	for _, c := range table {
		if strings.HasPrefix(c.Path, joined+" ") {
			group = append(group, c)
		}
	}
	fmt.Fprintf(w, "custodian %s commands:\n", joined)
	writeList(w, group)
	fmt.Fprintf(w, "\n`custodian help %s SUBCOMMAND` shows one's flags; `custodian help` lists the global flags.\n", joined)
	return 0
}

// writeList writes each command's usage line and summary.
func writeList(w io.Writer, cmds []Command) {
	for _, c := range cmds {
		line := "  " + strings.TrimSuffix(c.Usage(), " [flags]")
		if len(line) < summaryColumn {
			fmt.Fprintf(w, "%-*s%s\n", summaryColumn, line, c.Summary)
		} else {
			fmt.Fprintf(w, "%s\n%-*s%s\n", line, summaryColumn, "", c.Summary)
		}
	}
}

// writeCommandHelp writes c's usage line, summary and flags.
func writeCommandHelp(w io.Writer, c Command) int {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", c.Usage(), c.Summary)
	if c.Detail != "" {
		fmt.Fprintf(w, "\n%s\n", c.Detail)
	}
	fs, _, _ := flagSetFor(c)
	own := newFlagSet(fs.Name())
	fs.VisitAll(func(f *flag.Flag) {
		if !isGlobal(f.Name) {
			own.Var(f.Value, f.Name, f.Usage)
			own.Lookup(f.Name).DefValue = f.DefValue
		}
	})
	if hasFlags(own) {
		fmt.Fprintln(w, "\nFlags:")
		writeFlags(w, own)
	}
	fmt.Fprintln(w, "\nGlobal flags (`custodian help` describes them):")
	var names []string
	globalFlagSet().VisitAll(func(f *flag.Flag) { names = append(names, "--"+f.Name) })
	fmt.Fprintf(w, "  %s\n", strings.Join(names, " "))
	return 0
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// globalFlagSet holds the global flags alone, for their help.
func globalFlagSet() *flag.FlagSet {
	fs := newFlagSet("custodian")
	bindGlobals(fs, &Globals{})
	return fs
}

// writeFlags writes one line per flag: its name and value, its help, and
// its default when that is not the zero value.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		value, help := flag.UnquoteUsage(f)
		name := "  --" + f.Name
		if value != "" {
			name += " " + value
		}
		switch f.DefValue {
		case "", "false", "0", "[]":
		default:
			help += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		if len(name) < 26 {
			fmt.Fprintf(w, "%-26s%s\n", name, help)
		} else {
			fmt.Fprintf(w, "%s\n%-26s%s\n", name, "", help)
		}
	})
}

// didYouMean suggests the name under group closest to typed, if one is
// close enough to be a typo: " (did you mean \"list\"?)", or "".
func didYouMean(table []Command, group []string, typed string) string {
	prefix := strings.Join(group, " ")
	best, bestDist := "", len(typed)/2+1
	for _, c := range table {
		rest := c.Path
		if prefix != "" {
			var ok bool
			if rest, ok = strings.CutPrefix(c.Path, prefix+" "); !ok {
				continue
			}
		}
		word, _, _ := strings.Cut(rest, " ")
		if word == "" {
			continue
		}
		if d := editDistance(strings.ToLower(typed), word); d < bestDist {
			best, bestDist = word, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", strings.Join(strings.Fields("custodian "+prefix+" "+best), " "))
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
