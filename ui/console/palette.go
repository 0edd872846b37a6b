package console

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"

	"github.com/custodian-dev/custodian/keymap"
	"github.com/custodian-dev/custodian/model"
)

// command is one entry of the command palette.
type command struct {
	// name is what running the entry types, e.g. "tenant springfield".
	name string
	desc string
	// matchDesc lets the description be searched too (a tenant's name finds
	// "tenant <id>"); for other commands it would only add noise matches.
	matchDesc bool
	// needsArg entries complete to "name " instead of running.
	needsArg bool
}

func (c command) match() string {
	if c.matchDesc {
		return c.name + "  " + c.desc
	}
	return c.name
}

type commandSource []command

func (s commandSource) String(i int) string { return s[i].match() }
func (s commandSource) Len() int            { return len(s) }

// commandPalette is the ":" prompt: a text input over a fuzzy-filtered list.
type commandPalette struct {
	input   textinput.Model
	cmds    []command
	matches fuzzy.Matches
	sel     int
	open    bool
}

func newCommandPalette(th Theme) commandPalette {
	in := textinput.New()
	in.Prompt = ":"
	in.Placeholder = "queue · tenant <id|name> · tenant all · open <request id> · help · quit"
	in.SetVirtualCursor(false)
	in.SetStyles(inputStyles(th))
	return commandPalette{input: in}
}

func (c *commandPalette) show(prefill string, cmds []command) tea.Cmd {
	c.open = true
	c.cmds = cmds
	c.input.SetValue(prefill)
	c.input.CursorEnd()
	c.refresh()
	return c.input.Focus()
}

func (c *commandPalette) hide() {
	c.open = false
	c.input.Blur()
	c.input.SetValue("")
}

func (c *commandPalette) refresh() {
	c.sel = 0
	q := strings.TrimSpace(c.input.Value())
	if q == "" {
		c.matches = make(fuzzy.Matches, len(c.cmds))
		for i, cm := range c.cmds {
			c.matches[i] = fuzzy.Match{Str: cm.match(), Index: i}
		}
		return
	}
	c.matches = fuzzy.FindFrom(q, commandSource(c.cmds))
	// What the query is a prefix of comes first, in the list's own order
	// (panes before quit): fuzzy scores alone rank "quit" above "queue" for
	// ":qu", which would close the console when the user meant a pane.
	lq := strings.ToLower(q)
	slices.SortStableFunc(c.matches, func(a, b fuzzy.Match) int {
		ap := strings.HasPrefix(strings.ToLower(c.cmds[a.Index].name), lq)
		bp := strings.HasPrefix(strings.ToLower(c.cmds[b.Index].name), lq)
		switch {
		case ap && !bp:
			return -1
		case bp && !ap:
			return 1
		case ap && bp:
			return a.Index - b.Index
		}
		return 0
	})
}

// verb is the command taking an argument that is named verb.
func (c *commandPalette) verb(verb string) (command, bool) {
	for _, cm := range c.cmds {
		if cm.needsArg && strings.EqualFold(cm.name, verb) {
			return cm, true
		}
	}
	return command{}, false
}

// selected is the highlighted command, if any match.
func (c *commandPalette) selected() (command, bool) {
	if c.sel < 0 || c.sel >= len(c.matches) {
		return command{}, false
	}
	return c.cmds[c.matches[c.sel].Index], true
}

func (c *commandPalette) moveSel(d int) {
	if len(c.matches) == 0 {
		return
	}
	c.sel = (c.sel + d + len(c.matches)) % len(c.matches)
}

// complete replaces the input with the highlighted command.
func (c *commandPalette) complete() {
	cm, ok := c.selected()
	if !ok {
		return
	}
	v := cm.name
	if cm.needsArg {
		v += " "
	}
	c.input.SetValue(v)
	c.input.CursorEnd()
	c.refresh()
}

func (c *commandPalette) update(msg tea.Msg) tea.Cmd {
	before := c.input.Value()
	var cmd tea.Cmd
	c.input, cmd = c.input.Update(msg)
	keepClean(&c.input)
	if c.input.Value() != before {
		c.refresh()
	}
	return cmd
}

// lines renders the prompt, up to max matches and a rule under them.
func (c *commandPalette) lines(th Theme, w, maxItems int) []string {
	c.input.SetWidth(max(1, w-3))
	out := []string{" " + c.input.View()}
	start := 0
	if c.sel >= maxItems {
		start = c.sel - maxItems + 1
	}
	for i := start; i < len(c.matches) && i < start+maxItems; i++ {
		m := c.matches[i]
		cm := c.cmds[m.Index]
		text := cm.match()
		if !cm.matchDesc && cm.desc != "" {
			text += "  " + cm.desc
		}
		text = truncate(text, w-4)
		if i == c.sel {
			out = append(out, th.PaletteSel.Render(padRight("  › "+text, w)))
			continue
		}
		out = append(out, "    "+highlight(th, text, m.MatchedIndexes, len(cm.name)))
	}
	if len(c.matches) == 0 && strings.TrimSpace(c.input.Value()) != "" {
		msg := "no matching command — enter runs it as typed"
		// "open R-2026-00042" matches no entry, yet it is a command and
		// its argument: say what enter will do rather than that it is unknown.
		verb, arg, _ := strings.Cut(strings.TrimSpace(c.input.Value()), " ")
		if cm, ok := c.verb(verb); ok && strings.TrimSpace(arg) != "" {
			msg = "enter: " + cm.desc + " — " + cm.name + " " + model.CleanLine(strings.TrimSpace(arg))
		}
		out = append(out, th.Dim.Render(truncate("    "+msg, w)))
	}
	out = append(out, th.Dim.Render(strings.Repeat("─", w)))
	return out
}

