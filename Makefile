# The two commands of the README, and a few helpers. Everything runs from the project's
# own virtualenv (.venv), which `make venv` creates and keeps in sync with requirements.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast venv lint check clean objectstores

run: venv
	./scripts/run

test: venv
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# Everything but the tests that start servers (gazu's live server, gunicorn, qcluster) or run
# ffmpeg on generated clips: the markers are described in pyproject.toml.
test-fast: venv
	$(BIN)/python -m pytest -n auto -m "not live and not ffmpeg" $(PYTEST_ARGS)

venv: $(VENV)/.installed

# The object-store servers the tests start on loopback, each in its own environment apart from
# the project's requirements: moto (S3) in .objectstores/moto-venv.
objectstores:
	./scripts/s3-server.sh install

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing dependencies into $(VENV) (first run takes a minute)..."
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# Style, layering (the import-linter contracts in pyproject.toml), types (mypy with the Django
# and DRF stubs, files and strictness in pyproject.toml), and models without a migration.
# Every step runs even when an earlier one fails, so one run reports everything; the target
# fails if any did.
lint: venv
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/lint-imports || status=1; \
	$(BIN)/mypy || status=1; \
	$(BIN)/python manage.py makemigrations --check --dry-run || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .objectstores
