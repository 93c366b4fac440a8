# Jarvis: `make run` to chat, `make test` to test.
GO      ?= go
TAGS    ?=
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  = -s -w -X main.version=$(VERSION) -X jarvis/ui/cli.commit=$(COMMIT)

.PHONY: build build-purego run lint test fuzz bench clean release release-check soak

build:
	$(GO) build -tags '$(TAGS)' -trimpath -ldflags '$(LDFLAGS)' -o bin/jarvis .

# The pure-Go build (no C compiler, e.g. for Termux): a static binary.
build-purego:
	CGO_ENABLED=0 $(GO) build -tags purego -trimpath -ldflags '$(LDFLAGS)' -o bin/jarvis-purego .

# Release files: pure Go and static (no C compiler, no libc to match), one
# per platform, plus SHA256SUMS. Reproducible: no build ID, no paths, no VCS
# stamp or time (version and commit come from git through LDFLAGS), and the
# CPU levels pinned so the builder's environment cannot change the code.
# The Android file is the static linux/arm64 build: GOOS=android without
# cgo links a PIE that needs Android's own loader (/system/bin/linker64),
# which nothing here can run, while a static Linux binary runs in Termux as
# it does under qemu-aarch64 in the tests.
DIST     ?= dist
RELEASES  = linux/amd64 linux/arm64 darwin/arm64 darwin/amd64 windows/amd64
release:
	rm -rf $(DIST) && mkdir -p $(DIST)
	set -e; for t in $(RELEASES); do \
		os=$${t%/*}; arch=$${t#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch GOAMD64=v1 GOARM64=v8.0 \
			$(GO) build -tags purego -trimpath -buildvcs=false -ldflags '$(LDFLAGS) -buildid=' \
			-o $(DIST)/jarvis-$$os-$$arch$$ext .; \
	done
	cp $(DIST)/jarvis-linux-arm64 $(DIST)/jarvis-android-arm64
	cd $(DIST) && sha256sum jarvis-* > SHA256SUMS

# Builds the release a second time, from a copy of the tree in another
# directory with an empty build cache, and fails unless every file matches.
release-check: release
	set -e; tmp=$$(mktemp -d); trap 'chmod -R u+w $$tmp; rm -rf $$tmp' EXIT; \
	mkdir $$tmp/src; git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C $$tmp/src; \
	GOCACHE=$$tmp/cache $(MAKE) -C $$tmp/src --no-print-directory release DIST=dist VERSION='$(VERSION)' COMMIT='$(COMMIT)'; \
	cmp $(DIST)/SHA256SUMS $$tmp/src/dist/SHA256SUMS; echo "release-check: every file in $(DIST) built again to the same bytes"

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
# (real tor processes: -tags tortest, tests named TestTor…) run one package
# at a time, so that two networks never share the machine; p2p/tor has its
# own in the first run. The arm64 and Termux tests in ui/e2e run under
# qemu-aarch64-static when it is installed (with CI set, they fail without
# it). The Windows and macOS release files, which nothing here can run,
# must at least build.
test: lint
	$(GO) test -race -count=1 -tags '$(TAGS)' -timeout 30m ./...
	$(GO) test -race -count=1 -tags '$(TAGS) tortest' -p 1 -run '^TestTor' -timeout 30m ./app ./ui/e2e
	$(GO) test -race -tags purego -timeout 10m ./store/...
	CGO_ENABLED=0 $(GO) build -tags purego -o /dev/null .
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -tags purego -o /dev/null .
	CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) build -tags purego -o /dev/null .

# Explore with the fuzzers for FUZZTIME each (not part of `make test`, which
# runs their seed corpora). Every binary decoder has one, and so does every
# filter of peer input (handshake, addresses, log, JSON lines, screen text).
FUZZTIME ?= 30s
FUZZ_CRYPTO   = FuzzParseLinkCode FuzzParseRoster FuzzParseSenderKey FuzzUnmarshalRatchet FuzzUnmarshalKDFParams FuzzRosterFork FuzzReadBackupHeader FuzzBackupReader FuzzCPaceFinish
FUZZ_WIRE     = FuzzDecodeAll FuzzDecodeGroup FuzzParseGroupText FuzzDecodeAddrRecord
FUZZ_P2P      = FuzzFrameReader FuzzResponderHandshake
FUZZ_LAN      = FuzzDecodeAnnouncement
FUZZ_PAIR     = FuzzParseCode FuzzReadFrame FuzzDecodeStart FuzzDecodeReply FuzzDecodeConfirm FuzzDecodeFinal FuzzDecodeAbort FuzzServe FuzzJoin
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
	$(call fuzz_each,$(FUZZ_LAN),./p2p/lan)
	$(call fuzz_each,$(FUZZ_PAIR),./p2p/pair)
	$(call fuzz_each,$(FUZZ_APP),./app)
	$(call fuzz_each,$(FUZZ_HEADLESS),./ui/headless)
	$(call fuzz_each,$(FUZZ_CLI),./ui/cli)
	$(call fuzz_each,$(FUZZ_TUI),./ui/tui)

bench: build
	$(GO) test -tags '$(TAGS) bench' -run '^TestBenchmarkReport$$' -timeout 45m -v ./ui/e2e

# Reliability under faults (not part of `make test`; about 30 minutes on 2
# cores): every TestSoak… section in ui/e2e writes its Markdown to
# SOAK_OUT (a fresh temp dir unless given), soak-fuzz adds the fuzzing
# section when the Makefile has it, and TestReliabilityReport assembles
# RELIABILITY.md from them. A failed section does not stop the others or
# the report; make soak then exits non-zero. SOAK_SHARED, if set, is
# printed in the report's header (e.g. that the machine was busy).
SOAK_OUT ?=
soak: build
	out='$(SOAK_OUT)'; [ -n "$$out" ] || out=$$(mktemp -d "$${TMPDIR:-/tmp}/jarvis-soak.XXXXXX"); \
	rm -rf "$$out" && mkdir -p "$$out"; fail=0; \
	SOAK_OUT="$$out" $(GO) test -tags '$(TAGS) soak' -count=1 -run '^TestSoak' -timeout 40m -v ./ui/e2e || fail=1; \
	if grep -q '^soak-fuzz:' $(firstword $(MAKEFILE_LIST)); then \
		$(MAKE) --no-print-directory soak-fuzz SOAK_OUT="$$out" || fail=1; fi; \
	SOAK_OUT="$$out" SOAK_FAILED=$$fail $(GO) test -tags '$(TAGS) soak' -count=1 -run '^TestReliabilityReport$$' -v ./ui/e2e || fail=1; \
	echo "soak: sections in $$out; report in RELIABILITY.md"; exit $$fail

clean:
	rm -rf bin $(DIST)
