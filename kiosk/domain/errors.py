"""Errors of the domain model."""


class DomainError(ValueError):
    """A value that cannot be part of the domain (a bad amount, period, ID number...)."""
