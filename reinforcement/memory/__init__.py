"""Pure memory and scheduling code: FSRS, plan scoring, rep calendars.

Nothing here imports Django's ORM, so the simulator and unit tests run it
without a database.
"""
