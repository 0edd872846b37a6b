package lookup

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sahilm/fuzzy"
)

// Name pools shaped like the demo data's: mostly English, then accented
// Latin, CJK, Arabic, Hebrew and Cyrillic names.
var (
	benchGiven  = strings.Fields("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph Jessica Thomas Sarah Charles Karen María José Zoë Renée Jürgen Søren Łukasz François Hélène Núria Björn João Thảo Ольга Иван محمد فاطمة דוד שרה")
	benchFamily = strings.Fields("Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson Martin Lee Thompson White Harris García Núñez Ångström Müller Øvergård Wójcik Dvořák Lefèvre Peña Nguyễn Hernández Иванова العلي כהן")
	benchCJK    = strings.Fields("王小明 李秀英 张伟 刘芳 陈娜 佐藤花子 鈴木太郎 高橋翔太 김민준 이서연 박지우")
	benchStreet = strings.Fields("Oak Elm Pine Maple Cedar Main Park Lake Hill Washington Lincoln Jefferson Madison Sunset Valley")
	benchCity   = strings.Fields("Oakridge Sonoma Bayshore Pecan-Ridge Lakewood Hamlin Rosewood Coral-Dade Brookfield Tahoma")
	benchDomain = strings.Fields("example.com example.org mail.example inbox.example post.example")
)

func benchRecords(n int) []Record {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	out := make([]Record, n)
	for i := range out {
		var name, handle string
		if r.IntN(10) == 0 {
			name = benchCJK[r.IntN(len(benchCJK))]
			handle = fmt.Sprintf("user%d", i)
		} else {
			g, f := benchGiven[r.IntN(len(benchGiven))], benchFamily[r.IntN(len(benchFamily))]
			name = g + " " + f
			handle = Fold(g) + "." + Fold(f)
		}
		rec := Record{
			ID: fmt.Sprintf("S-%07d", i+1), TenantID: benchCity[r.IntN(len(benchCity))],
			AccountID: fmt.Sprintf("ACC-%03d-%07d", r.IntN(12), i), Name: name,
			Emails:  []string{fmt.Sprintf("%s%d@%s", handle, r.IntN(1000), benchDomain[r.IntN(len(benchDomain))])},
			Address: fmt.Sprintf("%d %s St, %s, CA 95%03d", 10+r.IntN(9000), benchStreet[r.IntN(len(benchStreet))], benchCity[r.IntN(len(benchCity))], r.IntN(1000)),
			Status:  "active", Version: 1,
		}
		for range r.IntN(3) {
			rec.Phones = append(rec.Phones, fmt.Sprintf("%03d555%04d", 200+r.IntN(800), r.IntN(10000)))
		}
		out[i] = rec
	}
	return out
}

var benchSizes = benchSizesFromEnv()

func benchDirectory(b *testing.B, n int) *Directory {
	b.Helper()
	d := NewDirectory()
	recs := benchRecords(n)
	for i := 0; i < len(recs); i += 5000 {
		d.Put(recs[i:min(i+5000, len(recs))])
	}
	return d
}

// BenchmarkBuild reports the heap each subject costs in the directory.
func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			recs := benchRecords(n)
			var bytesPer float64
			for b.Loop() {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				d := NewDirectory()
				for i := 0; i < len(recs); i += 5000 {
					d.Put(recs[i:min(i+5000, len(recs))])
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				bytesPer = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
				runtime.KeepAlive(d)
			}
			b.ReportMetric(bytesPer, "B/subject")
		})
	}
}

// benchQueries are (previous, query) pairs: a first character searched
// afresh, and following characters narrowed from the previous query.
var benchQueries = []struct{ name, prev, q string }{
	{"first/m", "", "m"},
	{"first/j", "", "j"},
	{"following/ma", "m", "ma"},
	{"following/mar", "ma", "mar"},
	{"following/jo", "j", "jo"},
	{"following/jose", "jos", "jose"},
	{"following/garc", "gar", "garc"},
	{"following/phone", "916 55", "916 555"},
}

// BenchmarkKeystroke is the time from a key press to a ranked result.
func BenchmarkKeystroke(b *testing.B) {
	ctx := context.Background()
	for _, n := range benchSizes {
		d := benchDirectory(b, n)
		for _, bq := range benchQueries {
			b.Run(fmt.Sprintf("%d/%s", n, bq.name), func(b *testing.B) {
				var st *State
				if bq.prev != "" {
					var err error
					if _, st, err = d.Search(ctx, bq.prev, nil, 200); err != nil {
						b.Fatal(err)
					}
				}
				var res Result
				cpu0 := cpuTime()
				n := 0
				for b.Loop() {
					var err error
					if res, _, err = d.Search(ctx, bq.q, st, 200); err != nil {
						b.Fatal(err)
					}
					n++
				}
				// CPU time used by the process (both cores, GC included):
				// on a shared machine wall time also counts waiting for a core.
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
				b.ReportMetric(float64(res.Total), "matches")
				ranked := 0.0
				if res.Ranked {
					ranked = 1
				}
				b.ReportMetric(ranked, "ranked")
			})
		}
	}
}

// searchable is every string the directory searches, one per value: the
// same strings the references below are given.
func searchable(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, Fold(r.Name))
		out = append(out, r.Emails...)
		out = append(out, r.Phones...)
		out = append(out, Fold(r.Address), Fold(r.AccountID), Fold(r.ID))
	}
	return out
}

// BenchmarkFuzzyFind is the reference: sahilm/fuzzy's Find over every
// searchable string, with no prefilter and no narrowing.
func BenchmarkFuzzyFind(b *testing.B) {
	for _, n := range benchSizes {
		strs := searchable(benchRecords(n))
		for _, q := range []string{"m", "ma", "jose"} {
			b.Run(fmt.Sprintf("%d/%s", n, q), func(b *testing.B) {
				for b.Loop() {
					fuzzy.Find(q, strs)
				}
			})
		}
	}
}

// TestWriteFzfInput writes the searchable strings for `fzf --filter`
// (LOOKUP_FZF_DIR=/tmp/x go test ./ui/lookup -run WriteFzf); BENCHMARKS.md
// says how the reference figures were taken.
func TestWriteFzfInput(t *testing.T) {
	dir := os.Getenv("LOOKUP_FZF_DIR")
	if dir == "" {
		t.Skip("set LOOKUP_FZF_DIR to write fzf's input")
	}
	for _, n := range benchSizes {
		f, err := os.Create(fmt.Sprintf("%s/subjects-%d.txt", dir, n))
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		for _, s := range searchable(benchRecords(n)) {
			fmt.Fprintln(w, s)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// benchSizesFromEnv lets a quick run skip the million (LOOKUP_BENCH_SIZES=10000,100000).
func benchSizesFromEnv() []int {
	s := os.Getenv("LOOKUP_BENCH_SIZES")
	if s == "" {
		return []int{10_000, 100_000, 1_000_000}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		var n int
		if _, err := fmt.Sscan(f, &n); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}
