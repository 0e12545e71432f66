"""axe-core, run inside the page in Debian's chromium: the accessibility check of the browser tests.

axe-core is vendored, pinned and unmodified (`vendor/axe.min.js`, with its MPL-2.0 licence header and licence
files) so `make test` needs no network and no npm; README.md beside this file says how to update it. The file's
SHA-256 is checked before use, so a changed or truncated copy fails the run instead of checking less.

Our Content-Security-Policy refuses inline scripts, the way `add_script_tag` injects axe: pages under test are
opened in a context with `bypass_csp=True` (`A11Y_CONTEXT`). The page's own scripts run as in production.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
A11Y_CONTEXT = {"bypass_csp": True}
# What must not be found: axe's two highest impacts. "moderate" and "minor" ones are reported, not failed.
BLOCKING = ("serious", "critical")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "a11y"


def axe_source() -> Path:
    digest = hashlib.sha256(AXE_PATH.read_bytes()).hexdigest()
    assert digest == AXE_SHA256, f"{AXE_PATH} is not axe-core {AXE_VERSION} as pinned (sha256 {digest})"
    return AXE_PATH


def axe_violations(page) -> list[dict]:
    """Every axe violation on the page as it is now (WCAG 2.x A and AA rules plus axe's best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_source()))
    assert page.evaluate("axe.version") == AXE_VERSION
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))
            }));
        }"""
    )


def assert_accessible(page, name: str) -> list[dict]:
    """Screenshot the page as `test-artifacts/a11y/<name>.png`, keep axe's report beside it, and fail on any
    serious or critical violation, listing each with the elements it was found on. Returns every violation."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    violations = axe_violations(page)
    (ARTIFACTS / f"{name}.json").write_text(json.dumps(violations, indent=2, ensure_ascii=False))
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name} ({page.url}):\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['summary'].splitlines()[-1].strip()}" for n in v["nodes"][:5])
        for v in blocking
    )
    return violations
