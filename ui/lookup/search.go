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

// typoBelow: typos are forgiven only when fewer subjects than this match
// as typed. A query that already finds people is not second-guessed, and a
// million subjects are not scanned for near misses on every keystroke.
const typoBelow = 10

// defaultRankCap is the most matches a keystroke ranks. Past it (a letter or two
// typed into a million subjects) the list shows exact identifiers, then
// matches in directory order, and says so: nobody reads a hundred
// thousand people, and the next character narrows enough to rank.
const defaultRankCap = 10_000

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
	// Ranked is false when there were more than the rank cap's matches: Hits
	// are then exact identifiers, then matches in directory order.
	Ranked bool
	// Narrowed is set when the search only re-checked the previous result.
	Narrowed bool
	// Scanned is how many subjects were examined.
	Scanned int
}

// State is what a search leaves for the next one to narrow from. It is
// immutable once returned; a nil State means "start afresh".
type State struct {
	gen      uint64
	scope    string // the tenants searched (SearchIn), joined; "" is all
	q        query
	cands    []int32 // every matching entry, ascending
	typoDone bool    // cands include the matches that needed a typo forgiven
}

// query is a typed string in the forms matching uses.
type query struct {
	raw    string
	text   string // folded; matched as a subsequence of names, emails, addresses, ids, from a word start
	digits string // national digits of a phone-shaped query; matched as a substring of phones
	typo   bool   // long enough to forgive a typo
	ascii  bool
	tmask  uint64 // every character of text
	fmask  uint64 // text's first character: it must start a word
	tfmask uint64 // text's first two characters: with a typo, one must start a word
	dmask  uint64
	// allow, when not nil, holds the tenants (by interned index) a search
	// may return: a directory shared by sessions of different scopes.
	allow []bool
}

// allows reports whether entries of the tenant with index t may match.
// A tenant interned after the search began is not in allow: outside.
func (q *query) allows(t uint16) bool {
	return q.allow == nil || (int(t) < len(q.allow) && q.allow[t])
}

func parseQuery(raw string) query {
	q := query{raw: raw}
	t := strings.TrimSpace(raw)
	q.text = Fold(t)
	if phoneShaped(t) {
		q.digits = phoneDigits(t)
	}
	rs := []rune(q.text)
	q.typo = q.digits == "" && len(rs) >= typoMinRunes
	q.ascii = isFoldedASCII(q.text)
	q.tmask = runeMask(q.text)
	if len(rs) > 0 {
		q.fmask = maskBit(rs[0])
		q.tfmask = q.fmask
	}
	if len(rs) > 1 {
		q.tfmask |= maskBit(rs[1])
	}
	q.dmask = runeMask(q.digits)
	return q
}

// narrows reports whether every subject matching q as typed also matched
// prev, so that q need only re-check prev's result. A longer text does
// (subsequences of it, from the same word start, are subsequences of its
// prefix), a longer phone number does (substrings likewise), but turning
// phone matching on does not. Typo matches are handled by Search: they
// narrow only from a State that holds prev's typo matches.
func (q query) narrows(prev query) bool {
	if !strings.HasPrefix(q.text, prev.text) {
		return false
	}
	if q.digits != "" && (prev.digits == "" || !strings.HasPrefix(q.digits, prev.digits)) {
		return false
	}
	// An empty query matches nothing, so it has nothing to narrow from.
	return prev.text != "" || prev.digits != ""
}

// Search finds the subjects matching raw, best first, at most limit hits.
// Given the State of an earlier search on the same directory whose query
// raw extends, it re-checks only that search's matches; the result is the
// same as a fresh search's. A cancelled ctx returns ctx.Err().
//
// A subject matches when the query is a subsequence of its name, an email,
// its address, account id or subject id, starting at the start of a word,
// or a part of one of its phone numbers (digits only, any punctuation).
// Only when fewer than typoBelow subjects match so does a subject that
// matches with one character of the query dropped (a typo), ranked after.
func (d *Directory) Search(ctx context.Context, raw string, prev *State, limit int) (Result, *State, error) {
	return d.SearchIn(ctx, nil, raw, prev, limit)
}

