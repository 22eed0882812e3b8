#!/usr/bin/env python3
"""CI gate over `pip-audit --format json`: fail on a known vulnerability that has a fix.

Reads pip-audit's JSON on stdin. Exit 1 when a pinned dependency has a vulnerability with a
fixed version (upgrade it, or list the ID in docs/security.md and pass --ignore-vuln); a
vulnerability without any fix is printed but does not fail. Dependencies pip-audit could
not check (e.g. the PyPI JSON API unreachable) are counted; with PIP_AUDIT_STRICT=1 any
such skip fails the gate, so a silent "nothing audited" cannot pass in CI.
"""

import json
import os
import sys


def main() -> int:
    report = json.load(sys.stdin)
    fixable: list[str] = []
    unfixed: list[str] = []
    skipped: list[str] = []
    for dependency in report.get("dependencies", []):
        if dependency.get("skip_reason"):
            skipped.append(dependency["name"])
            continue
        for vuln in dependency.get("vulns", []):
            line = (f"{dependency['name']} {dependency.get('version', '')}: {vuln['id']} "
                    f"fixed in {', '.join(vuln.get('fix_versions') or []) or 'no release'}")
            (fixable if vuln.get("fix_versions") else unfixed).append(line)
    for line in unfixed:
        print(f"pip-audit: known vulnerability without a fix (accepted for now): {line}")
    if skipped:
        print(f"pip-audit: {len(skipped)} dependencies could not be audited "
              f"(vulnerability service unreachable?): {', '.join(skipped[:8])}…")
        if os.environ.get("PIP_AUDIT_STRICT") == "1":
            return 1
    if fixable:
        print("pip-audit: vulnerabilities with a fix available — upgrade:")
        for line in fixable:
            print(f"  {line}")
        return 1
    audited = len(report.get("dependencies", [])) - len(skipped)
    print(f"pip-audit: {audited} dependencies audited, no vulnerability with a fix available.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
