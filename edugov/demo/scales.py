"""The sizes `edugov demo` can build: each scale is the shape of the synthetic region."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """How big the synthetic region is; every app's demo builder sizes its data from this."""

    name: str
    label: str
    cities: int
    counties_per_city: int
    #: Mean students per county; counties vary around it (urban districts are larger).
    students_per_county: int
    #: Scales class sizes so a tiny region keeps every kind of school with few students.
    class_size_factor: float = 1.0
    #: A fixed list of schools per county instead of counts derived from the student total,
    #: so the smallest scale still holds every institution kind.
    compact: bool = False
    #: Share of each city's students in its first district, a large 主城区 (0: the city's
    #: districts are alike). The rotation figure needs one county of ≥100 schools.
    core_district_share: float = 0.0

    @property
    def counties(self) -> int:
        return self.cities * self.counties_per_city


SCALES: dict[str, Scale] = {
    scale.name: scale
    for scale in (
        Scale("tiny", "微型（测试用）", cities=1, counties_per_city=2,
              students_per_county=400, class_size_factor=0.15, compact=True),
        Scale("city", "一个地级市", cities=1, counties_per_city=9, students_per_county=28_000,
              core_district_share=0.45),
        Scale("province", "一个省（压力测试）", cities=12, counties_per_city=9,
              students_per_county=84_000),
    )
}
DEFAULT_SCALE = "city"
