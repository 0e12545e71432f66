"""The assistant's evaluation: right answers, confident wrong ones and handoffs, per provider and business.

Data sets in bench/ai_data/: per business a knowledge base, the persona's own facts (hours, address,
booking), tuning questions (`<business>.json`), holdout questions (`<business>.holdout.json`,
committed before the matcher was first tuned) and, when present, a second holdout written blind
(`holdout2/<business>.json`, same shape, never inspected while tuning: the fair figure). Each question names the entry
that answers it (a knowledge key, or `@hours` / `@address` / `@booking` for the persona's facts;
`a|b` accepts either); unrelated questions must not be answered with a business fact.

Per provider, business and set it prints:
- right: share of the business questions answered from the expected entry or fact;
- wrong: business questions answered from another entry (a confident wrong reply);
- handoff: business questions handed to a person (or redirected);
- false positives: share of unrelated questions answered with a business fact;
- latency p50 / p99 of one reply.

`--verbose` lists the misses of the tuning sets only: tuning on holdout misses would void them.

    .venv/bin/python bench/ai_eval.py                 # offline provider
    .venv/bin/python bench/ai_eval.py --latency 500   # also p50 with a knowledge base of 500 entries
    OPENAI_API_KEY=… [OPENAI_BASE_URL=…] .venv/bin/python bench/ai_eval.py --provider openai

The offline provider needs no database and no network. The OpenAI row needs a reachable
OpenAI-compatible server; it judges a reply right when it carries the expected answer's facts
(most of its content words and every number).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
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

from ai.matching import KnowledgeItem  # noqa: E402
from ai.providers.base import PersonaBrief, ReplyRequest  # noqa: E402
from ai.providers.offline import OfflineProvider  # noqa: E402
from ai.text import fold  # noqa: E402

DATA = ROOT / "bench" / "ai_data"
TUNING, BLIND = "tuning", "holdout2"  # --verbose lists the tuning set's misses only
PERSONA_FACTS = {"@hours": "business_hours", "@address": "address", "@booking": "booking_instructions"}


@dataclasses.dataclass
class Business:
    slug: str
    name: str
    persona: PersonaBrief
    items: list[KnowledgeItem]
    keys: dict[int, str]
    sets: dict[str, tuple[list[dict], list[str]]]


def load_businesses() -> list[Business]:
    businesses = []
    for path in sorted(DATA.glob("*.json")):
        if path.name.endswith(".holdout.json"):
            continue
        data = json.loads(path.read_text())
        holdout = json.loads(path.with_name(path.stem + ".holdout.json").read_text())
        sets = {
            "tuning": (data["questions"], data["unrelated"]),
            "holdout": (holdout["questions"], holdout["unrelated"]),
        }
        blind = DATA / "holdout2" / path.name
        if blind.exists():
            second = json.loads(blind.read_text())
            sets[BLIND] = (second["questions"], second["unrelated"])
        businesses.append(business_from(path.stem, data, sets))
    return businesses


def business_from(slug: str, data: dict, sets: dict[str, tuple[list[dict], list[str]]]) -> Business:
    """A data set's business: its persona's facts, its knowledge base and the question sets to ask it."""
    facts = data["persona"]
    fields = {f.name for f in dataclasses.fields(PersonaBrief)}
    values = {
        "business_name": data["business"],
        "description": facts["description"],
        "business_hours": facts["hours"],
        "address": facts["address"],
        "booking_instructions": facts["booking"],
    }
    entries = data["entries"]
    return Business(
        slug=slug,
        name=data["business"],
        persona=PersonaBrief(**{k: v for k, v in values.items() if k in fields}),
        items=[KnowledgeItem(id=n + 1, question=e["question"], answer=e["answer"]) for n, e in enumerate(entries)],
        keys={n + 1: e["key"] for n, e in enumerate(entries)},
        sets=sets,
    )


def offline_provider(business: Business):
    """The offline provider with the business's index built once, as the worker caches it."""
    probe = ReplyRequest(persona=business.persona, message="", language="es", knowledge=business.items)
    builder = getattr(OfflineProvider, "index_for", None)
    if builder is not None:
        return OfflineProvider(builder(probe))
    from ai.matching import KnowledgeIndex

    return OfflineProvider(KnowledgeIndex(business.items))


def openai_provider():
    from ai.providers import get_provider

    provider = get_provider()
    if provider.name != "openai":
        sys.exit("--provider openai needs OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server)")
    return provider


def what_answered(business: Business, reply, provider_name: str) -> str:
    """The entry key, `@fact`, `handoff`, `redirect` or `other` that a reply amounts to."""
    if reply.handoff:
        return "handoff"
    if getattr(reply, "off_topic", False):
        return "redirect"
    if provider_name == "offline":
        if reply.knowledge_id in business.keys:
            return business.keys[reply.knowledge_id]
        source = "@" + getattr(reply, "source", "")
        if source in PERSONA_FACTS:
            return source
        for fact, field in PERSONA_FACTS.items():
            value = getattr(business.persona, field, "")
            if value and value in reply.text:
                return fact
        return "other"
    return _judge_model_reply(business, reply.text)


def _facts(text: str) -> tuple[set[str], set[str]]:
    folded = fold(text)
    numbers = set(re.findall(r"\d+", folded))
    return {w for w in folded.split() if len(w) > 4 and not w.isdigit()}, numbers


