#!/usr/bin/env bash
# Sets up whatever is missing: a virtual environment, webgrader with its dependencies,
# and a Chromium; with the argument `test`, also a PostgreSQL server for the tests.
# Safe to re-run: it only does what is not done yet.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
as_root() { [ "$(id -u)" = 0 ]; }
debian() { [ -f /etc/debian_version ]; }

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "webgrader needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1). Run: make PYTHON=python3.12 ..." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    if as_root && debian; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
      "$PYTHON" -m venv .venv
    else
      echo "Cannot create a virtual environment. Install it with: sudo apt-get install -y python3-venv" >&2
      exit 1
    fi
  fi
fi

stamp=.venv/.webgrader-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "Installing webgrader and its dependencies into .venv ..."
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
  touch "$stamp"
fi

# The message catalogs, compiled in place for the editable install: a .po newer than its .mo
# (edited, or a fresh clone without .mo files) is compiled again.
for po in src/webgrader/locale/*/LC_MESSAGES/webgrader.po; do
  if [ ! -f "${po%.po}.mo" ] || [ "$po" -nt "${po%.po}.mo" ]; then
    .venv/bin/pybabel compile -d src/webgrader/locale -D webgrader >/dev/null
    break
  fi
done

browser_found() { .venv/bin/python -c 'from webgrader.browser import find_browser; import sys; sys.exit(0 if find_browser().found else 1)'; }
if ! browser_found; then
  if as_root && debian; then
    # The headless shell is all grading needs, and faster than the desktop browser; older
    # releases (before Debian 12's updates) only have the desktop one.
    echo "No Chromium found: installing Debian's chromium-headless-shell ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell fonts-dejavu-core ||
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core
  else
    echo "No Chromium found. Install one with:  sudo apt-get install -y chromium-headless-shell" >&2
    echo "                                 or:  .venv/bin/python -m playwright install chromium" >&2
    exit 1
  fi
fi

if [ "${1:-}" = test ] && ! command -v strace >/dev/null 2>&1; then
  if as_root && debian; then
    echo "Installing strace (a test records the grading browser's socket calls) ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace
  else
    echo "The tests need strace (they record the grading browser's socket calls):" >&2
    echo "  sudo apt-get install -y strace" >&2
    exit 1
  fi
fi

if [ "${1:-}" = test ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if as_root && debian; then
    echo "Installing Debian's postgresql (a test starts its own server on 127.0.0.1) ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
  else
    echo "The tests need a PostgreSQL server installed (they start their own on 127.0.0.1):" >&2
    echo "  sudo apt-get install -y postgresql" >&2
    exit 1
  fi
fi

# webgrader's JupyterLab extension (prebuilt in src/webgrader/labextension): an editable
# install does not copy pyproject's data-files, so link it where JupyterLab looks.
labext=.venv/share/jupyter/labextensions/webgrader-labextension
if [ ! -e "$labext/package.json" ]; then
  mkdir -p "$(dirname "$labext")" && rm -rf "$labext" && ln -s "$PWD/src/webgrader/labextension" "$labext"
fi
overrides=.venv/share/jupyter/lab/settings/overrides.d/webgrader.json
if [ ! -e "$overrides" ]; then
  mkdir -p "$(dirname "$overrides")" && ln -s "$PWD/src/webgrader/labsettings/webgrader.json" "$overrides"
fi

# The course's JupyterHub (`make hub`, and its end-to-end test): JupyterHub's proxy,
# configurable-http-proxy, from npm into .venv/hub-proxy (node from Debian if missing).
if [ "${1:-}" = test ] || [ "${1:-}" = hub ]; then
  if ! command -v npm >/dev/null 2>&1; then
    if as_root && debian; then
      echo "Installing Debian's nodejs and npm (for JupyterHub's proxy) ..."
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
      echo "JupyterHub's proxy needs Node.js and npm:  sudo apt-get install -y nodejs npm" >&2
      exit 1
    fi
  fi
  if [ ! -x .venv/hub-proxy/node_modules/.bin/configurable-http-proxy ]; then
    # version 5 needs node 20; Debian 12 has node 18, which version 4 supports
    chp=5; [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || chp=4
    echo "Installing configurable-http-proxy@$chp from npm into .venv/hub-proxy ..."
    npm install -s --no-audit --no-fund --prefix .venv/hub-proxy "configurable-http-proxy@$chp" >/dev/null
  fi
fi
