package lookup

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sahilm/fuzzy"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"José Núñez":           "jose nunez",
		"Zoë Ångström":         "zoe angstrom",
		"Zoe\u0308 Ba\u0301ez": "zoe baez",
		"Ｔａｒｏ Ｙａｍａｄａ":          "taro yamada",
		"Øvergård Łukasz":      "overgard lukasz",
		"Þórsdóttir":           "thorsdottir",
		"ALMA@Example.ORG":     "alma@example.org",
		"王小明":                  "王小明",
		"김민준":                  "김민준",
		"محمد العلي":           "محمد العلي",
		"דוד כהן":              "דוד כהן",
		"Ольга Иванова":        "ольга иванова",
		"Sunny 🌞 Day":          "sunny 🌞 day",
		"Skye ☁️ Blue":         "skye ☁ blue",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPhoneDigits(t *testing.T) {
	for in, want := range map[string]string{
		"(916) 555-0123":  "9165550123",
		"+1 916.555.0123": "9165550123",
		"1-916-555-0123":  "9165550123",
		"916 555 0123":    "9165550123",
		"555":             "555",
		"+1":              "",
	} {
		if !phoneShaped(in) && want != "" {
			t.Errorf("%q not phone-shaped", in)
		}
		if got := phoneDigits(in); got != want {
			t.Errorf("phoneDigits(%q) = %q, want %q", in, got, want)
		}
	}
	for _, in := range []string{"jose", "a1", "S-000001", "acc-1"} {
		if phoneShaped(in) {
			t.Errorf("%q is phone-shaped", in)
		}
	}
}

func demoRecords() []Record {
	return []Record{
		{ID: "S-000001", TenantID: "oakridge-ca", AccountID: "ACC-OAK-10000", Name: "José Núñez", Emails: []string{"jose.nunez@example.com"}, Phones: []string{"9165550123"}, Address: "12 Elm St, Oakridge, CA 95601", Status: "active", Version: 1},
		{ID: "S-000002", TenantID: "oakridge-ca", AccountID: "ACC-OAK-10001", Name: "Zoë Ångström", Emails: []string{"zoe.angstrom@example.com"}, Phones: []string{"9165550456", "5305550999"}, Address: "4 Oak Ave, Oakridge, CA 95601", Status: "active", Version: 1},
		{ID: "S-000003", TenantID: "oakridge-ca", AccountID: "ACC-OAK-10002", Name: "王小明", Emails: []string{"xiaoming.wang@example.com"}, Address: "9 Pine Rd, Oakridge, CA 95602", Status: "closed", Version: 1},
		{ID: "S-000004", TenantID: "pecan-ridge-tx", AccountID: "ACC-PEC-10003", Name: "محمد العلي", Emails: []string{"mohammed.alali@example.com"}, Phones: []string{"5125550777"}, Status: "active", Version: 1},
		{ID: "S-000005", TenantID: "pecan-ridge-tx", AccountID: "ACC-PEC-10004", Name: "דוד כהן", Emails: []string{"david.cohen@example.com"}, Status: "masked", Version: 1},
		{ID: "S-000006", TenantID: "pecan-ridge-tx", AccountID: "ACC-PEC-10005", Name: "Jose Nunes", Emails: []string{"jnunes@mail.example"}, Status: "active", Version: 1},
		{ID: "S-000007", TenantID: "oakridge-ca", AccountID: "ACC-OAK-10006", Name: "佐藤花子", Emails: []string{"hanako.sato@example.com"}, Status: "active", Version: 1},
		{ID: "S-000008", TenantID: "oakridge-ca", AccountID: "ACC-OAK-10007", Name: "Sunny 🌞 Day", Emails: []string{"sunny.day@example.com"}, Status: "active", Version: 1},
	}
}

