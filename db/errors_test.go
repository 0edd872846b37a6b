package db_test

import (
	"errors"
	"testing"

	"github.com/custodian-dev/custodian/db"
	"github.com/custodian-dev/custodian/model"
)

func TestErrorsUnwrap(t *testing.T) {
	te := &model.TransitionError{Reason: "no"}
	var err error = &db.RefusedError{Reason: "no", Err: te}
	var got *model.TransitionError
	if !errors.Is(err, db.ErrRefused) || !errors.As(err, &got) || got != te || err.Error() != "no" {
		t.Fatalf("refused error: %v", err)
	}
	if err := (&db.RefusedError{Reason: "x"}); !errors.Is(err, db.ErrRefused) {
		t.Fatal("refusal without a cause")
	}
	if err := (&db.ConflictError{ID: "R-1", By: "ana", Status: model.StatusNeedsInfo, Version: 3}); !errors.Is(err, db.ErrConflict) {
		t.Fatal("conflict sentinel")
	}
}
