package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// osc52 would set the clipboard of a terminal that printed it raw.
const osc52 = "X\x1b]52;c;QUFB\x07"

// TestCLIMessagesEscapeTheirArguments: a message that repeats an argument
// never carries a raw ESC or BEL, and says what was given, escaped.
func TestCLIMessagesEscapeTheirArguments(t *testing.T) {
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"requests", "list", "-" + osc52}, `-X\x1b]52;c;QUFB\x07`},
		{"operators flag", []string{"operators", "list", "-" + osc52}, `-X\x1b]52;c;QUFB\x07`},
		{"import file", []string{"requests", "import", osc52, "--data-dir", dir}, `open X\x1b]52;c;QUFB\x07: no such file`},
		{"missing --keys", []string{"--keys", filepath.Join(dir, osc52), "--data-dir", dir}, `--keys "` + dir + `/X\x1b]52;c;QUFB\x07": no such file or directory`},
		{"data dir", []string{"audit", "verify", "--data-dir", filepath.Join(dir, osc52)}, `--data-dir "` + dir + `/X\x1b]52;c;QUFB\x07" contains control or invisible characters`},
		{"operator name", []string{"operators", "add", "bob", "--role", "support", "--name", "Bob\u202e\u00ad", "--data-dir", dir}, `the --name "Bob\u202e\u00ad" contains control characters`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.args...)
			if code != exitBadInput {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitBadInput, stderr)
			}
			if strings.ContainsAny(stdout+stderr, "\x1b\x07\u202e") {
				t.Fatalf("raw control characters in the output: %q", stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr %q does not say %q", stderr, tc.want)
			}
		})
	}
	// Nothing was created for the refused data directory.
	if _, err := os.Stat(filepath.Join(dir, osc52)); !os.IsNotExist(err) {
		t.Errorf("the refused data directory exists: %v", err)
	}
}

func TestCLIShowEscapesTheID(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds an embedded database")
	}
	t.Setenv("CUSTODIAN_MONGO_URI", "")
	code, stdout, stderr := runCLI(t, "requests", "show", osc52, "--data-dir", t.TempDir(), "--operator", "lee")
	if code == 0 {
		t.Fatalf("showed a request %q", osc52)
	}
	if strings.ContainsAny(stdout+stderr, "\x1b\x07") {
		t.Fatalf("raw ESC or BEL in the output: %q", stderr)
	}
}
