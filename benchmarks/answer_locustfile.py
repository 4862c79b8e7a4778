"""Locust users for benchmarks/answer_load.py.

BENCH_TARGET=me: GET /api/v1/me/ (the trivial authenticated endpoint).
BENCH_TARGET=answer: POST an answer to the next unanswered prompt of the pool
(each prompt once; the pool interleaves reps). BENCH_RATE > 0 makes each user
an independent rep answering at that mean rate, with exponential gaps
(Poisson arrivals, the usual model of many people acting independently); 0
means as fast as the server answers.
"""

import itertools
import json
import os
import random
import uuid

import gevent
from locust import FastHttpUser, task
from locust.exception import StopUser

TARGET = os.environ["BENCH_TARGET"]
RATE = float(os.environ.get("BENCH_RATE", "0"))
with open(os.environ["BENCH_POOL"]) as f:
    POOL = json.load(f)
TOKENS = itertools.cycle(POOL["tokens"])
ANSWERS = iter(POOL["answers"])


def _think_time(user) -> float:
    return random.expovariate(RATE) if RATE else 0.0


class Rep(FastHttpUser):
    # FastHttpUser (geventhttpclient) costs the load generator far less CPU
    # per request than HttpUser, and it shares the two cores with the server.
    wait_time = _think_time

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {next(TOKENS)}"}
        # Locust starts users nearly together; without a random first wait
        # their requests would arrive in bursts rather than independently.
        gevent.sleep(_think_time(self))

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
