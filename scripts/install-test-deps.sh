#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine beyond Rust and PostgreSQL: Chromium and
# a CJK font for the browser test (without the font every Chinese glyph renders as a box),
# playwright-core from the npm registry, sqlite3 (the import benchmark's raw-load anchor), HAProxy
# (the load balancer in front of several servers in tests/several_servers.rs), the
# aiosmtpd SMTP server from PyPI that the mail tests start as a real process, and from PyPI too
# openapi-spec-validator (the OpenAPI test) and schemathesis (scripts/api-check).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'wenquanyi\|wqy' || ! command -v sqlite3 >/dev/null 2>&1 || ! command -v haproxy >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-wqy-microhei sqlite3 haproxy >/dev/null
fi
if [ ! -d "$here/e2e/node_modules/playwright-core" ]; then
  (cd "$here/e2e" && npm ci --no-audit --no-fund --silent)
fi
if ! python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check aiosmtpd==1.4.6
fi
if ! python3 -c 'import openapi_spec_validator' >/dev/null 2>&1 || ! command -v schemathesis >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check openapi-spec-validator==0.9.0 schemathesis==4.32.5
fi
# cargo-fuzz (from crates.io) for the fuzzing smoke run; it drives the nightly toolchain installed
# beside stable on these machines.
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  if ! rustup toolchain list | grep -q '^nightly'; then
    echo "the nightly Rust toolchain is missing: scripts/fuzz needs it (rustup toolchain install nightly)" >&2
    exit 1
  fi
  cargo install cargo-fuzz --locked --quiet
fi
