"""The SQL of every customer page and admin list, with EXPLAIN (ANALYZE, BUFFERS), at scale.

``python -m bench.explain [--markdown docs/explain.md]`` requests each page in-process
(Django's test client, a verified session of the largest bench household, an OTP-verified
superuser for the admin), captures its queries, counts them, and runs
``EXPLAIN (ANALYZE, BUFFERS)`` on each SELECT. A sequential scan on a big table (more than
``BIG_TABLE_ROWS`` rows) is flagged; the exit status is 1 when there is one.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile

from bench.server import setup_django, verified_session_cookie

CUSTOMER_PAGES = ["/", "/documents/", "/documents/?type=benefit_statement",
                  "/documents/?year=2021", "/claims/", "/messages/", "/insurance/", "/profile/"]
ADMIN_PAGES = ["/admin/accounts/customer/", "/admin/audit/auditevent/",
               "/admin/claims/claim/", "/admin/claims/claimtoreview/",
               "/admin/documents/document/", "/admin/messaging/thread/"]
BIG_TABLE_ROWS = 100_000
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")


def _big_tables(cursor) -> set[str]:
    cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s",
                   [BIG_TABLE_ROWS])
    return {row[0] for row in cursor.fetchall()}


def _admin_user():
    from accounts.models import SMSDevice, User

    admin, _created = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    SMSDevice.objects.get_or_create(user=admin, name="default",
                                    defaults={"number": "+41790000099", "confirmed": True})
    return admin


def _largest_household():
    from django.db.models import Count

    from accounts.models import Customer

    # Among the bench households with four insured persons, the one with most documents.
    candidates = (Customer.objects.filter(customer_number__startswith="B")
                  .annotate(persons=Count("insured_persons")).filter(persons=4)
                  .order_by("pk").values_list("pk", flat=True)[:20])
    return (Customer.objects.filter(pk__in=list(candidates))
            .annotate(n=Count("documents")).order_by("-n").select_related("account").first())


def explain_pages() -> tuple[list[dict], bool]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import Resolver404, resolve

    household = _largest_household()
    customer_cookie = verified_session_cookie(household.account)
    admin_cookie = verified_session_cookie(_admin_user())
    with connection.cursor() as cursor:
        big = _big_tables(cursor)
    results, any_seq_scan = [], False
    for path, cookie in [*[(p, customer_cookie) for p in CUSTOMER_PAGES],
                         *[(p, admin_cookie) for p in ADMIN_PAGES]]:
        try:
            resolve(path.split("?")[0])
        except Resolver404:
            continue
        client = Client(HTTP_HOST="127.0.0.1")
        client.cookies[cookie[0]] = cookie[1]
        client.get(path)  # warm
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        plans = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            scans = sorted({table for table in SEQ_SCAN.findall(plan) if table in big})
            any_seq_scan = any_seq_scan or bool(scans)
            total = re.search(r"Execution Time: ([\d.]+) ms", plan)
            plans.append({"sql": sql, "plan": plan, "seq_scans": scans,
                          "ms": float(total.group(1)) if total else 0.0})
        results.append({"path": path, "status": response.status_code,
                        "queries": len(captured.captured_queries), "selects": plans,
                        "household_documents": household.n})
    return results, any_seq_scan


def markdown(results: list[dict]) -> str:
    lines = ["# EXPLAIN (ANALYZE, BUFFERS) of every page's queries", "",
             "Produced by `python -m bench.explain` on the bench database; each page requested "
             f"as the largest bench household ({results[0]['household_documents']} documents) "
             "or an OTP-verified superuser.", ""]
    for page in results:
        slowest = max((s["ms"] for s in page["selects"]), default=0)
        lines += [f"## `{page['path']}` — {page['queries']} queries, HTTP {page['status']}, "
                  f"slowest SELECT {slowest:.2f} ms", ""]
        for select in page["selects"]:
            flag = f" — **sequential scan on {', '.join(select['seq_scans'])}**" \
                if select["seq_scans"] else ""
            lines += [f"{select['ms']:.2f} ms{flag}", "", "```sql", select["sql"][:1500], "```",
                      "```", select["plan"], "```", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", help="write every plan to this file")
    parser.add_argument("--json", help="write the summary per page to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kpt-explain-") as var_dir:
        setup_django(PORTAL_VAR_DIR=var_dir)  # collected static files go to a temp folder
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        results, any_seq_scan = explain_pages()
    print(f"\n{'page':40} {'status':>6} {'queries':>8} {'slowest ms':>11}  seq scans on big tables")
    for page in results:
        slowest = max((s["ms"] for s in page["selects"]), default=0)
        scans = sorted({t for s in page["selects"] for t in s["seq_scans"]})
        print(f"{page['path']:40} {page['status']:>6} {page['queries']:>8} {slowest:>11.2f}  "
              f"{', '.join(scans) or '-'}")
    if args.markdown:
        with open(args.markdown, "w") as out:
            out.write(markdown(results))
    if args.json:
        summary = [{"path": page["path"], "status": page["status"], "queries": page["queries"],
                    "slowest_ms": max((s["ms"] for s in page["selects"]), default=0),
                    "seq_scans": sorted({t for s in page["selects"] for t in s["seq_scans"]})}
                   for page in results]
        with open(args.json, "w") as out:
            json.dump({"pages": summary}, out, indent=2)
    return 1 if any_seq_scan else 0


if __name__ == "__main__":
    sys.exit(main())
