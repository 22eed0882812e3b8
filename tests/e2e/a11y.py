"""axe-core in Chromium: the vendored script (tests/e2e/vendor/axe.min.js, MPL-2.0) is injected
into the page and run with the WCAG 2.1 A and AA rules.

The portal's Content-Security-Policy allows only its own scripts, so the pages are opened in a
browser context with ``bypass_csp=True``: that context is for the accessibility check only.
"""

import re
from pathlib import Path

from core import sms

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


def a11y_context(browser, viewport, **extra):
    """A context for axe: the page's CSP must not block the injected axe script."""
    mobile = viewport == PHONE
    return browser.new_context(viewport=viewport, locale="fr-CH", bypass_csp=True,
                               is_mobile=mobile, has_touch=mobile, **extra)


def axe_violations(page) -> list[dict]:
    """Run axe in ``page`` and return its violations as short dicts (rule, impact, targets)."""
    page.wait_for_load_state("load")  # contrast and sizes are judged with the stylesheet
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE_SOURCE)
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({
                rule: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                summary: v.nodes.length ? v.nodes[0].failureSummary : ''}));
        }""",
        WCAG_TAGS,
    )
    return result


def format_violations(found: dict[str, list[dict]]) -> str:
    lines = []
    for page, violations in found.items():
        for v in violations:
            lines.append(f"{page}: [{v['impact']}] {v['rule']} — {v['help']} → {v['targets']}"
                         f"\n      {v['summary']}")
    return "\n".join(lines)



def last_sms_code() -> str:
    return re.search(r"(\d{6})", sms.outbox[-1].text).group(1)
