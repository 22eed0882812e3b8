"""Where passkeys (WebAuthn) belong: the relying party ID and the origins the portal answers on.

A passkey is bound to a relying party ID, a domain (``portal.kpt.example``); a browser signs
only for pages whose origin is that domain or one of its subdomains, over HTTPS (``localhost``
is the one exception browsers allow over plain HTTP). IP addresses are never a relying party
ID, so a development portal reached at ``http://127.0.0.1:8000`` uses ``localhost`` instead.
"""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import urlsplit

LOCALHOST = "localhost"


def _is_ip(host: str) -> bool:
    try:
        ip_address(host)
    except ValueError:
        return False
    return True


def rp_id_for(base_url: str) -> str:
    """``https://portal.kpt.example`` → ``portal.kpt.example``; a loopback address or
    ``localhost`` → ``localhost``."""
    host = (urlsplit(base_url).hostname or "").lower()
    if not host or host == LOCALHOST or _is_ip(host):
        return LOCALHOST
    return host


def origin_for(base_url: str) -> str:
    """The browser's origin for pages of ``base_url`` (scheme, host and a non-default port);
    a loopback address becomes ``localhost``, where passkeys work over HTTP."""
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if not host or _is_ip(host):
        host = LOCALHOST
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{host}{port}"


def within(host: str, rp_id: str) -> bool:
    """A page on ``host`` may use passkeys of ``rp_id``: the same domain or a subdomain."""
    host, rp_id = host.lower(), rp_id.lower()
    return host == rp_id or host.endswith(f".{rp_id}")


def mismatches(rp_id: str, origins: list[str]) -> list[str]:
    """Origins a browser would never sign for with ``rp_id``: outside its domain, or plain
    HTTP anywhere but on ``localhost``. Production refuses to start with any."""
    problems = []
    if not origins:
        problems.append("PASSKEY_ORIGINS must list the portal's origin")
    for origin in origins:
        parts = urlsplit(origin)
        host = parts.hostname or ""
        if not host or parts.scheme not in {"https", "http"} or (
                parts.scheme == "http" and host != LOCALHOST):
            problems.append(f"PASSKEY_ORIGINS: {origin!r} is not an https:// origin")
        elif not within(host, rp_id):
            problems.append(f"PASSKEY_ORIGINS: {origin!r} is outside PASSKEY_RP_ID={rp_id!r}")
    return problems


def production_problems(rp_id: str, origins: list[str]) -> list[str]:
    """Everything that keeps passkeys from working on a public portal (the deploy check):
    the mismatches, and a development relying party (``localhost`` or an IP address)."""
    problems = []
    if not rp_id or rp_id == LOCALHOST or _is_ip(rp_id):
        problems.append(f"PASSKEY_RP_ID={rp_id!r} must be the portal's public domain")
    return problems + mismatches(rp_id, origins)
