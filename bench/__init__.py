"""Performance benchmarks for the kiosk over a year of data: `python -m bench.run [--quick] [--json out.json]`.

Not part of the test run (a smoke run of it is: tests/test_bench_smoke.py). See docs/performance.md.
"""
