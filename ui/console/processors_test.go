package console

import (
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// TestQueueAndDetailShowWaitingOnProcessors: a fulfilling request whose
// steps are done and whose sub-processors have not all confirmed reads
// "waiting on processors" in its queue row, and its detail lists each
// notice with its state (11 CCR §7022(b)(3)).
func TestQueueAndDetailShowWaitingOnProcessors(t *testing.T) {
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	tn := model.Tenant{ID: "ta", Name: "Town A", State: "CA", TimeZone: "America/Los_Angeles"}
	sent := time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC)
	r := model.Request{ID: "R-1", TenantID: "ta", Type: model.TypeDeletion, Status: model.StatusFulfilling, ReceivedAt: sent.Add(-72 * time.Hour),
		Plan: &model.Plan{Steps: []model.PlanStep{{Kind: model.StepProcessor, Processor: "Lumen CRM", Done: true}, {Kind: model.StepProcessor, Processor: "Tally\x1b[31m", Done: true}},
			Processors: []model.PlanProcessor{{Name: "Lumen CRM"}, {Name: "Tally\x1b[31m"}}},
		ProcessorNotices: []model.ProcessorNotice{
			{Processor: "Lumen CRM", SentAt: sent, Confirmed: &model.ProcessorConfirmation{At: sent.Add(48 * time.Hour), Reference: "LC-1", RecordedBy: "sam"}},
			{Processor: "Tally\x1b[31m", SentAt: sent, Reminders: []time.Time{sent.Add(7 * 24 * time.Hour)}},
		}}
	r.WaitingProcessors = model.WaitingOnProcessors(r)
	row := newRow(r, &tn, nil, now)
	if got := row.cells[colStatus]; got != model.WaitingLabel {
		t.Errorf("queue status cell %q, want %q", got, model.WaitingLabel)
	}
	lines := strings.Join(processorLines(r, tn, now), "\n")
	for _, want := range []string{"Waiting on processors: Tally", "Lumen CRM · notified 2026-03-02 · confirmed 2026-03-04 (LC-1) by sam", "1 reminder sent"} {
		if !strings.Contains(lines, want) {
			t.Errorf("detail lacks %q:\n%s", want, lines)
		}
	}
	if strings.Contains(lines, "\x1b") {
		t.Errorf("a hostile processor name reaches the screen raw: %q", lines)
	}
	// Confirmed or excepted by all: plain fulfilling (a lead completes it).
	r.ProcessorNotices[1].Exception = &model.ProcessorException{Reason: "never received the data", By: "lou", At: now}
	r.WaitingProcessors = model.WaitingOnProcessors(r)
	if got := newRow(r, &tn, nil, now).cells[colStatus]; got != "fulfilling" {
		t.Errorf("settled: status cell %q", got)
	}
	if lines := strings.Join(processorLines(r, tn, now), "\n"); strings.Contains(lines, "Waiting") || !strings.Contains(lines, "excepted by lou") {
		t.Errorf("settled detail:\n%s", lines)
	}
}
