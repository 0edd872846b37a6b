package db

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/custodian-dev/custodian/model"
)

// Other people's contacts (a guardian's name, email, phone) live in the
// product records, not on the subject. The lookup must find a child's
// subject from the email the parent writes from, and it is one streamed
// query over subjects (FerretDB has no $lookup, and a scan of every product
// collection per directory build would multiply its cost). So the subject
// carries a derived copy, other_contacts, which db writes whenever it writes
// the records it comes from: the seed here; a deletion clears it with the
// rest of the subject (model.ApplySubject). Which fields are other people's
// is the data map's ThirdParty, nowhere else (model.OtherContactsOf).

// OtherContactsFromRecords derives each subject's other contacts from
// product records by collection (as the demo dataset and an import hold
// them), keyed by subject id. Collections the data map does not name are
// skipped: nothing says which of their fields are about whom.
func OtherContactsFromRecords(dm []model.CollectionMap, records map[string][]bson.D) map[string][]model.OtherContact {
	out := map[string][]model.OtherContact{}
	for _, cm := range dm {
		for _, doc := range records[cm.Collection] {
			get := func(field string) (string, bool) {
				for _, e := range doc {
					if e.Key == field {
						v, ok := e.Value.(string)
						return v, ok
					}
				}
				return "", false
			}
			id, ok := get(cm.SubjectField)
			if !ok || id == "" {
				continue
			}
			if cs := model.OtherContactsOf(cm, get); len(cs) > 0 {
				out[id] = model.MergeOtherContacts(out[id], cs)
			}
		}
	}
	return out
}