func search(t *testing.T, d *Directory, q string) Result {
	t.Helper()
	res, _, err := d.Search(context.Background(), q, nil, 20)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func ids(hs []Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}

func TestSearch(t *testing.T) {
	d := NewDirectory()
	d.Put(demoRecords())
	for _, tc := range []struct {
		name, q string
		first   string
		exact   bool
		field   Field
		typo    bool
	}{
		{"partial name", "jose n", "S-000001", false, FieldName, false},
		{"accents typed plain", "zoe ang", "S-000002", false, FieldName, false},
		{"partial name with a typo", "jode nunez", "S-000001", false, FieldName, true},
		{"phone in another format", "(916) 555-0123", "S-000001", true, FieldPhone, false},
		{"phone with country code", "+1 530.555.0999", "S-000002", true, FieldPhone, false},
		{"partial phone", "555-0777", "S-000004", false, FieldPhone, false},
		{"email in upper case", "ZOE.ANGSTROM@EXAMPLE.COM", "S-000002", true, FieldEmail, false},
		{"account id", "acc-pec-10004", "S-000005", true, FieldAccount, false},
		{"subject id", "S-000003", "S-000003", true, FieldID, false},
		{"CJK name", "小明", "S-000003", false, FieldName, false},
		{"Japanese name", "花子", "S-000007", false, FieldName, false},
		{"Arabic name", "العلي", "S-000004", false, FieldName, false},
		{"Hebrew name", "כהן", "S-000005", false, FieldName, false},
		{"emoji name", "sunny 🌞", "S-000008", false, FieldName, false},
		// Surname first, as registers list people: tried with the first
		// word moved last when it matches nothing as typed.
		{"surname first", "núñez josé", "S-000001", false, FieldName, false},
		{"surname first with a comma", "angstrom, zoe", "S-000002", false, FieldName, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := search(t, d, tc.q)
			if len(res.Hits) == 0 {
				t.Fatalf("%q found nothing", tc.q)
			}
			h := res.Hits[0]
			if h.ID != tc.first || h.Exact != tc.exact || h.Field != tc.field || h.Typo != tc.typo {
				t.Fatalf("%q: first hit %s (%s, exact %v, typo %v), want %s (%s, exact %v, typo %v); all %v",
					tc.q, h.ID, h.Field, h.Exact, h.Typo, tc.first, tc.field, tc.exact, tc.typo, ids(res.Hits))
			}
		})
	}
	t.Run("typo matches rank after plain ones", func(t *testing.T) {
		res := search(t, d, "jose nunez")
		if got := ids(res.Hits); !slices.Equal(got, []string{"S-000001", "S-000006"}) {
			t.Fatalf("hits %v", got)
		}
		if res.Hits[0].Typo || !res.Hits[1].Typo {
			t.Fatalf("typo flags %v %v", res.Hits[0].Typo, res.Hits[1].Typo)
		}
	})
	t.Run("highlight maps to the name as written", func(t *testing.T) {
		h := search(t, d, "jose nun").Hits[0]
		r := []rune(h.Text)
		var got string
		for _, i := range h.Matched {
			got += string(r[i])
		}
		if got != "José Núñ" {
			t.Fatalf("highlighted %q of %q", got, h.Text)
		}
	})
	t.Run("nothing", func(t *testing.T) {
		if res := search(t, d, "zzzzqqq"); res.Total != 0 {
			t.Fatalf("found %v", ids(res.Hits))
		}
		// An email's domain is not a word to start at: "mail" is not
		// everyone at mail.example.
		d2 := NewDirectory()
		d2.Put([]Record{{ID: "S-1", Name: "Bob Stone", Emails: []string{"bob@mail.example"}, Version: 1}})
		if res := search(t, d2, "mail"); res.Total != 0 {
			t.Fatalf("a domain matched: %v", ids(res.Hits))
		}
		if res := search(t, d2, "BOB@mail.example"); res.Total != 1 || !res.Hits[0].Exact {
			t.Fatalf("the whole address: %+v", res)
		}
		if res := search(t, d, "   "); res.Total != 0 {
			t.Fatalf("blank query found %d", res.Total)
		}
	})
}

func TestTooManyToRank(t *testing.T) {
	d := NewDirectory()
	d.Put(demoRecords())
	d.rankCap = 1
	res := search(t, d, "jose")
	if res.Ranked || res.Total != 2 || !slices.Equal(ids(res.Hits), []string{"S-000001", "S-000006"}) {
		t.Fatalf("unranked result %+v", res)
	}
	if len(res.Hits[0].Matched) == 0 {
		t.Fatal("unranked hits lack their highlights")
	}
	d.rankCap = 2
	if res := search(t, d, "jose"); !res.Ranked {
		t.Fatal("two matches under a cap of two were not ranked")
	}
}

