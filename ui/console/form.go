package console

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// The one form mechanism every action uses: text fields and choices, each
// checked as it is typed with the problem shown under the field, a preview
// of what will be recorded, an optional confirmation with the safe button
// focused, and a save that runs in a tea.Cmd behind a spinner. A failed
// save leaves every field as typed and shows the controller's reason.

// formField is one input of a form. A field is a text input unless it has
// options, in which case left/right pick one of them.
type formField struct {
	key   string
	label string
	input textinput.Model
	// options make the field a choice; labels (optional) are what is shown.
	options []string
	labels  []string
	sel     int
	// check says what is wrong with the form as typed, for this field; ""
	// when nothing is. It runs on every keystroke.
	check func(f *form) string
	// show hides the field unless it returns true (agent details appear only
	// when an agent submits).
	show func(f *form) bool
	// touched fields show their problem; untouched ones wait for the
	// operator to get there (or to try to save).
	touched bool
	// optionsFrom, when set, recomputes a choice's options from the form
	// after every edit (a picker filtered by a search field); the choice
	// keeps its selection when that option is still offered. It must
	// return at least one option.
	optionsFrom func(f *form) (options, labels []string)
	// placeholderFrom, when set, recomputes a text field's placeholder
	// after every edit (a default that follows another field).
	placeholderFrom func(f *form) string
}

func (fd *formField) isChoice() bool { return len(fd.options) > 0 }

// value is the field's current text or chosen option, trimmed.
func (fd *formField) value() string {
	if fd.isChoice() {
		return fd.options[fd.sel]
	}
	return strings.TrimSpace(fd.input.Value())
}

func (fd *formField) display(i int) string {
	if i < len(fd.labels) {
		return fd.labels[i]
	}
	return fd.options[i]
}

// textField is a text input with a placeholder.
func textField(key, label, placeholder string, check func(*form) string) *formField {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.CharLimit = 2000
	in.SetVirtualCursor(false)
	return &formField{key: key, label: label, input: in, check: check}
}

// choiceField picks one of options (shown as labels when given).
func choiceField(key, label string, options, labels []string) *formField {
	return &formField{key: key, label: label, options: options, labels: labels}
}

// required is a check that the field is not empty.
func required(key, what string) func(*form) string {
	return func(f *form) string {
		if f.value(key) == "" {
			return what + " is required"
		}
		return ""
	}
}

// form is the state of one form; formPane hosts it as a view.
type form struct {
	th     Theme
	keys   keymap.KeyMap
	fields []*formField
	focus  int
	// intro is shown above the fields: what the action does.
	intro []string
	// preview is recomputed from the values on every render: what will be
	// recorded, a new due date, the evidence for a refusal.
	preview func(f *form) []string
	// confirm, when set, makes a valid submit ask first; it returns the
	// question and exactly what will be recorded.
	confirm      func(f *form) []string
	confirmLabel string
	confirming   bool
	confirmOK    bool // which button has focus: false is Cancel, the safe one
	// confirmEsc says what esc does at the question (default: back to the
	// form); a form that is only a question (a sign-off) closes.
	confirmEsc string
	// err is the last save's failure (a refusal, a conflict), shown until
	// the next edit or save.
	err    string
	saving bool
	// progress says how far a long save got ("3 of 100").
	progress string
	spin     spinner.Model
	// offset scrolls long forms so the focused field stays on screen.
	offset int
}

func newForm(c *Context, fields []*formField) *form {
	f := &form{th: c.Theme, keys: c.Keys, fields: fields,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.Theme.Spinner))}
	for _, fd := range fields {
		fd.input.SetStyles(inputStyles(c.Theme))
	}
	f.refreshOptions()
	f.focusFirst()
	return f
}

func (f *form) field(key string) *formField {
	for _, fd := range f.fields {
		if fd.key == key {
			return fd
		}
	}
	return nil
}

// value of the field named key, "" when it is hidden or absent.
func (f *form) value(key string) string {
	fd := f.field(key)
	if fd == nil || !f.visible(fd) {
		return ""
	}
	return fd.value()
}

func (f *form) setValue(key, v string) {
	if fd := f.field(key); fd != nil {
		if fd.isChoice() {
			for i, o := range fd.options {
				if o == v {
					fd.sel = i
				}
			}
			return
		}
		fd.input.SetValue(v)
		fd.input.CursorEnd()
	}
}

func (f *form) visible(fd *formField) bool { return fd.show == nil || fd.show(f) }

func (f *form) visibleFields() []*formField {
	var out []*formField
	for _, fd := range f.fields {
		if f.visible(fd) {
			out = append(out, fd)
		}
	}
	return out
}

// problem is what is wrong with fd as typed.
func (f *form) problem(fd *formField) string {
	if fd.check == nil || !f.visible(fd) {
		return ""
	}
	return model.CleanLine(fd.check(f))
}

