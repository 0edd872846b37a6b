package model

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var allKinds = []FieldKind{KindName, KindEmail, KindPhone, KindAddress, KindSSN, KindDate, KindNumber, KindToken, KindIP, KindText}

func TestMask(t *testing.T) {
	cases := []struct {
		kind  FieldKind
		value string
		want  string
	}{
		{KindEmail, "maria@example.org", "m•••@example.org"},
		{KindEmail, "Émile.Zola@exemple.fr", "É•••@exemple.fr"},
		{KindEmail, "李@例子.中国", "李•••@例子.中国"},
		{KindEmail, "not-an-email", "•••••"},
		{KindEmail, "@example.org", "•••••"},

		{KindSSN, "123-45-6789", "•••-••-6789"},
		{KindSSN, "123456789", "•••-••-6789"},
		{KindSSN, "123 45 6789", "•••-••-6789"},
		{KindSSN, "123", "•••-••-••••"},
		{KindSSN, "6789", "•••-••-••••"},
		{KindSSN, "XXX-XX-XXXX", "•••-••-••••"},

		{KindPhone, "(555) 010-0199", "•••-•••-0199"},
		{KindPhone, "555-010-0199", "•••-•••-0199"},
		{KindPhone, "555.010.0199", "•••-•••-0199"},
		{KindPhone, "5550100199", "•••-•••-0199"},
		{KindPhone, "+1 (555) 010-0199", "•••-•••-0199"},
		{KindPhone, "+44 20 7946 0958", "•••-•••-0958"},
		{KindPhone, "555-0100 ext. 12", "•••-•••-0012"},
		{KindPhone, "911", "•••-•••-••••"},
		{KindPhone, "0199", "•••-•••-••••"},

		{KindName, "Maria Garcia", "M••• G•••"},
		{KindName, "María García", "M••• G•••"},
		{KindName, "Ólafur Ragnar Grímsson", "Ó••• R••• G•••"},
		{KindName, "Jose\u0301 Nun\u0303ez", "J••• N•••"},
		{KindName, "Łukasz Żółć", "Ł••• Ż•••"},
		{KindName, "王小明", "王•••"},
		{KindName, "山田 太郎", "山••• 太•••"},
		{KindName, "محمد علي", "م••• ع•••"},
		{KindName, "דוד לוי", "ד••• ל•••"},
		{KindName, "Zoë 😀", "Z••• •••"},
		{KindName, "😀Ana", "•••"},
		{KindName, "  Ana \t Li  ", "A••• L•••"},
		{KindName, "Li", "L•••"},
		{KindName, "\u202eevil", "•••"},
		{KindName, "   ", "•••"},

		{KindNumber, "GB29NWBK60161331926819", "••••6819"},
		{KindNumber, "X1234567", "••••4567"},
		{KindNumber, "12345", "••••2345"},
		{KindNumber, "1234", "••••"},
		{KindNumber, "12", "••••"},
		{KindToken, "tok_1N3xAbCdEfGh9876", "••••9876"},
		{KindToken, "abc", "••••"},

		{KindDate, "2012-05-17", "••••-••-••"},
		{KindDate, "1", "••••-••-••"},

		{KindIP, "203.0.113.9", "203.0.•.•"},
		{KindIP, "2001:db8::1", "••••••"},
		{KindIP, "localhost", "••••••"},

		{KindAddress, "12 Main St, Springfield, CA 90210", "••••, CA 90210"},
		{KindAddress, "12 Main St", "••••••"},

		{KindText, "applicant reference letter", "••••••"},
		{KindText, "x", "••••••"},
		{FieldKind("unknown"), "secret", "••••••"},
		{FieldKind(""), "secret", "••••••"},
	}
	for _, c := range cases {
		if got := Mask(c.kind, c.value); got != c.want {
			t.Errorf("Mask(%s, %q) = %q, want %q", c.kind, c.value, got, c.want)
		}
	}
}

func TestMaskEmptyStaysEmpty(t *testing.T) {
	for _, k := range append(slices.Clone(allKinds), "unknown") {
		if got := Mask(k, ""); got != "" {
			t.Errorf("Mask(%s, \"\") = %q, want empty", k, got)
		}
	}
}

// hidesWhole lists the kinds whose mask must never show a whole value:
// email, address and IP deliberately keep a domain, a city or a network.
var hidesWhole = []FieldKind{KindName, KindPhone, KindSSN, KindDate, KindNumber, KindToken, KindText, FieldKind("unknown")}

// TestMaskShortValuesNeverLeak: a short number is not shown in full just
// because it has fewer digits than the mask keeps.
func TestMaskShortValuesNeverLeak(t *testing.T) {
	for _, k := range hidesWhole {
		if k == KindName {
			continue // an initial is shown by design; see TestMask
		}
		for _, v := range []string{"1", "12", "123", "1234", "0000", "9"} {
			got := Mask(k, v)
			if strings.ContainsAny(got, "0123456789") {
				t.Errorf("Mask(%s, %q) = %q shows digits of a value too short to mask partially", k, v, got)
			}
		}
	}
}

var maskAlphabet = []rune("abcXYZ0123456789 -.()+@,_éÑ王小ملي😀\t")

func randomValue(r *rand.Rand, minLen, maxLen int) string {
	n := minLen + r.IntN(maxLen-minLen+1)
	var b strings.Builder
	for range n {
		b.WriteRune(maskAlphabet[r.IntN(len(maskAlphabet))])
	}
	return b.String()
}

func checkMaskHides(t *testing.T, k FieldKind, v string) {
	t.Helper()
	// Stored strings are valid UTF-8; a stray byte can match the tail of "•"
	// (E2 80 A2) and make a false positive at the byte level.
	if !utf8.ValidString(v) || strings.Contains(v, dot) || utf8.RuneCountInString(v) <= 4 {
		return
	}
	if got := Mask(k, v); strings.Contains(got, v) {
		t.Errorf("Mask(%s, %q) = %q contains the whole value", k, v, got)
	}
}

// TestMaskPropertyNeverWhole: for every kind but email, address and IP, a
// value longer than four runes never appears whole in its mask.
func TestMaskPropertyNeverWhole(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range hidesWhole {
		for range 3000 {
			checkMaskHides(t, k, randomValue(r, 5, 24))
		}
		for _, v := range []string{"123-45-6789", "5550100199", "GB29NWBK60161331926819", "Maria Garcia", "王小明王小明", "2012-05-17", "aaaaa", "11111", "A B C"} {
			checkMaskHides(t, k, v)
		}
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"123-45-6789", "María García", "(555) 010-0199", "tok_abcdef", "a b c d e", "王小明王小明"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, k := range hidesWhole {
			checkMaskHides(t, k, v)
		}
		for _, k := range allKinds {
			if (Mask(k, v) == "") != (v == "") {
				t.Errorf("Mask(%s, %q) = %q: only an empty value masks to empty", k, v, Mask(k, v))
			}
		}
	})
}
