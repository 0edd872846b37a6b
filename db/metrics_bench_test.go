package db_test

import "testing"

// BenchmarkRequestMetrics is a year's metrics over 3,000 stored requests:
// one read of the year's range (the export's index) and the model's count.
func BenchmarkRequestMetrics(b *testing.B) {
	f := newFixture(b)
	seedRequests(b, f, 3000)
	year := f.clock.Now().Year()
	var received int
	for b.Loop() {
		m, err := f.s.RequestMetrics(f.ctx, f.lead, year, "")
		if err != nil {
			b.Fatal(err)
		}
		received = m.Total.Received
	}
	b.ReportMetric(float64(received), "requests")
}
