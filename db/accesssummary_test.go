package db_test

import (
	"flag"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/custodian-dev/custodian/model"
)

var updateSummary = flag.Bool("update-summary", false, "rewrite db/testdata/summary.golden from the demo access package")

// goldenSummary runs an access request for a fixed demo subject with HR or
// registration records in scope, under the fixed clocks, and returns the
// path of its summary.html.
func goldenSummary(t *testing.T) (string, *ffix) {
	t.Helper()
	f := newFulfilFixture(t, 60, 10)
	since := model.AccessSince(fulfilClock.T)
	sub := f.pick("a subject with a guardian or an HR record in scope", func(s model.Subject) bool {
		n := 0
		for _, coll := range []string{"rec_registrations", "hr_records", "job_applications"} {
			for _, d := range f.records(coll, s.ID) {
				if at, ok := field(d, dataMap(coll).DateField).(time.Time); ok && !at.Before(since) {
					n++
				}
			}
		}
		return n > 0 && len(f.collections(s.ID)) >= 3
	})
	r := f.run(f.planned(f.approved("T-GOLDEN", sub, model.TypeAccess, nil)), "lou")
	return filepath.Join(f.exports, r.ID, "summary.html"), f
}

var (
	tagRE   = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`)
	blankRE = regexp.MustCompile(`[ \t]+`)
)

// visibleText is the page's text with the markup stripped, one line per
// line of content.
func visibleText(page string) string {
	text := html.UnescapeString(tagRE.ReplaceAllString(page, " "))
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(blankRE.ReplaceAllString(l, " ")); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// TestAccessSummaryGolden keeps the summary's text, built from fixed demo
// data and a fixed clock, in db/testdata/summary.golden: a change to what a
// resident reads shows in review. Regenerate with
// go test ./db -run TestAccessSummaryGolden -update-summary.
func TestAccessSummaryGolden(t *testing.T) {
	path, _ := goldenSummary(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := visibleText(string(b))
	golden := filepath.Join("testdata", "summary.golden")
	if *updateSummary {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update-summary to create it)", err)
	}
	if got != string(want) {
		t.Errorf("summary text differs from %s; run with -update-summary if the change is meant:\n%s", golden, got)
	}
	for _, s := range []string{"Where it comes from:", "Why it is held:", "Who receives it:", "Questions, or if you disagree", "Privacy Office"} {
		if !strings.Contains(got, s) {
			t.Errorf("the summary does not say %q", s)
		}
	}
}

// TestAccessSummaryInChromium renders the summary in headless Chromium:
// a screenshot is left in the test's output directory, and the DOM the
// browser built shows the text the golden file keeps.
func TestAccessSummaryInChromium(t *testing.T) {
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no %s: install chromium (apt-get install -y chromium) to check the summary in a browser", chromium)
	}
	path, _ := goldenSummary(t)
	out := t.TempDir()
	if d := os.Getenv("CUSTODIAN_TEST_OUTPUT"); d != "" {
		out = d
	}
	shot := filepath.Join(out, "summary.png")
	args := func(extra ...string) []string {
		return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--user-data-dir=" + t.TempDir()}, append(extra, "file://"+path)...)
	}
	if b, err := exec.Command(chromium, args("--screenshot="+shot, "--window-size=1000,1400")...).CombinedOutput(); err != nil {
		t.Fatalf("chromium screenshot: %v\n%s", err, b)
	}
	if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
	dom, err := exec.Command(chromium, args("--dump-dom")...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	page, _ := os.ReadFile(path)
	got := visibleText(string(dom))
	for _, line := range strings.Split(strings.TrimSpace(visibleText(string(page))), "\n") {
		if !strings.Contains(got, line) {
			t.Errorf("the browser does not show %q", line)
		}
	}
}
