"""`edugov demo`: a deterministic synthetic region, built by every app's ``demo`` module.

The orchestrator (:mod:`edugov.demo.orchestrator`) discovers ``<app>.demo`` modules
(:mod:`edugov.demo.discovery` says what they provide), runs them in order inside one
transaction with a shared :class:`DemoContext`, and records the result in the audit log.
See docs/demo.md.
"""

from edugov.demo.context import DEMO_PASSWORD, DemoContext, DemoLogin
from edugov.demo.scales import DEFAULT_SCALE, SCALES, Scale

__all__ = ["DEFAULT_SCALE", "DEMO_PASSWORD", "SCALES", "DemoContext", "DemoLogin", "Scale"]
