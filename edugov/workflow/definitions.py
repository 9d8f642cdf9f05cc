"""Workflow definitions: states, transitions, who may take them, deadlines, escalation.

Every scenario (admissions, hazards, inspections, …) describes its process with one
``Workflow``; the same service moves every item and writes the same history (DESIGN §7).
Plain data, no Django: definitions are checked and unit-tested on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from edugov.workflow.models import StateChange


class WorkflowError(ValueError):
    """A transition that cannot be taken; the message is for the user, in Chinese."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    #: Roles that may take it; empty means any role that can see the item.
    roles: frozenset[str] = frozenset()
    needs_reason: bool = False


@dataclass(frozen=True)
class Workflow:
    name: str
    states: Mapping[str, str]  # code → Chinese label
    initial: str
    transitions: tuple[Transition, ...]
    final: frozenset[str] = frozenset()
    #: Time allowed in a state before the item is overdue.
    deadlines: Mapping[str, dt.timedelta] = field(default_factory=dict)
    #: Transition applied automatically to an overdue item in that state.
    escalations: Mapping[str, str] = field(default_factory=dict)
    #: The scenario's hook: called with every history row the shared services write for
    #: this workflow (start, transitions, escalations), inside the same transaction, so
    #: what it does commits or rolls back with the step.
    on_transition: Callable[[StateChange], None] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise WorkflowError(f"流程“{self.name}”定义有误：" + "；".join(problems))

    def _problems(self) -> Iterable[str]:
        if self.initial not in self.states:
            yield f"初始状态 {self.initial} 未定义"
        names = [t.name for t in self.transitions]
        for dup in {n for n in names if names.count(n) > 1}:
            yield f"操作 {dup} 重复"
        for t in self.transitions:
            for state in (*t.sources, t.target):
                if state not in self.states:
                    yield f"操作 {t.name} 引用了未定义的状态 {state}"
        for state in (*self.final, *self.deadlines, *self.escalations):
            if state not in self.states:
                yield f"状态 {state} 未定义"
        for state, name in self.escalations.items():
            if name not in names:
                yield f"升级操作 {name} 未定义"
            elif state not in self.transition(name).sources:
                yield f"升级操作 {name} 不能从 {state} 发起"

    def transition(self, name: str) -> Transition:
        for t in self.transitions:
            if t.name == name:
                return t
        raise WorkflowError(f"未知操作：{name}")

    def label(self, state: str) -> str:
        return self.states.get(state, state)

    def available(self, state: str, roles: Iterable[str] | None) -> list[Transition]:
        """Transitions from ``state`` open to a holder of ``roles`` (None: any role)."""
        held = None if roles is None else set(roles)
        return [t for t in self.transitions
                if state in t.sources and (held is None or not t.roles or t.roles & held)]

    def check(self, state: str, name: str, *, roles: Iterable[str] | None,
              reason: str) -> Transition:
        """The transition ``name`` if it may be taken now, else WorkflowError saying why."""
        t = self.transition(name)
        if state not in t.sources:
            raise WorkflowError(f"当前状态为“{self.label(state)}”，不能执行“{t.label}”")
        if roles is not None and t.roles and not (t.roles & set(roles)):
            raise WorkflowError(f"您的角色不能执行“{t.label}”")
        if t.needs_reason and not reason.strip():
            raise WorkflowError(f"执行“{t.label}”需要填写理由")
        return t

    def due_at(self, state: str, entered: dt.datetime) -> dt.datetime | None:
        allowed = self.deadlines.get(state)
        return entered + allowed if allowed is not None else None
