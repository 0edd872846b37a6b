package model

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// MaxLetterBodyLen bounds an edited body: a letter, not a file.
const MaxLetterBodyLen = 20000

// CleanLetterBody is the rule for a body an operator edited before sending:
// terminal escape sequences are stripped and every control character is
// dropped except newline and tab (a letter has lines and may indent), CRLF
// and lone CR become newlines, and the bidi and invisible characters
// CleanLine drops are dropped too, so the resident reads what the operator
// saw. The template's rendered body passes CleanText; this keeps the tabs
// a person typed.
func CleanLetterBody(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = ansi.Strip(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case unsafeRune(r), unicode.IsControl(r), r == utf8.RuneError:
			return -1
		}
		return r
	}, s)
}

// CheckEditedLetter cleans an edited subject and body and says what is
// wrong with them: the console asks again with this message and the
// controller refuses with it, so the two never disagree.
func CheckEditedLetter(subject, body string) (string, string, error) {
	subject = HeaderSafe(subject)
	body = CleanLetterBody(body)
	switch {
	case subject == "":
		return "", "", fmt.Errorf("the subject is empty: write one")
	case utf8.RuneCountInString(subject) > MaxSubjectLen:
		return "", "", fmt.Errorf("the subject is longer than %d characters: shorten it", MaxSubjectLen)
	case strings.TrimSpace(body) == "":
		return "", "", fmt.Errorf("the letter's body is empty: write one")
	case utf8.RuneCountInString(body) > MaxLetterBodyLen:
		return "", "", fmt.Errorf("the letter's body is %d characters; keep it under %d", utf8.RuneCountInString(body), MaxLetterBodyLen)
	}
	return subject, body, nil
}
