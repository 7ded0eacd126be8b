# baimo — `make` lists the targets.
#
# cargo's target directory lives outside the clone, so CI and later sessions reuse the
# compiled DuckDB and polars (a cold build takes ~30 minutes on 2 cores).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/baimo/target
CARGO ?= cargo
BAIMO := $(CARGO_TARGET_DIR)/debug/baimo
Q ?= select * from marts.training_run_cost

.DEFAULT_GOAL := help
.PHONY: help build warehouse refresh check deps test sql serve install ls docs report bench crash-test fuzz clean workbooks lint

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## Compile baimo (dependencies optimised, one profile for tests and the main job)
	$(CARGO) build --locked

warehouse: build ## Build, test and publish warehouse/baimo.duckdb
	$(BAIMO) build -v

refresh: build ## Rebuild only if an input changed ("up to date" otherwise)
	$(BAIMO) refresh -v

check: build ## Validate everything a build would, publish nothing
	$(BAIMO) check -v

deps: ## Install what a fresh machine lacks (C++ compiler, a CJK font, Chromium; DuckDB 1.5 and 2.0 Python clients; the Frictionless validator)
	tools/install-deps
	tools/duckdb-clients
	tools/frictionless

test: deps ## Run every test (unit, integration on fixture projects, corpus, transcription checks)
	$(CARGO) test --locked

sql: build ## Run a query: make sql Q="select * from marts.market_growth"
	$(BAIMO) sql "$(Q)"

PORT ?= 8080
serve: build ## Browse the warehouse at http://127.0.0.1:8080/ (PORT=… for another; read-only; Ctrl-C stops)
	$(BAIMO) serve --port $(PORT)

PREFIX ?= $(HOME)/.local
install: build ## Put baimo on the PATH: ~/.local/bin/baimo (PREFIX=… for elsewhere)
	install -D -m 755 $(BAIMO) $(PREFIX)/bin/baimo
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; *) echo "add $(PREFIX)/bin to your PATH" ;; esac

ls: build ## List the warehouse's tables
	$(BAIMO) ls

docs: build ## Write the data dictionary to warehouse/docs/ (Markdown and HTML)
	$(BAIMO) docs

report: build deps ## Write the HTML report with charts to warehouse/report/index.html
	$(BAIMO) report

BENCH_ROWS ?= 1000000
bench: build ## Benchmarks against DuckDB's read_csv and calamine, same run; writes bench/RESULTS.md
	BENCH_ROWS=$(BENCH_ROWS) $(CARGO) run --locked --example bench

crash-test: ## SIGKILL 200 builds of the report project at spread-out moments
	BAIMO_KILLS=200 $(CARGO) test --locked --test it killed -- --nocapture

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= quantity extract_csv extract_xlsx
fuzz: ## cargo-fuzz the quantity parser and the CSV and xlsx extractors, FUZZ_SECONDS each (default 60)
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/work/$$t && \
		(cd fuzz && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(HOME)/.cache/baimo/fuzz-target \
			cargo fuzz run $$t work/$$t corpus/$$t -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096) || exit 1; \
	done

lint: ## rustfmt and clippy
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

workbooks: ## Regenerate raw/tables.xlsx from tools/make_workbooks.py (needs openpyxl)
	python3 -m pip install --quiet openpyxl
	python3 tools/make_workbooks.py

clean: ## Remove the published warehouse, its run log and build files
	rm -rf warehouse/baimo.duckdb warehouse/baimo.duckdb.wal warehouse/.build warehouse/runs.jsonl warehouse/.lock
