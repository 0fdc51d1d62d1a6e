# The two commands a user needs: `make run` (the app on the embedded store) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TRANSFORMERS_STAMP := $(VENV)/.installed-transformers

.PHONY: setup setup-transformers browser run ingest test notebooks lint bench clean-index opensearch-start opensearch-stop

setup: $(STAMP)

$(STAMP): requirements.txt requirements-nodeps.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Optional: the transformers backend (ESCULAPE_LLM=transformers:...). torch from PyPI is a CUDA build of
# about 5 GB; the default llama.cpp backend does not need it.
setup-transformers: $(TRANSFORMERS_STAMP)

$(TRANSFORMERS_STAMP): $(STAMP) requirements-transformers.txt
	$(BIN)/python -m pip install --quiet -r requirements-transformers.txt
	touch $(TRANSFORMERS_STAMP)

# Index the corpus (incremental: seconds when nothing changed). Without ESCULAPE_CORPUS and without
# ../shared/data, it downloads the current BDPM from the ANSM site first.
ingest: setup
	@if [ -n "$$ESCULAPE_CORPUS" ] || [ -d ../shared/data ]; then \
		$(BIN)/esculape ingest; \
	else \
		$(BIN)/esculape ingest --download bdpm; \
	fi

run: ingest
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.headless true \
		--browser.gatherUsageStats false

# Debian's Chromium for the end-to-end tests in a real browser (tests/app/test_browser.py) and
# `python -m evals.bench_app`; Playwright's own browser downloads are never used. Does nothing when
# /usr/bin/chromium exists; without root and apt-get it says so and the browser tests skip with the reason.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-dejavu-core >/dev/null; \
	else \
		echo "chromium is not installed and needs root with apt-get: the browser tests will skip"; \
	fi

test: setup browser
	$(BIN)/python -m pytest
	$(MAKE) notebooks

# Every notebook, top to bottom, on small subsets (each reads ESCULAPE_NOTEBOOK_* variables; from a clean
# checkout they run on the small test corpus). Committed notebooks carry no outputs (tests/test_notebooks.py).
notebooks: setup
	$(BIN)/python -m pytest -p no:cacheprovider --nbmake --nbmake-timeout=1200 notebooks

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python -m evals.bench_retrieval

clean-index:
	rm -rf .esculape/index

# A local OpenSearch node (OpenSearch 2.19.1 + k-NN, from Maven Central; JDK 17 and Maven needed) on
# http://127.0.0.1:9250, for `ESCULAPE_STORE=opensearch` and the opensearch-parametrised tests.
opensearch-start:
	tools/opensearch/node.sh start

opensearch-stop:
	tools/opensearch/node.sh stop
