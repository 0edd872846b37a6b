package console

import (
	"image/color"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Theme is every style the console draws with. Panes take styles from here
// rather than building their own so a theme switch (the terminal reporting
// its background late, or NO_COLOR) reaches every line at once.
type Theme struct {
	Name string

	AppName   lipgloss.Style
	Header    lipgloss.Style
	HeaderDim lipgloss.Style
	Badge     lipgloss.Style

	Tab       lipgloss.Style
	TabActive lipgloss.Style
	Crumb     lipgloss.Style

	ColHeader lipgloss.Style
	Selected  lipgloss.Style
	Overdue   lipgloss.Style
	Soon      lipgloss.Style
	Dim       lipgloss.Style

	Info  lipgloss.Style
	Error lipgloss.Style

	Section lipgloss.Style
	Label   lipgloss.Style
	Next    lipgloss.Style

	HelpKey   lipgloss.Style
	HelpGroup lipgloss.Style

	Prompt       lipgloss.Style
	PaletteMatch lipgloss.Style
	PaletteSel   lipgloss.Style
	Spinner      lipgloss.Style
	Cursor       color.Color
}

type colors struct {
	accent, dim, red, yellow, green, selBg, selFg, badgeBg, badgeFg color.Color
}

func darkPalette() colors {
	return colors{
		accent: lipgloss.Color("#87AFFF"), dim: lipgloss.Color("#8A8A8A"),
		red: lipgloss.Color("#FF5F5F"), yellow: lipgloss.Color("#FFD75F"), green: lipgloss.Color("#87D787"),
		selBg: lipgloss.Color("#3A3A6A"), selFg: lipgloss.Color("#FFFFFF"),
		badgeBg: lipgloss.Color("#D75F00"), badgeFg: lipgloss.Color("#FFFFFF"),
	}
}

func lightPalette() colors {
	return colors{
		accent: lipgloss.Color("#005FD7"), dim: lipgloss.Color("#6C6C6C"),
		red: lipgloss.Color("#C00000"), yellow: lipgloss.Color("#8A6A00"), green: lipgloss.Color("#007A00"),
		selBg: lipgloss.Color("#D0D8FF"), selFg: lipgloss.Color("#000000"),
		badgeBg: lipgloss.Color("#D75F00"), badgeFg: lipgloss.Color("#FFFFFF"),
	}
}

// NewTheme returns the dark or light theme, or with noColor one that uses
// only attributes (bold, reverse, faint): NO_COLOR forbids colour, not
// emphasis, and without reverse video the selected row would be invisible.
func NewTheme(dark, noColor bool) Theme {
	s := lipgloss.NewStyle
	if noColor {
		return Theme{
			Name:      "no-color",
			AppName:   s().Bold(true),
			Header:    s(),
			HeaderDim: s().Faint(true),
			Badge:     s().Reverse(true).Bold(true),
			Tab:       s(),
			TabActive: s().Reverse(true).Bold(true),
			Crumb:     s().Bold(true),
			ColHeader: s().Bold(true),
			Selected:  s().Reverse(true),
			Overdue:   s().Bold(true),
			Soon:      s().Underline(true),
			Dim:       s().Faint(true),
			Info:      s(),
			Error:     s().Bold(true),
			Section:   s().Bold(true).Underline(true),
			Label:     s().Faint(true),
			Next:      s().Bold(true),
			HelpKey:   s().Bold(true),
			HelpGroup: s().Bold(true).Underline(true),
			Prompt:    s().Bold(true),
			// Matched characters carry no extra emphasis: bold is already the
			// selection's cue and two cues read as noise without colour.
			PaletteMatch: s(),
			PaletteSel:   s().Reverse(true),
			Spinner:      s(),
		}
	}
	p, name := lightPalette(), "light"
	if dark {
		p, name = darkPalette(), "dark"
	}
	return Theme{
		Name:         name,
		AppName:      s().Bold(true).Foreground(p.accent),
		Header:       s(),
		HeaderDim:    s().Foreground(p.dim),
		Badge:        s().Bold(true).Foreground(p.badgeFg).Background(p.badgeBg),
		Tab:          s().Foreground(p.dim),
		TabActive:    s().Bold(true).Foreground(p.selFg).Background(p.selBg),
		Crumb:        s().Bold(true).Foreground(p.accent),
		ColHeader:    s().Bold(true).Foreground(p.accent),
		Selected:     s().Foreground(p.selFg).Background(p.selBg),
		Overdue:      s().Bold(true).Foreground(p.red),
		Soon:         s().Foreground(p.yellow),
		Dim:          s().Foreground(p.dim),
		Info:         s().Foreground(p.green),
		Error:        s().Bold(true).Foreground(p.red),
		Section:      s().Bold(true).Foreground(p.accent),
		Label:        s().Foreground(p.dim),
		Next:         s().Bold(true).Foreground(p.yellow),
		HelpKey:      s().Bold(true).Foreground(p.accent),
		HelpGroup:    s().Bold(true).Underline(true),
		Prompt:       s().Bold(true).Foreground(p.accent),
		PaletteMatch: s().Bold(true).Foreground(p.accent),
		PaletteSel:   s().Foreground(p.selFg).Background(p.selBg),
		Spinner:      s().Foreground(p.accent),
		Cursor:       p.accent,
	}
}

// inputStyles dresses a text input in the theme. The cursor never blinks: a
// blink is a redraw every half second forever, which costs SSH bandwidth and
// makes screens differ between two identical sessions.
func inputStyles(th Theme) textinput.Styles {
	state := textinput.StyleState{
		Text:        lipgloss.NewStyle(),
		Placeholder: th.Dim,
		Suggestion:  th.Dim,
		Prompt:      th.Prompt,
	}
	return textinput.Styles{
		Focused: state,
		Blurred: state,
		Cursor:  textinput.CursorStyle{Color: th.Cursor, Shape: tea.CursorBlock},
	}
}
