package lookup

// Ranking: how matches found by the scans are ordered, scored with
// sahilm/fuzzy and cut to the best few.

import (
	"cmp"
	"container/heap"
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sahilm/fuzzy"
)

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
	// stray is a plain match demoted to the typos (see scoreSegs); it
	// ranks after every real typo match.
	stray bool
}

func better(a, b *rank) bool {
	if a.class != b.class {
		return a.class > b.class
	}
	if a.stray != b.stray {
		return b.stray
	}
	if a.score != b.score {
		return a.score > b.score
	}
	return a.idx < b.idx
}

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
				case f.Base() == FieldPhone:
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
	oneWord := !strings.ContainsFunc(pattern, func(r rune) bool { return !letterOrDigit(r) })
	for _, m := range ms {
		s := segs[m.Index]
		c := class
		if s.exact {
			c = 2
		}
		stray := c == 1 && oneWord && s.field.Base() != FieldName && s.field.Base() != FieldPhone && spansWords(s.v, m.MatchedIndexes)
		if stray {
			// One typed word found as letters strewn over several words of
			// an email or address ("gracia" in gene.rios.acia@…) is a
			// coincidence, not a match: it ranks after the typos, so a
			// name one letter off ("García") comes first.
			c = 0
		}
		b := &out[s.pos]
		r := rank{class: c, score: int32(m.Score), idx: b.idx, field: s.field, seg: s.v, matched: m.MatchedIndexes, stray: stray}
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
	if r.field != r.field.Base() {
		h.Relation = d.relation(e.id, r.field, r.seg)
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

// spansWords reports whether the matched bytes of v run across a word
// break: a character that is not a letter or digit lies between the first
// and the last of them.
func spansWords(v string, matched []int) bool {
	if len(matched) < 2 {
		return false
	}
	lo, hi := matched[0], matched[len(matched)-1]
	if lo < 0 || hi > len(v) || lo >= hi {
		return false
	}
	return strings.ContainsFunc(v[lo:hi], func(r rune) bool { return !letterOrDigit(r) })
}
