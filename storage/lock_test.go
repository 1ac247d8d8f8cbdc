package storage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A second Open of one data directory, as a second process or replica
// would do, must refuse at once and say who holds it: before the lock, both
// opened, and one process's confirmed check-ins were overwritten by the
// other's next write.
func TestOpenRefusesADataDirectoryInUse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	first, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Open(ctx, Config{DataDir: dir})
	if err == nil {
		_ = second.Close(ctx)
		t.Fatal("a second Open of the same data directory succeeded")
	}
	var locked *LockedError
	if !errors.As(err, &locked) || !errors.Is(err, ErrLocked) {
		t.Fatalf("err = %v, want a *LockedError", err)
	}
	msg := err.Error()
	for _, want := range []string{dir, fmt.Sprintf("pid %d", os.Getpid()), "MONGODB_URI", "one process"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q does not say %q", msg, want)
		}
	}
	if strings.Count(msg, "\n") > 0 {
		t.Errorf("refusal is not one line: %q", msg)
	}

	// Closing gives the directory back.
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = again.Close(ctx)
}

// The lock is the kernel's: a holder killed with SIGKILL leaves no stale
// lock, and the next start succeeds with no manual clean-up.
func TestLockIsReleasedWhenTheHolderIsKilled(t *testing.T) {
	if os.Getenv("KPIBOT_LOCK_HELPER") != "" {
		t.Skip("helper process")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "KPIBOT_LOCK_HELPER="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "LOCKED") {
				ready <- nil
				return
			}
		}
		ready <- errors.New("helper ended before it held the lock")
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("helper did not take the lock")
	}

	_, err = Open(ctx, Config{DataDir: dir})
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("Open while another process holds the directory: err = %v, want a *LockedError", err)
	}
	if want := fmt.Sprintf("pid %d", cmd.Process.Pid); !strings.Contains(locked.Holder, want) {
		t.Errorf("holder %q does not name %s", locked.Holder, want)
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no clean-up runs
		t.Fatal(err)
	}
	_ = cmd.Wait()
	s, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatalf("Open after the holder was killed: %v", err)
	}
	_ = s.Close(ctx)
}

// TestLockHelperProcess is the other process of the test above: it opens
// the store, says so, and waits to be killed.
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv("KPIBOT_LOCK_HELPER")
	if dir == "" {
		t.Skip("run by TestLockIsReleasedWhenTheHolderIsKilled")
	}
	if _, err := Open(context.Background(), Config{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("LOCKED")
	select {}
}
