package console

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/custodian-dev/custodian/model"
	"github.com/custodian-dev/custodian/ui/present"
)

// The metrics pane's two pictures, drawn with block glyphs so they read
// (and paste into a report) without colour: each request type has its own
// glyph, and colour, when there is any, only repeats it.

// chartHeight is the rows a chart's bars may take.
const chartHeight = 8

// seriesGlyphs are the request types' glyphs, in model.RequestTypes order.
var seriesGlyphs = []string{"█", "▓", "▒", "░", "▚"}

// axisWidth is the y axis: a count right-aligned, a space and the tick;
// a space follows it before the first bar.
const axisWidth = 6

// seriesStyles are the types' colours, from the theme's own styles.
func seriesStyles(th Theme) []lipgloss.Style {
	return []lipgloss.Style{th.Info, th.Soon, th.Overdue, th.Label, th.Dim}
}

// monthChart draws the requests received per month as one stacked bar per
// month, a segment per request type, with a legend.
func monthChart(m model.Metrics, th Theme) []string {
	types := model.RequestTypes()
	styles := seriesStyles(th)
	most := 0
	for _, mc := range m.Months {
		most = max(most, mc.Total())
	}
	var legend []string
	for i, t := range types {
		legend = append(legend, styles[i].Render(seriesGlyphs[i])+" "+present.TypeHeading(t))
	}
	lines := []string{th.Section.Render("Requests received per month"), strings.Join(legend, "  ")}
	// Each month's column, bottom up: the glyph index of every row.
	cols := make([][]int, len(m.Months))
	for j, mc := range m.Months {
		col := make([]int, chartHeight)
		for r := range col {
			col[r] = -1
		}
		cum, from := 0, 0
		for i, t := range types {
			cum += mc.ByType[t]
			to := scaled(cum, most)
			for r := from; r < to && r < chartHeight; r++ {
				col[r] = i
			}
			from = max(from, to)
		}
		cols[j] = col
	}
	for row := chartHeight - 1; row >= 0; row-- {
		var b strings.Builder
		b.WriteString(axisLabel(row, most))
		for _, col := range cols {
			cell := "  "
			if i := col[row]; i >= 0 {
				cell = styles[i].Render(strings.Repeat(seriesGlyphs[i], 2))
			}
			b.WriteString(cell + "  ")
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	var axis, names strings.Builder
	axis.WriteString(strings.Repeat(" ", axisWidth-1) + "└─")
	names.WriteString(strings.Repeat(" ", axisWidth+1))
	for _, mc := range m.Months {
		axis.WriteString("────")
		names.WriteString(mc.Month.String()[:3] + " ")
	}
	return append(lines, axis.String(), strings.TrimRight(names.String(), " "))
}

// daysChart draws the histogram of days to respond, one bar per 5 days,
// with the 45-day response deadline (§7021(b)) as a vertical line.
func daysChart(m model.Metrics, th Theme) []string {
	most, late := 0, 0
	for _, d := range m.Days {
		most = max(most, d.Count)
		if d.From >= model.ResponseDays {
			late += d.Count
		}
	}
	title := fmt.Sprintf("Days to respond (%d responses; %d after day 45)", m.Total.Responded, late)
	lines := []string{th.Section.Render(title), "each bar 5 days; │ is the 45-day deadline (§7021(b))"}
	for row := chartHeight - 1; row >= 0; row-- {
		var b strings.Builder
		b.WriteString(axisLabel(row, most))
		for _, d := range m.Days {
			if d.From == model.ResponseDays {
				b.WriteString(th.Overdue.Render("│") + " ")
			}
			cell := "  "
			if scaled(d.Count, most) > row {
				cell = th.Info.Render("██")
			}
			b.WriteString(cell + " ")
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	var axis, names strings.Builder
	axis.WriteString(strings.Repeat(" ", axisWidth-1) + "└─")
	names.WriteString(strings.Repeat(" ", axisWidth+1))
	for _, d := range m.Days {
		if d.From == model.ResponseDays {
			axis.WriteString("┴─")
			names.WriteString("  ")
		}
		axis.WriteString("───")
		label := ""
		if d.From%10 == 0 {
			label = strconv.Itoa(d.From)
			if d.To < 0 {
				label += "+"
			}
		}
		names.WriteString(padRight(label, 3))
	}
	return append(lines, axis.String(), strings.TrimRight(names.String(), " ")+" days")
}

// scaled is how many of chartHeight rows n fills against most: any n > 0
// shows at least one row, so a single request is never invisible.
func scaled(n, most int) int {
	if n <= 0 || most <= 0 {
		return 0
	}
	return max(1, (n*chartHeight+most/2)/most)
}

// axisLabel is the y axis at row (0 at the bottom): the top row names the
// largest count, the others only the tick.
func axisLabel(row, most int) string {
	if row == chartHeight-1 {
		return fmt.Sprintf("%*d ┤ ", axisWidth-2, most)
	}
	return strings.Repeat(" ", axisWidth-1) + "│ "
}
