# shnor — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST := $(BIN)/pytest

.PHONY: deb install demo serve test lint typecheck test-fast test-app test-browser test-pg system-deps clean lock bench bench-quick fuzz mutation validate screenshots

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Нужен $(PYTHON) (Debian 12 / Astra Linux 1.8: apt-get install python3 python3-venv)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## The demo region in ./data/demo, served at http://127.0.0.1:8000
demo: install
	$(BIN)/shnor demo --data-dir data/demo

serve: install
	$(BIN)/shnor serve

## The user guide's pictures (docs/guide/img): the demo region's screens per role, and the import journey's.
screenshots: install system-deps
	$(BIN)/python scripts/screenshots.py
	SHNOR_GUIDE_SHOTS=docs/guide/img $(PYTEST) -q -p no:randomly tests/browser/test_messy_import.py

## The Debian package dist/shnor_<version>_amd64.deb (docs/guide/install.md; DEB_EXTRAS=spark adds Spark).
deb: install
	PIP=$(CURDIR)/$(BIN)/pip bash scripts/build-deb.sh

## Everything: lint, types, unit, integration, browser (SQLite), then integration on PostgreSQL.
test: install system-deps lint typecheck test-app test-pg

system-deps:
	bash scripts/system-deps.sh

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/djlint src --check
	$(BIN)/djlint src --lint

typecheck: install
	$(BIN)/mypy

## Core methodology only: no Django, no database; seconds.
test-fast: install
	$(PYTEST) tests/core -q

## Unit + integration + browser tests on SQLite.
test-app: install
	$(PYTEST) -q

test-browser: install system-deps
	$(PYTEST) tests/browser -q

## The integration tests again on a throwaway PostgreSQL cluster.
test-pg: install system-deps
	bash scripts/with-postgres.sh $(PYTEST) tests/app tests/security -q -m "not browser"

## The long hostile-input campaign of docs/reliability.md (1 500 cases per property, 100 per form
## action and per writing operation, 100 Schemathesis cases per operation and role) and the full
## security probe of docs/security.md (ids 1–60). `make test` runs the same with 25 cases per
## property, 5 per action, 3 per operation and role, and 6 ids.
FUZZ_TESTS := tests/app/test_hostile.py \
	tests/app/test_access_matrix.py::test_no_action_answers_500_to_any_form \
	tests/app/test_access_matrix.py::test_no_api_operation_answers_500_to_any_body \
	tests/app/test_api_schema.py
fuzz: install
	mkdir -p test-artifacts
	HYPOTHESIS_PROFILE=fuzz SHNOR_CASES_PER_ACTION=100 SHNOR_SCHEMA_EXAMPLES=100 \
		SHNOR_FUZZ_COUNTS=test-artifacts/fuzz-counts.json $(PYTEST) $(FUZZ_TESTS) -q
	cat test-artifacts/fuzz-counts.json
	SHNOR_PROBE_IDS=60 SHNOR_PROBE_COUNTS=test-artifacts/probe-counts.json $(PYTEST) tests/security/test_probe.py -q
	cat test-artifacts/probe-counts.json

## Mutation testing of the methodology (docs/validation.md): mutmut over core/identification,
## indicators, programmes, effect and municipal, each mutant against the core tests that reach it;
## then the score per module (target 90 %). `make test` runs the same on one module.
mutation: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2
	$(BIN)/python scripts/mutation.py

# Five regions with a planted truth through the whole pipeline, the flag by evidence and by a count of
# signs on the same regions, then five regions never looked at while choosing the rule (about 25
# minutes); the figures of docs/validation.md.
validate: install
	mkdir -p bench/results
	$(BIN)/python bench/validate.py --json bench/results/validate-evidence.json
	$(BIN)/python bench/validate.py --flag count --json bench/results/validate-count.json
	$(BIN)/python bench/validate.py --seeds 6 7 8 9 10 --json bench/results/validate-unseen.json

## Benchmarks of docs/performance.md: each script saves its tables in bench/results/ (the quick
## run in bench/results/quick/), then bench/report.py writes the document from them.
## `make bench-quick` runs the smaller sizes in a few minutes; `make bench` the full ones (about an hour).
BENCH_DATA ?= /tmp/shnor-bench
bench: install system-deps
	bash scripts/system-deps.sh wrk
	$(BIN)/python bench/identify_scale.py --sizes 4000000,40000000 --spark --repeat 3 --data $(BENCH_DATA)
	$(BIN)/python bench/identify_scale.py --breakdown 40000000 --repeat 3 --data $(BENCH_DATA)
	$(BIN)/python bench/identify_demo.py --repeat 3
	$(BIN)/python bench/import_results.py --rows 10000000 --repeat 3
	bash scripts/with-postgres.sh $(BIN)/python bench/web_load.py --seconds 30
	$(BIN)/python bench/cycle.py --repeat 3
	$(BIN)/python bench/cli.py --repeat 3
	$(BIN)/python bench/matching.py --sizes 1000,2000,5000 --dense-up-to 5000
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/report.py

bench-quick: install system-deps
	bash scripts/system-deps.sh wrk
	$(BIN)/python bench/identify_scale.py --quick --spark --data $(BENCH_DATA)
	$(BIN)/python bench/identify_scale.py --breakdown 4000000 --quick --data $(BENCH_DATA)
	$(BIN)/python bench/identify_demo.py --repeat 1 --quick
	$(BIN)/python bench/import_results.py --rows 1000000 --repeat 1 --quick
	bash scripts/with-postgres.sh $(BIN)/python bench/web_load.py --quick
	$(BIN)/python bench/cycle.py --repeat 1 --quick
	$(BIN)/python bench/cli.py --repeat 1 --quick
	$(BIN)/python bench/matching.py --sizes 1000,2000 --dense-up-to 2000 --quick
	$(BIN)/python bench/documents.py --quick
	$(BIN)/python bench/report.py

lock:
	$(BIN)/pip install -q uv && $(BIN)/uv pip compile pyproject.toml --extra dev --extra spark --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) data/demo test-artifacts mutants
