"""Recall and precision of the plan reader (`targets draft`) against hand catalogs.

    .venv/bin/python benchmarks/plan_reader.py [--details]

Seeds: the five plans of data/policies against data/targets (every comparable entry, kinds as
catalogued). Held out: the plans of tests/fixtures/unseen_plans against their hand-made expected
catalogs (progress targets). A draft entry matches an expected one with the same value (low, high),
period and kind whose quote overlaps it. Also checks that every drafted quote is verbatim.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from analysis.catalog.drafting.drafter import draft_text  # noqa: E402
from analysis.catalog.drafting.phrases import load_phrases  # noqa: E402
from analysis.catalog.drafting.scoring import Expected, comparable, score  # noqa: E402
from analysis.catalog.targets import load_catalog  # noqa: E402
from analysis.yamlio import load_yaml  # noqa: E402

UNSEEN = ROOT / "tests" / "fixtures" / "unseen_plans"


def seed_cases():
    catalog = load_catalog()
    doubling = load_phrases().mapping("doubling_words")
    for plan in catalog.plans.values():
        text = plan.text_path.read_text(encoding="utf-8")
        expected = [
            Expected(t.id, t.kind, t.period, t.low, t.high, t.quote, t.indicator)
            for t in catalog.targets
            if t.plan == plan.id
        ]
        yield plan.id, text, [e for e in expected if comparable(e, doubling)]


def unseen_cases():
    for path in sorted(UNSEEN.glob("*.expected.yml")):
        data = load_yaml(path)
        text = (UNSEEN / f"{data['plan']}.txt").read_text(encoding="utf-8")
        expected = [
            Expected(f"{data['plan']}.{i}", t["kind"], str(t["period"]), t["low"], t.get("high"), t["quote"])
            for i, t in enumerate(data["targets"], start=1)
        ]
        yield data["plan"], text, expected


def run(cases, progress_only: bool, details: bool) -> tuple[int, int, int, int]:
    totals = [0, 0, 0, 0]  # expected, drafted, matched, quotes not verbatim
    same_indicator = 0
    print(f"{'plan':32} {'expected':>8} {'drafted':>8} {'matched':>8} {'recall':>7} {'precision':>9} {'ms':>6}")
    for plan_id, text, expected in cases:
        began = time.perf_counter()
        draft = draft_text(text)
        ms = 1000 * (time.perf_counter() - began)
        result = score(expected, draft.targets, text, progress_only=progress_only)
        bad_quotes = sum(t.quote not in text for t in draft.targets)
        for i, n in enumerate((len(result.expected), len(result.drafted), len(result.matched), bad_quotes)):
            totals[i] += n
        same_indicator += result.same_indicator
        print(
            f"{plan_id:32} {len(result.expected):8} {len(result.drafted):8} {len(result.matched):8}"
            f" {result.recall:7.1%} {result.precision:9.1%} {ms:6.0f}"
        )
        if details:
            for e in result.missed:
                print(f"    missed  {e.kind:10} {e.period:6} {e.low}-{e.high}  {e.quote[:60]!r}")
            for d in result.extra:
                print(f"    extra   {d.kind:10} {d.period:6} {d.low}-{d.high}  {d.quote[:60]!r}")
    recall = totals[2] / totals[0] if totals[0] else 1.0
    precision = totals[2] / totals[1] if totals[1] else 1.0
    print(f"{'TOTAL':32} {totals[0]:8} {totals[1]:8} {totals[2]:8} {recall:7.1%} {precision:9.1%}")
    print(f"quotes not verbatim: {totals[3]}")
    if same_indicator:
        print(f"matched entries with the catalog's indicator: {same_indicator}/{totals[2]}")
    return tuple(totals)  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="list missed and extra entries")
    parser.add_argument("--seeds-only", action="store_true")
    args = parser.parse_args()
    print("== seeds: every comparable catalog entry (progress, threshold, incentive)")
    run(seed_cases(), False, args.details)
    print("\n== seeds: progress targets only")
    run(seed_cases(), True, args.details)
    if not args.seeds_only:
        print("\n== held-out plans (tests/fixtures/unseen_plans): progress targets")
        run(unseen_cases(), True, args.details)


if __name__ == "__main__":
    main()
