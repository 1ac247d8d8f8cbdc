package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kpibot/kpibot/bot/secretbox"
	"github.com/kpibot/kpibot/bot/tenancy"
	"github.com/kpibot/kpibot/storage"
)

// adminCommands are the maintenance commands of the embedded store, and
// the container's health check.
var adminCommands = map[string]func(ctx context.Context, cfg Config, args []string, stdio IO) error{
	"backup":      backupCmd,
	"restore":     restoreCmd,
	"migrate":     migrateCmd,
	"healthcheck": healthcheckCmd,
	"keygen":      keygenCmd,
	"reencrypt":   reencryptCmd,
}

// keygenCmd prints a fresh key for KPIBOT_ENCRYPTION_KEY.
func keygenCmd(_ context.Context, _ Config, args []string, stdio IO) error {
	if len(args) > 0 {
		return errors.New("usage: kpibot keygen   (prints a new KPIBOT_ENCRYPTION_KEY key)")
	}
	fmt.Fprintln(stdio.Out, secretbox.NewKey())
	return nil
}

// reencryptCmd seals every stored workspace token again under the first
// key of KPIBOT_ENCRYPTION_KEY: after a new key is put in front, and
// before the old one is dropped. It can run while the bot runs on
// MongoDB; the embedded store needs the bot stopped, as its lock says.
func reencryptCmd(ctx context.Context, cfg Config, args []string, stdio IO) error {
	if len(args) > 0 {
		return errors.New("usage: KPIBOT_ENCRYPTION_KEY=NEW,OLD kpibot reencrypt")
	}
	if cfg.EncryptionKey == "" {
		return errors.New("reencrypt: KPIBOT_ENCRYPTION_KEY is not set: give the new key first, then the old ones")
	}
	keys, err := secretbox.ParseKeys(cfg.EncryptionKey)
	if err != nil {
		return fmt.Errorf("reencrypt: KPIBOT_ENCRYPTION_KEY: %w", err)
	}
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	store, err := storage.Open(openCtx, storage.Config{URI: cfg.MongoURI, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer func() { _ = store.Close(context.WithoutCancel(ctx)) }()
	rep, err := tenancy.New(store, keys, nil).Reseal(ctx)
	fmt.Fprintf(stdio.Out, "Sealed %d workspace tokens again under the first key; %d already were; %d workspaces have none (uninstalled).\n", rep.Resealed, rep.Current, rep.Revoked)
	if err != nil {
		return fmt.Errorf("reencrypt: %w", err)
	}
	if rep.Resealed+rep.Current > 0 {
		fmt.Fprintln(stdio.Out, "Every token opens with the first key alone: the other keys can be dropped from KPIBOT_ENCRYPTION_KEY.")
	}
	return nil
}

// healthcheckCmd asks the running bot's /readyz on KPIBOT_ADMIN_ADDR:
// kpibot exits 0 when it is ready, 1 otherwise. Distroless images have no
// shell or curl for a HEALTHCHECK.
func healthcheckCmd(ctx context.Context, cfg Config, args []string, stdio IO) error {
	if len(args) > 0 {
		return errors.New("usage: kpibot healthcheck   (asks /readyz on KPIBOT_ADMIN_ADDR)")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := healthcheck(ctx, cfg.AdminAddr); err != nil {
		return err
	}
	fmt.Fprintln(stdio.Out, "ready")
	return nil
}

// healthcheck returns nil when GET /readyz on addr answers 200. A listen
// address without a host, or on every interface, is asked on loopback.
func healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: KPIBOT_ADMIN_ADDR %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// No proxy: the bot is on this machine, or next to it.
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		line, _ := bufio.NewReader(io.LimitReader(resp.Body, 200)).ReadString('\n')
		return fmt.Errorf("healthcheck: /readyz answered %d %s", resp.StatusCode, strings.TrimSpace(line))
	}
	return nil
}

// backupCmd writes a consistent copy of the embedded store to FILE, while
// the bot runs or not.
func backupCmd(ctx context.Context, cfg Config, args []string, stdio IO) error {
	if len(args) != 1 || args[0] == "" {
		return errors.New("usage: kpibot backup FILE")
	}
	if cfg.MongoURI != "" {
		return errors.New("MONGODB_URI is set: back up MongoDB with its own tools (mongodump); kpibot backup copies the embedded store")
	}
	path := args[0]
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kpibot-backup-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := storage.Backup(ctx, cfg.DataDir, tmp); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	info, _ := os.Stat(path)
	fmt.Fprintf(stdio.Out, "Backed up %s to %s (%d bytes). Restore it with: kpibot restore %s\n", cfg.DataDir, path, info.Size(), path)
	return nil
}

// restoreCmd restores a backup into the configured, empty data directory.
func restoreCmd(_ context.Context, cfg Config, args []string, stdio IO) error {
	if len(args) != 1 || args[0] == "" {
		return errors.New("usage: kpibot restore FILE   (into an empty KPIBOT_DATA_DIR)")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if err := storage.Restore(cfg.DataDir, f); err != nil {
		if errors.Is(err, storage.ErrNotEmpty) {
			return fmt.Errorf("%w; restore into a new KPIBOT_DATA_DIR, or move this one away first", err)
		}
		return err
	}
	fmt.Fprintf(stdio.Out, "Restored %s into %s. Start kpibot with KPIBOT_DATA_DIR=%s.\n", args[0], cfg.DataDir, cfg.DataDir)
	return nil
}

// migrateCmd copies the embedded store into a MongoDB database.
func migrateCmd(ctx context.Context, cfg Config, args []string, stdio IO) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stdio.Err)
	to := fs.String("to", "", "the MongoDB connection string to copy into (mongodb:// or mongodb+srv://)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" || fs.NArg() > 0 {
		return errors.New("usage: kpibot migrate --to mongodb://HOST/DATABASE")
	}
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Opening the embedded store takes its lock: the bot must be stopped,
	// so that nothing is written after the copy.
	src, err := storage.Open(openCtx, storage.Config{DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer src.Close(context.WithoutCancel(ctx))
	dst, err := storage.Open(openCtx, storage.Config{URI: *to})
	if err != nil {
		return err
	}
	defer dst.Close(context.WithoutCancel(ctx))
	return migrate(ctx, src, dst, stdio.Out)
}

// migrate copies src into dst and says what to set next.
func migrate(ctx context.Context, src, dst *storage.Store, out io.Writer) error {
	counts, err := src.CopyTo(ctx, dst)
	for _, c := range counts {
		fmt.Fprintf(out, "  %-24s %8d documents copied\n", c.Name, c.Target)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Copied %d collections from %s to %s; every count matches.\n", len(counts), src, dst)
	// The URI may carry a password: it is not echoed.
	fmt.Fprintf(out, "Now set MONGODB_URI to the connection string given to --to, for every replica, and start kpibot; keep %s as a backup.\n", src)
	return nil
}
