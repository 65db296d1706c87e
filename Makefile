# Loupe: the two commands in the README do all setup on a fresh Debian machine.
#   make serve   install what is missing, build, serve on http://127.0.0.1:8080
#   make test    install what is missing, run every test (native, browser)
# Installs come only from crates.io, npm and Debian (see scripts/setup.sh).

SHELL := /bin/bash
# wasm-opt from npm's binaryen must come before Debian's (too old for today's wasm).
export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

ADDRESS ?= 127.0.0.1
PORT ?= 8080
BENCH_ROWS ?= 1000000

.PHONY: serve test dist samples screenshots bench bench-browser test-native test-browser setup-web setup-browser clean fuzz

serve: setup-web samples
	trunk serve --offline --address $(ADDRESS) --port $(PORT)

test: setup-browser test-native dist test-browser

# dist/ for a static server, and dist/loupe.html: the same app and both
# training incidents in one file that works opened from disk.
dist: setup-web samples
	trunk build --offline --release
	node scripts/single-file.mjs dist

# The bundled training incidents, generated deterministically (not committed):
# the default scenario in www/samples, each other one in its own folder below
# it, every folder with its own manifest.json and answer_key.json.
samples:
	cargo run --quiet --bin loupe -- sample --out www/samples
	cargo run --quiet --bin loupe -- sample --out www/samples/admin --scenario compromised-admin

# The README's pictures (docs/*.png), from the single-file build.
screenshots: setup-browser dist
	node scripts/screenshots.mjs

test-native:
	cargo test

test-browser:
	cd tests/e2e && NODE_PATH=$(CURDIR)/tools/node_modules node --test --test-reporter=spec

# Figures, not pass/fail: ingest (stage by stage) and query speed on a
# generated 1M-row UAL export, then DuckDB and pandas on the same file
# (scripts/bench_peers.py, when python3 has them; BENCH_FLAGS=--no-peers skips).
# Then the sign-in map, the suspects' stories and the stacked histogram over
# VIEWS_ROWS events: a UAL export and an Entra sign-in export (a quarter).
BENCH_FLAGS ?=
VIEWS_ROWS ?= 1000000
bench:
	cargo run --release --bin loupe-bench -- --rows $(BENCH_ROWS) --streaming $(BENCH_FLAGS)
	cargo run --release --bin loupe-bench -- --views --rows $(VIEWS_ROWS)

# Coverage-guided fuzzing of every reader (fuzz/, cargo-fuzz on nightly),
# FUZZ_SECONDS each, seeded from tests/fixtures; not part of `make test`.
FUZZ_SECONDS ?= 30
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

setup-web:
	scripts/setup.sh web

setup-browser:
	scripts/setup.sh browser

clean:
	rm -rf dist www/samples tests/e2e/artifacts

# Figures in the browser: load generated UAL exports (about 1 GB and 4 GB;
# 1,390 bytes a row) into the release build, beside the native command line
# on the same files. BROWSER_BENCH_ROWS="145000" for a quick run. Then the
# map, the story and the histogram worked on VIEWS_ROWS events (bench-views.cjs),
# then one parsing worker's rate against one native thread's (bench-worker.mjs).
BROWSER_BENCH_ROWS ?= 720000 2900000
# One wasm worker against one native thread on the same slices
# (bench-worker.mjs, in Node's V8): a UAL export and the sign-ins.
WORKER_BENCH_ROWS ?= 200000
bench-browser: setup-browser dist
	cargo build --release --bin loupe --bin loupe-bench
	for rows in $(BROWSER_BENCH_ROWS); do target/release/loupe-bench --rows $$rows --generate-only || exit 1; done
	node scripts/bench-browser.cjs dist $(foreach r,$(BROWSER_BENCH_ROWS),bench-data/ual_$(r).csv)
	target/release/loupe-bench --views --rows $(VIEWS_ROWS) --generate-only
	target/release/loupe-bench --rows $(WORKER_BENCH_ROWS) --generate-only
	node scripts/bench-worker.mjs dist bench-data/ual_$(WORKER_BENCH_ROWS).csv bench-data/signin_$(shell echo $$(( $(VIEWS_ROWS) / 4 ))).ndjson
	node scripts/bench-views.cjs dist bench-data/ual_$(shell echo $$(( $(VIEWS_ROWS) - $(VIEWS_ROWS) / 4 ))).csv bench-data/signin_$(shell echo $$(( $(VIEWS_ROWS) / 4 ))).ndjson
