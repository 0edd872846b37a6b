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

func TestListWindowSelectRow(t *testing.T) {
	tests := []struct {
		name                   string
		from                   listWindow
		row, n, height         int
		wantCursor, wantOffset int
	}{
		{"found on screen: the window stays put", listWindow{3, 0}, 5, 50, 10, 5, 0},
		{"moved down by new rows above: still on screen", listWindow{2, 0}, 7, 50, 10, 7, 0},
		{"pushed off screen: scrolls just enough", listWindow{8, 0}, 12, 50, 10, 12, 3},
		{"gone: the cursor stays on its line", listWindow{6, 2}, -1, 50, 10, 6, 2},
		{"gone from the end: the cursor comes to the last row", listWindow{30, 25}, -1, 20, 10, 19, 10},
		{"list emptied", listWindow{4, 1}, -1, 0, 10, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.from
			w.selectRow(tt.row, tt.n, tt.height)
			if w.cursor != tt.wantCursor || w.offset != tt.wantOffset {
				t.Errorf("selectRow(%d) from %+v = %+v; want cursor %d, offset %d", tt.row, tt.from, w, tt.wantCursor, tt.wantOffset)
			}
		})
	}
}

func TestListWindowNavigate(t *testing.T) {
	km := keymap.Default()
	tests := []struct {
		key                    tea.KeyPressMsg
		wantOK                 bool
		wantCursor, wantOffset int
	}{
		{tea.KeyPressMsg{Code: tea.KeyDown}, true, 21, 12},
		{tea.KeyPressMsg{Code: tea.KeyUp}, true, 19, 12},
		{tea.KeyPressMsg{Code: tea.KeyPgDown}, true, 30, 21},
		{tea.KeyPressMsg{Code: 'G', Text: "G"}, true, 49, 40},
		{tea.KeyPressMsg{Code: 'g', Text: "g"}, true, 0, 0},
		{tea.KeyPressMsg{Code: 'x', Text: "x"}, false, 20, 12},
	}
	for _, tt := range tests {
		t.Run(tt.key.String(), func(t *testing.T) {
			w := listWindow{cursor: 20, offset: 12}
			ok := w.navigate(km, tt.key, 50, 10)
			if ok != tt.wantOK || w.cursor != tt.wantCursor || w.offset != tt.wantOffset {
				t.Errorf("navigate(%s) = %v, %+v; want %v, cursor %d, offset %d", tt.key, ok, w, tt.wantOK, tt.wantCursor, tt.wantOffset)
			}
		})
	}
}
