# The two commands of the README, and the pieces they are made of.
.PHONY: run test lint setup setup-test build build-tests unit-tests end-to-end rest-fuzz qlik-api browser-tests scale-out size bench bench-engine bench-anonymous bench-reload bench-signed-embed bench-scale-out bench-backup clean-data

export PATH := $(HOME)/.cargo/bin:$(PATH)

## Build and run Sightline on SQLite with the demo tenant (http://127.0.0.1:3000).
run: setup build
	target/debug/sightline serve --demo

## Install what tests need, build once, and pass every test: rules, services on SQLite and
## PostgreSQL, HTTP, Qlik's own REST client, and the browser tests in headless Chromium.
## The build needs only `setup`; what the tests need (Chromium, the databases, Node and Python
## packages, real data: downloads, mostly) is installed beside it, its output shown after.
## Each step says how long it took, so that the whole run's minutes can be accounted for.
test:
	@total=$$(date +%s); mkdir -p target; \
	start=$$(date +%s); $(MAKE) --no-print-directory setup || exit 1; \
	echo "==> make setup took $$(( $$(date +%s) - start )) s"; \
	start=$$(date +%s); \
	( $(MAKE) --no-print-directory setup-test; code=$$?; \
	  echo "==> make setup-test took $$(( $$(date +%s) - start )) s, beside the build"; exit $$code \
	) >target/setup-test.log 2>&1 & tools=$$!; \
	$(MAKE) --no-print-directory build-tests; built=$$?; \
	echo "==> make build-tests took $$(( $$(date +%s) - start )) s"; \
	wait $$tools; tooled=$$?; cat target/setup-test.log; \
	[ $$built -eq 0 ] && [ $$tooled -eq 0 ] || exit 1; \
	for step in unit-tests end-to-end; do \
	  start=$$(date +%s); $(MAKE) --no-print-directory $$step || exit 1; \
	  echo "==> make $$step took $$(( $$(date +%s) - start )) s"; \
	done; echo "==> make test took $$(( $$(date +%s) - total )) s"

## rustfmt's format (rustfmt.toml) and no clippy warning ([workspace.lints] in Cargo.toml).
lint: setup
	cargo fmt --all -- --check
	cargo clippy -p app -p engine -p server -p wasm-split --tests -- -D warnings

setup:
	scripts/setup.sh run

setup-test:
	scripts/setup.sh test

# Builds the WASM bundles and the server binary, once; the tests reuse the artifacts.
build:
	scripts/build.sh

# The same, with the server compiled as the tests compile it, and the tests with it.
build-tests:
	scripts/build.sh --tests

## The rules', the engine's, the services' and HTTP tests, in two cargos at once (see the script).
unit-tests:
	scripts/unit-tests.sh

## schemathesis against the OpenAPI document of a fresh demo server, at most 150 seconds: no 5xx,
## no response the document does not describe.
rest-fuzz:
	scripts/schemathesis.sh

## Everything that runs against live servers: the REST fuzz run in the background for its fixed
## 150 s, and meanwhile Qlik's suite, the browser tests and the scale-out run, one after the other
## (each on its own ports and database). Those wait on browsers and sockets more than on the CPU,
## so the fuzz run's time is nearly all saved. Its output follows theirs; any failing fails this.
end-to-end:
	@mkdir -p target; \
	scripts/schemathesis.sh >target/rest-fuzz.log 2>&1 & fuzz=$$!; \
	$(MAKE) --no-print-directory qlik-api browser-tests scale-out; others=$$?; \
	wait $$fuzz; fuzzed=$$?; cat target/rest-fuzz.log; \
	[ $$others -eq 0 ] && [ $$fuzzed -eq 0 ]

## Qlik's TypeScript client (@qlik/api, pinned) against a fresh demo server on SQLite, then on
## PostgreSQL: every REST route Sightline implements, as a Qlik Cloud script calls it.
qlik-api:
	SIGHTLINE_TEST_POSTGRES=$$(scripts/postgres.sh) scripts/qlik-api.sh

browser-tests:
	mkdir -p end2end/artifacts
	cd end2end && SIGHTLINE_TEST_POSTGRES=$$(../scripts/postgres.sh) npx playwright test

## Three processes on one PostgreSQL behind nginx; the browser run through it kills one.
scale-out:
	scripts/scale-out.sh

## Release build, and what each kind of page downloads to run: the portal's main WASM module
## (target at most 300 KB brotli) and the chunks its pages load, and visitor and embed pages'
## script (no WASM; target at most 150 KB); then what Chromium transfers for each kind of page,
## on a first visit and a second.
size:
	scripts/setup.sh size
	scripts/setup.sh test
	scripts/build.sh --release
	@scripts/size.sh

clean-data:
	rm -rf data

## Benchmarks: each prints the figures it exists for.
bench:
	cargo bench -p server --bench access
	cargo bench -p server --bench content
	cargo bench -p server --bench licences
	SIGHTLINE_TEST_POSTGRES=$$(scripts/postgres.sh) cargo bench -p server --bench selections
	SIGHTLINE_TEST_POSTGRES=$$(scripts/postgres.sh) cargo bench -p server --bench collab
	SIGHTLINE_TEST_POSTGRES=$$(scripts/postgres.sh) cargo bench -p server --bench connections

## Anonymous links under load (wrk), writes per visit, an embedded chart's bytes and first paint.
bench-anonymous:
	bench/anonymous.sh

## A reload of the 10 M-row app in place beside its first load; visitors under wrk while apps reload.
bench-reload:
	bench/reload.sh

## Embedding for a host site's own users: signed beside anonymous, and the token exchange's p99.
bench-signed-embed:
	bench/signed-embed.sh

## Requests per second through nginx with 1, 2 and 3 processes, and the CPU each costs.
bench-scale-out:
	bench/scale-out.sh

## sightline backup and restore, timed and sized, for the demo and with the 10 M-row app.
bench-backup:
	bench/backup.sh

## The engine beside DuckDB on the same 10-million-row CSV (ROWS=1000000 for a quick run).
bench-engine:
	bench/run.sh
