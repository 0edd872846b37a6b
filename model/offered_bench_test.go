package model

import (
	"fmt"
	"testing"
)

// BenchmarkOffered is what the console pays per render of a request's hints:
// every action's Check on a fulfilling request whose signed plan covers
// docs documents (the plan's digest is recomputed to see it intact).
func BenchmarkOffered(b *testing.B) {
	for _, docs := range []int{0, 100, 1000} {
		b.Run(fmt.Sprintf("plan_docs=%d", docs), func(b *testing.B) {
			p := rbPlan("lee")
			for i := range docs {
				p.Docs = append(p.Docs, PlanDoc{Collection: "payments", Product: "billing", RecordID: fmt.Sprintf("PAY-%d", i), Op: DocDelete,
					Fields: []PlanField{{Field: "card_token"}, {Field: "amount"}}, Before: "0123456789abcdef"})
			}
			p.Digest = p.ComputeDigest()
			p.SignedBy = "lou"
			f := rbFacts(rbLead, rbRequest(StatusFulfilling, withPlan(p)))
			for b.Loop() {
				if len(Offered(f)) == 0 {
					b.Fatal("nothing offered")
				}
			}
		})
	}
}