func TestPutKeepsNewestVersion(t *testing.T) {
	d := NewDirectory()
	d.Put(demoRecords())
	r := demoRecords()[0]
	r.Name, r.Version = "Josefina Núñez", 2
	if n := d.Put([]Record{r}); n != 1 {
		t.Fatalf("changed %d", n)
	}
	old := demoRecords()[0]
	if n := d.Put([]Record{old}); n != 0 {
		t.Fatalf("an older version replaced a newer one")
	}
	if h := search(t, d, "josefina").Hits; len(h) != 1 || h[0].ID != "S-000001" {
		t.Fatalf("renamed subject not found: %v", ids(h))
	}
	if d.Len() != len(demoRecords()) {
		t.Fatalf("len %d", d.Len())
	}
}

func TestOpenCounts(t *testing.T) {
	d := NewDirectory()
	d.Put(demoRecords())
	d.SetOpen(map[string]int{"S-000001": 2, "S-999": 4})
	if h := search(t, d, "S-000001").Hits[0]; h.Open != 2 {
		t.Fatalf("open %d", h.Open)
	}
}

// alphabet mixes what real names hold, so random strings exercise the ASCII
// and the multi-byte paths, folding, and typo positions.
var alphabet = []rune("aaeeinostr jJ.-@19áéöñøÅ王小明김민ـعלכ🌞ſς")

func randString(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteRune(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// refAnchored is anchored written the slow, obvious way: try every word
// start holding t's first character, then match the rest greedily.
func refAnchored(t, v string) bool {
	tr, vr := []rune(t), []rune(v)
	if len(tr) == 0 {
		return false
	}
	for p := range vr {
		prev := rune(-1)
		if p > 0 {
			prev = vr[p-1]
		}
		if vr[p] != tr[0] || !wordStart(prev, vr[p]) {
			continue
		}
		j := 1
		for i := p + 1; i < len(vr) && j < len(tr); i++ {
			if vr[i] == tr[j] {
				j++
			}
		}
		if j == len(tr) {
			return true
		}
	}
	return false
}

// TestAnchoredAgreesWithFuzzy: the cheap check decides membership and
// sahilm/fuzzy the score, so whatever the check accepts sahilm must match.
func TestAnchoredAgreesWithFuzzy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	for range 30000 {
		v := Fold(randString(r, 1+r.IntN(14)))
		q := parseQuery(randString(r, 1+r.IntN(4)))
		if q.text == "" {
			continue
		}
		mine := anchored(q.text, q.ascii, v, len(v))
		if ref := refAnchored(q.text, v); mine != ref {
			t.Fatalf("anchored(%q, %q) = %v, the reference says %v", q.text, v, mine, ref)
		}
		if mine {
			accepted++
			if len(fuzzy.Find(q.text, []string{v})) != 1 {
				t.Fatalf("anchored(%q, %q) but sahilm/fuzzy finds no match", q.text, v)
			}
		}
	}
	if accepted < 1000 {
		t.Fatalf("only %d matches: the check was hardly exercised", accepted)
	}
}

func TestOneDeletion(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		v := Fold(randString(r, r.IntN(12)))
		tq := Fold(randString(r, 1+r.IntN(5)))
		want := -1
		for k := range []rune(tq) {
			if refAnchored(dropRune(tq, k), v) {
				want = k
				break
			}
		}
		if got := oneDeletion(tq, v, len(v)); got != want {
			t.Fatalf("oneDeletion(%q, %q) = %d, want %d", tq, v, got, want)
		}
	}
}

