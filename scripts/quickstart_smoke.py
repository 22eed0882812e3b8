"""The README's tour, in Chromium, against a portal that `make run` started.

    .venv/bin/python scripts/quickstart_smoke.py --base http://127.0.0.1:8000 --log run.log

Logs in as the demo customer through the real form (the SMS code read from the `make run`
console log), opens the documents, sends a photographed invoice and waits until the worker
has read it ("to review") on the claim page, which must update by itself; then logs in as the
demo advisor at /staff/login/ and opens the review queue, where the claim must be listed.
Exits non-zero with the reason on the first thing that does not work. Prints how long the
upload took to be acknowledged and the claim to reach "to review".
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
CUSTOMER, CUSTOMER_MOBILE = "KPT12345678", "+41790000001"
ADVISOR, ADVISOR_MOBILE = "advisor", "+41790000009"
CUSTOMER_PASSWORD = "Demo-Portal-2026"  # noqa: S105 - the README's published demo login
ADVISOR_PASSWORD = "Demo-Advisor-2026"  # noqa: S105


class SmokeFailure(AssertionError):
    pass


def sms_code(log: Path, mobile: str, *, after: int, timeout: float = 20) -> str:
    """The newest one-time code the console printed for ``mobile`` beyond byte ``after``."""
    pattern = re.compile(rf"SMS to {re.escape(mobile)}: .*?(\d{{6}})")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = pattern.findall(log.read_bytes()[after:].decode("utf-8", "replace"))
        if found:
            return found[-1]
        time.sleep(0.2)
    raise SmokeFailure(f"no SMS code for {mobile} on the console within {timeout} s")


def log_in(page: Page, url: str, log: Path, *, username: str, password: str, mobile: str,
           username_label: str | re.Pattern[str]) -> None:
    page.goto(url)
    page.get_by_label(username_label).fill(username)
    page.get_by_label("Mot de passe").fill(password)
    offset = log.stat().st_size
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Code reçu par SMS").fill(sms_code(log, mobile, after=offset))
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("load")
    if "/login/" in page.url:
        raise SmokeFailure(f"{username}: still on the login page after the SMS code")


def invoice_photo(folder: Path) -> Path:
    """A photographed Swiss invoice from the test corpus generator (fictitious)."""
    from claims.tests.corpus.generate import generate

    truth = generate(folder, count=1, seed=20261201, kinds=["photo"])[0]
    return truth.with_suffix(".jpg")


def tour(page: Page, base: str, log: Path, shots: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    log_in(page, f"{base}/login/", log, username=CUSTOMER, password=CUSTOMER_PASSWORD,
           mobile=CUSTOMER_MOBILE, username_label="Numéro de contrat online")
    page.screenshot(path=str(shots / "1-dashboard.png"), full_page=True)

    page.goto(f"{base}/documents/")
    expect(page.locator("main")).to_contain_text("Facture de prime")
    page.screenshot(path=str(shots / "2-documents.png"), full_page=True)

    with tempfile.TemporaryDirectory() as folder:
        photo = invoice_photo(Path(folder))
        page.goto(f"{base}/claims/new/")
        page.locator("input[type=file][name=files]").set_input_files(str(photo))
        started = time.monotonic()
        page.get_by_role("button", name="Envoyer", exact=True).click()
        page.wait_for_url(re.compile(r".*/claims/\d+/$"), timeout=30_000)
        timings["upload acknowledged (s)"] = time.monotonic() - started
    claim_url = page.url
    page.screenshot(path=str(shots / "3-claim-sent.png"), full_page=True)
    status = page.locator(".claim-detail-head .claim-status")
    # The worker reads the invoice; the page follows by itself (no reload by the test).
    expect(status).to_have_text("En vérification", timeout=180_000)
    timings["claim to review (s)"] = time.monotonic() - started
    page.screenshot(path=str(shots / "4-claim-to-review.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, f"{base}/staff/login/", log, username=ADVISOR, password=ADVISOR_PASSWORD,
           mobile=ADVISOR_MOBILE, username_label=re.compile(r"Nom d.utilisateur"))
    response = page.goto(f"{base}/admin/claims/claimtoreview/")
    if response is None or response.status != 200:
        raise SmokeFailure(f"the advisor's review queue answered "
                           f"{response.status if response else 'nothing'}")
    claim_number = claim_url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.locator("#result_list")).to_contain_text(f"#{claim_number}")
    page.screenshot(path=str(shots / "5-review-queue.png"), full_page=True)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--log", type=Path, required=True, help="the `make run` console log")
    parser.add_argument("--screenshots", type=Path, default=ROOT / "var" / "screenshots" /
                        "quickstart")
    args = parser.parse_args(argv)
    args.screenshots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      device_scale_factor=2, is_mobile=True, has_touch=True,
                                      locale="fr-CH")
        page = context.new_page()
        try:
            timings = tour(page, args.base.rstrip("/"), args.log, args.screenshots)
        except (SmokeFailure, AssertionError, PlaywrightTimeout) as failure:
            page.screenshot(path=str(args.screenshots / "failure.png"), full_page=True)
            print(f"quick start tour failed at {page.url}: {failure}", file=sys.stderr)
            return 1
        finally:
            browser.close()
    for name, seconds in timings.items():
        print(f"{name}: {seconds:.1f}")
    print("quick start tour passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
