package console

import (
	"fmt"
	"time"

	"github.com/custodian-dev/custodian/model"
)

// lettersSection lists a request's letters in its detail: kind, status,
// attempts, when queued and sent, and the last delivery error. The section
// appears once there is a letter (or the list could not be read).
func (p *detailPane) lettersSection(d *doc, loc *time.Location) {
	if len(p.messages) == 0 && p.messagesErr == nil {
		return
	}
	th := p.ctx.Theme
	d.section(fmt.Sprintf("Letters (%d)", len(p.messages)))
	if p.messagesErr != nil {
		d.para(3, th.Error.Render("the letters cannot be read: "+errText(p.messagesErr)))
	}
	for _, m := range p.messages {
		status := m.Status
		if m.Status == model.MsgSending && m.ClaimedAt != nil && p.ctx.Clock.Now().Sub(*m.ClaimedAt) > model.StuckSendingAfter {
			status += " (stuck: a worker stopped mid-send)"
		}
		line := fmt.Sprintf("%s  %s  %s  attempts %d", stamp(m.CreatedAt, loc), model.CleanLine(string(m.Kind)), model.CleanLine(status), m.Attempts)
		if m.SentAt != nil {
			line += "  sent " + stamp(*m.SentAt, loc)
		}
		if m.Status == model.MsgFailed {
			line = th.Error.Render(line)
		}
		d.para(3, line)
		d.para(5, th.Dim.Render(model.CleanLine(m.To.Email)+" · "+model.CleanLine(m.Subject)))
		if m.LastError != "" {
			d.para(5, th.Dim.Render("last error: "+model.CleanLine(m.LastError)))
		}
	}
}
