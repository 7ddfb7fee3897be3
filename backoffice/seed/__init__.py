"""Synthetic members for the reference back office (`python -m backoffice seed`)."""

from backoffice.seed.run import SeedReport, seed_database

__all__ = ["SeedReport", "seed_database"]
