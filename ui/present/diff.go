package present

import "strings"

// LineDiff is a unified-style diff of two texts, line by line: "- "
// removed, "+ " added, "  " unchanged context (diffContext lines around a
// change; "  …" where more are left out). Tenant and data map files are
// hundreds of lines at most, so the quadratic longest-common-subsequence
// table is small. The CLI (tenants edit, datamap apply) and the console
// (the tenants pane) show their changes with it, so both doors read alike.
func LineDiff(a, b string) (string, bool) {
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(strings.TrimRight(s, "\n"), "\n")
	}
	x, y := split(a), split(b)
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		mark, text string
	}
	var all []line
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			all = append(all, line{"  ", x[i]})
			i, j = i+1, j+1
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			all = append(all, line{"- ", x[i]})
			i++
		default:
			all = append(all, line{"+ ", y[j]})
			j++
		}
	}
	const diffContext = 3
	keep := make([]bool, len(all))
	changed := false
	for k, l := range all {
		if l.mark != "  " {
			changed = true
			for m := max(0, k-diffContext); m <= min(len(all)-1, k+diffContext); m++ {
				keep[m] = true
			}
		}
	}
	var out strings.Builder
	skipped := false
	for k, l := range all {
		if !keep[k] {
			skipped = true
			continue
		}
		if skipped {
			out.WriteString("  …\n")
			skipped = false
		}
		out.WriteString(l.mark + l.text + "\n")
	}
	if skipped {
		out.WriteString("  …\n")
	}
	return out.String(), changed
}
