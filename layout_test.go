package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/custodian-dev/custodian"

// packageDirs lists every directory holding a non-test Go file, relative
// to the module root, with "/" separators.
func packageDirs(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			seen[filepath.ToSlash(filepath.Dir(path))] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking the tree: %v", err)
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs)
	return dirs
}

// TestREADMELayoutMatchesTree: the README's Layout section names every
// package directory, and every directory it names exists.
func TestREADMELayoutMatchesTree(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatalf("reading the README: %v", err)
	}
	readme := string(b)
	start := strings.Index(readme, "\n## Layout\n")
	if start < 0 {
		t.Fatal("README.md has no \"## Layout\" section")
	}
	section := readme[start+len("\n## Layout\n"):]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	named := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "    ") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		entry := strings.TrimSuffix(fields[0], "/")
		named[entry] = true
		if _, err := os.Stat(entry); err != nil {
			t.Errorf("the README's Layout names %s, which does not exist", fields[0])
		}
	}
	for _, dir := range packageDirs(t) {
		if dir == "." {
			if !named["main.go"] {
				t.Errorf("the README's Layout does not name main.go")
			}
			continue
		}
		if !named[dir] {
			t.Errorf("the README's Layout does not name the package directory %s/", dir)
		}
	}
}

// TestEveryPackageSaysWhatItMayImport: each package's doc comment says
// what lives there and what it may import, so a newcomer reads the rule
// where the code is.
func TestEveryPackageSaysWhatItMayImport(t *testing.T) {
	for _, dir := range packageDirs(t) {
		pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi fs.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatalf("parsing %s: %v", dir, err)
		}
		for name, pkg := range pkgs {
			var doc string
			for _, f := range pkg.Files {
				if f.Doc != nil {
					doc += f.Doc.Text()
				}
			}
			switch {
			case doc == "":
				t.Errorf("package %s (%s/) has no doc comment", name, dir)
			case !strings.Contains(strings.ToLower(doc), "import"):
				t.Errorf("the doc comment of package %s (%s/) does not say what it may import:\n%s", name, dir, doc)
			}
		}
	}
}

// TestImportRules: the layering the package docs promise, checked on the
// real dependency graph (go list -deps).
func TestImportRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to list dependencies with")
	}
	cases := []struct {
		pkg       string
		forbidden []string
	}{
		{"model", []string{module + "/", "go.mongodb.org", "github.com/FerretDB", "charm.land"}},
		{"keymap", []string{module + "/", "go.mongodb.org", "github.com/FerretDB"}},
		{"ui/lookup", []string{module + "/", "go.mongodb.org", "github.com/FerretDB", "charm.land"}},
		{"ui/records", []string{module + "/db", module + "/ui/", "go.mongodb.org", "github.com/FerretDB", "charm.land"}},
		{"ui/present", []string{module + "/db", module + "/ui/", module + "/keymap", "go.mongodb.org", "github.com/FerretDB", "charm.land"}},
		{"db", []string{module + "/ui/", module + "/keymap", "charm.land"}},
		{"ui/console", []string{module + "/db", module + "/ui/cli", module + "/ui/opcli", module + "/ui/sshd", "go.mongodb.org", "github.com/FerretDB"}},
	}
	for _, c := range cases {
		t.Run(c.pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "./"+c.pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps ./%s: %v", c.pkg, err)
			}
			self := module + "/" + c.pkg
			for _, dep := range strings.Fields(string(out)) {
				if dep == self {
					continue
				}
				for _, bad := range c.forbidden {
					if dep == strings.TrimSuffix(bad, "/") || strings.HasPrefix(dep, bad) && (strings.HasSuffix(bad, "/") || strings.HasPrefix(dep, bad+"/") || dep == bad) {
						t.Errorf("%s depends on %s", c.pkg, dep)
					}
				}
			}
		})
	}
}
