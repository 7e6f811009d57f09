# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test venv clean translations messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "fieldwork needs Python 3.11 or newer."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV): on Debian, run 'apt-get install python3-venv' first."; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed

# The scheduler runs beside the web server; Ctrl-C (or the server stopping) stops both.
run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@$(FLASK) scheduler run & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT; \
	trap 'exit 130' INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT)

# pytest-xdist: two workers, each with its own PostgreSQL cluster, Chromium and temporary folder
# (CI has two cores). PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2
test: $(VENV)/.installed-test translations
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The compiled catalogs (.mo) that gettext reads, from the committed .po files.
translations: $(VENV)/.installed
	$(BIN)/python -c 'from fieldwork.i18n import compile_catalogs; compile_catalogs()'

# After changing or adding texts in the code: extract them and bring each catalog up to date;
# then translate the new entries (msgstr "") in fieldwork/translations/*/LC_MESSAGES/messages.po.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k pgettext:1c,2 -k lazy_pgettext:1c,2
messages: $(VENV)/.installed
	$(BIN)/pybabel extract --no-location --omit-header --sort-output -F babel.cfg $(BABEL_KEYWORDS) -o messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --omit-header -i messages.pot -d fieldwork/translations
	rm messages.pot

clean:
	rm -rf $(VENV) .pytest_cache
