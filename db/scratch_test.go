package db

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestScratch(t *testing.T) {
	for _, u := range []string{"http://x", "mongodb://", "mongodb://host:notaport", "mongodb://:27017", "mongodb://u:secret@host:notaport", "mongodb://u:secret@/db", "mongodb://u:sec%ret@h", "", "mongodb+srv://h:27017", "mongodb://h/?w=bogus&j=x", "mongodb://h:99999", "mongodb://h/?connectTimeoutMS=abc", "mongodb://a,b", "mongodb://u:p@h/?authMechanism=FOO"} {
		_, err := connstring.ParseAndValidate(u)
		t.Logf("%q: %v", u, err)
		err = options.Client().ApplyURI(u).Validate()
		t.Logf("   opts: %v", err)
	}
}
