package console

// Browsing requests by status (:requests all | closed | <status,…>): the
// queue pane lists the chosen statuses, closed ones included, instead of
// the open queue, until esc or a bare :requests brings the open queue back.

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// shows reports whether a request in status st belongs in the list: the
// open statuses normally, the browsed ones while browsing.
func (p *queuePane) shows(st model.Status) bool {
	if p.statuses == nil {
		return st.Open()
	}
	return slices.Contains(p.statuses, st)
}

// browse lists the statuses arg names (model.ParseStatusList: names,
// labels, open, closed, all); "" or "open" is the open queue again. Bad
// input changes nothing and says what to type.
func (p *queuePane) browse(arg string) tea.Cmd {
	arg = strings.TrimSpace(arg)
	sts, err := model.ParseStatusList(arg)
	if err != nil {
		return p.ctx.Error("requests: " + err.Error() + ", e.g. :requests closed")
	}
	if arg == "" || slices.Equal(sts, model.OpenStatuses()) {
		if p.statuses == nil {
			return p.ctx.Info("showing the open queue")
		}
		p.statuses, p.browseLabel = nil, ""
		return tea.Batch(p.reload(false), p.ctx.Info("back to the open queue"))
	}
	labels := make([]string, len(sts))
	for i, st := range sts {
		labels[i] = st.Label()
	}
	p.statuses, p.browseLabel = sts, strings.Join(labels, ", ")
	if strings.EqualFold(arg, "all") {
		p.browseLabel = "all statuses"
	}
	return tea.Batch(p.reload(false), p.ctx.Info("showing "+p.browseLabel+" — "+p.ctx.keyFor(keymap.Back)+" returns to the open queue"))
}
