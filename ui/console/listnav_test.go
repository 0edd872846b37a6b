package console

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/custodian-dev/custodian/keymap"
)

func TestScrollTo(t *testing.T) {
	tests := []struct {
		name                      string
		cursor, offset, n, height int
		wantCursor, wantOffset    int
	}{
		{"empty list", 5, 3, 0, 10, 0, 0},
		{"inside the window stays put", 4, 2, 50, 10, 4, 2},
		{"above the window scrolls up to it", 1, 5, 50, 10, 1, 1},
		{"below the window scrolls just enough", 20, 5, 50, 10, 20, 11},
		{"past the end clamps to the last row", 99, 0, 50, 10, 49, 40},
		{"before the start clamps to the first", -3, 4, 50, 10, 0, 0},
		{"no blank rows below the last", 45, 45, 50, 10, 45, 40},
		{"short list never scrolls", 3, 2, 5, 10, 3, 0},
		{"zero height shows one row", 7, 0, 50, 0, 7, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, o := scrollTo(tt.cursor, tt.offset, tt.n, tt.height)
			if c != tt.wantCursor || o != tt.wantOffset {
				t.Errorf("scrollTo(%d, %d, %d, %d) = %d, %d; want %d, %d",
					tt.cursor, tt.offset, tt.n, tt.height, c, o, tt.wantCursor, tt.wantOffset)
			}
		})
	}
}

func TestNavStep(t *testing.T) {
	km := keymap.Default()
	tests := []struct {
		key    tea.KeyPressMsg
		want   int
		wantOK bool
	}{
		{tea.KeyPressMsg{Code: tea.KeyUp}, -1, true},
		{tea.KeyPressMsg{Code: 'j', Text: "j"}, 1, true},
		{tea.KeyPressMsg{Code: tea.KeyPgDown}, 10, true},
		{tea.KeyPressMsg{Code: tea.KeyPgUp}, -10, true},
		{tea.KeyPressMsg{Code: 'G', Text: "G"}, 50, true},
		{tea.KeyPressMsg{Code: 'g', Text: "g"}, -50, true},
		{tea.KeyPressMsg{Code: 'x', Text: "x"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.key.String(), func(t *testing.T) {
			got, ok := navStep(km, tt.key, 50, 10)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("navStep(%s) = %d, %v; want %d, %v", tt.key, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestTypingStep(t *testing.T) {
	tests := []struct {
		key    tea.KeyPressMsg
		want   int
		wantOK bool
	}{
		{tea.KeyPressMsg{Code: tea.KeyUp}, -1, true},
		{tea.KeyPressMsg{Code: tea.KeyDown}, 1, true},
		{tea.KeyPressMsg{Code: tea.KeyPgUp}, -10, true},
		{tea.KeyPressMsg{Code: tea.KeyPgDown}, 10, true},
		// Letters that navigate a list are typed into a search box.
		{tea.KeyPressMsg{Code: 'j', Text: "j"}, 0, false},
		{tea.KeyPressMsg{Code: 'G', Text: "G"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.key.String(), func(t *testing.T) {
			got, ok := typingStep(tt.key, 10)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("typingStep(%s) = %d, %v; want %d, %v", tt.key, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
