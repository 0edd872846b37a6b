//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package db

import "syscall"

// detachedAttr puts the service in a session of its own: the terminal's
// hang-up and ctrl+c go to the client's process group, never to it.
func detachedAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
