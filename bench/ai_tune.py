"""The assistant's tuning run: the tuning sets alone, plain and padded, with every miss listed.

Loads `bench/ai_data/<business>.json` only: the holdout files are never opened, so tuning on this
output cannot leak them. The full evaluation (`bench/ai_eval.py`) is for the before/after figures.

    .venv/bin/python bench/ai_tune.py [--latency 500] [--only clothing_shop] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# ai_eval sets Django up before it imports the matcher
from bench.ai_eval import (
    DATA,
    Business,
    business_from,
    evaluate,
    merged,
    offline_provider,
    padded,
    row,
)


def tuning_businesses(only: str | None = None) -> list[Business]:
    businesses = []
    for path in sorted(DATA.glob("*.json")):
        if path.name.endswith(".holdout.json") or (only and path.stem != only):
            continue
        data = json.loads(path.read_text())
        businesses.append(business_from(path.stem, data, {"tuning": (data["questions"], data["unrelated"])}))
    return businesses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=int, default=0, help="also run with the knowledge base padded to N")
    parser.add_argument("--only", help="one business's slug")
    parser.add_argument("--quiet", action="store_true", help="the table only")
    args = parser.parse_args()
    print("| business · set | questions | right | wrong | handoff | unrelated | false positives | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    results, misses = {}, []
    for size in [0] + ([args.latency] if args.latency else []):
        for business in tuning_businesses(args.only):
            big = padded(business, size) if size else business
            result = evaluate(big, offline_provider(big), *business.sets["tuning"])
            label = f"{business.slug} · tuning" + (f" · {size} entries" if size else "")
            results.setdefault(size, []).append(result)
            print(row(label, result))
            misses += [f"  {label}"] + result["misses"] if result["misses"] else []
        total = merged(results[size])
        print(row("**all · tuning**" + (f" · {size} entries" if size else ""), total))
        print(f"    (p50 {statistics.median(total['samples']):.2f} ms)")
    if not args.quiet and misses:
        print("\nmisses:\n" + "\n".join(misses))


if __name__ == "__main__":
    main()
