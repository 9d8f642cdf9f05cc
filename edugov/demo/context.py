"""What a demo builder receives: the scale, reproducible randomness, a writer, shared objects."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.hashers import make_password

from edugov.demo.bulk import BulkWriter
from edugov.demo.progress import Progress, SilentProgress
from edugov.demo.scales import Scale

#: The documented password of every demo account unless ``--password`` says otherwise.
DEMO_PASSWORD = "edugov-demo"


@dataclass(frozen=True)
class DemoLogin:
    """One row of the account table printed at the end of a build."""

    role: str
    username: str
    scope: str


@dataclass
class DemoContext:
    """Passed to every app's ``demo.build``; apps that build later read what earlier ones made.

    ``shared[app_label]`` holds what an app wants others to reuse (the registry puts its
    regions, years and institution ids there); ``counts`` ends up in the audit row.
    """

    scale: Scale
    seed: int
    writer: BulkWriter
    progress: Progress = field(default_factory=SilentProgress)
    password: str = DEMO_PASSWORD
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)

    def rng(self, label: str) -> random.Random:
        """A generator of its own per label, so one builder's draws never shift another's.

        String seeds are hashed with SHA-512 by ``random``, so the stream is the same in
        every process (unlike ``hash()``, which is salted per process).
        """
        return random.Random(f"edugov-demo/{self.seed}/{label}")

    @cached_property
    def password_hash(self) -> str:
        """One hash for all demo accounts: hashing is deliberately slow (~0.5 s each)."""
        return make_password(self.password)