func randRecords(r *rand.Rand, n int) []Record {
	out := make([]Record, n)
	for i := range out {
		out[i] = Record{
			ID: fmt.Sprintf("S-%06d", i+1), TenantID: fmt.Sprintf("t%d", r.IntN(3)),
			AccountID: fmt.Sprintf("ACC-%05d", r.IntN(100000)), Name: randString(r, 3+r.IntN(10)),
			Emails: []string{Fold(randString(r, 4+r.IntN(8)))}, Address: randString(r, r.IntN(16)),
			Status: []string{"active", "closed", "masked"}[r.IntN(3)], Version: 1,
		}
		for range r.IntN(3) {
			out[i].Phones = append(out[i].Phones, fmt.Sprintf("%03d555%04d", 200+r.IntN(800), r.IntN(10000)))
		}
		if i%5 == 0 {
			// Another person's contacts, made from the record's own values
			// so the random sequence (and every other test's data) stays.
			o := Other{Relation: "guardian", Name: out[i].Address, Email: "g" + out[i].Emails[0]}
			if len(out[i].Phones) > 0 {
				o.Phone = out[i].Phones[0][3:] + "000"
			}
			out[i].Others = []Other{o}
		}
	}
	return out
}

// randTyping is how an operator types: characters added one at a time,
// with backspaces, pastes of several characters, and phone punctuation.
func randTyping(r *rand.Rand) []string {
	var qs []string
	q := []rune{}
	for range 4 + r.IntN(14) {
		switch n := r.IntN(10); {
		case n < 6:
			q = append(q, alphabet[r.IntN(len(alphabet))])
		case n < 7 && len(q) > 0:
			q = q[:len(q)-1]
		case n < 8:
			q = append(q, []rune(randString(r, 1+r.IntN(3)))...)
		default:
			q = append(q, []rune("0123456789 ()-+")[r.IntN(15)])
		}
		qs = append(qs, string(q))
	}
	return qs
}

// TestIncrementalEqualsFresh is the narrowing property: for any directory
// and any sequence of queries, searching each query from the previous
// search's State gives exactly what a fresh search gives.
func TestIncrementalEqualsFresh(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	narrowed, unranked := 0, 0
	for round := range 300 {
		d := NewDirectory()
		if round%3 == 0 {
			d.rankCap = 5 + r.IntN(50) // exercise the unranked list too
		}
		d.Put(randRecords(r, 50+r.IntN(400)))
		var st *State
		for _, q := range randTyping(r) {
			if r.IntN(25) == 0 { // a subject changes between keystrokes
				rec := randRecords(r, 1)[0]
				rec.ID, rec.Version = fmt.Sprintf("S-%06d", 1+r.IntN(d.Len())), int64(2+round)
				d.Put([]Record{rec})
			}
			limit := 1 + r.IntN(30)
			inc, next, err := d.Search(ctx, q, st, limit)
			if err != nil {
				t.Fatal(err)
			}
			fresh, _, err := d.Search(ctx, q, nil, limit)
			if err != nil {
				t.Fatal(err)
			}
			if inc.Narrowed {
				narrowed++
			}
			if !fresh.Ranked && fresh.Total > 0 {
				unranked++
			}
			inc.Narrowed, inc.Scanned, fresh.Scanned = false, 0, 0
			if !reflect.DeepEqual(inc, fresh) {
				t.Fatalf("round %d, query %q after %q: incremental %v (total %d) != fresh %v (total %d)",
					round, q, st.q.raw, ids(inc.Hits), inc.Total, ids(fresh.Hits), fresh.Total)
			}
			st = next
		}
	}
	if unranked < 100 {
		t.Fatalf("only %d unranked results: the cap was hardly exercised", unranked)
	}
	if narrowed < 500 {
		t.Fatalf("only %d searches narrowed: the property was hardly exercised", narrowed)
	}
}

