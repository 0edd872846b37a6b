package lookup

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Record is one subject as the directory takes it in. Values must already
// be safe for a terminal (the caller cleans untrusted text): the directory
// shows Name as given.
type Record struct {
	ID        string
	TenantID  string
	AccountID string
	Name      string
	Emails    []string
	Phones    []string // digits only, as stored
	Address   string
	Status    string
	Version   int64
	// Others are the other people the subject's records name (a guardian):
	// a parent writing in gives their own email, and support must find
	// the child from it. Their hits carry the relation.
	Others []Other
}

// Other is one other person attached to a subject, as the data map names
// the relation ("guardian").
type Other struct {
	Relation string
	Name     string
	Email    string
	Phone    string // digits, as stored
}

// Field names the part of a subject a query matched.
type Field uint8

const (
	FieldName Field = iota + 1
	FieldEmail
	FieldPhone
	FieldAddress
	FieldAccount
	FieldID
	// FieldRequest is a hit found through a request's id: the subject the
	// request is about. The directory does not index requests; a caller
	// that looks the request up labels its hit with this.
	FieldRequest
	// FieldOtherName, FieldOtherEmail and FieldOtherPhone are another
	// person's (Record.Others): matched as the subject's own name, email
	// or phone (Base), labelled with the relation.
	FieldOtherName
	FieldOtherEmail
	FieldOtherPhone
)

// Base is the subject field f matches like: another person's email is
// searched as an email.
func (f Field) Base() Field {
	switch f {
	case FieldOtherName:
		return FieldName
	case FieldOtherEmail:
		return FieldEmail
	case FieldOtherPhone:
		return FieldPhone
	}
	return f
}

func (f Field) String() string {
	switch f {
	case FieldName:
		return "name"
	case FieldEmail:
		return "email"
	case FieldPhone:
		return "phone"
	case FieldAddress:
		return "address"
	case FieldAccount:
		return "account"
	case FieldID:
		return "subject id"
	case FieldRequest:
		return "request id"
	case FieldOtherName:
		return "other name"
	case FieldOtherEmail:
		return "other email"
	case FieldOtherPhone:
		return "other phone"
	}
	return "?"
}

// sep separates the segments of an entry's key string. It is a control
// character, which fold never produces from cleaned text.
const sep = '\x1f'

// maxKeyBytes bounds one searchable value: a 5,000-character address
// must not cost every keystroke 5,000 comparisons, and nobody types past
// its first few hundred characters.
const maxKeyBytes = 256

// entry is one subject, kept small: a million of them live in memory.
// keys holds every searchable value folded, each prefixed by its Field
// byte and separated by sep, so one string (one allocation, one header)
// carries them all.
type entry struct {
	id      string
	name    string
	account string
	keys    string
	mask    uint64 // every character held
	wmask   uint64 // characters that start a word: a query's first must be one
	version int64
	open    int32
	tenant  uint16
	status  uint8
}

// Directory is the searchable set of subjects of one scope. It is safe for
// concurrent use: searches run in the background while batches arrive and
// subjects change. Every change bumps the generation, which makes the next
// search start afresh instead of narrowing a result that predates it.
type Directory struct {
	mu       sync.RWMutex
	entries  []entry
	byID     map[string]int32
	tenants  []string
	tenantIx map[string]uint16
	statuses []string
	statusIx map[string]uint8
	// others holds, for the few subjects with other people attached, which
	// folded value belongs to which relation: the hit's label. Kept out of
	// entry so a million subjects without any pay nothing for it.
	others map[string][]otherKey
	gen    uint64
	// rankCap is defaultRankCap; tests lower it to exercise the unranked list.
	rankCap int
}

// NewDirectory returns an empty directory.
func NewDirectory() *Directory {
	return &Directory{byID: map[string]int32{}, tenantIx: map[string]uint16{}, statusIx: map[string]uint8{}, others: map[string][]otherKey{}, rankCap: defaultRankCap}
}

// Len is the number of subjects held.
func (d *Directory) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.entries)
}

