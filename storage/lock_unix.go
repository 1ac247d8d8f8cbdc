//go:build unix

package storage

import (
	"errors"
	"os"
	"syscall"
)

var errWouldBlock = errors.New("storage: lock held")

// tryLock takes a non-blocking flock: it belongs to the open file, so the
// kernel drops it when the descriptor closes or the process dies.
func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errWouldBlock
	}
	return err
}
