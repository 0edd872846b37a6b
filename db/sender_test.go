package db_test

import (
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/db/dbtest"
)

// TestStoreLetterSender: the sender of the letters the controller queues by
// itself must be one plain address; anything else (a header smuggled in
// with a line break, a display name) stops the store from opening.
func TestStoreLetterSender(t *testing.T) {
	conn := dbtest.New(t)
	for _, bad := range []string{"privacy@x.example\r\nBcc: all@x.example", "Privacy <privacy@x.example>", "not an address"} {
		if _, err := db.NewStore(conn, db.StoreOptions{LetterFrom: bad}); err == nil || !strings.Contains(err.Error(), "sender") {
			t.Errorf("LetterFrom %q: %v, want an error naming the sender", bad, err)
		}
	}
	if _, err := db.NewStore(conn, db.StoreOptions{LetterFrom: "privacy@vendor.example"}); err != nil {
		t.Errorf("a plain address: %v", err)
	}
}
