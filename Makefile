.PHONY: run test typecheck test-explore test-fast lock lint fmt check audit install services load bench-pages bench bench-skala data

# Start Finsam with demo data (web, Celery worker and beat).
run:
	scripts/run-demo.sh

install:
	scripts/bootstrap.sh

# The lock files every install uses (exact versions of every package, dependencies of
# dependencies included): requirements.lock for the image, requirements-dev.lock for
# .venv. Run after changing a pin in pyproject.toml; tests/finsam/test_lock.py fails
# while they disagree.
LOCK_FLAGS = --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
lock: install
	.venv/bin/pip-compile $(LOCK_FLAGS) --output-file requirements.lock pyproject.toml
	.venv/bin/pip-compile $(LOCK_FLAGS) --extra dev --output-file requirements-dev.lock pyproject.toml

services:
	scripts/services.sh

# The whole test suite, browser tests included.
test: install services
	scripts/ensure-chromium.sh
	.venv/bin/python manage.py makemigrations --check --dry-run
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/pytest -n 2 --create-db

# The suite in three random orders with new Hypothesis examples: proves that no test
# depends on another's leftovers. Repeat a failing order with SEEDS=<the printed seed>.
SEEDS ?= $(shell python3 -c 'import random; print(*random.sample(range(10**6), 3))')
test-explore: install services
	for seed in $(SEEDS); do \
	  HYPOTHESIS_PROFILE=explore .venv/bin/pytest -n 2 -p randomly \
	    --randomly-seed=$$seed -q || { echo "Fel i ordningen --randomly-seed=$$seed"; exit 1; }; \
	done

# Everything but the browser tests.
test-fast: install services
	.venv/bin/pytest -n 2 -m "not browser"

# mypy with django-stubs ([tool.mypy] in pyproject.toml); `make test` runs it too and fails on
# any error.
typecheck: install
	.venv/bin/mypy

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

fmt: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

check: install
	FINSAM_PRODUCTION=1 DEBUG=0 ALLOWED_HOSTS=finsam.example.se \
	  SECRET_KEY=$$(.venv/bin/python -c 'import secrets;print(secrets.token_urlsafe(64))') \
	  FINSAM_PNR_KEYS=$$(.venv/bin/python -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())') \
	  FINSAM_PNR_HMAC_KEY=$$(.venv/bin/python -c 'import secrets;print(secrets.token_urlsafe(64))') \
	  .venv/bin/python manage.py check --deploy --fail-level WARNING

# Load test: 50 users mixing each role's pages for 60 s against gunicorn (p50/p95/p99, errors).
# Run `manage.py generate_data` first for the national-scale data set.
load: install services
	.venv/bin/python manage.py loadtest

# Server time and queries of the main pages against the biggest förbund of the database.
bench-pages: install services
	.venv/bin/python manage.py bench_pages

# The national report's cost for 100 000 and 1 600 000 deltaganden and the ratio (issue 18):
# generates both sizes into the scratch databases <name>_100k and <name>_1600k beside the
# one of DATABASE_URL (kept and reused), brings their facts up to date, times the report.
# The first run takes a long while (the 1.6 M generation).
bench-skala: install services
	.venv/bin/python manage.py bench_skala

# Known vulnerabilities in the installed dependencies (pip-audit, PyPI's advisory data).
audit: install
	.venv/bin/python scripts/audit.py

# The national-scale data set of spec/product.md (80 förbund, 10 years, 40 000 deltaganden a
# year) in the database of DATABASE_URL; replaces an earlier generated set. A few minutes.
data: install services
	.venv/bin/python manage.py generate_data --replace

# Every benchmark: the report (JSON vs hand-written SQL, queries, PDF times), the pages, the
# import of 50 000 deltaganden and how soon the report's stored facts follow each kind of
# write (bench_aktuell; its first run brings every year's facts up to date, some minutes).
# Run `make data` first.
bench: install services
	.venv/bin/python manage.py bench_rapport
	.venv/bin/python manage.py bench_pages
	.venv/bin/python manage.py bench_import
	.venv/bin/python manage.py bench_xlsx
	.venv/bin/python manage.py bench_aktuell
