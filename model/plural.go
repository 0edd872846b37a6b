package model

import "strconv"

// Count writes n and the noun, plural unless n is one: "1 step",
// "3 steps", "0 records". Nouns here are regular English plurals; one
// that is not would need its own form.
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
