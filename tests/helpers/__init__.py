"""Helpers shared by test modules: builders, clients, fakes, checkers, the Kivy scenario toolkit.

A test module imports its helpers from here, never from another test module or from a
conftest.py (conftest files hold pytest fixtures only; they import their helpers from here too).
tests/test_import_boundaries.py checks it.
"""
