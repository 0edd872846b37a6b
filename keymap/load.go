package keymap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// ConfigError is a problem in an overrides file. Line is 1-based, or 0 when
// the problem has no single line (e.g. the JSON ends early).
type ConfigError struct {
	Path string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	name := filepath.Base(e.Path)
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", name, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", name, e.Msg)
}

// DefaultPath is where Load looks unless told otherwise. It follows XDG even
// on macOS, because terminal users expect ~/.config there too. It returns ""
// when there is no home directory to resolve against.
func DefaultPath() string {
	// The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be
	// ignored.
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "custodian", "keys.toml")
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return ""
	}
	return filepath.Join(home, ".config", "custodian", "keys.toml")
}

// Load returns Default with the overrides in path applied. The file is
// TOML unless path ends in ".json". A missing file (or an empty path) is not
// an error: most users never create one.
func Load(path string) (KeyMap, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return KeyMap{}, fmt.Errorf("reading key bindings: %w", err)
	}

	parse := parseTOML
	if strings.EqualFold(filepath.Ext(path), ".json") {
		parse = parseJSON
	}
	var km KeyMap
	overrides, err := parse(data)
	if err == nil {
		km, err = apply(overrides)
	}
	if err != nil {
		// Parsers only know line numbers; the path is added here once.
		var ce *ConfigError
		if errors.As(err, &ce) {
			ce.Path = path
		}
		return KeyMap{}, err
	}
	return km, nil
}

// override is one action's keys as written in the file, before validation.
type override struct {
	action string
	keys   []string
	line   int
}

func lineErr(line int, format string, args ...any) error {
	return &ConfigError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// apply validates overrides in file order, so users fix problems top to
// bottom. Conflicts are checked last because they depend on every override:
// moving "q" from quit to filter is only valid once quit is rebound too.
func apply(overrides []override) (KeyMap, error) {
	km := Default()
	var known []string
	for _, b := range km.bindings {
		known = append(known, string(b.Action))
	}
	setAt := map[Action]int{}
	for _, o := range overrides {
		i := slices.IndexFunc(km.bindings, func(b Binding) bool { return string(b.Action) == o.action })
		if i < 0 {
			return KeyMap{}, lineErr(o.line, "unknown action %q (known: %s)", o.action, strings.Join(known, ", "))
		}
		if len(o.keys) == 0 {
			return KeyMap{}, lineErr(o.line, "%q has no keys", o.action)
		}
		var keys []string
		for _, raw := range o.keys {
			if raw == "" {
				return KeyMap{}, lineErr(o.line, "%q has an empty key", o.action)
			}
			k, err := normalizeKey(raw)
			if err != nil {
				return KeyMap{}, lineErr(o.line, "%q: %v", o.action, err)
			}
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		km.bindings[i].Keys = keys
		setAt[km.bindings[i].Action] = o.line
	}

	// A conflict is the fault of whichever side the file set last: if the
	// user moved "q" to filter, the line to fix is the filter line, even
	// though quit (still on its default) is listed first.
	var first *ConfigError
	for _, c := range conflicts(km.bindings) {
		line := max(setAt[c.a], setAt[c.b])
		msg := fmt.Sprintf("key %q is bound to both %q and %q", c.key, c.a, c.b)
		for _, a := range []Action{c.a, c.b} {
			if _, set := setAt[a]; !set {
				msg += fmt.Sprintf(" (%q still has its default keys; rebind it too)", a)
			}
		}
		if first == nil || line < first.Line {
			first = &ConfigError{Line: line, Msg: msg}
		}
	}
	if first != nil {
		return KeyMap{}, first
	}
	return km, nil
}

type conflict struct {
	key  string
	a, b Action // a is displayed before b
}

// conflicts lists every key bound to two actions that are active in the same
// pane, in display order.
func conflicts(bs []Binding) []conflict {
	var out []conflict
	for i, a := range bs {
		for _, b := range bs[i+1:] {
			if !sharePane(a, b) {
				continue
			}
			for _, k := range a.Keys {
				if slices.Contains(b.Keys, k) {
					out = append(out, conflict{k, a.Action, b.Action})
				}
			}
		}
	}
	return out
}

func sharePane(a, b Binding) bool {
	for _, p := range Panes() {
		if inPane(a, p) && inPane(b, p) {
			return true
		}
	}
	return false
}

// keysFrom accepts the value of one action: a key or a list of keys. The
// types are those both the TOML and JSON decoders produce for `any`.
func keysFrom(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		keys := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			keys = append(keys, s)
		}
		return keys, true
	}
	return nil, false
}

