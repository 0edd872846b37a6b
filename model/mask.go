package model

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FieldKind says how a value is shaped, which decides how it is masked.
type FieldKind string

const (
	KindName    FieldKind = "name"
	KindEmail   FieldKind = "email"
	KindPhone   FieldKind = "phone"
	KindAddress FieldKind = "address"
	KindSSN     FieldKind = "ssn"
	KindDate    FieldKind = "date"
	KindNumber  FieldKind = "number" // bank, passport, licence, account numbers: last four kept
	KindToken   FieldKind = "token"  // processor and push tokens
	KindIP      FieldKind = "ip"
	KindText    FieldKind = "text" // anything else: fully hidden
)

const dot = "•"

// Mask hides value for display, keeping only what helps an operator tell
// records apart (an initial, a domain, the last digits).
func Mask(kind FieldKind, value string) string {
	if value == "" {
		return ""
	}
	switch kind {
	case KindName:
		return maskName(value)
	case KindEmail:
		local, domain, ok := strings.Cut(value, "@")
		if !ok || local == "" {
			return strings.Repeat(dot, 5)
		}
		r, _ := utf8.DecodeRuneInString(local)
		return string(r) + strings.Repeat(dot, 3) + "@" + domain
	case KindPhone:
		return "•••-•••-" + lastDigits(value, 4)
	case KindSSN:
		return "•••-••-" + lastDigits(value, 4)
	case KindNumber, KindToken:
		return strings.Repeat(dot, 4) + lastRunes(value, 4)
	case KindDate:
		return "••••-••-••"
	case KindIP:
		if parts := strings.Split(value, "."); len(parts) == 4 {
			return parts[0] + "." + parts[1] + ".•.•"
		}
		return strings.Repeat(dot, 6)
	case KindAddress:
		return maskAddress(value)
	}
	return strings.Repeat(dot, 6)
}

// maskName keeps the first letter of each word: "María García" → "M••• G•••".
func maskName(name string) string {
	words := strings.Fields(name)
	if len(words) == 0 {
		return strings.Repeat(dot, 3)
	}
	for i, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			words[i] = strings.Repeat(dot, 3)
			continue
		}
		words[i] = string(r) + strings.Repeat(dot, 3)
	}
	return strings.Join(words, " ")
}

// maskAddress keeps the part after the last comma (city/state) and hides the street.
func maskAddress(addr string) string {
	if i := strings.LastIndex(addr, ","); i >= 0 {
		return "••••, " + strings.TrimSpace(addr[i+1:])
	}
	return strings.Repeat(dot, 6)
}

func lastDigits(s string, n int) string {
	var digits []rune
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) <= n {
		return strings.Repeat(dot, n)
	}
	return string(digits[len(digits)-n:])
}

func lastRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return ""
	}
	return string(r[len(r)-n:])
}