// SearchIn is Search over the subjects of the given tenants only (nil:
// every tenant): one directory of every subject serves sessions of
// different scopes, and a subject of another tenant is never examined for
// a match, so it is never returned, ranked or counted.
func (d *Directory) SearchIn(ctx context.Context, tenants []string, raw string, prev *State, limit int) (Result, *State, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	q := parseQuery(raw)
	scope := ""
	if tenants != nil {
		q.allow = make([]bool, len(d.tenants))
		for _, t := range tenants {
			if i, ok := d.tenantIx[t]; ok {
				q.allow[i] = true
			}
		}
		sorted := slices.Sorted(slices.Values(tenants))
		scope = "\x00" + strings.Join(sorted, "\x00")
	}
	res := Result{Query: raw}
	st := &State{gen: d.gen, scope: scope, q: q}
	if q.text == "" && q.digits == "" {
		return res, st, nil
	}
	narrow := prev != nil && prev.gen == d.gen && prev.scope == scope && q.narrows(prev.q)
	var base []int32 // nil: every entry
	if narrow {
		base = prev.cands
		res.Narrowed = true
	}
	plain, scanned, err := d.collect(ctx, base, func(lo, hi int) part { return d.scanPlain(ctx, &q, base, lo, hi) })
	if err != nil {
		return Result{}, nil, err
	}
	res.Scanned = scanned
	var typos part
	if q.typo && len(plain.idx) < typoBelow {
		// Typo matches of q are typo or plain matches of a query it
		// extends, so they narrow only from a State that kept its own.
		var tbase []int32
		if narrow && prev.typoDone {
			tbase = prev.cands
		}
		matched := make(map[int32]bool, len(plain.idx))
		for _, i := range plain.idx {
			matched[i] = true
		}
		var tscanned int
		typos, tscanned, err = d.collect(ctx, tbase, func(lo, hi int) part { return d.scanTypo(ctx, &q, tbase, matched, lo, hi) })
		if err != nil {
			return Result{}, nil, err
		}
		res.Scanned += tscanned
		st.typoDone = true
	}
	res.Total = len(plain.idx) + len(typos.idx)
	st.cands = plain.idx
	if len(typos.idx) > 0 {
		st.cands = append(slices.Clone(plain.idx), typos.idx...)
		slices.Sort(st.cands)
	}
	limit = max(0, limit)
	var best []rank
	if res.Total <= d.rankCap {
		// Rank every match with sahilm/fuzzy and keep the best.
		res.Ranked = true
		top := &topK{limit: limit}
		for _, r := range d.score(ctx, &q, plain.idx, false) {
			top.offer(r)
		}
		for _, r := range d.score(ctx, &q, typos.idx, true) {
			top.offer(r)
		}
		best = top.sorted()
	} else {
		// Too many to rank on a keystroke: exact identifiers first, then
		// matches in directory order; only the shown ones are scored, for
		// their highlights. Another character narrows and ranks.
		var show []int32
		for i, x := range plain.idx {
			if plain.exact[i] && len(show) < limit {
				show = append(show, x)
			}
		}
		for i, x := range plain.idx {
			if !plain.exact[i] && len(show) < limit {
				show = append(show, x)
			}
		}
		best = d.score(ctx, &q, show, false)
		slices.SortStableFunc(best, func(a, b rank) int { return cmp.Compare(b.class, a.class) })
	}
	if err := ctx.Err(); err != nil {
		return Result{}, nil, err
	}
	res.Hits = make([]Hit, 0, len(best))
	for _, b := range best {
		if b.class >= 0 {
			res.Hits = append(res.Hits, d.hit(b))
		}
	}
	return res, st, nil
}

// collect runs scan over base (nil: every entry) split among the CPUs and
// joins the parts in order, so that matches stay in ascending entry order.
func (d *Directory) collect(ctx context.Context, base []int32, scan func(lo, hi int) part) (part, int, error) {
	n := len(d.entries)
	if base != nil {
		n = len(base)
	}
	parts := make([]part, workersFor(n))
	parallel(n, len(parts), func(w, lo, hi int) { parts[w] = scan(lo, hi) })
	if err := ctx.Err(); err != nil {
		return part{}, n, err
	}
	if len(parts) == 1 {
		return parts[0], n, nil
	}
	var all part
	for _, p := range parts {
		all.idx = append(all.idx, p.idx...)
		all.exact = append(all.exact, p.exact...)
	}
	return all, n, nil
}

