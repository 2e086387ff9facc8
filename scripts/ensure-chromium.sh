#!/usr/bin/env bash
# Browser tests use Debian's chromium (a tool's own browser download fails on our machines).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "==> Installerar chromium (Debian) för webbläsartesterna"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
else
  echo "chromium saknas: installera Debians paket 'chromium' (sudo apt-get install chromium) för webbläsartesterna." >&2
  exit 1
fi
