"""Iran's provinces as SVG path strings, drawn server-side from the shipped GeoJSON (no map tiles,
no script): lon/lat projected as an equirectangular plane with the longitude scaled by cos(latitude)
at the map's middle, which is close enough at Iran's size. The paths are computed once per process.
"""

from __future__ import annotations

import dataclasses
import json
import math
from functools import cache

from core import reference

WIDTH = 600.0
MARGIN = 6.0


@dataclasses.dataclass(frozen=True)
class ProvincePath:
    code: str
    name_fa: str
    name_en: str
    d: str


@dataclasses.dataclass(frozen=True)
class ProvinceMap:
    width: int
    height: int
    paths: tuple[ProvincePath, ...]
    # the projection: (westmost longitude, northmost latitude, cos(mid-latitude), pixels per degree)
    projection: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0)

    def point(self, lon: float, lat: float) -> tuple[int, int]:
        """Where a place falls on the map (a missing-code report's location)."""
        min_lon, max_lat, kx, scale = self.projection
        return round(MARGIN + (lon - min_lon) * kx * scale), round(MARGIN + (max_lat - lat) * scale)


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


@cache
def province_map() -> ProvinceMap:
    with reference.provinces_geojson_path().open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    points = [pt for f in features for ring in _rings(f["geometry"]) for pt in ring]
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = (WIDTH - 2 * MARGIN) / ((max_lon - min_lon) * kx)
    height = (max_lat - min_lat) * scale + 2 * MARGIN

    def ring_path(ring: list[list[float]]) -> str:
        # Whole pixels, repeated points dropped: a fifth of the bytes, no visible difference.
        points: list[str] = []
        for lon, lat in ring[:-1]:
            point = (
                f"{round(MARGIN + (lon - min_lon) * kx * scale)},{round(MARGIN + (max_lat - lat) * scale)}"
            )
            if not points or points[-1] != point:
                points.append(point)
        return "M" + "L".join(points) + "Z"

    paths = []
    for feature in sorted(features, key=lambda f: f["properties"]["province_code"]):
        props = feature["properties"]
        d = "".join(ring_path(ring) for ring in _rings(feature["geometry"]))
        paths.append(ProvincePath(props["province_code"], props["province_fa"], props["province_en"], d))
    return ProvinceMap(int(WIDTH), math.ceil(height), tuple(paths), (min_lon, max_lat, kx, scale))


def score_class(score: float | None) -> str:
    """A CSS class per band of 20 points (the CSP forbids inline styles, so colours live in the CSS)."""
    if score is None:
        return "band-none"
    return f"band-{min(4, int(score // 20))}"