func workersFor(n int) int { return min(runtime.GOMAXPROCS(0), max(1, n/20000)) }

// parallel calls fn for workers contiguous shares of [0, n).
func parallel(n, workers int, fn func(w, lo, hi int)) {
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, lo, hi)
		}()
	}
	wg.Wait()
}

// rank orders matches: exact identifiers, then plain matches, then matches
// that needed a typo forgiven; by sahilm/fuzzy's score within each; by
// directory order last, so equal results are always listed alike.
type rank struct {
	class   int8 // 2 exact, 1 plain, 0 typo; -1 unscored
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

// part is one worker's share of a scan: the matching entries, ascending,
// and whether each matched a whole identifier.
type part struct {
	idx   []int32
	exact []bool
}

// seg is a value of a matching entry, waiting for sahilm/fuzzy to score it.
type seg struct {
	pos   int32 // index into the entries being scored
	field Field
	v     string
	exact bool
	drop  int // typo: which rune of the query to drop
}

// scanPlain finds the entries of base[lo:hi] matching q as typed. It only
// decides membership, with the cheap checks; scoring is left to score.
func (d *Directory) scanPlain(ctx context.Context, q *query, base []int32, lo, hi int) part {
	var p part
	for i := lo; i < hi; i++ {
		if (i-lo)%checkEvery == 0 && ctx.Err() != nil {
			return part{}
		}
		idx := int32(i)
		if base != nil {
			idx = base[i]
		}
		e := &d.entries[idx]
		if !q.allows(e.tenant) {
			continue
		}
		textOK := q.text != "" && e.mask&q.tmask == q.tmask && e.wmask&q.fmask != 0
		phoneOK := q.digits != "" && e.mask&q.dmask == q.dmask
		if !textOK && !phoneOK {
			continue
		}
		matched, exact := false, false
		segments(e.keys, func(f Field, v string, _ int) bool {
			if matched {
				// Only whether a later value is the whole identifier is
				// still open, and that is a comparison.
				exact = q.exactly(f, v)
				return !exact
			}
			matched, exact = q.matchPlain(f, v, textOK, phoneOK)
			return !exact
		})
		if matched {
			p.idx = append(p.idx, idx)
			p.exact = append(p.exact, exact)
		}
	}
	return p
}

// matchPlain reports whether one value matches q as typed, and whether it
// is that whole identifier.
func (q *query) matchPlain(f Field, v string, textOK, phoneOK bool) (bool, bool) {
	if f == FieldPhone {
		if phoneOK && strings.Contains(v, q.digits) {
			return true, q.exactly(f, v)
		}
		return false, false
	}
	if textOK && anchored(q.text, q.ascii, v, anchorEnd(f, v)) {
		return true, q.exactly(f, v)
	}
	return false, false
}

// exactly reports whether v is the whole identifier q names.
func (q *query) exactly(f Field, v string) bool {
	switch f {
	case FieldPhone:
		return len(q.digits) >= 7 && v == q.digits
	case FieldEmail, FieldAccount, FieldID:
		return v == q.text
	}
	return false
}

// scanTypo finds the entries of base[lo:hi] (nil: every entry), other than
// those already matched, that match q with one character dropped.
func (d *Directory) scanTypo(ctx context.Context, q *query, base []int32, matched map[int32]bool, lo, hi int) part {
	var p part
	for i := lo; i < hi; i++ {
		if (i-lo)%checkEvery == 0 && ctx.Err() != nil {
			return part{}
		}
		idx := int32(i)
		if base != nil {
			idx = base[i]
		}
		e := &d.entries[idx]
		if !q.allows(e.tenant) || matched[idx] || bits.OnesCount64(q.tmask&^e.mask) > 1 || e.wmask&q.tfmask == 0 {
			continue
		}
		found := false
		segments(e.keys, func(f Field, v string, _ int) bool {
			found = typoField(f) && oneDeletion(q.text, v, anchorEnd(f, v)) >= 0
			return !found
		})
		if found {
			p.idx = append(p.idx, idx)
			p.exact = append(p.exact, false)
		}
	}
	return p
}

func typoField(f Field) bool { return f == FieldName || f == FieldEmail || f == FieldAddress }

// score ranks each of idxs (entries that matched) by its best value's
// sahilm/fuzzy score; typo entries against the query with the forgiven
// character dropped. The result is in the order of idxs.
func (d *Directory) score(ctx context.Context, q *query, idxs []int32, typo bool) []rank {
	out := make([]rank, len(idxs))
	parallel(len(idxs), workersFor(len(idxs)), func(_, lo, hi int) {
		var plain, phone, typos []seg
		for i := lo; i < hi; i++ {
			out[i] = rank{class: -1, idx: idxs[i]}
			if (i-lo)%checkEvery == 0 && ctx.Err() != nil {
				return
			}
			e := &d.entries[idxs[i]]
			pos := int32(i)
			segments(e.keys, func(f Field, v string, _ int) bool {
				switch {
				case typo:
					if typoField(f) {
						if k := oneDeletion(q.text, v, anchorEnd(f, v)); k >= 0 {
							typos = append(typos, seg{pos: pos, field: f, v: v, drop: k})
						}
					}
				case f == FieldPhone:
					if m, x := q.matchPlain(f, v, false, q.digits != ""); m {
						phone = append(phone, seg{pos: pos, field: f, v: v, exact: x})
					}
				default:
					if m, x := q.matchPlain(f, v, q.text != "", false); m {
						plain = append(plain, seg{pos: pos, field: f, v: v, exact: x})
					}
				}
				return true
			})
		}
		scoreSegs(out, q.text, plain, 1)
		scoreSegs(out, q.digits, phone, 1)
		// One sahilm/fuzzy call per dropped position.
		slices.SortStableFunc(typos, func(a, b seg) int { return cmp.Compare(a.drop, b.drop) })
		for len(typos) > 0 {
			k := typos[0].drop
			n := 1
			for n < len(typos) && typos[n].drop == k {
				n++
			}
			scoreSegs(out, dropRune(q.text, k), typos[:n], 0)
			typos = typos[n:]
		}
	})
	return out
}

// scoreSegs scores segs with sahilm/fuzzy, keeping each entry's best.
func scoreSegs(out []rank, pattern string, segs []seg, class int8) {
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
		b := &out[s.pos]
		r := rank{class: c, score: int32(m.Score), idx: b.idx, field: s.field, seg: s.v, matched: m.MatchedIndexes}
		if b.class < 0 || better(&r, b) {
			*b = r
		}
	}
}

