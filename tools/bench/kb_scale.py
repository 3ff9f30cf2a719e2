"""A knowledge base `factor` times the shipped one, for the scaling benchmark (issue 16).

Projects, tours and programme facts are repeated with new keys, names, synonyms and dates
that stay unique, so the loader accepts them, the NLU lookup table grows with them and
every query and fuzzy match works on the larger tables. Opening hours and the contact are
one-per-office facts and stay as they are.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import yaml

# 52 weeks: a copied tour keeps its weekday, so the schedule stays plausible.
TOUR_SHIFT = timedelta(days=364)
NAME_FIELDS = ("name_de", "name_en", "name_easy")


def _project_copy(record: dict, copy: int) -> dict:
    clone = dict(record, key=f"{record['key']}-x{copy}")
    if isinstance(clone.get("number"), int):
        clone["number"] = clone["number"] + 100 * copy
    for name in NAME_FIELDS:
        if clone.get(name):
            clone[name] = f"{clone[name]} {copy}"
    clone["synonyms"] = [f"{synonym} {copy}" for synonym in record.get("synonyms") or []]
    return clone


def _tour_copy(record: dict, copy: int) -> dict:
    day = record["date"] if isinstance(record["date"], date) else date.fromisoformat(
        str(record["date"]))
    shifted = day + copy * TOUR_SHIFT
    return dict(record, key=f"tour-{shifted.isoformat()}-x{copy}", date=shifted)


def _fact_copy(record: dict, copy: int) -> dict:
    return dict(record, key=f"{record['key']}-x{copy}")


COPIERS = {"projects.yml": ("projects", _project_copy),
           "tours.yml": ("tours", _tour_copy),
           "programme.yml": ("facts", _fact_copy)}


def write_scaled(source: Path, target: Path, factor: int) -> Path:
    """Writes the scaled copy of the YAML files in `source` into `target`; returns target."""
    if factor < 1:
        raise ValueError(f"factor must be at least 1, not {factor}")
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.yml")):
        if path.name not in COPIERS:
            shutil.copyfile(path, target / path.name)
            continue
        list_key, copier = COPIERS[path.name]
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        records = content[list_key]
        content[list_key] = records + [copier(record, copy) for copy in range(1, factor)
                                       for record in records]
        (target / path.name).write_text(
            yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
