"""Offline AI provider: accuracy on the Spanish FAQ fixture and reply latency.

Accuracy: each paraphrased/misspelled question must be answered from its own entry; unrelated
questions must be handed off. "holdout" questions were written after the matcher was tuned on
"questions", so they are the fairer figure.
Latency: one offline reply with the client's index cached (as the worker does) and with the index
rebuilt each time (the first reply after an edit), for the fixture (12 entries) and for a knowledge
base padded to --entries entries.

    .venv/bin/python bench/ai_offline.py --entries 200 --rounds 20

Needs no database and no network.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("DEBUG", "true")  # the development defaults: no secrets needed, no database touched

import django  # noqa: E402

django.setup()

from ai.matching import KnowledgeIndex, KnowledgeItem  # noqa: E402
from ai.providers.base import PersonaBrief, ReplyRequest  # noqa: E402
from ai.providers.offline import OfflineProvider  # noqa: E402

FAQ = json.loads((ROOT / "tests" / "ai" / "fixtures" / "faq_es.json").read_text())
PERSONA = PersonaBrief(business_name=FAQ["business"], business_hours="Lunes a viernes de 8:00 a 18:00")
FILLER_WORDS = [
    "garantia",
    "devolucion",
    "tienda",
    "producto",
    "servicio",
    "cliente",
    "pedido",
    "factura",
    "talla",
    "color",
    "modelo",
    "envio",
    "nacional",
    "catalogo",
    "promocion",
    "descuento",
    "tarjeta",
    "regalo",
    "membresia",
    "clase",
    "curso",
    "taller",
    "evento",
    "inscripcion",
]


def items_of(entries: list[dict]) -> list[KnowledgeItem]:
    return [KnowledgeItem(id=i, question=e["question"], answer=e["answer"]) for i, e in enumerate(entries)]


def padded(entries: list[dict], size: int) -> list[dict]:
    rng = random.Random(7)
    extra = []
    for n in range(max(0, size - len(entries))):
        words = rng.sample(FILLER_WORDS, 4)
        extra.append({"key": f"filler{n}", "question": f"¿{' '.join(words)} {n}?", "answer": " ".join(words * 3)})
    return entries + extra


def reply(items: list[KnowledgeItem], text: str, index: KnowledgeIndex | None = None):
    request = ReplyRequest(persona=PERSONA, message=text, language="es", knowledge=items)
    return OfflineProvider(index).reply(request)


def _declined(answer) -> bool:
    """Handed to a person, or redirected to the business (an off-topic request): not answered from an entry."""
    return answer.handoff or answer.off_topic


def accuracy(entries: list[dict], questions: list[dict], unrelated: list[str]) -> tuple[int, int, int, list[str]]:
    items, keys = items_of(entries), {i: e["key"] for i, e in enumerate(entries)}
    wrong, right = [], 0
    for q in questions:
        got = reply(items, q["text"])
        if keys.get(got.knowledge_id) == q["expected"]:
            right += 1
        else:
            wrong.append(f"  ✗ {q['text']!r}: expected {q['expected']}, got {keys.get(got.knowledge_id, got.source)}")
    declined = [u for u in unrelated if _declined(reply(items, u))]
    handed_off = len(declined)
    for u in unrelated:
        if u not in declined:
            wrong.append(f"  ✗ unrelated {u!r} was answered")
    return right, len(questions), handed_off, wrong


def latency(entries: list[dict], questions: list[str], rounds: int, *, cached: bool) -> list[float]:
    """Per-reply milliseconds; `cached` reuses one index as the worker does (ai.selectors.knowledge_index)."""
    items = items_of(entries)
    samples = []
    for _ in range(rounds):
        index = KnowledgeIndex(items) if cached else None
        for text in questions:
            started = time.perf_counter()
            reply(items, text, index)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def describe(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"p50 {statistics.median(ordered):.2f} ms · p95 {p95:.2f} ms · max {ordered[-1]:.2f} ms (n={len(ordered)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200, help="knowledge base size for the padded run")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    for label, questions, unrelated in (
        ("tuning questions", FAQ["questions"], FAQ["unrelated"]),
        ("holdout questions", FAQ["holdout_questions"], FAQ["holdout_unrelated"]),
    ):
        right, total, off, wrong = accuracy(FAQ["entries"], questions, unrelated)
        print(
            f"{label:18} answered from the right entry {right}/{total} ({right / total:.0%}); "
            f"unrelated handed off {off}/{len(unrelated)}"
        )
        print("\n".join(wrong)) if wrong else None
    right, total, off, _ = accuracy(padded(FAQ["entries"], args.entries), FAQ["questions"], FAQ["unrelated"])
    print(
        f"with {args.entries} entries   answered from the right entry {right}/{total}; "
        f"unrelated handed off {off}/{len(FAQ['unrelated'])}"
    )

    texts = [q["text"] for q in FAQ["questions"]] + FAQ["unrelated"]
    big = padded(FAQ["entries"], args.entries)
    for label, entries, rounds in (
        (f"{len(FAQ['entries'])} entries", FAQ["entries"], args.rounds),
        (f"{args.entries} entries", big, max(1, args.rounds // 4)),
    ):
        for cached in (True, False):
            mode = "cached index" if cached else "index rebuilt"
            print(f"latency, {label:11}, {mode:13}: {describe(latency(entries, texts, rounds, cached=cached))}")
    started = time.perf_counter()
    index = KnowledgeIndex(items_of(big))
    build = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    for text in texts:
        index.rank(text)
    rank = (time.perf_counter() - started) * 1000 / len(texts)
    print(f"{args.entries} entries: index build {build:.2f} ms, ranking {rank:.2f} ms per question")


if __name__ == "__main__":
    main()
