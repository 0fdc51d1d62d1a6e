# The two commands a user needs: `make run` (the app on the embedded store) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run ingest test lint bench clean-index

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

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

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python -m evals.bench_retrieval

clean-index:
	rm -rf .esculape/index