// Version returns the version held for subject id, and whether it is held.
func (d *Directory) Version(id string) (int64, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	i, ok := d.byID[id]
	if !ok {
		return 0, false
	}
	return d.entries[i].version, true
}

// Put adds subjects or replaces those already held (by ID) with a newer
// version; an older or equal version is ignored, so a slow stream cannot
// undo a change a poll already brought in. It returns how many changed.
func (d *Directory) Put(recs []Record) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	changed := 0
	// The batch's keys go into one string that the entries slice: a
	// search walks them in entry order, and contiguous keys keep that walk
	// in cache instead of chasing one allocation per subject.
	var arena []byte
	ends := make([]int, len(recs))
	for i, r := range recs {
		arena = appendKeys(arena, r)
		ends[i] = len(arena)
	}
	all := string(arena)
	for i, r := range recs {
		start := 0
		if i > 0 {
			start = ends[i-1]
		}
		e := d.entryOf(r, all[start:ends[i]])
		if i, ok := d.byID[r.ID]; ok {
			if d.entries[i].version >= r.Version {
				continue
			}
			e.open = d.entries[i].open
			d.entries[i] = e
		} else {
			d.byID[r.ID] = int32(len(d.entries))
			d.entries = append(d.entries, e)
		}
		d.setOthers(r)
		changed++
	}
	if changed > 0 {
		d.gen++
	}
	return changed
}

// SetOpen sets the open-request counts; subjects not in counts have none.
// Counts do not affect matching, so narrowing continues across it.
func (d *Directory) SetOpen(counts map[string]int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range d.entries {
		d.entries[i].open = 0
	}
	for id, n := range counts {
		if i, ok := d.byID[id]; ok {
			d.entries[i].open = int32(n)
		}
	}
}

// otherKey is one searchable value of another person and its relation.
type otherKey struct {
	field    Field
	folded   string
	relation string
}

// setOthers records r's other people's relations (d.mu held).
func (d *Directory) setOthers(r Record) {
	if len(r.Others) == 0 {
		delete(d.others, r.ID)
		return
	}
	var ks []otherKey
	add := func(f Field, v, rel string) {
		if v != "" {
			ks = append(ks, otherKey{field: f, folded: string(appendKey(nil, v, nil)), relation: rel})
		}
	}
	for _, o := range r.Others {
		add(FieldOtherName, o.Name, o.Relation)
		add(FieldOtherEmail, o.Email, o.Relation)
		add(FieldOtherPhone, Digits(o.Phone), o.Relation)
	}
	d.others[r.ID] = ks
}

// relation names whose value v (folded, field f) of subject id is.
func (d *Directory) relation(id string, f Field, v string) string {
	for _, k := range d.others[id] {
		if k.field == f && k.folded == v {
			return k.relation
		}
	}
	return ""
}

func (d *Directory) entryOf(r Record, keys string) entry {
	e := entry{id: r.ID, name: r.Name, account: r.AccountID, version: r.Version, keys: keys}
	t, ok := d.tenantIx[r.TenantID]
	if !ok {
		t = uint16(len(d.tenants))
		d.tenants = append(d.tenants, r.TenantID)
		d.tenantIx[r.TenantID] = t
	}
	s, ok := d.statusIx[r.Status]
	if !ok {
		s = uint8(len(d.statuses))
		d.statuses = append(d.statuses, r.Status)
		d.statusIx[r.Status] = s
	}
	e.tenant, e.status = t, s
	e.mask = runeMask(e.keys)
	segments(e.keys, func(f Field, v string, _ int) bool {
		if f.Base() != FieldPhone {
			e.wmask |= wordStartMask(v[:anchorEnd(f, v)])
		}
		return true
	})
	return e
}

// runeMask is a 64-bit summary of which characters s holds: a query whose
// mask has a bit the entry's lacks cannot match it, which rules most
// entries out with one AND instead of a scan of their text.
func runeMask(s string) uint64 {
	var m uint64
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			m |= maskBit(rune(c))
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		m |= maskBit(r)
		i += n
	}
	return m
}

