// Command kpibot is the Slack bot for sales teams' KPI rituals and
// coaching. Run it with no Slack credentials to try it in a local console.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	_ "time/tzdata" // the static image has no zoneinfo; reps' timezones must still load

	"github.com/kpibot/kpibot/storage"
)

func main() { os.Exit(run()) }

func run() int {
	args := os.Args[1:]
	if slices.Contains(args, "--help") || slices.Contains(args, "-h") || slices.Contains(args, "help") {
		printHelp(os.Stdout)
		return 0
	}
	if slices.Contains(args, "--version") || slices.Contains(args, "version") {
		fmt.Println("kpibot", Version())
		return 0
	}
	cfg, err := LoadConfig(os.Getenv, os.ReadFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kpibot: invalid configuration:\n%v\n\nRun kpibot --help for the settings.\n", err)
		if len(args) > 0 && args[0] == "healthcheck" {
			return 1 // a container health check knows 0 and 1 only
		}
		return 2
	}
	logOut, closeLog := logDestination(cfg, args)
	defer closeLog()
	log := newLogger(logOut, cfg, logOut == os.Stderr && isTerminal(os.Stderr))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, cfg, args, IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, InTerminal: isTerminal(os.Stdin)}, log); err != nil {
		var locked *storage.LockedError
		if errors.As(err, &locked) {
			// An operator's mistake, not a crash: one plain line says it.
			fmt.Fprintln(os.Stderr, "kpibot:", err)
			return 1
		}
		log.Error("kpibot stopped", "err", err)
		return 1
	}
	return 0
}