func parseTOML(data []byte) ([]override, error) {
	var doc map[string]any
	md, err := toml.Decode(string(data), &doc)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, lineErr(pe.Position.Line, "%s", pe.Message)
		}
		return nil, &ConfigError{Msg: err.Error()}
	}

	// md.Keys is in file order, which keeps error reporting stable; ranging
	// over doc would not be.
	var out []override
	for _, k := range md.Keys() {
		switch {
		case k[0] != "keys":
			line := tomlLine(data, k[0])
			if _, isTable := doc[k[0]].(map[string]any); isTable {
				return nil, lineErr(line, "unknown table [%s] (only [keys] is allowed)", k[0])
			}
			return nil, lineErr(line, "unknown setting %q (bindings go under [keys])", k[0])
		case len(k) == 1:
			if _, ok := doc["keys"].(map[string]any); !ok {
				return nil, lineErr(tomlLine(data, k...), "[keys] must be a table of action = keys")
			}
		case len(k) == 2:
			line := tomlLine(data, k...)
			table, _ := doc["keys"].(map[string]any)
			keys, ok := keysFrom(table[k[1]])
			if !ok {
				return nil, lineErr(line, "%q must be a key or a list of keys, e.g. %s = [\"q\", \"ctrl+q\"]", k[1], k[1])
			}
			out = append(out, override{action: k[1], keys: keys, line: line})
		}
		// Deeper keys belong to a value already rejected as not a list.
	}
	return out, nil
}

// tomlLine finds the line that defines the key path, because BurntSushi/toml
// keeps key positions private. It understands table headers, dotted and
// quoted keys, which is all a keys file needs; for a key inside an inline
// table it settles for the line of the enclosing key or header. It returns 0
// if nothing matches.
func tomlLine(data []byte, path ...string) int {
	var table []string
	best, bestLen := 0, 0
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		var full []string
		switch {
		case line == "" || line[0] == '#':
			continue
		case line[0] == '[':
			inner := strings.TrimPrefix(strings.TrimPrefix(line, "["), "[")
			end := indexUnquoted(inner, ']')
			if end < 0 {
				continue
			}
			table = splitDotted(inner[:end])
			full = table
		default:
			eq := indexUnquoted(line, '=')
			if eq < 0 {
				continue // continuation of a multi-line array
			}
			full = append(slices.Clone(table), splitDotted(line[:eq])...)
		}
		n := commonPrefix(full, path)
		if n == len(path) {
			return i + 1
		}
		if n == len(full) && n > bestLen {
			best, bestLen = i+1, n
		}
	}
	return best
}

func commonPrefix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// indexUnquoted is strings.IndexByte that skips TOML basic and literal
// strings.
func indexUnquoted(s string, c byte) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch {
		case quote == '"' && s[i] == '\\':
			i++
		case quote != 0:
			if s[i] == quote {
				quote = 0
			}
		case s[i] == '"' || s[i] == '\'':
			quote = s[i]
		case s[i] == c:
			return i
		}
	}
	return -1
}

func splitDotted(s string) []string {
	var parts []string
	for {
		dot := indexUnquoted(s, '.')
		part := s
		if dot >= 0 {
			part = s[:dot]
		}
		part = strings.TrimSpace(part)
		switch {
		case strings.HasPrefix(part, `"`):
			if u, err := strconv.Unquote(part); err == nil {
				part = u
			}
		case strings.HasPrefix(part, "'"):
			part = strings.Trim(part, "'")
		}
		parts = append(parts, part)
		if dot < 0 {
			return parts
		}
		s = s[dot+1:]
	}
}

func parseJSON(data []byte) ([]override, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	lineAt := func(off int64) int { return bytes.Count(data[:min(off, int64(len(data)))], []byte("\n")) + 1 }
	// here is where the decoder stands: just past the last token read.
	here := func() int { return lineAt(dec.InputOffset()) }
	fail := func(err error) error {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return lineErr(lineAt(se.Offset), "%s", se.Error())
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return lineErr(lineAt(int64(len(data))), "unexpected end of file")
		}
		return lineErr(here(), "%s", err.Error())
	}
	expect := func(want json.Delim, what string) error {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		if tok != want {
			return lineErr(here(), "expected %s", what)
		}
		return nil
	}

	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	if err := expect('{', `an object like {"keys": {"quit": ["q"]}}`); err != nil {
		return nil, err
	}
	var out []override
	seenKeys := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		name, _ := tok.(string)
		if name != "keys" {
			return nil, lineErr(here(), "unknown field %q (only \"keys\" is allowed)", name)
		}
		if seenKeys {
			return nil, lineErr(here(), `"keys" appears twice`)
		}
		seenKeys = true
		if err := expect('{', `"keys" to be an object of "action": keys`); err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, fail(err)
			}
			action, _ := tok.(string)
			line := here()
			if seen[action] {
				return nil, lineErr(line, "%q appears twice", action)
			}
			seen[action] = true
			var v any
			if err := dec.Decode(&v); err != nil {
				return nil, fail(err)
			}
			keys, ok := keysFrom(v)
			if !ok {
				return nil, lineErr(line, "%q must be a key or a list of keys, e.g. \"%s\": [\"q\", \"ctrl+q\"]", action, action)
			}
			out = append(out, override{action: action, keys: keys, line: line})
		}
		if err := expect('}', "end of \"keys\""); err != nil {
			return nil, err
		}
	}
	if err := expect('}', "end of object"); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, lineErr(here(), "unexpected data after the closing }")
	}
	return out, nil
}
