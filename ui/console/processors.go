package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// statusCell is a request's status as the queue shows it: a fulfilling
// request whose steps are done and that waits only on its sub-processors'
// confirmations says so (model.WaitingOnProcessors, stored on the row).
func statusCell(r model.Request) string {
	return model.CleanLine(model.StatusText(r))
}

// processorLines are a request's sub-processor notices for its detail:
// one line each, with the state of its confirmation.
func processorLines(r model.Request, t model.Tenant, now time.Time) []string {
	if len(r.ProcessorNotices) == 0 && (r.Plan == nil || len(r.Plan.Processors) == 0) {
		return nil
	}
	loc, cal := t.Location(), t.Calendar()
	var out []string
	if model.WaitingOnProcessors(r) {
		out = append(out, "Waiting on processors: "+model.CleanLine(strings.Join(model.ProcessorsPending(r), ", ")))
	}
	seen := map[string]bool{}
	for _, n := range r.ProcessorNotices {
		seen[n.Processor] = true
		out = append(out, fmt.Sprintf("  %s · notified %s · %s", model.CleanLine(n.Processor),
			n.SentAt.In(loc).Format("2006-01-02"), model.ProcessorState(n, now, cal, loc)))
	}
	if r.Plan != nil {
		for _, pp := range r.Plan.Processors {
			if !seen[pp.Name] {
				out = append(out, "  "+model.CleanLine(pp.Name)+" · not notified yet: the plan's step sends the notice")
			}
		}
	}
	return out
}
