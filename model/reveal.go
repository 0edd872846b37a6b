package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MinRevealReason is the fewest characters a reveal's reason may have.
// A privacy lead reveals a sensitive field only "with a stated reason"
// (the roles table), and that reason is what the audit history keeps of
// why PI was unmasked (§7101's records, the policy's audit of every
// access): "x" or "ok" states nothing a reviewer could check.
const MinRevealReason = 10

// CheckRevealReason cleans a reveal's reason and says what is wrong with
// it: the console asks again with this message, and the controller refuses
// with it, so the two never disagree.
func CheckRevealReason(reason string) (string, error) {
	reason = strings.TrimSpace(CleanLine(reason))
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "", fmt.Errorf("a reveal needs a reason: say why you need to see this value")
	case n < MinRevealReason:
		return "", fmt.Errorf("the reason %q is %d characters; a reveal needs at least %d — say why you need to see this value, e.g. \"subpoena 24-118 response\"", reason, n, MinRevealReason)
	}
	return reason, nil
}
