"""Find each installed edugov app's ``demo`` module, like the admin's autodiscovery.

An app takes part by shipping ``<app>/demo.py`` (or a ``demo`` package) with
``build(ctx: DemoContext) -> None``. Optional module attributes:

* ``ORDER`` (int, default 100): builders run in increasing order, then in
  INSTALLED_APPS order; the registry is 0, since everything else hangs off its rows.
* ``VERSION`` (str, default "1"): bump it when the data the builder makes changes,
  so an existing demo database is rebuilt instead of reused.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from edugov.demo.context import DemoContext

DEFAULT_ORDER = 100


@dataclass(frozen=True)
class DemoBuilder:
    app_label: str
    build: Callable[[DemoContext], None]
    order: int
    version: str


def discover_builders() -> list[DemoBuilder]:
    found: list[tuple[int, int, DemoBuilder]] = []
    for position, config in enumerate(apps.get_app_configs()):
        if config.name.split(".")[0] != "edugov":
            continue
        module_name = f"{config.name}.demo"
        # find_spec first: an ImportError raised inside an existing demo module must surface.
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        build = getattr(module, "build", None)
        if not callable(build):
            raise ImproperlyConfigured(f"{module_name} has no build(ctx) function")
        builder = DemoBuilder(
            app_label=config.label,
            build=build,
            order=int(getattr(module, "ORDER", DEFAULT_ORDER)),
            version=str(getattr(module, "VERSION", "1")),
        )
        found.append((builder.order, position, builder))
    return [builder for _order, _position, builder in sorted(found, key=lambda f: f[:2])]
