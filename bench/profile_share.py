"""Inclusive share of each function in py-spy's raw (collapsed) stacks, below a frame you name.

    .venv/bin/python bench/profile_share.py /tmp/live/worker.raw "fast_trace_task" [--min 1.5]

Reads the `-f raw` output of `py-spy record` (one `frame;frame;… count` line per stack), keeps the stacks that
pass through ROOT, and prints for every function below it the share of those samples in which it appears
(each function counted once per stack, line numbers dropped). With `--gil` samples, that share is CPU.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter


def shares(path: str, root: str) -> tuple[int, Counter[str]]:
    total, inclusive = 0, Counter[str]()
    for line in open(path, encoding="utf-8"):  # noqa: SIM115 - read once, closed at exit
        stack, _, count = line.rstrip().rpartition(" ")
        frames = stack.split(";")
        start = next((i for i, frame in enumerate(frames) if root in frame), None)
        if start is None or not count.isdigit():
            continue
        total += int(count)
        for name in {re.sub(r":\d+\)$", ")", frame) for frame in frames[start:]}:
            inclusive[name] += int(count)
    return total, inclusive


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("raw")
    parser.add_argument(
        "root", help="part of the frame to start from, e.g. 'answer_inbound_message (whatsapp/tasks.py'"
    )
    parser.add_argument("--min", type=float, default=1.5, help="hide functions under this share (%%)")
    args = parser.parse_args()
    total, inclusive = shares(args.raw, args.root)
    print(f"{total} samples through {args.root!r}")
    for name, count in inclusive.most_common():
        if 100 * count / max(total, 1) < args.min:
            break
        print(f"{100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
