"""Screenshots of every customer page at a phone's and a desktop's size, for a design review.

    .venv/bin/python scripts/design_shots.py --base http://127.0.0.1:8031 --log var/run.log \
        --out /work/shots/design/after

Against a running development server whose console (SMS codes) goes to ``--log``, with the
demo data loaded. Logs in as the demo customer through the real form at each size, then opens
each page and saves a full-page PNG named ``<page>-<phone|desktop>.png``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Cookie, Page, ViewportSize, sync_playwright

ROOT = Path(__file__).resolve().parents[1]

# A sibling script (run as `python scripts/design_shots.py`, its folder is on the path).
from quickstart_smoke import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    CUSTOMER,
    CUSTOMER_MOBILE,
    CUSTOMER_PASSWORD,
    sms_code,
)

# The demo customer who logs in: the French household, or (--german) the German one.
LOGIN = [CUSTOMER, CUSTOMER_MOBILE, "fr-CH"]
SIZES: dict[str, ViewportSize] = {"phone": {"width": 390, "height": 844},
                                   "desktop": {"width": 1280, "height": 860}}
ANONYMOUS = [
    ("login", "/login/"),
    ("register", "/register/"),
    ("activate", "/register/activate/"),
    ("password-reset", "/password-reset/"),
    ("login-help", "/login-help/"),
]
CUSTOMER_PAGES = [
    ("dashboard", "/"),
    ("documents", "/documents/"),
    ("documents-invoices", "/documents/?type=premium_invoice"),
    ("tax-certificates", "/documents/attestations-fiscales/"),
    ("claims", "/claims/"),
    ("claim-new", "/claims/new/"),
    ("guarantee-new", "/claims/guarantees/new/"),
    ("requests", "/requests/"),
    ("contract-change", "/requests/contract-change/"),
    ("messages", "/messages/"),
    ("message-new", "/messages/new/"),
    ("insurance", "/insurance/"),
    ("cards", "/insurance/card/"),
    ("profile", "/profile/"),
    ("profile-address", "/profile/address/"),
    ("profile-contact", "/profile/contact/"),
    ("profile-mobile", "/profile/mobile/"),
    ("profile-preferences", "/profile/preferences/"),
    ("profile-payout", "/profile/payout/"),
    ("profile-password", "/profile/password/"),
    ("security", "/profile/security/"),
    ("authenticator", "/profile/security/authenticator/"),
    ("activity", "/profile/activity/"),
    ("export", "/profile/export/"),
]


def first_link(page: Page, base: str, listing: str, pattern: str) -> str | None:
    page.goto(base + listing)
    hrefs = page.eval_on_selector_all("main a[href]",
                                      "els => els.map(e => e.getAttribute('href'))")
    for href in hrefs:
        if re.fullmatch(pattern, href or ""):
            return href
    return None


def shoot(page: Page, out: Path, name: str, size: str) -> None:
    page.wait_for_load_state("load")
    page.screenshot(path=str(out / f"{name}-{size}.png"), full_page=True)


def log_in(page: Page, base: str, log: Path, out: Path, size: str) -> None:
    page.goto(base + "/login/")
    page.locator("input[name$=username]").fill(LOGIN[0])
    page.locator("input[type=password]").first.fill("wrong-password-1")
    page.locator("main form button[type=submit]").first.click()
    shoot(page, out, "login-wrong-password", size)
    page.locator("input[name$=username]").fill(LOGIN[0])
    page.locator("input[type=password]").first.fill(CUSTOMER_PASSWORD)
    offset = log.stat().st_size
    page.locator("main form button[type=submit]").first.click()
    shoot(page, out, "login-code", size)
    code = sms_code(log, LOGIN[1], after=offset)
    page.locator("input[autocomplete=one-time-code]").fill(code)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("load")


def run(base: str, log: Path, out: Path, only: set[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # The wrong password shown on the login page counts towards the lock: start from none.
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c",
                    "from accounts.lockout import lift_locks; "
                    "from accounts.ratelimit import LOGIN_CODES_PER_CONTRACT, SMS_PER_IP; "
                    f"lift_locks('{LOGIN[0]}'); LOGIN_CODES_PER_CONTRACT.reset('{LOGIN[0]}'); "
                    "from core.net import network_key; "
                    "SMS_PER_IP.reset(network_key('127.0.0.1'))"],
                   check=True, capture_output=True)
    session: list[Cookie] | None = None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size, viewport in SIZES.items():
            phone = size == "phone"
            context = browser.new_context(viewport=viewport, locale=LOGIN[2],
                                          is_mobile=phone, has_touch=phone)
            page = context.new_page()
            for name, path in ANONYMOUS:
                if not only or name in only:
                    page.goto(base + path)
                    shoot(page, out, name, size)
            if session is None:  # one login (one SMS code) for both sizes
                log_in(page, base, log, out, size)
                session = context.cookies()
            else:
                context.add_cookies(session)  # type: ignore[arg-type]
            pages = list(CUSTOMER_PAGES)
            for name, listing, pattern in [
                ("document-invoice", "/documents/?type=premium_invoice", r"/documents/\d+/"),
                ("claim-detail", "/claims/", r"/claims/\d+/"),
                ("guarantee-detail", "/claims/", r"/claims/guarantees/\d+/"),
                ("contract-change-person", "/requests/contract-change/",
                 r"/requests/contract-change/\d+/"),
                ("message-thread", "/messages/", r"/messages/\d+/"),
            ]:
                href = first_link(page, base, listing, pattern)
                if href:
                    pages.append((name, href))
            for name, path in pages:
                if only and name not in only:
                    continue
                page.goto(base + path)
                shoot(page, out, name, size)
            if not only or "menu" in only:
                page.goto(base + "/")
                page.locator("summary.account-menu__button").click()
                page.screenshot(path=str(out / f"menu-{size}.png"))
            context.close()
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8031")
    parser.add_argument("--log", type=Path, default=ROOT / "var" / "run.log")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--german", action="store_true", help="as KPT87654321 (German)")
    args = parser.parse_args()
    if args.german:
        LOGIN[:] = ["KPT87654321", "+41790000002", "de-CH"]
    run(args.base.rstrip("/"), args.log, args.out, set(args.only))


if __name__ == "__main__":
    main()
