#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on loopback and that the database exists.
# Starts them where this machine can; otherwise says exactly what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# The database is the one the application uses: DATABASE_URL from the environment or .env
# (read as finsam/settings.py reads it), else the development default.
if [ -x .venv/bin/python ]; then
  eval "$(.venv/bin/python - <<'PY'
import shlex
from pathlib import Path

import environ

env = environ.Env()
environ.Env.read_env(Path(".env"), overwrite=False)
db = env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/finsam")
for key, value in {
    "PGHOST": db.get("HOST") or "127.0.0.1",
    "PGPORT": db.get("PORT") or 5432,
    "PGUSER": db.get("USER") or "postgres",
    "DBNAME": db.get("NAME") or "finsam",
}.items():
    print(f"{key}={shlex.quote(str(value))}")
PY
)"
fi
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DBNAME=${DBNAME:-finsam}
REDIS_PORT=${REDIS_PORT:-6379}

pg_up() { pg_isready -h "$PGHOST" -p "$PGPORT" -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

if ! command -v pg_isready >/dev/null; then
  echo "PostgreSQL-klienten saknas. Installera den: apt-get install postgresql (Debian) och starta servern." >&2
  exit 1
fi
if ! pg_up; then
  echo "==> PostgreSQL svarar inte på $PGHOST:$PGPORT, försöker starta det"
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
  if ! pg_up; then
    echo "PostgreSQL kör inte på $PGHOST:$PGPORT och kunde inte startas här." >&2
    echo "Starta det (t.ex. 'pg_ctlcluster 15 main start') eller sätt DATABASE_URL i .env." >&2
    exit 1
  fi
fi
if ! psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -tAc "SELECT 1 FROM pg_database WHERE datname='$DBNAME'" 2>/dev/null | grep -q 1; then
  echo "==> Skapar databasen $DBNAME"
  createdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$DBNAME"
fi

if ! command -v redis-cli >/dev/null; then
  echo "Redis saknas. Installera det: apt-get install redis-server." >&2
  exit 1
fi
if ! redis_up; then
  echo "==> Redis svarar inte på 127.0.0.1:$REDIS_PORT, försöker starta det"
  if command -v redis-server >/dev/null; then
    mkdir -p var
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir "$(pwd)/var" --logfile "$(pwd)/var/redis.log" || true
  fi
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  if ! redis_up; then
    echo "Redis kör inte på 127.0.0.1:$REDIS_PORT och kunde inte startas här. Starta redis-server eller sätt REDIS_URL i .env." >&2
    exit 1
  fi
fi
echo "==> PostgreSQL och Redis svarar"
