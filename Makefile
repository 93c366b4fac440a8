# Jarvis: `make run` to chat, `make test` to test.
GO      ?= go
TAGS    ?=
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS  = -s -w -X main.version=$(VERSION) -X jarvis/ui/cli.commit=$(COMMIT)

.PHONY: build build-purego run lint test fuzz bench clean release release-check soak soak-fuzz

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
FUZZ_WIRE     = FuzzDecodeAll FuzzDecodeGroup FuzzParseGroupText FuzzDecodeAddrRecord \
                FuzzDecodeMessageOps FuzzDecodeFile FuzzDecodeBulk
FUZZ_P2P      = FuzzFrameReader FuzzSessionFrameReader FuzzResponderHandshake
FUZZ_LAN      = FuzzDecodeAnnouncement
FUZZ_PAIR     = FuzzParseCode FuzzReadFrame FuzzDecodeStart FuzzDecodeReply FuzzDecodeConfirm FuzzDecodeFinal FuzzDecodeAbort FuzzServe FuzzJoin
FUZZ_APP      = FuzzPeerAddrPolicy
FUZZ_HEADLESS = FuzzJSONWriterKeepsLinesValid
FUZZ_CLI      = FuzzLogScrubLeavesNoAddress
FUZZ_TUI      = FuzzPeerText
# search
FUZZ_SEARCH   = FuzzWordsOfAnyText
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
	$(call fuzz_each,$(FUZZ_SEARCH),./app/search)

# Long fuzzing for `make soak` (RELIABILITY.md, section 50): every fuzz
# target above for SOAK_FUZZTIME each, with its execs, new corpus entries
# and crashers written to $(SOAK_OUT)/50-fuzz.md. The issue asks for ten
# minutes a target; by default the targets share SOAK_FUZZBUDGET seconds
# (about 12 minutes in all with the builds, on 2 cores). FUZZTIME or
# SOAK_FUZZTIME on the command line sets the time per target (-timeout 0:
# go test's 10-minute default would end a 10-minute run). A crasher fails
# the run only after the section is written; go's spurious "context
# deadline exceeded" at the end of -fuzztime (golang/go#75804), with no
# failing input, is noted and is not a failure.
SOAK_FUZZBUDGET ?= 600
FUZZ_ALL         = $(FUZZ_CRYPTO) $(FUZZ_WIRE) $(FUZZ_P2P) $(FUZZ_LAN) $(FUZZ_PAIR) $(FUZZ_APP) $(FUZZ_HEADLESS) $(FUZZ_CLI) $(FUZZ_TUI) $(FUZZ_SEARCH)
SOAK_FUZZTIME   ?= $(if $(filter command line environment,$(origin FUZZTIME)),$(FUZZTIME),$(shell expr $(SOAK_FUZZBUDGET) / $(words $(FUZZ_ALL)))s)
SOAK_FUZZLOGS    = $(SOAK_OUT)/fuzz-logs
# $(call soak_fuzz_each,TARGETS,PACKAGE): fuzz each target, append its table row.
soak_fuzz_each = for f in $(1); do \
	log=$(SOAK_FUZZLOGS)/$$f.log; echo "soak-fuzz: $$f ($(2)) for $(SOAK_FUZZTIME)"; \
	$(GO) test -tags '$(TAGS)' -run '^$$' -fuzz "^$$f\$$" -fuzztime $(SOAK_FUZZTIME) -timeout 0 -v $(2) >$$log 2>&1; rc=$$?; \
	last=$$(grep '^fuzz: elapsed: .*execs: ' $$log | tail -n 1); \
	secs=$$(echo "$$last" | sed -n 's/^fuzz: elapsed: \([0-9hms]*\),.*/\1/p'); \
	execs=$$(echo "$$last" | sed -n 's/.*execs: \([0-9]*\) .*/\1/p'); \
	new=$$(echo "$$last" | sed -n 's/.*new interesting: \([0-9]*\) (total: \([0-9]*\)).*/\1 (corpus \2)/p'); \
	crash=$$(sed -n 's/.*Failing input written to \(.*\)$$/\1/p' $$log | head -n 1); \
	if [ $$rc -ne 0 ] && [ -z "$$crash" ] && grep -q '^ *context deadline exceeded$$' $$log; then \
		crash="none (go stopped with its deadline race, golang/go\#75804; no input failed)"; \
	elif [ $$rc -ne 0 ]; then echo "$$f" >>$(SOAK_FUZZLOGS)/failed; tail -n 30 $$log; \
		[ -n "$$crash" ] && crash="$(2:./%=%)/$$crash" || crash="failed without a crasher, see $$log"; fi; \
	printf '| `%s` | `%s` | %s | %s | %s | %s |\n' "$$f" "$(2:./%=%)" "$${secs:-?}" "$${execs:-?}" "$${new:-?}" "$${crash:-none}" >>$(SOAK_FUZZLOGS)/rows; \
	done
