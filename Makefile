# edugov: `make demo` installs and serves the demo; `make test` installs and runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= var
SCALE ?= city
export EDUGOV_DATA_DIR ?= $(abspath $(DATA))

.PHONY: demo test install install-dev lint bench messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "edugov needs Python 3.11 or newer (PYTHON=$(PYTHON))")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# A secret key for the local demo, kept in the data directory (never committed).
$(DATA)/.secret_key:
	@mkdir -p $(DATA)
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

demo: $(VENV)/.installed $(DATA)/.secret_key
	EDUGOV_SECRET_KEY=$$(cat $(DATA)/.secret_key) EDUGOV_SECURE_COOKIES=0 \
	  $(BIN)/edugov demo --scale $(SCALE)

test: $(VENV)/.installed-dev
	$(BIN)/python -m tests.run

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check edugov tests bench
	$(BIN)/mypy edugov
	EDUGOV_DEBUG=1 EDUGOV_DATA_DIR=$$(mktemp -d) $(BIN)/edugov makemigrations --check --dry-run

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/import_students.py

# Recompile the English catalog (Chinese is the source language); needs GNU gettext.
messages: $(VENV)/.installed-dev
	cd edugov && EDUGOV_DEBUG=1 ../$(BIN)/edugov makemessages -l en --ignore 'migrations/*'
	cd edugov && EDUGOV_DEBUG=1 ../$(BIN)/edugov compilemessages -l en

clean:
	rm -rf $(VENV) $(DATA)