func maskBit(r rune) uint64 {
	switch {
	case 'a' <= r && r <= 'z':
		return 1 << (r - 'a')
	case '0' <= r && r <= '9':
		return 1 << (26 + r - '0')
	case r == '@':
		return 1 << 36
	case r == '.':
		return 1 << 37
	case r == ' ':
		return 1 << 38
	case r == '-':
		return 1 << 39
	case r < 0x20 || r == sep:
		return 0 // field markers and separators are not searchable
	case r < utf8.RuneSelf:
		return 1 << 40
	}
	// Everything else shares the remaining 23 bits by a cheap hash: a
	// collision only lets an entry through to the exact check.
	return 1 << (41 + uint64(r)%23)
}

// appendKey appends the folded, bounded search form of v to b. When from is
// not nil it records, for every byte appended, the index of the rune of v it
// came from (for highlighting).
func appendKey(b []byte, v string, from *[]int) []byte {
	start := len(b)
	i := -1
	for _, r := range v {
		i++
		if len(b)-start >= maxKeyBytes {
			break
		}
		if r < 0x20 || r == 0x7f {
			continue // never searchable, and field markers live below 0x20
		}
		n := len(b)
		b = foldRune(b, r)
		if from != nil {
			for range len(b) - n {
				*from = append(*from, i)
			}
		}
	}
	return b
}

// appendKeys appends r's searchable values to b, folded, each prefixed by
// its Field byte and separated by sep: the layout segments walks.
func appendKeys(b []byte, r Record) []byte {
	start := len(b)
	add := func(f Field, v string) {
		if v == "" {
			return
		}
		if len(b) > start {
			b = append(b, sep)
		}
		b = append(b, byte(f))
		b = appendKey(b, v, nil)
	}
	add(FieldName, r.Name)
	for _, m := range r.Emails {
		add(FieldEmail, m)
	}
	for _, p := range r.Phones {
		add(FieldPhone, Digits(p))
	}
	add(FieldAddress, r.Address)
	add(FieldAccount, r.AccountID)
	add(FieldID, r.ID)
	for _, o := range r.Others {
		add(FieldOtherName, o.Name)
		add(FieldOtherEmail, o.Email)
		add(FieldOtherPhone, Digits(o.Phone))
	}
	return b
}

// wordStartMask is the runeMask of the characters of v that start a word.
func wordStartMask(v string) uint64 {
	var m uint64
	prev := rune(-1)
	for _, r := range v {
		if wordStart(prev, r) {
			m |= maskBit(r)
		}
		prev = r
	}
	return m
}

// anchorEnd is where words that a query may start at end in v: an email's
// domain is shared by thousands of people and nobody looks a person up by
// their mail provider, so a match must start in the local part (a whole
// address typed in full still matches, from its first character).
func anchorEnd(f Field, v string) int {
	if f.Base() == FieldEmail {
		if at := strings.IndexByte(v, '@'); at >= 0 {
			return at
		}
	}
	return len(v)
}

// wordStart reports whether r, following prev (-1 at the start), begins a
// word. Every Han, kana or Hangul character does: those names are written
// without spaces ("王小明"), and an operator may type the given name alone.
// So does any character that is not a letter or digit (an operator typing
// "@example" or "-10000" means that character), and a digit after a letter.
func wordStart(prev, r rune) bool {
	switch {
	case prev < 0:
		return true
	case !letterOrDigit(prev), !letterOrDigit(r):
		return true
	case r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
		return true
	case isDigit(r) && !isDigit(prev):
		return true
	}
	return false
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

func letterOrDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || isDigit(r)
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// segments calls fn for each (field, folded value) of an entry's keys.
func segments(keys string, fn func(f Field, v string, off int) bool) {
	for off := 0; off < len(keys); {
		end := strings.IndexByte(keys[off:], sep)
		if end < 0 {
			end = len(keys)
		} else {
			end += off
		}
		if end > off && !fn(Field(keys[off]), keys[off+1:end], off+1) {
			return
		}
		off = end + 1
	}
}
