// Command kpibot is the Slack bot for sales teams' KPI rituals and
// coaching. Run it with no Slack credentials to try it in a local console.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	_ "time/tzdata" // the static image has no zoneinfo; reps' timezones must still load
)

func main() { os.Exit(run()) }

func run() int {
	args := os.Args[1:]
	if slices.Contains(args, "--help") || slices.Contains(args, "-h") || slices.Contains(args, "help") {
		printHelp(os.Stdout)
		return 0
	}
	if slices.Contains(args, "--version") || slices.Contains(args, "version") {
		fmt.Println("kpibot", version)
		return 0
	}
	cfg, err := LoadConfig(os.Getenv, os.ReadFile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "kpibot: invalid configuration:\n%v\n\nRun kpibot --help for the settings.\n", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, cfg, args, IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, log); err != nil {
		log.Error("kpibot stopped", "err", err)
		return 1
	}
	return 0
}
