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
MAIL_PORT=${EMAIL_PORT:-8025}

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
# The demo's e-mail: a local SMTP server writing every mail to var/mail/.
$PY scripts/demo_mail.py "$MAIL_PORT" >var/mail.log 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q lyssnar var/mail.log 2>/dev/null && break; sleep 0.1; done
EMAIL_PORT=$MAIL_PORT $PY manage.py demo_aktivering --base-url "http://127.0.0.1:$PORT/"
.venv/bin/celery -A finsam worker --loglevel=INFO --concurrency=2 >var/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A finsam beat --loglevel=INFO --schedule var/celerybeat-schedule >var/beat.log 2>&1 &
pids+=($!)

cat <<TXT

Finsam körs på http://127.0.0.1:$PORT/
Celery worker och beat körs i bakgrunden (loggar i var/worker.log och var/beat.log).

Demokonton (användarnamn / lösenord):
  admin   / Finsam-demo-admin1   administratör (kräver tvåfaktorsinloggning, se nedan)
  chef    / Finsam-demo-chef1    förbundsadministratör, Samordningsförbundet i Uppsala län
  coach   / Finsam-demo-coach1   handläggare, Samordningsförbundet i Uppsala län (kräver tvåfaktorsinloggning)
  pua     / Finsam-demo-pua1     personuppgiftsansvarig, Samordningsförbundet i Uppsala län (kräver tvåfaktorsinloggning)
  radet   / Finsam-demo-radet1   Nationella rådet

E-post från Finsam (aktiveringslänkar, nya lösenord) sparas i var/mail/ (en .txt per mejl).
admin, coach och pua aktiveras med länken i sitt mejl där: välj lösenordet ovan (eller ett eget)
och skanna QR-koden med en autentiseringsapp. Spara reservkoderna som visas.

Avsluta med Ctrl-C.
TXT
$PY manage.py runserver "127.0.0.1:$PORT"
