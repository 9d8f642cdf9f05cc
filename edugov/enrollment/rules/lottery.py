"""Verifiable computer lottery (电脑随机录取 / 摇号), policy-rules.md §6.2.

The algorithm is deliberately simple enough for a notary to re-run with any SHA-256 tool:

1. Before the draw the bureau picks a secret ``seed`` (a string; we use 64 hex digits from
   the operating system's random source) and publishes its **commitment**
   ``commitment = SHA-256(seed encoded as UTF-8)``, written as 64 lowercase hex digits,
   together with the list of applicant IDs taking part.
2. At the draw the seed is revealed. Anyone checks ``SHA-256(seed) == commitment``.
3. Each applicant gets the **draw key** ``SHA-256(seed + ":" + applicant_id)`` (UTF-8,
   lowercase hex). The **order** is the applicants sorted by draw key ascending (as text;
   lowercase hex sorts like the number), ties — which SHA-256 makes practically
   impossible — broken by applicant ID. Position 1 is drawn first.
4. With ``k`` places, the first ``k`` in the order win; the rest form the waiting list.

The seed is fixed before the applicant list could be influenced by it (it is secret) and
the applicant list is fixed before the seed is revealed, so neither side can steer the
result; the order depends on nothing else (not on the input order, the machine or time).
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def new_seed() -> str:
    """256 bits from the operating system's cryptographic random source, as hex."""
    return secrets.token_hex(32)


def commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def draw_key(seed: str, applicant_id: str) -> str:
    return hashlib.sha256(f"{seed}:{applicant_id}".encode()).hexdigest()


def draw_order(seed: str, applicant_ids: Iterable[str]) -> list[str]:
    """The applicants in draw order (see the module docstring, step 3)."""
    ids = [str(a) for a in applicant_ids]
    duplicates = sorted(a for a, n in Counter(ids).items() if n > 1)
    if duplicates:
        raise ValueError(f"摇号名单中编号重复：{', '.join(duplicates)}")
    return sorted(ids, key=lambda a: (draw_key(seed, a), a))


def winners(seed: str, applicant_ids: Iterable[str], places: int) -> list[str]:
    return draw_order(seed, applicant_ids)[: max(places, 0)]


def draw_record(*, seed: str, applicant_ids: Sequence[str], places: int | None = None,
                title: str = "") -> dict[str, Any]:
    """Everything a notary needs to re-run the draw, as one JSON-ready dict."""
    order = draw_order(seed, applicant_ids)
    record: dict[str, Any] = {
        "title": title,
        "algorithm": "order = sort(applicants, key=sha256(seed + ':' + id) hex, then id)",
        "seed": seed,
        "commitment": commitment(seed),
        "applicants": sorted(str(a) for a in applicant_ids),
        "order": order,
    }
    if places is not None:
        record["places"] = places
        record["winners"] = order[: max(places, 0)]
    return record


def verify(record: Mapping[str, Any]) -> list[str]:
    """Problems found re-running a draw record (Chinese); empty when it checks out."""
    problems: list[str] = []
    try:
        seed = str(record["seed"])
        applicants = [str(a) for a in record["applicants"]]
        published = [str(a) for a in record["order"]]
    except (KeyError, TypeError) as exc:
        return [f"摇号记录缺少字段：{exc}"]
    if "commitment" in record and commitment(seed) != str(record["commitment"]).lower():
        problems.append("种子与事先公布的承诺值（SHA-256）不符")
    try:
        expected = draw_order(seed, applicants)
    except ValueError as exc:
        return [*problems, str(exc)]
    if sorted(published) != sorted(applicants):
        problems.append("公布的顺序与参与摇号的名单不一致")
    elif published != expected:
        first = next(i for i, (a, b) in enumerate(zip(published, expected, strict=True))
                     if a != b)
        problems.append(f"公布的顺序自第 {first + 1} 位起与重新计算的结果不符")
    has_winners = "places" in record and "winners" in record
    if has_winners and [str(w) for w in record["winners"]] != expected[: int(record["places"])]:
        problems.append("公布的中签名单与重新计算的结果不符")
    return problems
