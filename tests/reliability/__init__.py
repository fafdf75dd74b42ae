"""The reliability suite: what happens to acknowledged custody records when processes die, disks fill, servers
restart, desks race and people tamper. Each scenario lives in `scenarios.py` as a function that returns its
figures; the tests assert on them at CI size, and `python -m tests.reliability.figures` runs them longer.
See docs/reliability.md."""
