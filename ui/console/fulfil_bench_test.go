package console

import (
	"fmt"
	"testing"

	"github.com/custodian-dev/custodian/model"
)

// BenchmarkPlanContent is the cost of laying out a plan's preview, paid
// in Update when the plan arrives, changes or the terminal is resized
// (scrolling reuses it).
func BenchmarkPlanContent(b *testing.B) {
	for _, docs := range []int{10, 100, 1000} {
		pl := samplePlan("R-2026-00001", "")
		base := pl.Docs
		pl.Docs, pl.Steps = nil, nil
		for i := range docs {
			d := base[i%len(base)]
			d.RecordID = fmt.Sprintf("REC-%06d", i)
			pl.Docs = append(pl.Docs, d)
			pl.Steps = append(pl.Steps, model.PlanStep{Kind: model.StepDocument, Docs: []int{i}, Label: d.Collection + "/" + d.RecordID + ": " + string(d.Op)})
		}
		r := model.Request{ID: "R-2026-00001", Type: model.TypeDeletion, Status: model.StatusApproved, Plan: &pl}
		for _, w := range []int{MinWidth, 200} {
			b.Run(fmt.Sprintf("docs=%d/width=%d", docs, w), func(b *testing.B) {
				th := NewTheme(true, false)
				for b.Loop() {
					_ = planContent(th, utcPlan(r), w)
				}
			})
		}
	}
}
