package present

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/custodian-dev/custodian/model"
)

// MetricsTitle heads a metrics report: "Request metrics 2026, tenant oak
// (11 CCR §7102)", or "every tenant in scope".
func MetricsTitle(m model.Metrics) string {
	who := "every tenant in scope"
	if m.TenantID != "" {
		who = "tenant " + model.CleanLine(m.TenantID)
	}
	return fmt.Sprintf("Request metrics %d, %s (11 CCR §7102)", m.Year, who)
}

// TypeHeading is a request type's short column heading.
func TypeHeading(t model.RequestType) string {
	if t == model.TypeChildDeletion {
		return "child del."
	}
	if t == "all" {
		return "all"
	}
	return t.Label()
}

// MetricsFigures is the figure table: a heading row (the figure, then one
// column per request type and "all"), then one row per figure. Figures are
// rows, types are columns, so it fits 80 columns and pastes into a report.
func MetricsFigures(m model.Metrics) [][]string {
	cols := append(append([]model.TypeMetrics(nil), m.Types...), m.Total)
	head := []string{"figure"}
	for _, c := range cols {
		head = append(head, TypeHeading(c.Type))
	}
	rows := [][]string{head}
	add := func(label string, v func(model.TypeMetrics) string) {
		row := []string{label}
		for _, c := range cols {
			row = append(row, v(c))
		}
		rows = append(rows, row)
	}
	count := func(f func(model.TypeMetrics) int) func(model.TypeMetrics) string {
		return func(c model.TypeMetrics) string { return strconv.Itoa(f(c)) }
	}
	days := func(f func(model.TypeMetrics) float64) func(model.TypeMetrics) string {
		return func(c model.TypeMetrics) string {
			if c.Responded == 0 {
				return None
			}
			return strconv.FormatFloat(f(c), 'f', 1, 64)
		}
	}
	add("received", count(func(c model.TypeMetrics) int { return c.Received }))
	add("complied in whole", count(func(c model.TypeMetrics) int { return c.CompliedWhole }))
	add("complied in part", count(func(c model.TypeMetrics) int { return c.CompliedPart }))
	for _, b := range model.DenialBases() {
		add("denied: "+b.Label(), count(func(c model.TypeMetrics) int { return c.Denied[b] }))
	}
	add("withdrawn", count(func(c model.TypeMetrics) int { return c.Withdrawn }))
	add("still open", count(func(c model.TypeMetrics) int { return c.Open }))
	add("median days to respond", days(func(c model.TypeMetrics) float64 { return c.MedianDays }))
	add("mean days to respond", days(func(c model.TypeMetrics) float64 { return c.MeanDays }))
	for _, k := range model.OnTimeKinds() {
		add(onTimeLabel(k), func(c model.TypeMetrics) string { return RatePercent(c.OnTime[k]) })
	}
	add("extensions used", count(func(c model.TypeMetrics) int { return c.Extensions }))
	return rows
}

func onTimeLabel(k model.OnTimeKind) string {
	switch k {
	case model.OnTimeAck:
		return "on time: acknowledged"
	case model.OnTimeResponse:
		return "on time: responded"
	}
	return "on time: custodian 45d"
}

// RatePercent shows a rate as a whole percentage, "—" when nothing was judged.
func RatePercent(r model.Rate) string {
	if r.Of == 0 {
		return None
	}
	return fmt.Sprintf("%.0f%%", r.Percent())
}

// PadTable renders rows as plain text: the first column left-aligned, the
// others right-aligned, two spaces apart, each line trimmed at its end.
func PadTable(rows [][]string) string {
	if len(rows) == 0 {
		return ""
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 {
				line.WriteString(c + pad)
				continue
			}
			line.WriteString("  " + pad + c)
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	return b.String()
}

// MonthRows is the requests received per month by type: a heading row,
// twelve month rows and a total column.
func MonthRows(m model.Metrics) [][]string {
	head := []string{"month"}
	for _, t := range model.RequestTypes() {
		head = append(head, TypeHeading(t))
	}
	rows := [][]string{append(head, "all")}
	for _, mc := range m.Months {
		row := []string{mc.Month.String()[:3]}
		for _, t := range model.RequestTypes() {
			row = append(row, strconv.Itoa(mc.ByType[t]))
		}
		rows = append(rows, append(row, strconv.Itoa(mc.Total())))
	}
	return rows
}

// BinLabel names a histogram bar: "0–4", "90+".
func BinLabel(b model.DaysBin) string {
	if b.To < 0 {
		return fmt.Sprintf("%d+", b.From)
	}
	return fmt.Sprintf("%d–%d", b.From, b.To)
}

// MetricsCSV is the figure table as CSV rows with raw numbers, one row per
// request type and one for all: what a spreadsheet reads.
func MetricsCSV(m model.Metrics) [][]string {
	head := []string{"year", "tenant", "type", "received", "complied_whole", "complied_part"}
	for _, b := range model.DenialBases() {
		head = append(head, "denied_"+string(b))
	}
	head = append(head, "withdrawn", "open", "responded", "median_days", "mean_days")
	for _, k := range model.OnTimeKinds() {
		head = append(head, string(k)+"_met", string(k)+"_judged")
	}
	rows := [][]string{append(head, "extensions")}
	for _, c := range append(append([]model.TypeMetrics(nil), m.Types...), m.Total) {
		row := []string{strconv.Itoa(m.Year), m.TenantID, string(c.Type), strconv.Itoa(c.Received),
			strconv.Itoa(c.CompliedWhole), strconv.Itoa(c.CompliedPart)}
		for _, b := range model.DenialBases() {
			row = append(row, strconv.Itoa(c.Denied[b]))
		}
		row = append(row, strconv.Itoa(c.Withdrawn), strconv.Itoa(c.Open), strconv.Itoa(c.Responded),
			strconv.FormatFloat(c.MedianDays, 'f', 1, 64), strconv.FormatFloat(c.MeanDays, 'f', 1, 64))
		for _, k := range model.OnTimeKinds() {
			row = append(row, strconv.Itoa(c.OnTime[k].Met), strconv.Itoa(c.OnTime[k].Of))
		}
		rows = append(rows, append(row, strconv.Itoa(c.Extensions)))
	}
	return rows
}

// MetricsText is the whole report as plain text, for the terminal or a
// Customer report: the figures, the months, and the days to respond with
// a bar of '#' per response (scaled to 40 wide) and the 45-day line drawn
// between the bars it separates.
func MetricsText(m model.Metrics) string {
	var b strings.Builder
	b.WriteString(MetricsTitle(m) + "\n\n")
	b.WriteString(PadTable(MetricsFigures(m)))
	b.WriteString("\nRequests received per month\n")
	b.WriteString(PadTable(MonthRows(m)))
	b.WriteString("\nDays to respond (completed and denied requests)\n")
	most := 0
	for _, d := range m.Days {
		most = max(most, d.Count)
	}
	rows := [][]string{{"days", "responses", ""}}
	for _, d := range m.Days {
		if d.From == model.ResponseDays {
			rows = append(rows, []string{"-- 45 days (§7021(b)) --", "", ""})
		}
		bar := ""
		if most > 0 {
			bar = strings.Repeat("#", (d.Count*40+most-1)/most)
		}
		rows = append(rows, []string{BinLabel(d), strconv.Itoa(d.Count), bar})
	}
	for _, r := range rows {
		b.WriteString(strings.TrimRight(fmt.Sprintf("%-8s %9s  %s", r[0], r[1], r[2]), " ") + "\n")
	}
	return b.String()
}
