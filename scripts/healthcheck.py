"""Container health check: exit 0 when GET url returns 200.

Sends X-Forwarded-Proto: https, as the TLS proxy in front does, so the
production settings' HTTPS redirect does not answer the probe with a 301.
Usage: python scripts/healthcheck.py http://127.0.0.1:8000/health/ready
"""

import sys
import urllib.request

request = urllib.request.Request(
    sys.argv[1], headers={"X-Forwarded-Proto": "https", "Accept": "application/json"}
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)
