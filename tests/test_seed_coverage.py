"""docs/seed-coverage.md stays true: each item has a status, its tests exist, its guide entries too."""

from __future__ import annotations

import ast
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COVERAGE = ROOT / "docs" / "seed-coverage.md"
#: The guide with its line breaks folded, so that a quoted entry may span lines.
GUIDE = " ".join(
    (ROOT / "docs" / "migrating-from-the-seeds.md").read_text(encoding="utf-8").split()
)
STATUSES = ("seed form", "changed", "not ours", "open")
SEEDS = {
    "G": "Generation module",
    "I": "Inference module",
    "T": "Text-to-image stage processor",
    "N": "novaclips image generator",
    "S": "Stage-3 image service",
}
ROW = re.compile(r"^\| ([GITNS]\d+) \| (.+) \| ([a-z ]+) \| (.+) \|$")
TEST = re.compile(r"`([\w./-]+\.py)::(\w+)`")
QUOTED = re.compile(r'guide: "([^"]+)"(?:, "([^"]+)")?')


def rows() -> list[tuple[str, str, str, str]]:
    text = COVERAGE.read_text(encoding="utf-8")
    found = [m.groups() for line in text.splitlines() if (m := ROW.match(line))]
    assert len(found) == sum(1 for line in text.splitlines() if re.match(r"^\| [GITNS]\d+ ", line))
    return found


@cache
def functions_of(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    )


def test_every_row_is_well_formed_and_unique() -> None:
    found = rows()
    ids = [row[0] for row in found]
    assert len(found) > 150
    assert len(ids) == len(set(ids))
    assert {row[2] for row in found} <= set(STATUSES)


@pytest.mark.parametrize("row", rows(), ids=lambda row: row[0])
def test_each_item_has_its_proof(row: tuple[str, str, str, str]) -> None:
    item_id, _, status, where = row
    tests = TEST.findall(where)
    quoted = [q for pair in QUOTED.findall(where) for q in pair if q]
    if status == "seed form":
        assert tests, f"{item_id}: a seed-form item names the test that runs it"
    else:
        assert quoted, f"{item_id}: a {status} item quotes its guide entry"
    for path, name in tests:
        assert (ROOT / path).is_file(), f"{item_id}: {path} does not exist"
        assert name in functions_of(path), f"{item_id}: no {name} in {path}"
    for phrase in quoted:
        assert phrase.replace("\\", "") in GUIDE, f"{item_id}: the guide has no {phrase!r}"


def test_the_summary_table_counts_the_rows() -> None:
    counts: dict[str, Counter[str]] = {name: Counter() for name in SEEDS.values()}
    for item_id, _, status, _ in rows():
        counts[SEEDS[item_id[0]]][status] += 1
    text = COVERAGE.read_text(encoding="utf-8")
    for name, counter in counts.items():
        cells = [str(counter[s]) for s in STATUSES] + [str(sum(counter.values()))]
        assert f"| {name} | {' | '.join(cells)} |" in text, (name, cells)
    total = sum(counts.values(), Counter())
    cells = [f"**{total[s]}**" for s in STATUSES] + [f"**{sum(total.values())}**"]
    assert f"| **All** | {' | '.join(cells)} |" in text, cells
