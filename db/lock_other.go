//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package db

import (
	"errors"
	"fmt"
	"os"
	"runtime"
)

// tryLockExclusive has no flock to build on here; refusing is safer than
// letting two processes open FerretDB's SQLite files at once.
func tryLockExclusive(*os.File) (bool, error) {
	return false, fmt.Errorf("the embedded database needs flock, which %s lacks; use --mongo-uri: %w",
		runtime.GOOS, errors.ErrUnsupported)
}
