#!/usr/bin/env bash
# Installs what the browser test needs on a fresh Debian machine: Chromium, a CJK font
# (without it every Chinese glyph renders as a box) and playwright-core from the npm registry.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|wqy'; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
if [ ! -d "$here/e2e/node_modules/playwright-core" ]; then
  (cd "$here/e2e" && npm ci --no-audit --no-fund --silent)
fi
