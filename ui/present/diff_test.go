package present

import "testing"

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name, a, b, want string
		changed          bool
	}{
		{"same: all left out", "x\ny\n", "x\ny\n", "  …\n", false},
		{"one line changed", "id = a\nzone = UTC\n", "id = a\nzone = America/Denver\n", "  id = a\n- zone = UTC\n+ zone = America/Denver\n", true},
		{"from nothing", "", "id = a\n", "+ id = a\n", true},
		{"far context left out", "1\n2\n3\n4\n5\n6\n", "1\n2\n3\n4\n5\nsix\n", "  …\n  3\n  4\n  5\n- 6\n+ six\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed := LineDiff(tt.a, tt.b)
			if got != tt.want || changed != tt.changed {
				t.Errorf("LineDiff = %q, %t; want %q, %t", got, changed, tt.want, tt.changed)
			}
		})
	}
}
