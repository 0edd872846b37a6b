package lookup

import (
	"cmp"
	"container/heap"
	"context"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

// typoMinRunes is the shortest query that may match with one typo: below
// it, dropping a character matches nearly everyone.
const typoMinRunes = 4

// checkEvery is how many entries a worker scans between cancellation checks.
const checkEvery = 4096

// Hit is one subject in a result, with what to show about the match.
type Hit struct {
	ID        string
	TenantID  string
	AccountID string
	Name      string
	Status    string
	Open      int
	// Field is the part of the subject that matched best; Text is that
	// value (the name as given; other fields in their folded search form)
	// and Matched the indexes of its runes that matched the query.
	Field   Field
	Text    string
	Matched []int
	// Exact is a whole identifier typed in full (an email, a phone, an
	// account or subject id); Typo a match that needed one character of the
	// query dropped.
	Exact bool
	Typo  bool
	Score int
}

// Result is the outcome of one search.
type Result struct {
	Query string
	// Total is how many subjects match; Hits the best Limit of them, best first.
	Total int
	Hits  []Hit
	// Narrowed is set when the search only re-checked the previous result.
	Narrowed bool
	// Scanned is how many subjects were examined.
	Scanned int
}

// State is what a search leaves for the next one to narrow from. It is
// immutable once returned; a nil State means "start afresh".
type State struct {
	gen   uint64
	q     query
	cands []int32 // every matching entry, ascending
}

// query is a typed string in the forms matching uses.
type query struct {
	raw    string
	text   string // folded; matched as a subsequence of names, emails, addresses, ids
	digits string // national digits of a phone-shaped query; matched as a substring of phones
	typo   bool
	ascii  bool
	tmask  uint64
	dmask  uint64
	nrunes int
}

func parseQuery(raw string) query {
	q := query{raw: raw}
	t := strings.TrimSpace(raw)
	q.text = Fold(t)
	if phoneShaped(t) {
		q.digits = phoneDigits(t)
	}
	q.nrunes = utf8.RuneCountInString(q.text)
	q.typo = q.digits == "" && q.nrunes >= typoMinRunes
	q.ascii = isFoldedASCII(q.text)
	q.tmask = runeMask(q.text)
	q.dmask = runeMask(q.digits)
	return q
}

// narrows reports whether every subject matching q also matched prev, so
// that q need only re-check prev's result. Each criterion must be at most as
// permissive as prev's: a longer text is (subsequences of it are
// subsequences of its prefix), a longer phone number is (substrings
// likewise), but turning typo tolerance or phone matching on is not.
func (q query) narrows(prev query) bool {
	if !strings.HasPrefix(q.text, prev.text) {
		return false
	}
	if q.typo && !prev.typo {
		return false
	}
	if q.digits != "" && (prev.digits == "" || !strings.HasPrefix(q.digits, prev.digits)) {
		return false
	}
	// A text of "" matches nothing, so it has nothing to narrow from.
	return prev.text != "" || prev.digits != ""
}

// Search finds the subjects matching raw, best first, at most limit hits.
// Given the State of an earlier search on the same directory whose query
// raw extends, it re-checks only that search's matches; the result is the
// same as a fresh search's. A cancelled ctx returns ctx.Err().
func (d *Directory) Search(ctx context.Context, raw string, prev *State, limit int) (Result, *State, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	q := parseQuery(raw)
	res := Result{Query: raw}
	st := &State{gen: d.gen, q: q}
	if q.text == "" && q.digits == "" {
		return res, st, nil
	}
	var cands []int32
	if prev != nil && prev.gen == d.gen && q.narrows(prev.q) {
		cands = prev.cands
		res.Narrowed = true
		res.Scanned = len(cands)
	} else {
		res.Scanned = len(d.entries)
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, res.Scanned/20000))
	parts := make([]part, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := res.Scanned*w/workers, res.Scanned*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = d.scan(ctx, &q, cands, lo, hi)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, nil, err
	}
	total := 0
	for _, p := range parts {
		total += len(p.idx)
	}
	st.cands = make([]int32, 0, total)
	top := &topK{limit: max(0, limit)}
	for _, p := range parts {
		st.cands = append(st.cands, p.idx...)
		for i := range p.idx {
			top.offer(p.best[i])
		}
	}
	res.Total = total
	best := top.sorted()
	res.Hits = make([]Hit, len(best))
	for i, b := range best {
		res.Hits[i] = d.hit(b)
	}
	return res, st, nil
}

