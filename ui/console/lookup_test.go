package console

import (
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/custodian-dev/custodian/model"
)

func TestMaskMatched(t *testing.T) {
	hl := lipgloss.NewStyle()
	for _, tc := range []struct {
		text    string
		matched []int
		kind    model.FieldKind
		want    string
	}{
		{"José Núñez", nil, model.KindName, "J••• N•••"},
		{"José Núñez", []int{0, 1, 2, 3}, model.KindName, "José N•••"},
		{"王小明", []int{1, 2}, model.KindName, "王小明"},
		{"王小明", nil, model.KindName, "王•••"},
		// A letter matched inside a hidden word stays hidden: fragments
		// such as "Ç•••ğ•••a G•••rcía" read as a garbled name.
		{"Zoe\u0308 Ba\u0301ez", []int{2}, model.KindName, "Z••• B•••"},
		{"Çağla García", []int{0, 2, 4, 6, 9, 10, 11}, model.KindName, "Ç••• G•••"},
		{"Çağla García", []int{6, 7, 8}, model.KindName, "Ç••• Gar•••"},
		{"Zoe\u0308 Ba\u0301ez", []int{0, 1, 2}, model.KindName, "Zoe\u0308 B•••"},
		{"Sunny 🌞 Day", nil, model.KindName, "S••• ••• D•••"},
		{"jose.nunez@example.com", []int{5, 6}, model.KindEmail, "j•••nu•••@example.com"},
		{"9165550123", []int{0, 1, 2}, model.KindPhone, "916•••0123"},
		{"12 elm st, oakridge, ca 95601", nil, model.KindAddress, "•••, ca 95601"},
		{"Eve \x1b[31mred\x1b[0m Alert", nil, model.KindName, "E••• r••• A•••"},
	} {
		if got := ansi.Strip(maskMatched(tc.text, tc.matched, tc.kind, hl)); got != tc.want {
			t.Errorf("maskMatched(%q, %v) = %q, want %q", tc.text, tc.matched, got, tc.want)
		}
	}
}

// A console or SSH session that never opens Lookup must not stream every
// subject in scope into a directory; the first look builds it.
func TestLookupBuildsOnlyWhenFirstShown(t *testing.T) {
	a := New(testConfig(fixture(50)))
	p := a.lookup()
	if _, cmd := p.Update(tenantsReadyMsg{}); cmd != nil || p.started {
		t.Fatalf("the directory build was scheduled before the pane was shown (started=%v, cmd=%v)", p.started, cmd != nil)
	}
	if _, cmd := p.Update(lookupTickMsg{gen: p.tickGen}); p.polling {
		t.Fatalf("the freshness poll ran before any directory was built (cmd=%v)", cmd != nil)
	}
	if cmd := p.Activate(); cmd == nil || !p.started {
		t.Fatal("showing the pane did not start the directory build")
	}
	if cmd := p.Activate(); cmd != nil {
		t.Fatal("showing the pane again started a second build")
	}
	p.Close()
}
