#!/usr/bin/env bash
# `make hub`: the course's JupyterHub on 127.0.0.1, with a copy of the course, the grading
# service and sample learner and instructor accounts. Stop it with Ctrl-C; start it again and
# the work is still there. `make hub-reset` throws the hub's folder (.hub/) away.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bash scripts/setup.sh hub
export WEBGRADER_HUB_DIR=${WEBGRADER_HUB_DIR:-$repo/.hub}
export WEBGRADER_HUB_PORT=${WEBGRADER_HUB_PORT:-8000}
export PATH="$repo/.venv/bin:$PATH"
if ss -ltn 2>/dev/null | grep -q "127.0.0.1:$WEBGRADER_HUB_PORT "; then
  echo "Port $WEBGRADER_HUB_PORT is taken (another hub?). Stop it, or run: make hub WEBGRADER_HUB_PORT=8010" >&2
  exit 1
fi
.venv/bin/python -m webgrader.service.hub prepare "$WEBGRADER_HUB_DIR" --port "$WEBGRADER_HUB_PORT"
cd "$WEBGRADER_HUB_DIR"
exec "$repo/.venv/bin/jupyterhub" -f "$repo/deploy/jupyterhub_config.py"