// rank orders matches: exact identifiers, then plain matches, then matches
// that needed a typo forgiven; by sahilm/fuzzy's score within each; by
// directory order last, so equal results are always listed alike.
type rank struct {
	class   int8 // 2 exact, 1 plain, 0 typo
	score   int32
	idx     int32
	field   Field
	seg     string
	matched []int
}

func better(a, b *rank) bool {
	if a.class != b.class {
		return a.class > b.class
	}
	if a.score != b.score {
		return a.score > b.score
	}
	return a.idx < b.idx
}

// part is one worker's share of a search.
type part struct {
	idx  []int32
	best []rank
}

// seg is a value of an entry that passed the cheap check, waiting for
// sahilm/fuzzy to score it.
type seg struct {
	pos   int32 // index into part.idx
	field Field
	v     string
	exact bool
	drop  int // typo: which rune of the query to drop; -1 for none
}

func (d *Directory) scan(ctx context.Context, q *query, cands []int32, lo, hi int) part {
	var p part
	var plain, phone []seg
	var typos []seg
	for i := lo; i < hi; i++ {
		if (i-lo)%checkEvery == 0 && ctx.Err() != nil {
			return part{}
		}
		idx := int32(i)
		if cands != nil {
			idx = cands[i]
		}
		e := &d.entries[idx]
		textOK := q.text != "" && e.mask&q.tmask == q.tmask
		phoneOK := q.digits != "" && e.mask&q.dmask == q.dmask
		typoOK := q.typo && bits.OnesCount64(q.tmask&^e.mask) <= 1
		if !textOK && !phoneOK && !typoOK {
			continue
		}
		pos := int32(len(p.idx))
		matched := false
		segments(e.keys, func(f Field, v string, _ int) bool {
			if f == FieldPhone {
				if phoneOK && strings.Contains(v, q.digits) {
					phone = append(phone, seg{pos: pos, field: f, v: v, exact: len(q.digits) >= 7 && v == q.digits, drop: -1})
					matched = true
				}
				return true
			}
			if textOK && subsequence(q, v) {
				exact := (f == FieldEmail || f == FieldAccount || f == FieldID) && v == q.text
				plain = append(plain, seg{pos: pos, field: f, v: v, exact: exact, drop: -1})
				matched = true
				return true
			}
			if typoOK && (f == FieldName || f == FieldEmail || f == FieldAddress) {
				if k := oneDeletion(q.text, v); k >= 0 {
					typos = append(typos, seg{pos: pos, field: f, v: v, drop: k})
					matched = true
				}
			}
			return true
		})
		if matched {
			p.idx = append(p.idx, idx)
			p.best = append(p.best, rank{class: -1, idx: idx})
		}
	}
	score := func(pattern string, segs []seg, class int8) {
		if len(segs) == 0 {
			return
		}
		ms := fuzzy.FindFromIterNoSort(pattern, func(yield func(string) bool) {
			for _, s := range segs {
				if !yield(s.v) {
					return
				}
			}
		})
		for _, m := range ms {
			s := segs[m.Index]
			c := class
			if s.exact {
				c = 2
			}
			r := rank{class: c, score: int32(m.Score), idx: p.idx[s.pos], field: s.field, seg: s.v, matched: m.MatchedIndexes}
			if b := &p.best[s.pos]; b.class < 0 || better(&r, b) {
				*b = r
			}
		}
	}
	score(q.text, plain, 1)
	score(q.digits, phone, 1)
	// Typo matches are scored against the query with the forgiven rune
	// dropped, one sahilm call per dropped position.
	slices.SortStableFunc(typos, func(a, b seg) int { return cmp.Compare(a.drop, b.drop) })
	for len(typos) > 0 {
		k := typos[0].drop
		n := 1
		for n < len(typos) && typos[n].drop == k {
			n++
		}
		score(dropRune(q.text, k), typos[:n], 0)
		typos = typos[n:]
	}
	return p
}

