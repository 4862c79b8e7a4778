#!/usr/bin/env bash
# Soak: answers at a steady rate plus planning waves for --minutes (default 10)
# against compose.yaml's topology run as processes (scripts/topology.py).
# See docs/benchmarks.md. Usage: bash benchmarks/soak.sh [--minutes 10] [--rate 30] [--wave 100]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh requirements-dev.txt
scripts/system_packages.sh
exec .venv/bin/python benchmarks/soak.py "$@"