soak-fuzz:
	@[ -n "$(SOAK_OUT)" ] || { echo "soak-fuzz: say where its section goes: make soak-fuzz SOAK_OUT=DIR"; exit 2; }
	rm -rf $(SOAK_FUZZLOGS) && mkdir -p $(SOAK_FUZZLOGS) && : >$(SOAK_FUZZLOGS)/rows
	@$(call soak_fuzz_each,$(FUZZ_CRYPTO),./crypto)
	@$(call soak_fuzz_each,$(FUZZ_WIRE),./p2p/wire)
	@$(call soak_fuzz_each,$(FUZZ_P2P),./p2p)
	@$(call soak_fuzz_each,$(FUZZ_LAN),./p2p/lan)
	@$(call soak_fuzz_each,$(FUZZ_PAIR),./p2p/pair)
	@$(call soak_fuzz_each,$(FUZZ_APP),./app)
	@$(call soak_fuzz_each,$(FUZZ_HEADLESS),./ui/headless)
	@$(call soak_fuzz_each,$(FUZZ_CLI),./ui/cli)
	@$(call soak_fuzz_each,$(FUZZ_TUI),./ui/tui)
	@$(call soak_fuzz_each,$(FUZZ_SEARCH),./app/search)
	@{ echo '## Long fuzzing'; echo; \
	  echo 'Every fuzz target of `make fuzz` ($(words $(FUZZ_ALL)) of them), one after the other with `go test -fuzz` on all cores, starting from its seed corpus'; \
	  echo 'and the build cache'"'"'s corpus. Time is the elapsed time go reports; execs are inputs tried; new is corpus entries found this run.'; \
	  echo; echo '| target | package | time | execs | new (corpus) | crasher |'; echo '|---|---|---|---|---|---|'; \
	  cat $(SOAK_FUZZLOGS)/rows; echo; \
	  echo "Shrunk to fit: the issue asks 10 minutes per target ($(words $(FUZZ_ALL)) × 10 min = $$(( $(words $(FUZZ_ALL)) * 10 )) min); each ran $(SOAK_FUZZTIME) here (SOAK_FUZZTIME or FUZZTIME to change it)."; \
	} >$(SOAK_OUT)/50-fuzz.md
	@if [ -s $(SOAK_FUZZLOGS)/failed ]; then echo "soak-fuzz: failed: $$(cat $(SOAK_FUZZLOGS)/failed | tr '\n' ' ')"; exit 1; fi

# sqlite_fts5: the search section compares with SQLite FTS5, which
# mattn/go-sqlite3 compiles in only under this tag (tests only; the binary
# is built without it).
bench: build
	$(GO) test -tags '$(TAGS) bench sqlite_fts5' -run '^TestBenchmarkReport$$' -timeout 45m -v ./ui/e2e

# Reliability under faults (not part of `make test`; about 30 minutes on 2
# cores): every TestSoak… section in ui/e2e writes its Markdown to
# SOAK_OUT (a fresh temp dir unless given), soak-fuzz adds the fuzzing
# section when the Makefile has it, and TestReliabilityReport assembles
# RELIABILITY.md from them. A failed section does not stop the others or
# the report; make soak then exits non-zero. SOAK_SHARED, if set, is
# printed in the report's header (e.g. that the machine was busy).
soak: build
	out='$(SOAK_OUT)'; [ -n "$$out" ] || out=$$(mktemp -d "$${TMPDIR:-/tmp}/jarvis-soak.XXXXXX"); \
	rm -rf "$$out" && mkdir -p "$$out"; fail=0; \
	SOAK_OUT="$$out" $(GO) test -tags '$(TAGS) soak' -count=1 -run '^TestSoak' -timeout 40m -v ./ui/e2e || fail=1; \
	$(MAKE) --no-print-directory soak-fuzz SOAK_OUT="$$out" || fail=1; \
	SOAK_OUT="$$out" SOAK_FAILED=$$fail $(GO) test -tags '$(TAGS) soak' -count=1 -run '^TestReliabilityReport$$' -v ./ui/e2e || fail=1; \
	echo "soak: sections in $$out; report in RELIABILITY.md"; exit $$fail

clean:
	rm -rf bin $(DIST)