// subsequence reports whether q.text occurs in v as a subsequence, the rule
// sahilm/fuzzy matches by. An ASCII query is matched bytewise (ASCII bytes
// never occur inside a multi-byte character).
func subsequence(q *query, v string) bool {
	t := q.text
	if q.ascii {
		j := 0
		for i := 0; i < len(t); i++ {
			k := strings.IndexByte(v[j:], t[i])
			if k < 0 {
				return false
			}
			j += k + 1
		}
		return true
	}
	for _, r := range t {
		k := strings.IndexRune(v, r)
		if k < 0 {
			return false
		}
		v = v[k+utf8.RuneLen(r):]
	}
	return true
}

// oneDeletion returns the first index k (in runes) such that t without its
// k-th rune is a subsequence of v, or -1. pre[i] is where the greedy match of
// t's first i runes ends in v; suf[i] where the greedy match of the runes
// from i on starts, matched from the end; dropping k works when the prefix
// before it ends no later than the suffix after it starts.
func oneDeletion(t, v string) int {
	tr := []rune(t)
	n := len(tr)
	pre := make([]int, n+1)
	pos := 0
	for i := 1; i <= n; i++ {
		if pre[i-1] < 0 {
			pre[i] = -1
			continue
		}
		k := strings.IndexRune(v[pos:], tr[i-1])
		if k < 0 {
			pre[i] = -1
			continue
		}
		pos += k + utf8.RuneLen(tr[i-1])
		pre[i] = pos
	}
	suf := make([]int, n+1)
	suf[n] = len(v)
	end := len(v)
	for i := n - 1; i >= 0; i-- {
		if suf[i+1] < 0 {
			suf[i] = -1
			continue
		}
		k := strings.LastIndex(v[:end], string(tr[i]))
		if k < 0 {
			suf[i] = -1
			continue
		}
		end = k
		suf[i] = k
	}
	for k := 0; k < n; k++ {
		if pre[k] >= 0 && suf[k+1] >= 0 && pre[k] <= suf[k+1] {
			return k
		}
	}
	return -1
}

func dropRune(t string, k int) string {
	i := 0
	for off, r := range t {
		if i == k {
			return t[:off] + t[off+utf8.RuneLen(r):]
		}
		i++
	}
	return t
}

// hit builds what the pane shows for a ranked match.
func (d *Directory) hit(r rank) Hit {
	e := &d.entries[r.idx]
	h := Hit{
		ID: e.id, TenantID: d.tenants[e.tenant], AccountID: e.account, Name: e.name,
		Status: d.statuses[e.status], Open: int(e.open), Field: r.field,
		Exact: r.class == 2, Typo: r.class == 0, Score: int(r.score),
	}
	if r.field == FieldName {
		// Highlight in the name as written: map the folded bytes back.
		var from []int
		appendKey(nil, e.name, &from)
		h.Text = e.name
		for _, b := range r.matched {
			if b < len(from) && (len(h.Matched) == 0 || h.Matched[len(h.Matched)-1] != from[b]) {
				h.Matched = append(h.Matched, from[b])
			}
		}
		return h
	}
	h.Text = r.seg
	ri := 0
	want := r.matched
	for off := range r.seg {
		if len(want) == 0 {
			break
		}
		if off == want[0] {
			h.Matched = append(h.Matched, ri)
			want = want[1:]
		}
		ri++
	}
	return h
}

// topK keeps the best limit ranks seen (a min-heap on "better").
type topK struct {
	limit int
	h     rankHeap
}

func (t *topK) offer(r rank) {
	if t.limit == 0 || r.class < 0 {
		return
	}
	if len(t.h) < t.limit {
		heap.Push(&t.h, r)
		return
	}
	if better(&r, &t.h[0]) {
		t.h[0] = r
		heap.Fix(&t.h, 0)
	}
}

func (t *topK) sorted() []rank {
	out := slices.Clone(t.h)
	slices.SortFunc(out, func(a, b rank) int {
		if better(&a, &b) {
			return -1
		}
		if better(&b, &a) {
			return 1
		}
		return 0
	})
	return out
}

type rankHeap []rank

func (h rankHeap) Len() int           { return len(h) }
func (h rankHeap) Less(i, j int) bool { return better(&h[j], &h[i]) }
func (h rankHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *rankHeap) Push(x any)        { *h = append(*h, x.(rank)) }
func (h *rankHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
