package model

import (
	"strings"
	"time"
)

// FormatPhone shows a stored phone number as people write it: a North
// American number as "(415) 555-0132", an extension as " ext. 12"; a number
// it cannot read is shown as stored.
func FormatPhone(s string) string {
	p, err := ParsePhone(s)
	if err != nil {
		return s
	}
	num, ext, _ := strings.Cut(p, "x")
	if len(num) == 10 && !strings.HasPrefix(num, "+") {
		num = "(" + num[:3] + ") " + num[3:6] + "-" + num[6:]
	}
	if ext != "" {
		num += " ext. " + ext
	}
	return num
}

// LocalStamp shows an instant as the console does, in the tenant's zone,
// with the zone named for a reader outside the console: "2026-03-10 09:30 PDT".
func LocalStamp(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}
