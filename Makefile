# baimo — `make` lists the targets.
#
# cargo's target directory lives outside the clone, so CI and later sessions reuse the
# compiled DuckDB and polars (a cold build takes ~30 minutes on 2 cores).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/baimo/target
CARGO ?= cargo
BAIMO := $(CARGO_TARGET_DIR)/debug/baimo
Q ?= select * from marts.training_run_cost

.DEFAULT_GOAL := help
.PHONY: help build warehouse refresh check test sql ls clean workbooks lint

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

test: ## Run every test (unit, integration on fixture projects, transcription checks)
	$(CARGO) test --locked

sql: build ## Run a query: make sql Q="select * from marts.market_growth"
	$(BAIMO) sql "$(Q)"

ls: build ## List the warehouse's tables
	$(BAIMO) ls

lint: ## rustfmt and clippy
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

workbooks: ## Regenerate raw/tables.xlsx from tools/make_workbooks.py (needs openpyxl)
	python3 -m pip install --quiet openpyxl
	python3 tools/make_workbooks.py

clean: ## Remove the published warehouse, its run log and build files
	rm -rf warehouse/baimo.duckdb warehouse/baimo.duckdb.wal warehouse/.build warehouse/runs.jsonl warehouse/.lock
