"""班额 (class size) bands the bureau watches.

教育部统计口径 (policy-rules.md §3, secondary source): 36–45 正常, 46–55 偏大,
56–65 大班额, 66+ 超大班额; 45 and 50 are the 小学 and 初中 standard sizes
(建标102-2002 / 建标109-2008; 优质均衡 item 5). Bands are cumulative ("56 or more").
"""

from __future__ import annotations

from collections.abc import Iterable

#: Key → (smallest class size in the band, Chinese label; translated at display).
BANDS: dict[str, tuple[int, str]] = {
    "over45": (46, "超过45人"),
    "over50": (51, "超过50人"),
    "large": (56, "56人及以上（大班额）"),
    "huge": (66, "66人及以上（超大班额）"),
}


def band_counts(sizes: Iterable[int]) -> dict[str, int]:
    """How many of the classes ``sizes`` fall in each band."""
    sizes = list(sizes)
    return {key: sum(1 for s in sizes if s >= least) for key, (least, _label) in BANDS.items()}
