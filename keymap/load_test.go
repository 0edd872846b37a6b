package keymap

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadOverrides(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		want    map[Action][]string
	}{
		{
			name: "toml list and single string",
			file: "keys.toml",
			content: `# my keys
[keys]
quit = ["q", "ctrl+q"]
filter = "f"          # a single string is fine too
`,
			want: map[Action][]string{Quit: {"q", "ctrl+q"}, Filter: {"f"}, Help: {"?"}},
		},
		{
			name:    "toml dotted keys at top level",
			file:    "keys.toml",
			content: "keys.filter = 'f'\n",
			want:    map[Action][]string{Filter: {"f"}},
		},
		{
			name:    "toml inline table",
			file:    "keys.toml",
			content: `keys = { filter = "f", help = ["?", "f1"] }`,
			want:    map[Action][]string{Filter: {"f"}, Help: {"?", "f1"}},
		},
		{
			name: "moving a key frees it for another action",
			file: "keys.toml",
			content: `[keys]
quit = "ctrl+q"
filter = "q"
`,
			want: map[Action][]string{Quit: {"ctrl+q"}, Filter: {"q"}},
		},
		{
			name:    "keys are normalised to what Bubble Tea reports",
			file:    "keys.toml",
			content: "[keys]\nquit = [\"Ctrl+q\", \"ctrl+q\"]\nback = \"Escape\"\nbottom = \"shift+e\"\nextend = \"alt+ctrl+e\"\n",
			want:    map[Action][]string{Quit: {"ctrl+q"}, Back: {"esc"}, Bottom: {"E"}, Extend: {"ctrl+alt+e"}},
		},
		{
			name: "json",
			file: "keys.json",
			content: `{
  "keys": {
    "quit": ["q", "ctrl+q"],
    "filter": "f"
  }
}`,
			want: map[Action][]string{Quit: {"q", "ctrl+q"}, Filter: {"f"}},
		},
		{
			name:    "empty toml",
			file:    "keys.toml",
			content: "# nothing yet\n",
			want:    map[Action][]string{Quit: {"q", "ctrl+c"}},
		},
		{
			name:    "empty keys table",
			file:    "keys.toml",
			content: "[keys]\n",
			want:    map[Action][]string{Quit: {"q", "ctrl+c"}},
		},
		{
			name:    "empty json",
			file:    "keys.json",
			content: "",
			want:    map[Action][]string{Quit: {"q", "ctrl+c"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			km, err := Load(writeFile(t, tt.file, tt.content))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			for a, want := range tt.want {
				if got := km.Binding(a).Keys(); !slices.Equal(got, want) {
					t.Errorf("%s = %q, want %q", a, got, want)
				}
			}
			// Everything not overridden keeps its default.
			for _, d := range Default().All() {
				if _, overridden := tt.want[d.Action]; overridden {
					continue
				}
				if got := km.Binding(d.Action).Keys(); !slices.Equal(got, d.Keys) {
					t.Errorf("%s = %q, want default %q", d.Action, got, d.Keys)
				}
			}
		})
	}
}

