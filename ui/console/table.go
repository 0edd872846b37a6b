package console

import (
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// column describes one queue column. Widths are fixed by the terminal width
// alone, never by the data: measuring every row would make each frame cost
// O(rows), and the queue must draw a million rows as fast as a thousand.
type column struct {
	key   colKey
	title string
	min   int
	pref  int // comfortable: every column reaches this before any grows past it
	max   int
	// optional columns appear only when the terminal has room for them.
	optional bool
	// right-aligned columns are numbers people compare down the column.
	right bool
	// giveWay orders the columns that are hidden when the terminal is too
	// narrow for every column (1 goes first); 0 columns always show.
	giveWay int
}

type colKey int

const (
	colID colKey = iota
	colTenant
	colType
	colSubject
	colStatus
	colDue
	colReceived
	colAssignee
	colFlags
	colFailure
	numCols
)

func queueColumns() []column {
	return []column{
		{key: colID, title: "ID", min: 12, pref: 12, max: 14},
		{key: colTenant, title: "TENANT", min: 8, pref: 17, max: 20, giveWay: 4},
		{key: colType, title: "TYPE", min: 8, pref: 14, max: 14},
		{key: colSubject, title: "SUBJECT", min: 9, pref: 12, max: 24, giveWay: 3},
		{key: colStatus, title: "STATUS", min: 10, pref: 17, max: 17},
		{key: colDue, title: "DUE", min: 5, pref: 5, max: 6, right: true},
		{key: colReceived, title: "RECEIVED", min: 10, pref: 10, max: 10, optional: true},
		{key: colAssignee, title: "ASSIGNEE", min: 6, pref: 8, max: 12, giveWay: 2},
		{key: colFlags, title: "FLAGS", min: 5, pref: 12, max: 32, giveWay: 1},
		// When and why a failed request failed; shown once the screen
		// has room for it (empty on every other row).
		// (min 30: a cut-down failure tells nothing; the list has only
		// this column when a row failed: fitFailureColumn).
		{key: colFailure, title: "FAILURE", min: 30, pref: 50, max: 80, optional: true},
	}
}

// gutter is the one-cell margin left of every row; the selected row's
// highlight starts there so it reads as a bar, not a box around text.
const gutter = 1

// statusFull is the widest status label: the status column reaches it
// before any column that may give way is shown, as "awaiting …" is
// unreadable and status is what the queue is for.
const statusFull = 17

// typeWord is the widest one-word type label ("correction"), which the
// type column reaches before columns that may give way are shown.
const typeWord = 10

// fitIDColumn widens the id column of cols to idW, the widest id loaded, so
// an id is never cut: ids logged the same day differ only at the end.
// Layout stays a function of the width and this one number, measured as
// rows arrive, not of every row at every frame.
func fitIDColumn(cols []column, idW int) []column {
	out := make([]column, len(cols))
	copy(out, cols)
	for i, c := range out {
		if c.key == colID && idW > c.min {
			out[i].min, out[i].pref, out[i].max = idW, idW, idW
		}
	}
	return out
}

// layoutColumns returns each column's width for a table width wide
// (0 hides a column). Columns that always show (id, type, status, due)
// get their minimum, status its full label, and the id its whole width;
// columns that may give way are hidden, in their order, while the rest
// would not fit. Optional columns come next while they fit, then the slack
// goes to columns by priority up to their maximum; what is left stays
// blank at the right, because a stretched column reads worse than a margin.
func layoutColumns(cols []column, width int) []int {
	widths := make([]int, len(cols))
	avail := width - gutter
	hidden := make([]bool, len(cols))
	need := func() int {
		n := -1 // n columns need n-1 separators
		for i, c := range cols {
			if c.optional || hidden[i] {
				continue
			}
			w := c.min
			switch c.key {
			case colStatus:
				w = max(w, min(c.max, statusFull))
			case colType:
				w = max(w, min(c.max, typeWord))
			}
			n += w + 1
		}
		return n
	}
	for turn := 1; need() > avail; turn++ {
		i := slices.IndexFunc(cols, func(c column) bool { return c.giveWay == turn })
		if i < 0 {
			break
		}
		hidden[i] = true
	}
	used := -1
	for i, c := range cols {
		if !c.optional && !hidden[i] {
			widths[i] = c.min
			used += c.min + 1
		}
	}
	if over := used - avail; over > 0 {
		// Only an id longer than the terminal can hold gets here: cut it
		// rather than lose the columns that say what the request is.
		for i, c := range cols {
			if c.key == colID {
				cut := min(over, widths[i]-1)
				widths[i] -= cut
				used -= cut
			}
		}
	}
	for i, c := range cols {
		if c.optional && used+c.min+1 <= avail-24 && !slices.Contains(hidden, true) {
			// Optional columns only take room once every required column
			// could grow a little; a cramped table with more columns is
			// harder to read than a roomy one with fewer.
			widths[i] = c.min
			used += c.min + 1
		}
	}
	slack := avail - used
	// Status and type are words that read badly cut ("awaiting …"), so they
	// grow first; masked names are short and read fine narrow.
	order := []colKey{colStatus, colType, colAssignee, colTenant, colSubject, colFlags, colID, colDue, colFailure}
	for _, limit := range []func(column) int{
		func(c column) int { return c.pref },
		func(c column) int { return c.max },
	} {
		for _, k := range order {
			for i, c := range cols {
				if c.key != k || widths[i] == 0 || slack <= 0 {
					continue
				}
				grow := max(0, min(limit(c)-widths[i], slack))
				widths[i] += grow
				slack -= grow
			}
		}
	}
	return widths
}

// cell fits plain text into w cells, padding or cutting with an ellipsis.
func cell(s string, w int, right bool) string {
	var b strings.Builder
	writeCell(&b, s, textWidth(s), w, right)
	return b.String()
}

// writeCell writes s, whose width sw is known, into exactly w cells.
func writeCell(b *strings.Builder, s string, sw, w int, right bool) {
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = textWidth(s)
	}
	if right {
		blanks(b, w-sw)
		b.WriteString(s)
		return
	}
	b.WriteString(s)
	blanks(b, w-sw)
}

// blanks writes n spaces without allocating.
func blanks(b *strings.Builder, n int) {
	const spaces = "                                                                "
	for n > 0 {
		k := min(n, len(spaces))
		b.WriteString(spaces[:k])
		n -= k
	}
}

// paint is a style as the escape sequences around its text, for hot paths.
type paint struct{ pre, post string }

// paintOf renders a marker and keeps what the style put around it.
func paintOf(st lipgloss.Style) paint {
	const marker = "\x00"
	out := st.Render(marker)
	i := strings.Index(out, marker)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+len(marker):]}
}