func TestSearchCancelled(t *testing.T) {
	d := NewDirectory()
	d.Put(randRecords(rand.New(rand.NewPCG(7, 8)), 50000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, st, err := d.Search(ctx, "ab", nil, 10); err == nil || st != nil {
		t.Fatalf("cancelled search returned %v, %v", st, err)
	}
}

// One directory serves sessions of different scopes: each search returns,
// ranks and counts only its tenants' subjects, an exact identifier of
// another tenant included, and a result is never narrowed into another
// scope's search.
func TestSearchInScopes(t *testing.T) {
	ctx := context.Background()
	d := NewDirectory()
	d.Put([]Record{
		{ID: "S-A1", TenantID: "ta", Name: "Maria Lopez", Emails: []string{"maria@a.example"}, Status: "active"},
		{ID: "S-A2", TenantID: "ta", Name: "Mario Rossi", Status: "active"},
		{ID: "S-B1", TenantID: "tb", Name: "Maria Lopez", Emails: []string{"maria@b.example"}, Status: "active"},
		{ID: "S-C1", TenantID: "tc", Name: "Marta Kim", Status: "active"},
	})
	ids := func(res Result) []string {
		var out []string
		for _, h := range res.Hits {
			out = append(out, h.ID)
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		name    string
		tenants []string
		q       string
		want    []string
	}{
		{"every tenant", nil, "mar", []string{"S-A1", "S-A2", "S-B1", "S-C1"}},
		{"one tenant", []string{"ta"}, "mar", []string{"S-A1", "S-A2"}},
		{"another tenant, same name", []string{"tb"}, "maria lopez", []string{"S-B1"}},
		{"two tenants", []string{"tb", "tc"}, "mar", []string{"S-B1", "S-C1"}},
		{"exact id of another tenant", []string{"ta"}, "S-B1", nil},
		{"no tenant", []string{}, "mar", nil},
		{"unknown tenant", []string{"tz"}, "mar", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, _, err := d.SearchIn(ctx, tc.tenants, tc.q, nil, 50)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(res); !slices.Equal(got, tc.want) || res.Total != len(tc.want) {
				t.Fatalf("%q in %v: %v (total %d), want %v", tc.q, tc.tenants, got, res.Total, tc.want)
			}
		})
	}
	// A wider scope's state must not be narrowed into a narrower one's
	// search, nor the other way round.
	_, st, err := d.SearchIn(ctx, nil, "mar", nil, 50)
	if err != nil {
		t.Fatal(err)
	}
	res, st2, err := d.SearchIn(ctx, []string{"tb"}, "mari", st, 50)
	if err != nil || res.Narrowed || !slices.Equal(ids(res), []string{"S-B1"}) {
		t.Fatalf("tb after an unscoped search: %v narrowed %v, %v", ids(res), res.Narrowed, err)
	}
	res, _, err = d.SearchIn(ctx, []string{"ta"}, "maria lo", st2, 50)
	if err != nil || res.Narrowed || !slices.Equal(ids(res), []string{"S-A1"}) {
		t.Fatalf("ta after tb: %v narrowed %v, %v", ids(res), res.Narrowed, err)
	}
}

// A reversed name's hit highlights the name as written, and the query the
// result answers is the one typed.
func TestSearchSurnameFirstHighlights(t *testing.T) {
	d := NewDirectory()
	d.Put(demoRecords())
	res, st, err := d.Search(context.Background(), "nunez jose", nil, 20)
	if err != nil {
		t.Fatal(err)
	}
	if res.Query != "nunez jose" || len(res.Hits) == 0 || res.Hits[0].ID != "S-000001" {
		t.Fatalf("result %+v", res)
	}
	if st != nil {
		t.Error("a reordered search left a State to narrow from")
	}
	h := res.Hits[0]
	var got []rune
	rs := []rune(h.Text)
	for _, i := range h.Matched {
		got = append(got, rs[i])
	}
	if string(got) != "José Núñez" {
		t.Errorf("highlights %q in %q", string(got), h.Text)
	}
}

// A name one letter off outranks one typed word found strewn over the
// words of someone else's email: "gracia" is García, not gene.rios.acia@….
func TestStrayEmailDoesNotOutrankName(t *testing.T) {
	d := NewDirectory()
	d.Put([]Record{
		{ID: "S-1", TenantID: "t", Name: "Gene Rios", Emails: []string{"gene.rios.acia@example.com"}, Status: "active", Version: 1},
		{ID: "S-2", TenantID: "t", Name: "María García", Emails: []string{"mgarcia@example.com"}, Status: "active", Version: 1},
	})
	res := search(t, d, "gracia")
	if len(res.Hits) < 2 || res.Hits[0].ID != "S-2" || res.Hits[0].Field != FieldName {
		t.Fatalf("gracia: %v (first %+v)", ids(res.Hits), res.Hits)
	}
	// Typed across the same words, the email is a real match and ranks as one.
	res = search(t, d, "gene.rios")
	if len(res.Hits) == 0 || res.Hits[0].ID != "S-1" || res.Hits[0].Typo {
		t.Fatalf("gene.rios: %+v", res.Hits)
	}
}
