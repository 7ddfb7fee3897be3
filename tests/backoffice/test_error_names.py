"""The back office's errors: one root for the package, and no name shared with the kiosk's
errors (the kiosk's NotFound is how it sees the back office's NotFoundProblem)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

import backoffice
import kiosk
from backoffice.errors import BackOfficeServerError


def _errors(package: ModuleType, skip: tuple[str, ...] = ()) -> dict[str, type[BaseException]]:
    """Every exception class defined in the package's modules, by qualified name."""
    out: dict[str, type[BaseException]] = {}
    for m in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if m.name.endswith(skip):
            continue
        module = importlib.import_module(m.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == m.name
            ):
                out[f"{m.name}.{name}"] = value
    return out


def test_every_back_office_error_is_under_the_packages_root() -> None:
    found = _errors(backoffice, skip=("__main__",))
    assert "backoffice.errors.ApiError" in found  # the walk does reach the modules
    outside = [name for name, cls in found.items() if not issubclass(cls, BackOfficeServerError)]
    assert outside == []


def test_no_back_office_error_shares_a_name_with_a_kiosk_error() -> None:
    ours = {name.rsplit(".", 1)[1] for name in _errors(backoffice, skip=("__main__",))}
    theirs = {name.rsplit(".", 1)[1] for name in _errors(kiosk, skip=("__main__",))}
    assert "NotFound" in theirs and "NotFoundProblem" in ours
    assert ours & theirs == set()
