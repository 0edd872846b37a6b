//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package db

import "syscall"

// detachedAttr has no session to create here; the embedded database needs
// flock anyway, which these systems lack (lock_other.go).
func detachedAttr() *syscall.SysProcAttr { return nil }
