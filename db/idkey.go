package db

import (
	"encoding/hex"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// A product record's _id may be of any BSON type the product chose: a
// string, an ObjectID, an int32, an int64, an embedded document. Its
// display text (fmt.Sprint) loses the type — the int32 7, the int64 7 and
// the string "7" all print "7" — so a plan that kept only the text would
// look records up by the wrong value and find nothing. The plan keeps the
// id as an idKey instead: the BSON type byte and the value's raw bytes, in
// hex, which decodes back to exactly the stored value.

// idKey encodes a stored _id losslessly.
func idKey(v any) (string, error) {
	if rv, ok := v.(bson.RawValue); ok {
		return hex.EncodeToString(append([]byte{byte(rv.Type)}, rv.Value...)), nil
	}
	t, data, err := bson.MarshalValue(v)
	if err != nil {
		return "", fmt.Errorf("encode _id %v: %w", v, err)
	}
	return hex.EncodeToString(append([]byte{byte(t)}, data...)), nil
}

// idValue decodes an idKey into the value a filter matches the stored _id
// with, byte for byte.
func idValue(key string) (bson.RawValue, error) {
	b, err := hex.DecodeString(key)
	if err != nil || len(b) < 2 {
		return bson.RawValue{}, fmt.Errorf("record key %q is not a stored _id", key)
	}
	rv := bson.RawValue{Type: bson.Type(b[0]), Value: b[1:]}
	if err := rv.Validate(); err != nil {
		return bson.RawValue{}, fmt.Errorf("record key %q is not a stored _id: %w", key, err)
	}
	return rv, nil
}

// displayID is how a record's _id reads on screen, the same in a plan and
// in the subject view: an ObjectID as its hex, a number as its digits.
func displayID(v any) string {
	if n, err := nativeValue(v); err == nil {
		v = n
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}
