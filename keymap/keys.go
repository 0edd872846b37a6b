package keymap

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// modifiers in the order Bubble Tea v2's Key.Keystroke prints them. A binding
// written in any other order would never equal msg.String(), so normalizeKey
// reorders rather than letting the binding silently fail to match.
func modifiers() []string {
	return []string{"ctrl", "alt", "shift", "meta", "hyper", "super"}
}

// namedKeys are the multi-character key names Key.Keystroke can produce
// (ultraviolet's keyTypeString). Anything else longer than one character is
// almost certainly a typo, and a typo'd binding would just never fire.
func namedKeys() []string {
	names := []string{
		"enter", "tab", "backspace", "esc", "space",
		"up", "down", "left", "right", "begin", "find", "insert", "delete", "select",
		"pgup", "pgdown", "home", "end",
		"equal", "mul", "plus", "comma", "minus", "period", "div", "sep",
		"capslock", "scrolllock", "numlock", "printscreen", "pause", "menu",
		"mediaplay", "mediapause", "mediaplaypause", "mediareverse", "mediastop",
		"mediafastforward", "mediarewind", "medianext", "mediaprev", "mediarecord",
		"lowervol", "raisevol", "mute",
	}
	for i := 1; i <= 63; i++ {
		names = append(names, fmt.Sprintf("f%d", i))
	}
	return names
}

// keyAliases maps names people naturally write to the name Bubble Tea emits.
func keyAliases() map[string]string {
	return map[string]string{
		"escape":   "esc",
		"return":   "enter",
		"pageup":   "pgup",
		"pagedown": "pgdown",
		"pgdn":     "pgdown",
		"del":      "delete",
		"ins":      "insert",
	}
}

// normalizeKey validates a key as written by a user and returns the form
// tea.KeyPressMsg.String() produces for that keystroke.
func normalizeKey(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("empty key")
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return "", fmt.Errorf("key %q contains whitespace (write \"space\" for the space bar)", s)
	}

	// "+" is both the separator and a key, so "ctrl++" means ctrl and plus.
	var base, prefix string
	switch {
	case s == "+":
		base = "+"
	case strings.HasSuffix(s, "++"):
		base, prefix = "+", strings.TrimSuffix(s, "++")
	default:
		i := strings.LastIndex(s, "+")
		base = s[i+1:]
		if i >= 0 {
			prefix = s[:i]
		}
	}
	if base == "" {
		return "", fmt.Errorf("key %q has a modifier but no key", s)
	}

	var mods []string
	if prefix != "" {
		for m := range strings.SplitSeq(prefix, "+") {
			m = strings.ToLower(m)
			if !slices.Contains(modifiers(), m) {
				return "", fmt.Errorf("key %q has unknown modifier %q (use %s)", s, m, strings.Join(modifiers(), ", "))
			}
			if slices.Contains(mods, m) {
				return "", fmt.Errorf("key %q repeats modifier %q", s, m)
			}
			mods = append(mods, m)
		}
	}

	if utf8.RuneCountInString(base) == 1 {
		r, _ := utf8.DecodeRuneInString(base)
		if !unicode.IsPrint(r) {
			return "", fmt.Errorf("key %q is not a printable character", s)
		}
		if slices.Equal(mods, []string{"shift"}) {
			// A shifted character arrives as the character itself ("G",
			// "?"), never as "shift+g".
			if unicode.IsLetter(r) {
				return string(unicode.ToUpper(r)), nil
			}
			return "", fmt.Errorf("key %q never arrives from a terminal; write the shifted character itself", s)
		}
		if len(mods) > 0 && unicode.IsUpper(r) {
			// Terminals report the unshifted letter alongside modifiers.
			return "", fmt.Errorf("key %q: use a lowercase letter with modifiers, e.g. %q", s,
				strings.Join(append(mods, string(unicode.ToLower(r))), "+"))
		}
	} else {
		lower := strings.ToLower(base)
		if a, ok := keyAliases()[lower]; ok {
			lower = a
		}
		switch {
		case slices.Contains(namedKeys(), lower):
			base = lower
		case isASCII(base):
			return "", fmt.Errorf("unknown key %q", s)
		default:
			// A multi-rune grapheme (an accented letter, an emoji) arrives
			// as its text; there is no list to check it against.
		}
	}

	var out []string
	for _, m := range modifiers() {
		if slices.Contains(mods, m) {
			out = append(out, m)
		}
	}
	return strings.Join(append(out, base), "+"), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
