# kubetwin build, test and benchmark entry points. `make test` is what CI runs.
GO        ?= go
BIN       := bin/kubetwin
PKGS      := ./...
# A count, not a duration: Go 1.26's fuzz coordinator can fail a run with
# "context deadline exceeded" when a -fuzztime duration expires while a
# worker is busy (golang/go#75804, fixed in Go 1.27); a count has no deadline.
FUZZTIME  ?= 50000x
DEEPCOPY  := k8s.io/code-generator/cmd/deepcopy-gen@v0.32.3

.PHONY: all build test deps unit fuzz bench bench-real run lint generate clean workload-image

all: build

build:
	$(GO) build -o $(BIN) ./cmd/kubetwin

# The test workload image (real/workload, static) as a tarball agents import.
workload-image: build
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/workload ./real/workload
	./$(BIN) image build --tag kubetwin.local/workload:v1 --binary bin/workload -o bin/workload.tar

# The main job on the embedded default scenario.
run: build
	./$(BIN) run

# Unit, conformance (memory and embedded etcd) and a short fuzz of every target.
test: deps lint unit fuzz

# containerd and runc for real mode's tests, installed when missing (as root).
deps:
	@./.ci/deps

unit:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

# Each fuzz target runs briefly from its seed corpus; go test allows one target per run.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime $(FUZZTIME) ./core/api/validation/
	$(GO) test -run '^$$' -fuzz '^FuzzParseQuantity$$' -fuzztime $(FUZZTIME) ./core/api/resource/
	$(GO) test -run '^$$' -fuzz '^FuzzParseLabelSelector$$' -fuzztime $(FUZZTIME) ./core/api/labels/
	$(GO) test -run '^$$' -fuzz '^FuzzParseFieldSelector$$' -fuzztime $(FUZZTIME) ./core/api/fields/
	$(GO) test -run '^$$' -fuzz '^FuzzEscapeValue$$' -fuzztime $(FUZZTIME) ./core/api/fields/
	$(GO) test -run '^$$' -fuzz '^FuzzCreateBody$$' -fuzztime $(FUZZTIME) ./core/apiserver/
	$(GO) test -run '^$$' -fuzz '^FuzzStrategicMergePatch$$' -fuzztime $(FUZZTIME) ./core/apiserver/
	$(GO) test -run '^$$' -fuzz '^FuzzServerSideApply$$' -fuzztime $(FUZZTIME) ./core/apiserver/

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 -timeout 60m ./core/... ./bench/... ./sim/...

# Pod startup latency on a real 3-node cluster (root, containerd and runc installed).
bench-real:
	$(GO) test -run '^$$' -bench PodStartup -benchtime 5x -timeout 20m -v ./real/cluster/

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)
	@./.ci/check-imports

# Regenerates the DeepCopy methods of core/api after its types change.
generate:
	$(GO) run $(DEEPCOPY) --output-file zz_generated.deepcopy.go --go-header-file /dev/null ./core/api

clean:
	rm -rf bin
