package console

import (
	"slices"
	"strings"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// helpEntry is one line of the full help.
type helpEntry struct{ keys, desc string }

// helpGroup is one titled column of the full help.
type helpGroup struct {
	title   string
	entries []helpEntry
}

// helpGroups collects, from the keymap itself, the bindings of the global and
// navigation groups plus the groups the pane acts on. Built from keymap.All so
// the help can never disagree with what the keys do, user overrides included.
//
// hidden (may be nil) drops the keys the rule book does not offer on the
// request the pane shows: `?` never lists what the operator may not do.
func helpGroups(km keymap.KeyMap, paneGroups []string, pane keymap.Pane, hidden func(keymap.Action) bool) []helpGroup {
	want := append([]string{keymap.GroupGlobal, keymap.GroupNavigation}, paneGroups...)
	var out []helpGroup
	for _, b := range km.All() {
		if !slices.Contains(want, b.Group) || len(b.Keys) == 0 {
			continue
		}
		// A group can hold actions some panes lack (marking is for lists).
		if pane != "" && !slices.Contains(keymap.PaneActions(pane), b.Action) {
			continue
		}
		if hidden != nil && hidden(b.Action) {
			continue
		}
		i := slices.IndexFunc(out, func(g helpGroup) bool { return g.title == b.Group })
		if i < 0 {
			out = append(out, helpGroup{title: b.Group})
			i = len(out) - 1
		}
		h := km.Binding(b.Action).Help()
		out[i].entries = append(out[i].entries, helpEntry{keys: h.Key, desc: h.Desc})
	}
	return out
}

// helpView lays the groups out as columns, side by side while they fit the
// width and in further rows of columns when they do not.
func helpView(th Theme, title, closeHint string, groups []helpGroup, w, h int) string {
	const gap = 4
	type block struct {
		lines []string
		width int
	}
	var blocks []block
	for _, g := range groups {
		kw := 0
		for _, e := range g.entries {
			kw = max(kw, textWidth(e.keys))
		}
		lines := []string{th.HelpGroup.Render(g.title)}
		bw := textWidth(g.title)
		for _, e := range g.entries {
			l := th.HelpKey.Render(padRight(e.keys, kw)) + "  " + e.desc
			bw = max(bw, kw+2+textWidth(e.desc))
			lines = append(lines, l)
		}
		blocks = append(blocks, block{lines, bw})
	}

	out := []string{" " + th.Crumb.Render(title), ""}
	for len(blocks) > 0 {
		// Take as many blocks as fit side by side, at least one.
		n, used := 0, 1
		for n < len(blocks) && (n == 0 || used+gap+blocks[n].width <= w) {
			if n > 0 {
				used += gap
			}
			used += blocks[n].width
			n++
		}
		rows := 0
		for _, b := range blocks[:n] {
			rows = max(rows, len(b.lines))
		}
		for r := range rows {
			var sb strings.Builder
			sb.WriteString(" ")
			for i, b := range blocks[:n] {
				if i > 0 {
					sb.WriteString(strings.Repeat(" ", gap))
				}
				l := ""
				if r < len(b.lines) {
					l = b.lines[r]
				}
				if i < n-1 {
					l = padRight(l, b.width)
				}
				sb.WriteString(l)
			}
			out = append(out, sb.String())
		}
		out = append(out, "")
		blocks = blocks[n:]
	}
	out = append(out, th.Dim.Render(" "+closeHint))
	if len(out) > h {
		// More bindings than rows; flow them down columns instead.
		out = flowHelp(th, title, closeHint, groups, w, h)
	}
	return fitLines(strings.Join(out, "\n"), w, h)
}

// flowHelp lays the groups out as one stream of lines flowing down columns
// as tall as the screen allows, a group's title never left alone at the
// bottom of a column. It is the layout for panes with many bindings.
func flowHelp(th Theme, title, closeHint string, groups []helpGroup, w, h int) []string {
	const gap = 2
	rows := max(2, h-3)
	// A cell is a group title (keys == "" and title set), an entry or a blank.
	type cell struct {
		title      string
		keys, desc string
		group      int
	}
	var cols [][]cell
	var col []cell
	push := func(c cell) {
		if len(col) == rows {
			cols, col = append(cols, col), nil
		}
		col = append(col, c)
	}
	for gi, g := range groups {
		if gi > 0 && len(col) > 0 && len(col) < rows {
			push(cell{group: -1})
		}
		if len(col) >= rows-1 {
			cols, col = append(cols, col), nil
		}
		push(cell{title: g.title, group: gi})
		for _, e := range g.entries {
			push(cell{keys: e.keys, desc: e.desc, group: gi})
		}
	}
	if len(col) > 0 {
		cols = append(cols, col)
	}
	// Keys are padded to the widest of their group within one column, so a
	// group continued in the next column does not carry a wide key along.
	rendered := make([][]string, len(cols))
	widths := make([]int, len(cols))
	for ci, c := range cols {
		kw := map[int]int{}
		for _, x := range c {
			if x.title == "" && x.keys != "" {
				kw[x.group] = max(kw[x.group], textWidth(x.keys))
			}
		}
		for _, x := range c {
			var l string
			var lw int
			switch {
			case x.title != "":
				l, lw = th.HelpGroup.Render(x.title), textWidth(x.title)
			case x.keys != "":
				l = th.HelpKey.Render(padRight(x.keys, kw[x.group])) + "  " + x.desc
				lw = kw[x.group] + 2 + textWidth(x.desc)
			}
			rendered[ci] = append(rendered[ci], l)
			widths[ci] = max(widths[ci], lw)
		}
	}
	out := []string{" " + th.Crumb.Render(title), ""}
	for r := range rows {
		var sb strings.Builder
		sb.WriteString(" ")
		for i := range cols {
			if i > 0 {
				sb.WriteString(strings.Repeat(" ", gap))
			}
			l := ""
			if r < len(rendered[i]) {
				l = rendered[i][r]
			}
			if i < len(cols)-1 {
				l = padRight(l, widths[i])
			}
			sb.WriteString(l)
		}
		out = append(out, strings.TrimRight(sb.String(), " "))
	}
	return append(out, th.Dim.Render(" "+closeHint))
}

// keyPaneOf is the keymap pane a view's keys belong to, "" when it does
// not say.
func keyPaneOf(p Pane) keymap.Pane {
	if kp, ok := p.(keymapPane); ok {
		return kp.keyPane()
	}
	return ""
}

// hiddenKeys is the help's filter for pane p: the request and fulfilment
// keys whose actions the rule book does not offer on p's request; nil for
// a pane with no request.
func hiddenKeys(c *Context, p Pane) func(keymap.Action) bool {
	rh, ok := p.(ruleHinted)
	if !ok {
		return nil
	}
	var offered []model.Action
	if r, ok := rh.hintedRequest(); ok {
		offered = model.Offered(requestFacts(c, r))
	}
	return func(ka keymap.Action) bool {
		acts := keyActions(ka)
		if len(acts) == 0 {
			return false
		}
		for _, a := range acts {
			if slices.Contains(offered, a) {
				return false
			}
		}
		return true
	}
}

// keyActions are the rule-book actions a request or fulfilment key takes.
func keyActions(ka keymap.Action) []model.Action {
	if a, ok := actionKeys()[ka]; ok {
		return []model.Action{a}
	}
	switch ka {
	case keymap.Plan, keymap.Replan:
		return []model.Action{model.ActPlan}
	case keymap.SignOff:
		return []model.Action{model.ActSignOff}
	case keymap.Fulfil:
		return []model.Action{model.ActStartFulfilment, model.ActFulfilStep}
	}
	return nil
}

// paneHelp is the help screen for the view on top: its key groups, titled
// with its name, sized to the body.
func paneHelp(c *Context, top Pane, w, h int) string {
	title := "Keys · " + top.Title()
	return helpView(c.Theme, title, c.keyFor(keymap.Back)+" or "+c.keyFor(keymap.Help)+" closes this help", helpGroups(c.Keys, top.HelpGroups(), keyPaneOf(top), hiddenKeys(c, top)), w, h)
}
