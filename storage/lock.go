package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// lockFile is the file under the data directory that the embedded store
// holds an exclusive lock on while it is open.
const lockFile = "LOCK"

// ErrLocked is returned, wrapped in a *LockedError, when another process
// holds the data directory.
var ErrLocked = errors.New("storage: data directory in use")

// LockedError says which process holds a data directory. Its message is the
// one line an operator needs: who holds it, and what to do instead.
type LockedError struct {
	Dir    string
	Holder string // "pid 1234 on host, since …", or "" when unreadable
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.Holder != "" {
		who = "another process (" + e.Holder + ")"
	}
	return fmt.Sprintf("storage: the data directory %s is in use by %s; the embedded store serves one process: "+
		"stop it first, or run every replica against one MongoDB with MONGODB_URI", e.Dir, who)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// dirLock is an OS lock on a data directory. The kernel releases it when
// the process exits, however it exits, so a kill -9 never leaves a stale
// lock behind: the file may stay, the lock does not.
type dirLock struct {
	f *os.File
}

// lockDir takes the exclusive lock on dir, or fails at once with a
// *LockedError naming the holder.
func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage: open lock file: %w", err)
	}
	if err := tryLock(f); err != nil {
		holder, _ := os.ReadFile(path)
		_ = f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, &LockedError{Dir: dir, Holder: strings.TrimSpace(string(holder))}
		}
		return nil, fmt.Errorf("storage: lock %s: %w", dir, err)
	}
	// Who holds it, for the next process's refusal. Written after the lock
	// is ours, so it never overwrites a live holder's line.
	host, _ := os.Hostname()
	line := fmt.Sprintf("pid %d on %s, since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(line), 0)
	}
	return &dirLock{f: f}, nil
}

// release gives the lock back. The file stays: removing it would let a
// third process lock a new file while a second still waits on the old.
func (l *dirLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := l.f.Close() // closing the descriptor drops the lock
	l.f = nil
	if err != nil {
		return fmt.Errorf("storage: release lock: %w", err)
	}
	return nil
}
