package model

import (
	"slices"
	"strings"
)

// OtherContactsOf derives the other people one product record names, from
// the data map alone: a field with ThirdParty set and a name, email or phone
// kind is a contact point of that relation, and one record's points of one
// relation are one person (a registration's guardian_name, guardian_email,
// guardian_phone). Free-text fields about others (an emergency contact
// written as a sentence) are not split into points: there is no reliable
// email or phone to take from them. get returns a field's value and whether
// it is present as text. The order follows the data map, so the result is
// stable.
func OtherContactsOf(cm CollectionMap, get func(field string) (string, bool)) []OtherContact {
	var out []OtherContact
	for _, f := range cm.Fields {
		if f.ThirdParty == "" {
			continue
		}
		if f.Kind != KindName && f.Kind != KindEmail && f.Kind != KindPhone {
			continue
		}
		v, ok := get(f.Field)
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			continue
		}
		i := slices.IndexFunc(out, func(c OtherContact) bool { return c.Relation == f.ThirdParty })
		if i < 0 {
			out = append(out, OtherContact{Relation: f.ThirdParty})
			i = len(out) - 1
		}
		switch f.Kind {
		case KindName:
			out[i].Name = v
		case KindEmail:
			out[i].Email = strings.ToLower(v)
		case KindPhone:
			out[i].Phone = otherPhone(v)
		}
	}
	return out
}

// MergeOtherContacts adds to have the contacts of add that it does not
// hold already (same relation and the same name, email and phone), so the
// same guardian named on every registration is listed once.
func MergeOtherContacts(have, add []OtherContact) []OtherContact {
	for _, c := range add {
		if !slices.Contains(have, c) {
			have = append(have, c)
		}
	}
	return have
}

// otherPhone stores a phone as subjects' phones are stored (ParsePhone);
// a number ParsePhone refuses keeps its digits, so it is still findable.
func otherPhone(v string) string {
	if p, err := ParsePhone(v); err == nil {
		return p
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
}
