//go:build !unix

package storage

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("storage: lock held")

// tryLock has no OS lock to take outside Unix; kpibot's supported
// platforms are Linux and macOS, where lock_unix.go applies.
func tryLock(*os.File) error { return nil }
