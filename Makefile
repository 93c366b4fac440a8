# Jarvis: `make run` to chat, `make test` to test.
GO      ?= go
TAGS    ?=
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  = -s -w -X main.version=$(VERSION)

.PHONY: build build-purego run lint test fuzz bench clean

build:
	$(GO) build -tags '$(TAGS)' -trimpath -ldflags '$(LDFLAGS)' -o bin/jarvis .

# The pure-Go build (no C compiler, e.g. for Termux): a static binary.
build-purego:
	CGO_ENABLED=0 $(GO) build -tags purego -trimpath -ldflags '$(LDFLAGS)' -o bin/jarvis-purego .

run: build
	./bin/jarvis $(ARGS)

# go.mod must be tidy, and vet and staticcheck (pinned, so a new release
# cannot break the build) must find nothing, in the benchmark harness too.
lint:
	$(GO) mod tidy -diff
	$(GO) vet -tags '$(TAGS) bench' ./...
	$(STATICCHECK) -tags '$(TAGS) bench' ./...

# Unit, protocol, UI and end-to-end tests with the race detector, never from
# the test cache (ui/e2e builds the binary itself, so the cache cannot see
# what it depends on); fuzz seed corpora run as ordinary tests. The store
# runs under both SQLite drivers.
test: lint
	$(GO) test -race -count=1 -tags '$(TAGS)' -timeout 30m ./...
	$(GO) test -race -tags purego -timeout 10m ./store/...
	CGO_ENABLED=0 $(GO) build -tags purego -o /dev/null .

# Explore with the fuzzers for FUZZTIME each (not part of `make test`, which
# runs their seed corpora). Every binary decoder has one.
FUZZTIME ?= 30s
FUZZ_CRYPTO = FuzzParseLinkCode FuzzParseRoster FuzzParseSenderKey FuzzUnmarshalRatchet FuzzUnmarshalKDFParams
FUZZ_WIRE   = FuzzDecodeAll FuzzDecodeGroup FuzzParseGroupText
fuzz:
	for f in $(FUZZ_CRYPTO); do $(GO) test -tags '$(TAGS)' -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./crypto || exit 1; done
	for f in $(FUZZ_WIRE); do $(GO) test -tags '$(TAGS)' -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./p2p/wire || exit 1; done
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz '^FuzzFrameReader$$' -fuzztime $(FUZZTIME) ./p2p

bench: build
	$(GO) test -tags '$(TAGS) bench' -run '^TestBenchmarkReport$$' -timeout 15m -v ./ui/e2e

clean:
	rm -rf bin
