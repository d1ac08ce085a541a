# pacer: see README.md. Every target works on a fresh Debian machine with Go.
GO        ?= go
BIN       ?= bin
# Fuzz budgets are execution counts, not durations: with a duration, Go
# 1.26's fuzz coordinator can report a spurious "context deadline exceeded"
# at the boundary on a loaded machine (golang/go#75804, fixed in Go 1.27).
FUZZTIME  ?= 50000x
# Fuzz targets run briefly by `make test` and longer by `make fuzz`
# (package:target pairs; go test -fuzz takes one target per run).
FUZZ_TARGETS = \
	./heartbeat:FuzzOpen \
	./crm/status:FuzzDecodeJSON \
	./heartbeat:FuzzDecodeBody \
	./crm/coordinator:FuzzDecodeMessage \
	./heartbeat/serial:FuzzDeframer \
	./internal/config:FuzzParse \
	./internal/config:FuzzAuthkey \
	./internal/pcmktime:FuzzParseDuration \
	./crm/cib:FuzzParseISODate \
	./crm/cib/haresources:FuzzParse \
	./internal/config/hacf:FuzzParse \
	./internal/config/hacf:FuzzAuthkeys \
	./cmd/pacer:FuzzReadForeign \
	./cmd/pacer:FuzzParseOpSpec \
	./internal/journal:FuzzDecode \
	./internal/daemon:FuzzDecodePeerMsg \
	./crm/cib/cibxml:FuzzRead \
	./crm/cib/cibxml:FuzzTokenizerAgainstEncodingXML \
	./crm/cib/crmsh:FuzzParse \
	./agents/ocf:FuzzParseMetadata \
	./agents/lsb:FuzzParseHeader \
	./agents/stonith:FuzzParseList \
	./agents/stonith:FuzzParseMetadata \
	./agents/stonith:FuzzParseHostMap \
	./fencing:FuzzDelayBase \
	./fencing:FuzzHostList \
	./resources:FuzzParseAgentInfo \
	./crm/store:FuzzDecodeEntry \
	./crm/store:FuzzWireReceive \
	./internal/control:FuzzDecodeRequest \
	./internal/control:FuzzServeStream \
	./cmd/pacer-helper:FuzzParseArgs \
	./cmd/pacer-helper:FuzzTools

.PHONY: all build test unit sim fuzz-short fuzz bench bench-cib bench-scheduler conformance demo lint clean bench-failover lab bench-pair

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# The whole suite: unit and integration tests, then every fuzz target briefly.
test: unit fuzz-short

# The integration tests run real pacerd processes and check detection
# bounds; they run after the rest so the CPU-heavy corpus tests do not share
# the machine with them. The lab tests (root: network namespaces, a loop
# device; skipped otherwise, failed under CI=true) and the demo come last.
unit:
	$(GO) test -count=1 -timeout 12m $$($(GO) list ./... | grep -v -e /test/integration -e /test/sim -e /test/lab -e /test/demo)
	$(GO) test -count=1 -timeout 12m ./test/integration/
	$(GO) test -count=1 -timeout 10m ./test/sim/ -sim.seeds=$(SIM_TEST_SEEDS)
	$(GO) test -count=1 -timeout 5m ./test/lab/
	$(GO) test -count=1 -timeout 5m ./test/demo/

# The deterministic simulator of the replicated CIB (docs/sim.md): SEEDS
# seeds from 1, or one seed with its trace: make sim SEED=1234 [SIMLOG=1].
SEEDS ?= 1000
SIM_TEST_SEEDS ?= 300
sim:
	$(GO) test -count=1 -timeout 0 -run 'TestSim$$' -v ./test/sim/ \
		$(if $(SEED),-sim.seed=$(SEED),-sim.seeds=$(SEEDS)) $(if $(SIMLOG),-sim.log)

fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

fuzz:
	$(MAKE) fuzz-short FUZZTIME=5000000x

# Benchmarks, never timed assertions: frame seal+verify, tracker, serial
# framing; detection latency over 20 kills; idle CPU and RSS over 60 s;
# the replicated CIB: commit latency, status throughput, cib.db size after
# 100,000 updates, DC failover over 10 kills (docs/benchmarks.md).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./heartbeat/... ./membership/...
	$(GO) test -run '^$$' -bench 'DetectionLatency' -benchtime 20x -timeout 20m ./test/integration/
	$(GO) test -run '^$$' -bench 'Idle' -benchtime 1x -timeout 20m ./test/integration/
	$(GO) test -run '^$$' -bench 'ConfigCommit$$|StatusThroughput' -benchtime 1000x ./crm/store/
	$(GO) test -run '^$$' -bench 'DiskAfterStatusUpdates' -benchtime 1x -timeout 20m ./crm/store/
	$(GO) test -run '^$$' -bench 'DCFailover' -benchtime 10x -timeout 20m ./test/integration/
	$(GO) test -run '^$$' -bench 'ConfigCommitReal' -benchtime 300x -timeout 20m ./test/integration/

# CIB read + validate + write of generated CIBs, side by side with crm_verify.
bench-cib: build
	./test/bench/cib.sh $(BIN) ../shared

# pacer simulate -R / -S side by side with crm_simulate on gen-cib.py CIBs
# (2x50 .. 64x10000; crm_simulate -S only up to 500 primitives: hours
# beyond). SIZES="16x500" narrows it.
bench-scheduler: build
	./test/bench/scheduler.sh $(BIN) ../shared

# Every lab test, the long ones too (docs/lab.md); as root.
lab:
	PACER_LAB_LONG=1 $(GO) test -count=1 -v -timeout 20m ./test/lab/

# Failover in the lab: pacer's fenced VIP takeover (a 10 ms prober in a
# client namespace; fault -> first answer from the new node) side by side
# with keepalived and Corosync+Pacemaker from ../shared/peers, 10 runs each;
# as root. RUNS=3 PEERS= narrows it (docs/benchmarks.md).
bench-failover: build
	./test/bench/failover.sh $(BIN) ../shared/peers

# The DRBD/NFS pair in the lab: power-off of the Primary to the client's
# first NFS answer through the service address, 10 runs (PACER_PAIR_RUNS
# to change); as root, with nfs-ganesha and libnfs-utils (docs/benchmarks.md).
bench-pair:
	PACER_PAIR_BENCH=1 $(GO) test -count=1 -v -timeout 10m -run TestPairFailoverBench ./test/lab/

# A 3-node cluster in network namespaces (as root; on loopback otherwise):
# a VIP and a group configured with pacer configure, fencing through the
# lab fence agent, the node running the group powered off, the failover
# timed from the logs; everything removed at the end (test/demo).
demo: build
	$(GO) run ./test/demo -bin $(BIN)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf $(BIN)

# Pacemaker's scheduler regression corpus through `pacer simulate`
# (see test/conformance/run.sh); diffs of failures in build/conformance-diffs.
conformance: build
	./test/conformance/run.sh $(BIN)/pacer ../shared/conformance/pcmk-scheduler build/conformance-diffs
