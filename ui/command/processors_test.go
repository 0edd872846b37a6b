package command

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/db/demo"
)

// TestDataMapFileRoundTripsProcessors: the file `datamap export` prints
// carries each collection's sub-processors ([[collection.processor]]),
// and `datamap check|apply` read back the same map; a processor without a
// contact address is refused naming the collection.
func TestDataMapFileRoundTripsProcessors(t *testing.T) {
	dm := demo.DataMapWithProcessors()
	text := "version = 3\n" + encodeDataMap(dm)
	if !strings.Contains(text, "[[collection.processor]]") || !strings.Contains(text, "privacy@lumen-crm.example.com") {
		t.Fatalf("the export lacks the processors:\n%s", text)
	}
	path := filepath.Join(t.TempDir(), "dm.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := readDataMapFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	back := f.dataMap()
	for i := range dm {
		if !reflect.DeepEqual(back[i].Processors, dm[i].Processors) {
			t.Errorf("%s: processors %+v read back as %+v", dm[i].Collection, dm[i].Processors, back[i].Processors)
		}
	}
	bad := strings.Replace(text, `email = "privacy@lumen-crm.example.com"`, `email = ""`, 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readDataMapFile(path, nil); err == nil || !strings.Contains(err.Error(), "has no contact email") {
		t.Errorf("a processor without an address: %v", err)
	}
}
