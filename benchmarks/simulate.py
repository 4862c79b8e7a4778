"""Run the scheduling simulator: ``python benchmarks/simulate.py --reps 200 ...``.

A thin wrapper over ``manage.py simulate``; every option is the command's.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

if __name__ == "__main__":
    call_command("simulate", *sys.argv[1:])
