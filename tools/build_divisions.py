"""Build flowmember/data/divisions.json from the GB/T 2260 data of the npm package
``china-division`` (MIT licence): provinces, cities and districts (no towns or villages).

Usage (pypinyin is needed by this tool only, not by the app)::

    cd /tmp && npm pack china-division && tar xzf china-division-*.tgz
    pip install pypinyin
    python tools/build_divisions.py /tmp/package/dist [--out flowmember/data/divisions.json]

Codes are written in their 6-digit form (``11`` -> ``110000``, ``1101`` -> ``110100``).
Municipalities (北京, 天津, 上海, 重庆) have the city-level entries 市辖区 / 县 in GB/T 2260; they
are named after the municipality (``110100`` -> 北京市) so a member in Beijing picks a "city" like
anyone else. ``name_en`` is the pinyin of the proper name plus the English kind of division.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pypinyin import lazy_pinyin

#: Longest suffix first.
SUFFIXES = [
    ("特别行政区", "SAR"),
    ("自治区直辖县级行政区划", "(directly administered counties)"),
    ("省直辖县级行政区划", "(directly administered counties)"),
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("林区", "Forest District"),
    ("新区", "New District"),
    ("地区", "Prefecture"),
    ("省", "Province"),
    ("市", "City"),
    ("区", "District"),
    ("县", "County"),
    ("盟", "League"),
    ("旗", "Banner"),
]

#: Readings pypinyin gets wrong in place names.
PLACE_READINGS = {"朝阳": "chaoyang", "长寿": "changshou", "长安": "changan", "蚌埠": "bengbu"}

MUNICIPALITY_CITY_NAMES = {"市辖区": "", "县": "（县）"}


def english(name: str) -> str:
    for suffix, kind in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            return f"{_pinyin(base)} {kind}".strip()
        if name == suffix:
            return kind
    return _pinyin(name)


def _pinyin(text: str) -> str:
    for chars, reading in PLACE_READINGS.items():
        text = text.replace(chars, f" {reading} ")
    parts = [p for p in text.split(" ") if p]
    return "".join(p if p.isascii() else "".join(lazy_pinyin(p)) for p in parts).capitalize()


def build(source: Path) -> dict:
    provinces = json.loads((source / "provinces.json").read_text(encoding="utf-8"))
    cities = json.loads((source / "cities.json").read_text(encoding="utf-8"))
    areas = json.loads((source / "areas.json").read_text(encoding="utf-8"))
    province_names = {p["code"]: p["name"] for p in provinces}
    out_provinces = [[p["code"] + "0000", p["name"], english(p["name"])] for p in provinces]
    out_cities = []
    for c in cities:
        name = c["name"]
        name_en = english(name)
        if name in MUNICIPALITY_CITY_NAMES:
            province = province_names[c["provinceCode"]]
            name = province + MUNICIPALITY_CITY_NAMES[name]
            name_en = english(province) + (" (counties)" if c["name"] == "县" else "")
        out_cities.append([c["code"] + "00", c["provinceCode"] + "0000", name, name_en])
    out_districts = [
        [a["code"], a["cityCode"] + "00", a["name"], english(a["name"])]
        for a in areas
        # Cities without districts (东莞, 中山, 儋州) repeat themselves as an "area": skip it.
        if a["code"] != a["cityCode"] + "00"
    ]
    return {
        "source": "npm china-division (GB/T 2260), built by tools/build_divisions.py",
        "provinces": out_provinces,
        "cities": out_cities,
        "districts": out_districts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="china-division's dist/ folder")
    default = Path(__file__).resolve().parent.parent / "flowmember" / "data" / "divisions.json"
    parser.add_argument("--out", type=Path, default=default)
    args = parser.parse_args()
    data = build(args.source)
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # One row per line keeps diffs of a regenerated file readable.
    text = text.replace("],[", "],\n[")
    args.out.write_text(text + "\n", encoding="utf-8")
    print(
        f"{args.out}: {len(data['provinces'])} provinces, {len(data['cities'])} cities, "
        f"{len(data['districts'])} districts"
    )


if __name__ == "__main__":
    main()
