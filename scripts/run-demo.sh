#!/usr/bin/env bash
# Starts Finsam with demo data: web server, Celery worker and beat. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
scripts/services.sh
mkdir -p var
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py seed_demo
PORT=${PORT:-8000}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
.venv/bin/celery -A finsam worker --loglevel=INFO --concurrency=2 >var/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A finsam beat --loglevel=INFO --schedule var/celerybeat-schedule >var/beat.log 2>&1 &
pids+=($!)

cat <<TXT

Finsam körs på http://127.0.0.1:$PORT/
Celery worker och beat körs i bakgrunden (loggar i var/worker.log och var/beat.log).

Demokonton (användarnamn / lösenord):
  admin   / Finsam-demo-admin1   administratör (kräver tvåfaktorsinloggning: skanna QR-koden med en autentiseringsapp)
  chef    / Finsam-demo-chef1    förbundsadministratör, Samordningsförbundet i Uppsala län
  coach   / Finsam-demo-coach1   handläggare, Samordningsförbundet i Uppsala län (kräver tvåfaktorsinloggning)
  radet   / Finsam-demo-radet1   Nationella rådet

Avsluta med Ctrl-C.
TXT
$PY manage.py runserver "127.0.0.1:$PORT"
