#!/usr/bin/env bash
# Create .venv with the machine's Python and install a requirements file into it,
# again only when that file changed. Usage: scripts/bootstrap.sh requirements-dev.txt
set -euo pipefail
cd "$(dirname "$0")/.."
req="${1:-requirements.txt}"
python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($python_bin --version)"
  "$python_bin" -m venv .venv
fi
stamp=".venv/.installed-$(basename "$req")"
digest="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "==> installing $req"
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -m pip install --quiet -r "$req" 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -m pip check >/dev/null
  echo "$digest" > "$stamp"
fi