// highlight marks the matched bytes of text; everything past the command
// name is the description and is dimmed.
func highlight(th Theme, text string, idx []int, nameLen int) string {
	matched := make(map[int]bool, len(idx))
	for _, i := range idx {
		matched[i] = true
	}
	var b strings.Builder
	for i, r := range text {
		s := string(r)
		switch {
		case matched[i]:
			b.WriteString(th.PaletteMatch.Render(s))
		case i >= nameLen:
			b.WriteString(th.Dim.Render(s))
		default:
			b.WriteString(s)
		}
	}
	return b.String()
}

// keepClean strips from an input what the terminal would act on. The text
// input drops control characters but keeps bidi overrides, and a pasted id
// copied from an e-mail can carry them.
func keepClean(in *textinput.Model) {
	if v := in.Value(); model.CleanLine(v) != v {
		pos := in.Position()
		in.SetValue(model.CleanLine(v))
		in.SetCursor(min(pos, len([]rune(in.Value()))))
	}
}

// paletteVerbs are the palette's commands; pane titles are verbs too.
func paletteVerbs(panes []Pane) []string {
	v := []string{"tenant", "open", "refresh", "help", "quit", "q", "health", "failed", "requests"}
	for _, p := range panes {
		v = append(v, strings.ToLower(p.Title()))
	}
	return v
}

// paletteCommands lists what the palette offers, tenants included.
func paletteCommands(panes []Pane, tenants []model.Tenant) []command {
	var out []command
	for _, p := range panes {
		out = append(out, command{name: strings.ToLower(p.Title()), desc: "go to the " + strings.ToLower(p.Title()) + " pane"})
	}
	out = append(out, command{name: "tenant all", desc: "every tenant in your scope"})
	for _, t := range tenants {
		out = append(out, command{name: "tenant " + model.CleanLine(t.ID), desc: model.CleanLine(t.Name), matchDesc: true})
	}
	out = append(out,
		command{name: "open", desc: "open a request by id", needsArg: true},
		command{name: "refresh", desc: "reload from the database"},
		command{name: "health", desc: "on-call view: database, claims, failures, last audit verify, sessions"},
		command{name: "failed", desc: "failed requests, newest first, with step and reason"},
		command{name: "requests all", desc: "browse every request, closed ones included"},
		command{name: "requests closed", desc: "browse completed, denied and withdrawn requests"},
		command{name: "requests", desc: "browse requests by status: requests denied,completed", needsArg: true},
		command{name: "help", desc: "show key bindings"},
		command{name: "quit", desc: "leave custodian"},
	)
	return out
}

// resolveTenant matches arg against the tenants by id, then by name, then
// by a unique partial match; "all" is every tenant ("").
func resolveTenant(ts []model.Tenant, arg string) (string, error) {
	if strings.EqualFold(arg, "all") {
		return "", nil
	}
	for _, t := range ts {
		if t.ID == arg {
			return t.ID, nil
		}
	}
	for _, t := range ts {
		if strings.EqualFold(t.ID, arg) || strings.EqualFold(model.CleanLine(t.Name), arg) {
			return t.ID, nil
		}
	}
	var hits []model.Tenant
	low := strings.ToLower(arg)
	for _, t := range ts {
		if strings.Contains(strings.ToLower(t.ID), low) || strings.Contains(strings.ToLower(model.CleanLine(t.Name)), low) {
			hits = append(hits, t)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0].ID, nil
	case 0:
		return "", fmt.Errorf("no tenant in your scope matches %q", model.CleanLine(arg))
	}
	names := make([]string, 0, 3)
	for _, t := range hits[:min(3, len(hits))] {
		names = append(names, model.CleanLine(t.ID))
	}
	return "", fmt.Errorf("%q matches %d tenants (%s…) — type more of it", model.CleanLine(arg), len(hits), strings.Join(names, ", "))
}

// cursor is the terminal cursor in the palette's input line.
func (c *commandPalette) cursor() *tea.Cursor {
	cur := c.input.Cursor()
	if cur != nil {
		cur.X += 1 // the palette line is indented by one cell
	}
	return cur
}

// over draws the palette over the top of body, k9s-style, so the rows
// under it stay in view for context.
func (c *commandPalette) over(body string, th Theme, w, h int) string {
	lines := strings.Split(body, "\n")
	copy(lines, c.lines(th, w, min(8, h-3)))
	return strings.Join(lines, "\n")
}

// key handles a key while the palette is open: esc hides it, the arrows
// move the highlight, tab completes, anything else is typed. enter is
// reported, not handled: running a command is the shell's.
func (c *commandPalette) key(msg tea.KeyPressMsg, keys keymap.KeyMap) (cmd tea.Cmd, enter bool) {
	if keys.Matches(msg, keymap.Back) {
		c.hide()
		return nil, false
	}
	switch msg.String() {
	case "enter":
		return nil, true
	case "up", "ctrl+p":
		c.moveSel(-1)
		return nil, false
	case "down", "ctrl+n":
		c.moveSel(1)
		return nil, false
	case "tab":
		c.complete()
		return nil, false
	}
	return c.update(msg), false
}
