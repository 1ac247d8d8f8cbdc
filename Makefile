# The README's quick start and CI run these same commands.
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: run test lint bench loadtest build docker

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

# 2,000 signed /log requests at 200 per second over loopback.
loadtest:
	$(GO) test -tags loadtest -run TestLoad -count=1 -v ./bot/slackhttp

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/kpibot ./cmd/kpibot

docker:
	docker build --build-arg VERSION=$(VERSION) -t kpibot:$(VERSION) .
