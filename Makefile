.PHONY: run test lint

run:  ## install, migrate, seed the demo and start web, worker, beat and Redis
	bash scripts/run.sh

test:  ## install, start PostgreSQL and Redis, run the whole suite
	bash scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
