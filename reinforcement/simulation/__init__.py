"""The scheduling simulator: the project's planner and memory model against simulated reps.

See docs/science.md for what it shows and docs/benchmarks.md for the numbers.
"""
