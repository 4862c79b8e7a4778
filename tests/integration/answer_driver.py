"""Answer every open prompt of some demo reps through the HTTP API, concurrently.

Used by the SQLite test and, as a script, to load a running `make run`:
    .venv/bin/python tests/integration/answer_driver.py http://127.0.0.1:8000 rep01 rep02
Each rep logs in (POST /api/v1/auth/token/), lists today's prompts and answers
each one once with a fresh idempotency key. Standard library only.
"""

import json
import sys
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

DEMO_PASSWORD = "reinforce-demo"


@dataclass
class Tally:
    """What the server answered: statuses of the answer POSTs and the keys sent."""

    statuses: dict[int, int] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _call(base: str, path: str, *, body=None, token=None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method="POST" if data else "GET"
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, {"raw": text[:300].decode(errors="replace")}


def rep_answer_all(base: str, username: str, tally: Tally) -> None:
    status, tokens = _call(
        base,
        "/api/v1/auth/token/",
        body={"username": username, "password": DEMO_PASSWORD},
    )
    if status != 200:
        tally.errors.append(f"{username} login {status} {tokens}")
        return
    access = tokens["access"]
    status, page = _call(base, "/api/v1/prompts/", token=access)
    if status != 200:
        tally.errors.append(f"{username} prompts {status} {page}")
        return
    for prompt in page.get("results", page if isinstance(page, list) else []):
        key = uuid.uuid4().hex
        choice = prompt["question"]["choices"][0]["id"]
        status, body = _call(
            base, f"/api/v1/prompts/{prompt['id']}/answer/", token=access,
            body={"choice_ids": [choice], "confidence": "fairly_sure", "idempotency_key": key},
        )  # fmt: skip
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        if status == 201:
            tally.keys.append(key)
        else:
            tally.errors.append(f"{username} answer {status} {body}")


def answer_all(base: str, usernames: list[str], *, threads: int = 8) -> Tally:
    """Every rep in `usernames` answers their open prompts; `threads` reps at a time."""
    tally = Tally()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda u: rep_answer_all(base, u, tally), usernames))
    return tally


if __name__ == "__main__":
    result = answer_all(sys.argv[1], sys.argv[2:])
    print(json.dumps({"statuses": result.statuses, "errors": result.errors[:20]}))
