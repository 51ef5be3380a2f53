"""Deterministic, realistic store data (seeded Faker and `random`), fast enough for 50,000 orders.

Same seed and same anchor date give the same data. Everything about one order is
computed in memory (integer cents) and the bulk of it written with `bulk.insert`;
fulfillments and refunds are small JSON records that the API renders together with
the order's lines. store.py runs the steps; each module seeds one thing.
"""

from .store import SeedOptions, seed_store

__all__ = ["SeedOptions", "seed_store"]
