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
	$(GO) vet -tags '$(TAGS) tortest' ./...
	$(STATICCHECK) -tags '$(TAGS) bench' ./...
	$(STATICCHECK) -tags '$(TAGS) tortest' ./...

# Unit, protocol, UI and end-to-end tests with the race detector, never from
# the test cache (ui/e2e builds the binary itself, so the cache cannot see
# what it depends on); fuzz seed corpora run as ordinary tests. The store
# runs under both SQLite drivers. The scenarios over a private Tor network
# (real tor processes: -tags tortest, tests named TestTor…) run last, one
# package at a time, so that two networks never share the machine; p2p/tor
# has its own in the first run.
test: lint
	$(GO) test -race -count=1 -tags '$(TAGS)' -timeout 30m ./...
	$(GO) test -race -count=1 -tags '$(TAGS) tortest' -p 1 -run '^TestTor' -timeout 30m ./app ./ui/e2e
	$(GO) test -race -tags purego -timeout 10m ./store/...
	CGO_ENABLED=0 $(GO) build -tags purego -o /dev/null .

# Explore with the fuzzers for FUZZTIME each (not part of `make test`, which
# runs their seed corpora). Every binary decoder has one, and so does every
# filter of peer input (handshake, addresses, log, JSON lines, screen text).
FUZZTIME ?= 30s
FUZZ_CRYPTO   = FuzzParseLinkCode FuzzParseRoster FuzzParseSenderKey FuzzUnmarshalRatchet FuzzUnmarshalKDFParams FuzzRosterFork FuzzReadBackupHeader FuzzBackupReader
FUZZ_WIRE     = FuzzDecodeAll FuzzDecodeGroup FuzzParseGroupText FuzzDecodeAddrRecord
FUZZ_P2P      = FuzzFrameReader FuzzResponderHandshake
FUZZ_APP      = FuzzPeerAddrPolicy
FUZZ_HEADLESS = FuzzJSONWriterKeepsLinesValid
FUZZ_CLI      = FuzzLogScrubLeavesNoAddress
FUZZ_TUI      = FuzzPeerText
# $(call fuzz_each,TARGETS,PACKAGE): one fuzz run per target, stop at the first failure.
fuzz_each = for f in $(1); do $(GO) test -tags '$(TAGS)' -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $(2) || exit 1; done
fuzz:
	$(call fuzz_each,$(FUZZ_CRYPTO),./crypto)
	$(call fuzz_each,$(FUZZ_WIRE),./p2p/wire)
	$(call fuzz_each,$(FUZZ_P2P),./p2p)
	$(call fuzz_each,$(FUZZ_APP),./app)
	$(call fuzz_each,$(FUZZ_HEADLESS),./ui/headless)
	$(call fuzz_each,$(FUZZ_CLI),./ui/cli)
	$(call fuzz_each,$(FUZZ_TUI),./ui/tui)

bench: build
	$(GO) test -tags '$(TAGS) bench' -run '^TestBenchmarkReport$$' -timeout 30m -v ./ui/e2e

clean:
	rm -rf bin