def _judge_model_reply(business: Business, text: str) -> str:
    words, numbers = _facts(text)
    candidates = [(business.keys[i.id], i.answer) for i in business.items]
    candidates += [(fact, getattr(business.persona, field, "")) for fact, field in PERSONA_FACTS.items()]
    best, best_share = "other", 0.0
    for key, answer in candidates:
        want_words, want_numbers = _facts(answer)
        if not want_words or not want_numbers <= numbers:
            continue
        share = len(want_words & words) / len(want_words)
        if share > best_share:
            best, best_share = key, share
    return best if best_share >= 0.5 else "other"


def evaluate(business: Business, provider, questions: list[dict], unrelated: list[str]) -> dict:
    right = wrong = handoff = false_positive = 0
    samples, misses = [], []

    def ask(text: str):
        request = ReplyRequest(persona=business.persona, message=text, language="es", knowledge=business.items)
        started = time.perf_counter()
        reply = provider.reply(request)
        samples.append((time.perf_counter() - started) * 1000)
        return what_answered(business, reply, provider.name)

    for question in questions:
        got, expected = ask(question["text"]), question["expected"].split("|")
        if got in expected:
            right += 1
        elif got in ("handoff", "redirect"):
            handoff += 1
            misses.append(f"    handed off {question['text']!r} (expected {question['expected']})")
        else:
            wrong += 1
            misses.append(f"    WRONG      {question['text']!r}: {got} (expected {question['expected']})")
    for text in unrelated:
        got = ask(text)
        if got not in ("handoff", "redirect"):
            false_positive += 1
            misses.append(f"    ANSWERED   unrelated {text!r} with {got}")
    return {
        "right": right,
        "wrong": wrong,
        "handoff": handoff,
        "questions": len(questions),
        "false_positive": false_positive,
        "unrelated": len(unrelated),
        "samples": samples,
        "misses": misses,
    }


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def row(label: str, result: dict) -> str:
    q, u = result["questions"], result["unrelated"]
    return (
        f"| {label} | {q} | {result['right'] / q:.0%} | {result['wrong'] / q:.0%} | {result['handoff'] / q:.0%} "
        f"| {u} | {result['false_positive'] / u:.0%} | {statistics.median(result['samples']):.2f} "
        f"| {percentile(result['samples'], 0.99):.2f} |"
    )


def merged(results: list[dict]) -> dict:
    keys = ("right", "wrong", "handoff", "questions", "false_positive", "unrelated")
    total = {k: sum(r[k] for r in results) for k in keys}
    total["samples"] = [s for r in results for s in r["samples"]]
    return total


_FILLER_TEXT = """
garantia devolucion tienda producto servicio cliente pedido factura talla color modelo nacional catalogo
promocion descuento tarjeta regalo membresia clase curso taller evento inscripcion plan mensualidad
sucursal bodega importado repuesto accesorio mantenimiento instalacion revision asesoria paquete combo
"""
FILLER = tuple(_FILLER_TEXT.split())


def padded(business: Business, size: int) -> Business:
    """The business with its knowledge base padded to `size` entries of plausible filler."""
    rng = random.Random(7)
    items = list(business.items)
    for n in range(max(0, size - len(items))):
        words = rng.sample(FILLER, 4)
        question = f"¿{words[0]} de {words[1]} para {words[2]} {n}?"
        items.append(KnowledgeItem(id=10_000 + n, question=question, answer=f"{' '.join(words)} referencia {n}."))
    return dataclasses.replace(business, items=items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=("offline", "openai"), default="offline")
    parser.add_argument("--latency", type=int, default=0, help="also measure with the knowledge base padded to N")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()

    businesses = load_businesses()
    shared = openai_provider() if args.provider == "openai" else None
    print(f"provider: {args.provider}\n")
    print("| business · set | questions | right | wrong | handoff | unrelated | false positives | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    by_set: dict[str, list[dict]] = {}
    misses = []
    for business in businesses:
        provider = shared or offline_provider(business)
        for name, (questions, unrelated) in business.sets.items():
            result = evaluate(business, provider, questions, unrelated)
            by_set.setdefault(name, []).append(result)
            print(row(f"{business.slug} · {name}", result))
            if name == TUNING and result["misses"]:
                misses += [f"  {business.slug} · {name}"] + result["misses"]
    for name, results in by_set.items():
        print(row(f"**all · {name}**", merged(results)))
    if args.verbose and misses:
        print("\nmisses:\n" + "\n".join(misses))
    if args.latency and args.provider == "offline":
        print()
        padded_misses: list[str] = []
        for business in businesses:
            big = padded(business, args.latency)
            started = time.perf_counter()
            provider = offline_provider(big)
            build = (time.perf_counter() - started) * 1000
            questions, unrelated = business.sets["holdout"]
            result = evaluate(big, provider, questions * 3, unrelated * 3)
            line = (
                f"{business.slug} with {len(big.items)} entries: index build {build:.1f} ms, reply "
                f"p50 {statistics.median(result['samples']):.2f} ms, p99 {percentile(result['samples'], 0.99):.2f} ms; "
                f"holdout right {result['right'] / result['questions']:.0%}, "
                f"false positives {result['false_positive'] / result['unrelated']:.0%}"
            )
            for name in (BLIND, TUNING):
                if name in business.sets:
                    extra = evaluate(big, provider, *business.sets[name])
                    line += (
                        f"; {name} right {extra['right'] / extra['questions']:.0%}, "
                        f"false positives {extra['false_positive'] / extra['unrelated']:.0%}"
                    )
                    if name == TUNING and extra["misses"]:
                        padded_misses += [f"  {business.slug} · {name} · {len(big.items)} entries"] + extra["misses"]
            print(line)
        if args.verbose and padded_misses:
            print("\nmisses with the padded knowledge base:\n" + "\n".join(padded_misses))


if __name__ == "__main__":
    main()
