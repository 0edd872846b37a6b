package console

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/custodian-dev/custodian/model"
)

// A write whose claim is stored but unconfirmed is shown as pending, not as
// a failure to retry; other errors keep their own wording.
func TestErrTextSaysPending(t *testing.T) {
	c := &Context{}
	for _, tc := range []struct {
		name    string
		err     error
		pending bool
	}{
		{"pending", fmt.Errorf("verify R-1: %w", fmt.Errorf("pending: will be applied (claim requests/R-1@2): %w", model.ErrPending)), true},
		{"conflict", fmt.Errorf("verify R-1: %w", model.ErrConflict), false},
		{"failure", errors.New("write requests R-1: connection reset"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.errText(tc.err)
			if strings.Contains(got, "not lost") != tc.pending || !strings.Contains(got, tc.err.Error()) {
				t.Fatalf("errText(%v) = %q", tc.err, got)
			}
		})
	}
}
