"""How big each scenario runs: SIZES in the normal test run (the suite stays within a few minutes on 2 cores),
FULL_SIZES in `python -m tests.reliability.figures` (the sizes the issue names, and longer)."""

from __future__ import annotations

import os

SIZES = {
    "kill_rounds": 20,
    "race_phones": 40,
    "race_tags": 24,
    "naive_race_phones": 24,
    # 20 s of a desk and a report job is ~1,000 desk actions, ~100 report rounds (verifies and backups among
    # them): room for a locked error to show (the naive settings show hundreds in 10 s); the figures run 300 s.
    "soak_seconds": float(os.environ.get("KIOSK_SOAK_SECONDS", "20")),
    "atomic_sqlite": 1000,
    "atomic_postgres": 300,
    # Every kind of hostile input comes up thousands of times in 30,000 (the figures run the 100,000);
    # the misreads are cheap and stay at 20,000.
    "fuzz_inputs": 30_000,
    "fuzz_mutations": 20_000,
    "backups": 6,
    "tamper_events": 1000,
}

FULL_SIZES = {
    "kill_rounds": 40,
    "race_phones": 200,
    "race_tags": 50,
    "naive_race_phones": 200,
    "soak_seconds": 300.0,
    "atomic_sqlite": 1000,
    "atomic_postgres": 1000,
    "fuzz_inputs": 100_000,
    "fuzz_mutations": 20_000,
    "backups": 12,
    "tamper_events": 1000,
}
