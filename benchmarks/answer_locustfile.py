"""Locust users for benchmarks/answer_load.py.

BENCH_TARGET=me: GET /api/v1/me/ (the trivial authenticated endpoint).
BENCH_TARGET=answer: POST an answer to the next unanswered prompt of the pool
(each prompt once; the pool interleaves reps). BENCH_RATE > 0 paces each user
to that many requests per second; 0 means as fast as the server answers.
"""

import itertools
import json
import os
import uuid

from locust import HttpUser, between, constant_throughput, task
from locust.exception import StopUser

TARGET = os.environ["BENCH_TARGET"]
RATE = float(os.environ.get("BENCH_RATE", "0"))
with open(os.environ["BENCH_POOL"]) as f:
    POOL = json.load(f)
TOKENS = itertools.cycle(POOL["tokens"])
ANSWERS = iter(POOL["answers"])


class Rep(HttpUser):
    wait_time = constant_throughput(RATE) if RATE else between(0, 0)

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {next(TOKENS)}"}

    @task
    def hit(self) -> None:
        if TARGET == "me":
            self.client.get("/api/v1/me/", headers=self.headers, name="me")
            return
        try:
            token, prompt_id, choice_id = next(ANSWERS)
        except StopIteration:
            raise StopUser() from None
        self.client.post(
            f"/api/v1/prompts/{prompt_id}/answer/",
            json={
                "choice_ids": [choice_id],
                "confidence": "fairly_sure",
                "idempotency_key": uuid.uuid4().hex,
                "response_ms": 5000,
            },
            headers={"Authorization": f"Bearer {token}"},
            name="answer",
        )
