# The one command that runs every test in the repository: `make test`.
# Postgres tests run when DRIVEWAY_TEST_POSTGRES_URL is set (.ci/run sets it);
# browser tests need /usr/bin/chromium (.ci/run installs it).

GO ?= go

.PHONY: test vet gotest race soak conformance bench bench-proxy run npm jstest image

test: vet npm gotest jstest conformance

# jstest runs the node test suites: Microsoft's Graph client through the
# proxy (e2e/graphclient) and our JavaScript SDK (sdk/js).
jstest:
	cd e2e/graphclient && node --test
	@if [ -f sdk/js/package.json ] && grep -q '"test"' sdk/js/package.json; then cd sdk/js && npm test; fi

# npm installs the pinned JavaScript packages that tests drive: the
# published Paragon SDK (connect/paragon_test.go), Microsoft's Graph
# client against the proxy (e2e/graphclient), and our own SDK (sdk/js).
npm:
	@for s in e2e/paragon/setup.sh e2e/graphclient/setup.sh sdk/js/setup.sh; do \
		if [ -f $$s ]; then echo "npm: $$s"; bash $$s || exit 1; fi; \
	done

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

gotest:
	$(GO) test -count=1 -timeout 20m ./...

# race runs every Go test again under the race detector (about 4 minutes
# on 2 cores with a warm build cache). CI runs it after make test.
race:
	$(GO) test -race -count=1 -timeout 30m ./...

# soak runs e2e/soak for DURATION on SQLite (one node) and on Postgres (two
# nodes; needs DRIVEWAY_TEST_POSTGRES_URL) with faults, and prints each
# verdict (RELIABILITY.md). CI runs the 3-minute one; the long one is
# make soak DURATION=30m. SOAK_FLAGS passes more go test flags.
DURATION ?= 3m
soak:
	DRIVEWAY_SOAK_DURATION=$(DURATION) $(GO) test -count=1 -v -timeout 6h $(SOAK_FLAGS) -run '^TestSoak$$' ./e2e/soak/

conformance:
	bash conformance/run.sh

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...

# bench-proxy measures the Graph proxy through the real binary against a
# bare ReverseProxy, nginx and direct calls (see BENCHMARKS.md); Postgres
# too when DRIVEWAY_TEST_POSTGRES_URL is set. About 10 minutes per engine.
bench-proxy:
	$(GO) run ./e2e/benchproxy $(BENCH_PROXY_FLAGS)

run:
	$(GO) run ./cmd/driveway dev

# image builds the container image (IMAGE, default driveway:latest) from a
# binary built here, without downloading a base image; the Dockerfile is the
# multi-stage build for Docker users. docs/operations.md.
image:
	bash deploy/image/build.sh