func TestLoadHelpFollowsOverrides(t *testing.T) {
	km, err := Load(writeFile(t, "keys.toml", "[keys]\nup = [\"up\", \"w\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := km.Binding(Up).Help(); got.Key != "↑/w" || got.Desc != "up" {
		t.Errorf("help = %+v", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	for _, path := range []string{filepath.Join(t.TempDir(), "nope", "keys.toml"), ""} {
		km, err := Load(path)
		if err != nil {
			t.Fatalf("Load(%q): %v", path, err)
		}
		if !reflect.DeepEqual(km.All(), Default().All()) {
			t.Errorf("Load(%q) differs from Default()", path)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	known := func() string {
		var names []string
		for _, b := range Default().All() {
			names = append(names, string(b.Action))
		}
		return strings.Join(names, ", ")
	}()
	tests := []struct {
		name     string
		file     string
		content  string
		wantLine int
		want     string
	}{
		{
			name:     "unknown action",
			file:     "keys.toml",
			content:  "# keys\n\n[keys]\nquitt = \"q\"\n",
			wantLine: 4,
			want:     `keys.toml line 4: unknown action "quitt" (known: ` + known + ")",
		},
		{
			name:     "no keys",
			file:     "keys.toml",
			content:  "[keys]\nquit = \"ctrl+q\"\n\nfilter = []\n",
			wantLine: 4,
			want:     `keys.toml line 4: "filter" has no keys`,
		},
		{
			name:     "empty key",
			file:     "keys.toml",
			content:  "[keys]\nfilter = [\"f\", \"\"]\n",
			wantLine: 2,
			want:     `keys.toml line 2: "filter" has an empty key`,
		},
		{
			name:     "whitespace in key",
			file:     "keys.toml",
			content:  "[keys]\nmark = \" \"\n",
			wantLine: 2,
			want:     `keys.toml line 2: "mark": key " " contains whitespace (write "space" for the space bar)`,
		},
		{
			name:     "unknown modifier",
			file:     "keys.toml",
			content:  "[keys]\nquit = [\n  \"q\",\n  \"ctl+q\",\n]\n",
			wantLine: 2,
			want:     `keys.toml line 2: "quit": key "ctl+q" has unknown modifier "ctl" (use ctrl, alt, shift, meta, hyper, super)`,
		},
		{
			name:     "misspelt key name",
			file:     "keys.toml",
			content:  "[keys]\nopen = \"entr\"\n",
			wantLine: 2,
			want:     `keys.toml line 2: "open": unknown key "entr"`,
		},
		{
			name:     "wrong type",
			file:     "keys.toml",
			content:  "[keys]\n\nquit = 3\n",
			wantLine: 3,
			want:     `keys.toml line 3: "quit" must be a key or a list of keys, e.g. quit = ["q", "ctrl+q"]`,
		},
		{
			name:     "conflict with a default",
			file:     "keys.toml",
			content:  "[keys]\nhelp = \"?\"\n\n\nfilter = \"q\"\n",
			wantLine: 5,
			want:     `keys.toml line 5: key "q" is bound to both "quit" and "filter" ("quit" still has its default keys; rebind it too)`,
		},
		{
			name:     "conflict blames the later line",
			file:     "keys.toml",
			content:  "[keys]\nfilter = \"x\"\nsort_next = [\"s\", \"x\"]\n",
			wantLine: 3,
			want:     `keys.toml line 3: key "x" is bound to both "filter" and "sort_next"`,
		},
		{
			name:     "queue and request actions share the queue pane",
			file:     "keys.toml",
			content:  "[keys]\nfilter = \"a\"\n",
			wantLine: 2,
			want:     `keys.toml line 2: key "a" is bound to both "filter" and "approve" ("approve" still has its default keys; rebind it too)`,
		},
		{
			name:     "unknown table",
			file:     "keys.toml",
			content:  "[keys]\nquit = \"q\"\n\n[bindings]\nquit = \"q\"\n",
			wantLine: 4,
			want:     `keys.toml line 4: unknown table [bindings] (only [keys] is allowed)`,
		},
		{
			name:     "setting outside keys",
			file:     "keys.toml",
			content:  "quit = \"q\"\n",
			wantLine: 1,
			want:     `keys.toml line 1: unknown setting "quit" (bindings go under [keys])`,
		},
		{
			name:     "toml syntax error",
			file:     "keys.toml",
			content:  "[keys]\nquit = \"q\"\nfilter = \n",
			wantLine: 3,
			want:     `keys.toml line 3: expected value but found '\n' instead`,
		},
		{
			name:     "toml duplicate action",
			file:     "keys.toml",
			content:  "[keys]\nquit = \"q\"\nquit = \"x\"\n",
			wantLine: 3,
			want:     `keys.toml line 3: Key 'keys.quit' has already been defined.`,
		},
		{
			name:     "json unknown action",
			file:     "keys.json",
			content:  "{\n  \"keys\": {\n    \"quit\": \"q\",\n    \"quitt\": \"x\"\n  }\n}\n",
			wantLine: 4,
			want:     `keys.json line 4: unknown action "quitt" (known: ` + known + ")",
		},
		{
			name:     "json conflict",
			file:     "keys.json",
			content:  "{\"keys\": {\n\"mark\": \"a\"\n}}",
			wantLine: 2,
			want:     `keys.json line 2: key "a" is bound to both "approve" and "mark" ("approve" still has its default keys; rebind it too)`,
		},
		{
			name:     "json syntax error",
			file:     "keys.json",
			content:  "{\n  \"keys\": {\n    \"quit\": [\"q\",]\n  }\n}\n",
			wantLine: 3,
			want:     `keys.json line 3: invalid character ']' looking for beginning of value`,
		},
		{
			name:     "json unknown field",
			file:     "keys.json",
			content:  "{\n  \"bindings\": {}\n}\n",
			wantLine: 2,
			want:     `keys.json line 2: unknown field "bindings" (only "keys" is allowed)`,
		},
		{
			name:     "json duplicate action",
			file:     "keys.json",
			content:  "{\"keys\": {\n\"quit\": \"q\",\n\"quit\": \"x\"\n}}",
			wantLine: 3,
			want:     `keys.json line 3: "quit" appears twice`,
		},
		{
			name:     "json wrong type",
			file:     "keys.json",
			content:  "{\"keys\": {\n\"quit\": [\"q\", 1]\n}}",
			wantLine: 2,
			want:     `keys.json line 2: "quit" must be a key or a list of keys, e.g. "quit": ["q", "ctrl+q"]`,
		},
		{
			name:     "json truncated",
			file:     "keys.json",
			content:  "{\"keys\": {\n\"quit\": \"q\"",
			wantLine: 2,
			want:     `keys.json line 2: unexpected end of file`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.file, tt.content)
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, want *ConfigError", err)
			}
			if ce.Line != tt.wantLine || ce.Path != path {
				t.Errorf("ConfigError at %s:%d, want %s:%d", ce.Path, ce.Line, path, tt.wantLine)
			}
		})
	}
}

func TestNormalizeKey(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "q", want: "q"},
		{in: "Q", want: "Q"},
		{in: "?", want: "?"},
		{in: "+", want: "+"},
		{in: "ctrl++", want: "ctrl++"},
		{in: "space", want: "space"},
		{in: "Enter", want: "enter"},
		{in: "return", want: "enter"},
		{in: "pagedown", want: "pgdown"},
		{in: "shift+tab", want: "shift+tab"},
		{in: "shift+g", want: "G"},
		{in: "shift+G", want: "G"},
		{in: "shift+ctrl+x", want: "ctrl+shift+x"},
		{in: "ctrl+space", want: "ctrl+space"},
		{in: "F5", want: "f5"},
		{in: "é", want: "é"},
		{in: "", wantErr: "empty key"},
		{in: "ctrl+ c", wantErr: "whitespace"},
		{in: "ctrl+", wantErr: "has a modifier but no key"},
		{in: "ctrl+ctrl+c", wantErr: `repeats modifier "ctrl"`},
		{in: "ctrl+C", wantErr: `use a lowercase letter with modifiers, e.g. "ctrl+c"`},
		{in: "shift+/", wantErr: "never arrives from a terminal"},
		{in: "f64", wantErr: `unknown key "f64"`},
		{in: "ctrl+entr", wantErr: `unknown key "ctrl+entr"`},
		{in: "\x01", wantErr: "not a printable character"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normalizeKey(tt.in)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("normalizeKey(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
			case err != nil || got != tt.want:
				t.Errorf("normalizeKey(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDefaultPath(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		name string
		xdg  string
		want string
	}{
		{"xdg set", "/xdg", filepath.Join("/xdg", "custodian", "keys.toml")},
		{"xdg unset", "", filepath.Join(home, ".config", "custodian", "keys.toml")},
		{"relative xdg is ignored", "rel/dir", filepath.Join(home, ".config", "custodian", "keys.toml")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", home)
			t.Setenv("XDG_CONFIG_HOME", tt.xdg)
			if got := DefaultPath(); got != tt.want {
				t.Errorf("DefaultPath() = %q, want %q", got, tt.want)
			}
		})
	}
}
