# `make help` lists the targets. The first two are the README's: they do all the set-up themselves.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help run test bench lint format assets clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: $(STAMP) assets  ## Migrate, seed demo data and serve portal + feedback + worker (SQLite, embedded broker)
	$(BIN)/govcloud run

test: $(STAMP) assets  ## Run the whole suite against PostgreSQL and Redis (GOVCLOUD_TEST_* URLs)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP) assets  ## Run every benchmark under bench/ and print one table
	$(BIN)/python -m bench

# The packages the type checker holds clean: every package of the application (a test checks).
MYPY_PACKAGES := core workers catalog onboarding feedback portal

lint: $(STAMP)  ## ruff check and format check, mypy over the packages held clean
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy $(MYPY_PACKAGES)

format: $(STAMP)  ## Format the tree with ruff
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

# Installs the pinned versions (constraints.txt) with the test extras; redone when either file changes.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --ignore-requires-python -c constraints.txt helm-sdkpy
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

assets: $(STAMP) node_modules/.package-lock.json  ## Copy fonts and scripts into static/, compile translations
	$(BIN)/python -m portal.assets

clean:  ## Remove the virtualenv, node_modules, built assets and the embedded databases
	rm -rf $(VENV) node_modules var portal/static/vendor feedback/web/static/vendor
	find . -name '*.mo' -delete