// valid touches every field and reports whether none has a problem,
// focusing the first that does.
func (f *form) valid() bool {
	ok := true
	for i, fd := range f.fields {
		fd.touched = true
		if ok && f.problem(fd) != "" {
			ok = false
			f.setFocus(i)
		}
	}
	return ok
}

func (f *form) focused() *formField {
	if f.focus < 0 || f.focus >= len(f.fields) {
		return nil
	}
	return f.fields[f.focus]
}

func (f *form) focusFirst() {
	f.focus = -1
	f.move(1)
}

func (f *form) setFocus(i int) tea.Cmd {
	if cur := f.focused(); cur != nil {
		cur.input.Blur()
		cur.touched = true
	}
	f.focus = i
	if cur := f.focused(); cur != nil && !cur.isChoice() {
		return cur.input.Focus()
	}
	return nil
}

// move focuses the next (or previous) visible field; it returns false at
// either end.
func (f *form) move(delta int) bool {
	for i := f.focus + delta; i >= 0 && i < len(f.fields); i += delta {
		if f.visible(f.fields[i]) {
			f.setFocus(i)
			return true
		}
	}
	if f.focus < 0 && len(f.fields) > 0 {
		f.focus = 0
	}
	return false
}

// cycle moves like move but goes round from the last field to the first.
func (f *form) cycle(delta int) {
	if f.move(delta) {
		return
	}
	vis := f.visibleFields()
	if len(vis) < 2 {
		return
	}
	target := vis[0]
	if delta < 0 {
		target = vis[len(vis)-1]
	}
	f.setFocus(slices.Index(f.fields, target))
}

// formResult is what a key did to the form.
type formResult int

const (
	formNone formResult = iota
	formCancel
	formSubmit
)

// update handles a key or paste. Submit means "valid and confirmed: save".
func (f *form) update(msg tea.Msg) (formResult, tea.Cmd) {
	if f.saving {
		return formNone, nil // one save at a time; esc waits for its answer
	}
	k := f.keys
	if km, ok := msg.(tea.KeyPressMsg); ok {
		if f.confirming {
			switch {
			case k.Matches(km, keymap.Back):
				f.confirming = false
			case k.Matches(km, keymap.FormPrevOption), k.Matches(km, keymap.FormNextOption),
				k.Matches(km, keymap.NextPane), k.Matches(km, keymap.PrevPane):
				f.confirmOK = !f.confirmOK
			case k.Matches(km, keymap.Open):
				f.confirming = false
				if f.confirmOK {
					return formSubmit, nil
				}
			}
			return formNone, nil
		}
		switch {
		case k.Matches(km, keymap.Back):
			return formCancel, nil
		case k.Matches(km, keymap.FormSubmit):
			return f.submit(), nil
		case km.String() == "enter":
			if !f.move(1) {
				return f.submit(), nil
			}
			return formNone, nil
		// Arrows rather than the Navigation bindings: j and k type letters.
		case km.String() == "down":
			f.move(1)
			return formNone, nil
		case km.String() == "up":
			f.move(-1)
			return formNone, nil
		case k.Matches(km, keymap.NextPane):
			f.cycle(1) // tab goes round
			return formNone, nil
		case k.Matches(km, keymap.PrevPane):
			f.cycle(-1)
			return formNone, nil
		}
		if fd := f.focused(); fd != nil && fd.isChoice() {
			switch {
			case k.Matches(km, keymap.FormPrevOption):
				fd.sel = (fd.sel + len(fd.options) - 1) % len(fd.options)
				f.edited(fd)
			case k.Matches(km, keymap.FormNextOption):
				fd.sel = (fd.sel + 1) % len(fd.options)
				f.edited(fd)
			}
			return formNone, nil
		}
	}
	fd := f.focused()
	if fd == nil || fd.isChoice() {
		return formNone, nil
	}
	before := fd.input.Value()
	var cmd tea.Cmd
	fd.input, cmd = fd.input.Update(msg)
	keepClean(&fd.input)
	if fd.input.Value() != before {
		f.edited(fd)
	}
	return formNone, cmd
}

func (f *form) edited(fd *formField) {
	fd.touched = true
	f.err = ""
	f.refreshOptions()
}

// refreshOptions recomputes the choices and placeholders that follow
// other fields.
func (f *form) refreshOptions() {
	for _, fd := range f.fields {
		if fd.placeholderFrom != nil {
			fd.input.Placeholder = fd.placeholderFrom(f)
		}
		if fd.optionsFrom == nil {
			continue
		}
		was := ""
		if fd.sel < len(fd.options) {
			was = fd.options[fd.sel]
		}
		fd.options, fd.labels = fd.optionsFrom(f)
		fd.sel = max(0, slices.Index(fd.options, was))
	}
}

func (f *form) submit() formResult {
	if !f.valid() {
		return formNone
	}
	if f.confirm != nil {
		f.confirming, f.confirmOK = true, false
		return formNone
	}
	return formSubmit
}
