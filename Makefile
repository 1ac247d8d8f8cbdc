# The README's quick start and CI run these same commands.
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: run test lint bench loadtest crashtest fuzz build docker

run:
	$(GO) run ./cmd/kpibot

test:
	$(GO) test -race -count=1 ./...

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@if command -v staticcheck >/dev/null; then staticcheck ./...; else echo "staticcheck not installed; skipped"; fi

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# 2,000 signed /log requests at 200 per second over loopback; then the
# whole server on the embedded store: 800 /log per second for 10 s, and
# /log latency against 0, 50k and 100k stored check-ins. KPIBOT_LOAD_RATE,
# KPIBOT_LOAD_SECONDS and KPIBOT_LOAD_HISTORY (e.g. 0,50000) tune the first.
loadtest:
	$(GO) test -tags loadtest -run TestLoad -count=1 -v ./bot/slackhttp
	$(GO) test -tags loadtest -run 'TestLoadEmbedded|TestLatencyByHistory' -count=1 -v -timeout 30m ./cmd/kpibot

# SIGKILL the server under 400 /log per second, restart it, and check that
# no acknowledged check-in is lost; KPIBOT_CRASH_ROUNDS rounds (20).
crashtest:
	$(GO) test -tags loadtest -run TestCrashSafety -count=1 -v -timeout 30m ./cmd/kpibot

# Every fuzz target, FUZZTIME each (go test -fuzz takes one target at a
# time). Findings land in each package's testdata/fuzz, to commit.
FUZZTIME ?= 5m
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for t in $$(grep -hoE '^func Fuzz[A-Za-z0-9_]+' $$dir/*_test.go 2>/dev/null | cut -c6-); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/kpibot ./cmd/kpibot

docker:
	docker build --build-arg VERSION=$(VERSION) -t kpibot:$(VERSION) .