// anchored reports whether t occurs in v as a subsequence (the rule
// sahilm/fuzzy matches by) whose first character starts a word of v. The
// earliest such start leaves the most room for the rest, so it is the only
// one tried; a start must lie before end (see anchorEnd). An ASCII query is matched bytewise: ASCII bytes never occur
// inside a multi-byte character.
func anchored(t string, ascii bool, v string, end int) bool {
	if t == "" {
		return false
	}
	first, n := utf8.DecodeRuneInString(t)
	start := -1
	for off := 0; off < end; {
		var k int
		if first < utf8.RuneSelf {
			k = strings.IndexByte(v[off:end], byte(first))
		} else {
			k = strings.IndexRune(v[off:end], first)
		}
		if k < 0 {
			return false
		}
		p := off + k
		prev := rune(-1)
		if p > 0 {
			prev, _ = utf8.DecodeLastRuneInString(v[:p])
		}
		if wordStart(prev, first) {
			start = p + n
			break
		}
		off = p + n
	}
	if start < 0 {
		return false
	}
	v = v[start:]
	rest := t[n:]
	if ascii {
		for i := 0; i < len(rest); i++ {
			k := strings.IndexByte(v, rest[i])
			if k < 0 {
				return false
			}
			v = v[k+1:]
		}
		return true
	}
	for _, r := range rest {
		k := strings.IndexRune(v, r)
		if k < 0 {
			return false
		}
		v = v[k+utf8.RuneLen(r):]
	}
	return true
}

// oneDeletion returns the first index k (in runes) such that t without its
// k-th rune matches v (anchored), or -1. It runs only when a query finds
// almost nobody, so it is written plainly.
func oneDeletion(t, v string, end int) int {
	n := utf8.RuneCountInString(t)
	for k := range n {
		d := dropRune(t, k)
		if anchored(d, isFoldedASCII(d), v, end) {
			return k
		}
	}
	return -1
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

// dropRune is t without its k-th rune.
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
