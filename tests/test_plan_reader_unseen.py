"""The plan reader on plans the project has never seen (tests/fixtures/unseen_plans): real plans of other
provinces and cities with hand-made expected catalogs. This module and benchmarks/plan_reader.py are the
only readers of that folder, so the reader's rules cannot have been written from it."""

from __future__ import annotations

import subprocess

from analysis import paths
from analysis.catalog.drafting.drafter import draft_text
from analysis.catalog.drafting.scoring import Expected, score
from analysis.yamlio import load_yaml

FOLDER = paths.PROJECT_ROOT / "tests" / "fixtures" / "unseen_plans"
ALLOWED_READERS = {
    "benchmarks/plan_reader.py",
    "tests/test_plan_reader_unseen.py",
    "tests/fixtures/unseen_plans/README.md",
}


def cases():
    for path in sorted(FOLDER.glob("*.expected.yml")):
        data = load_yaml(path)
        text = (FOLDER / f"{data['plan']}.txt").read_text(encoding="utf-8")
        expected = [
            Expected(f"{data['plan']}.{i}", t["kind"], str(t["period"]), t["low"], t.get("high"), t["quote"])
            for i, t in enumerate(data["targets"], start=1)
        ]
        yield data["plan"], text, expected


def test_progress_targets_of_unseen_plans_are_found_with_their_value_period_and_kind():
    matched = expected = drafted = 0
    plans = 0
    for _plan, text, wanted in cases():
        plans += 1
        assert all(e.quote in text for e in wanted)
        draft = draft_text(text)
        assert all(t.quote in text for t in draft.targets)  # every quote verbatim, always
        result = score(wanted, draft.targets, text, progress_only=True)
        matched, expected, drafted = (
            matched + len(result.matched),
            expected + len(result.expected),
            drafted + len(result.drafted),
        )
    assert plans >= 3 and expected >= 40
    assert matched / expected >= 0.85, (matched, expected)
    assert matched / drafted >= 0.80, (matched, drafted)


def test_only_the_benchmark_and_this_test_read_the_held_out_plans():
    tracked = subprocess.run(
        ["git", "ls-files"], capture_output=True, text=True, cwd=paths.PROJECT_ROOT, check=True
    ).stdout.split()
    naming = []
    for name in tracked:
        if name.startswith("tests/fixtures/unseen_plans/") and not name.endswith("README.md"):
            continue
        path = paths.PROJECT_ROOT / name
        readable = path.suffix in {".py", ".yml", ".yaml", ".ipynb", ".cfg", ".toml", ".sh"} and path.is_file()
        if readable and "unseen_plans" in path.read_text(encoding="utf-8", errors="replace"):
            naming.append(name)
    assert set(naming) <= ALLOWED_READERS, naming
