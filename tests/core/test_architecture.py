"""The layers hold: no two modules import each other, directly or in a loop, and every task has a stable name.

`lint-imports` (run by `make test`) checks the direction between apps; this checks cycles between files,
which a layer contract cannot see inside one app.
"""

from __future__ import annotations

import grimp
from celery import current_app

APPS = [
    "core",
    "audit",
    "tenants",
    "ai",
    "billing",
    "whatsapp",
    "integrations",
    "privacy",
    "onboarding",
    "portal",
    "sandbox",
    "crm",
]


def _module_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), ignoring migrations."""
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    edges = {m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n in modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in edges[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return groups


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph(*APPS)
    assert _module_cycles(graph) == []


def test_the_cycle_finder_sees_a_loop():
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.z")
    graph.add_import(importer="a.z", imported="a.x")
    assert _module_cycles(graph) == [["a.x", "a.y", "a.z"]]


def test_every_task_of_ours_has_an_explicit_name():
    """Beat rows and queued messages store the name: a module move must not rename a task."""
    ours = {name for name in current_app.tasks if name.split(".")[0] in APPS}
    assert ours == {
        "audit.purge_expired",
        "billing.check_usage_alerts",
        "billing.open_new_month",
        "billing.send_usage_alert",
        "billing.settle_template_categories",
        "integrations.deliver_webhook",
        "integrations.emit_events",
        "integrations.notify_endpoint_disabled",
        "integrations.purge_deliveries",
        "integrations.sweep_deliveries",
        "onboarding.notify_existing_account",
        "onboarding.release_expired_numbers",
        "privacy.enforce_retention",
        "whatsapp.answer_inbound_message",
        "whatsapp.apply_stale_webhook_events",
        "whatsapp.answer_unanswered_inbound",
        "whatsapp.apply_webhook_events",
        "whatsapp.recheck_webhook_events",
        "whatsapp.notify_handoff",
        "whatsapp.notify_request",
        "whatsapp.send_outbound_message",
        "whatsapp.send_token_expiry_warning",
        "whatsapp.sweep_stale_sends",
        "whatsapp.sync_number_health",
        "whatsapp.sync_one_number_health",
        "whatsapp.sync_templates",
        "whatsapp.download_media",
    }
