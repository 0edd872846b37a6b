package lookup

import (
	"cmp"
	"context"
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"
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
	// Relation is whose value matched when it is another person's
	// (Field is FieldOther…): "guardian".
	Relation string
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
//
// A name typed surname first ("garcía maría") that matches nothing as typed
// is tried with its first word moved to the end ("maría garcía"): people
// say and write names both ways, and a register lists them surname first.
func (d *Directory) SearchIn(ctx context.Context, tenants []string, raw string, prev *State, limit int) (Result, *State, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	res, st, err := d.searchIn(ctx, tenants, raw, prev, limit)
	if err != nil || plainHits(res) > 0 {
		return res, st, err
	}
	rot, ok := surnameLast(raw)
	if !ok {
		return res, st, nil
	}
	alt, _, err := d.searchIn(ctx, tenants, rot, nil, limit)
	if err != nil {
		return Result{}, nil, err
	}
	if plainHits(alt) == 0 {
		return res, st, nil
	}
	alt.Query, alt.Scanned = raw, alt.Scanned+res.Scanned
	// No State: what it would narrow from is another query's matches, so
	// the next keystroke searches afresh.
	return alt, nil, nil
}

// plainHits counts the hits that needed no typo forgiven.
func plainHits(r Result) int {
	n := 0
	for _, h := range r.Hits {
		if !h.Typo {
			n++
		}
	}
	return n
}

// surnameLast moves the first word of a query of two or more words to its
// end ("garcía, maría" → "maría garcía").
func surnameLast(raw string) (string, bool) {
	words := strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(words) < 2 {
		return "", false
	}
	return strings.Join(append(words[1:], words[0]), " "), true
}

func (d *Directory) searchIn(ctx context.Context, tenants []string, raw string, prev *State, limit int) (Result, *State, error) {
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
	if f.Base() == FieldPhone {
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
	switch f.Base() {
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

func typoField(f Field) bool {
	b := f.Base()
	return b == FieldName || b == FieldEmail || b == FieldAddress
}

// Label names what matched for a list: "email", or "guardian email" for
// another person's.
func (h Hit) Label() string {
	if h.Field != h.Field.Base() {
		rel := h.Relation
		if rel == "" {
			rel = "other"
		}
		return rel + " " + h.Field.Base().String()
	}
	return h.Field.String()
}
