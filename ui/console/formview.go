package console

// Drawing a form: its fields, their problems and the key help.

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// labelW is the width of the label column.
const labelW = 18

// lines renders the form into at most h lines of width w, and the line
// and column of the focused text input's cursor (-1 when none).
func (f *form) lines(w, h int) ([]string, int, int) {
	th := f.th
	var out []string
	add := func(s string) { out = append(out, truncate(s, w)) }
	wrap := func(indent int, s string, style func(...string) string) {
		for _, l := range strings.Split(ansi.Wrap(s, max(8, w-indent), " ,;/"), "\n") {
			out = append(out, strings.Repeat(" ", indent)+style(l))
		}
	}
	plain := func(s ...string) string { return strings.Join(s, "") }
	for _, l := range f.intro {
		wrap(1, l, plain)
	}
	if len(f.intro) > 0 {
		add("")
	}
	if f.confirming {
		for _, l := range f.confirm(f) {
			wrap(1, l, plain)
		}
		add("")
		cancel, ok := " Cancel ", " "+f.confirmLabel+" "
		if f.confirmOK {
			ok = th.Selected.Render("[" + ok + "]")
			cancel = " " + cancel + " "
		} else {
			cancel = th.Selected.Render("[" + cancel + "]")
			ok = " " + ok + " "
		}
		add("   " + cancel + "   " + ok)
		add("")
		esc := f.confirmEsc
		if esc == "" {
			esc = "goes back to the form"
		}
		wrap(1, "Cancel is focused: "+strings.Join([]string{f.keys.Binding(keymap.FormNextOption).Help().Key, "enter"}, " then ")+" confirms, "+f.keys.Binding(keymap.Back).Help().Key+" "+esc, th.Dim.Render)
		return fitTail(out, f.errLines(w), h), -1, -1
	}
	top := len(out)
	cy, cx := -1, -1
	inputW := max(10, w-labelW-5)
	focusLine := 0
	for i, fd := range f.fields {
		if !f.visible(fd) {
			continue
		}
		marker := "  "
		if i == f.focus {
			marker = th.Prompt.Render("▸ ")
			focusLine = len(out)
		}
		label := th.Label.Render(padRight(fd.label, labelW))
		var val string
		if fd.isChoice() {
			val = "◂ " + model.CleanLine(fd.display(fd.sel)) + " ▸"
			if i == f.focus {
				val = th.Prompt.Render(val)
			}
		} else {
			fd.input.SetWidth(inputW)
			val = fd.input.View()
			if i == f.focus {
				if c := fd.input.Cursor(); c != nil {
					cy, cx = len(out), 1+2+labelW+1+c.X
				}
			}
		}
		add(" " + marker + label + " " + val)
		if fd.touched {
			if p := f.problem(fd); p != "" {
				wrap(1+2+labelW+1, "✗ "+p, th.Error.Render)
			}
		}
	}
	if f.preview != nil {
		if pv := f.preview(f); len(pv) > 0 {
			add("")
			for _, l := range pv {
				wrap(1, l, plain)
			}
		}
	}
	tail := f.errLines(w)
	// Scroll so the focused field stays in view above the error lines.
	room := h - len(tail)
	if focusLine-f.offset >= room {
		f.offset = focusLine - room + 1
	}
	if focusLine < f.offset+top && f.offset > 0 {
		f.offset = max(0, focusLine-top)
	}
	f.offset = min(f.offset, max(0, len(out)-room))
	if f.offset > 0 {
		out = out[f.offset:]
		if cy >= 0 {
			cy -= f.offset
		}
	}
	return fitTail(out, tail, h), cy, cx
}

// errLines are the save status: the spinner, or the last failure.
func (f *form) errLines(w int) []string {
	th := f.th
	switch {
	case f.saving:
		return []string{"", " " + f.spin.View() + " saving… " + model.CleanLine(f.progress)}
	case f.err != "":
		var out []string
		out = append(out, "")
		for _, l := range strings.Split(ansi.Wrap("✗ "+f.err, max(8, w-2), " ,;/"), "\n") {
			out = append(out, " "+th.Error.Render(l))
		}
		return out
	}
	return nil
}

// fitTail keeps tail visible at the bottom of h lines, cutting body first.
func fitTail(body, tail []string, h int) []string {
	room := max(0, h-len(tail))
	if len(body) > room {
		body = body[:room]
	}
	return append(body, tail...)
}

// help is the form's short help for the status line.
func (f *form) help() []key.Binding {
	k := f.keys
	if f.confirming {
		return k.ShortHelp(keymap.FormNextOption, keymap.Open, keymap.Back)
	}
	next := k.Binding(keymap.NextPane)
	next.SetHelp(next.Help().Key+"/↓", "next field")
	bs := []key.Binding{next}
	if fd := f.focused(); fd != nil && fd.isChoice() {
		bs = append(bs, k.ShortHelp(keymap.FormNextOption)...)
	}
	back := k.Binding(keymap.Back)
	back.SetHelp(back.Help().Key, "cancel")
	return append(bs, append(k.ShortHelp(keymap.FormSubmit), back)...)
}
