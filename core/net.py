"""Who is on the other end of a request: one answer for lockouts, rate limits and the audit log.

``client_ip`` is the visitor's address, as the audit log shows it. ``client_network`` is what
a limit counts: the same address for IPv4, and for IPv6 its /64 network, since one line (one
home, one phone) holds a whole /64 and picks new addresses in it at will. django-axes is
pointed at ``client_network`` (``AXES_CLIENT_IP_CALLABLE``), so what a lock counts is what a
rate limit counts.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """``value`` as a normalised IP address, without a port a balancer may have added."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.9:51234
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The visitor's address.

    Behind ``TRUSTED_PROXY_COUNT`` proxies (the load balancer), it is the entry the outermost
    trusted proxy appended to X-Forwarded-For, counted from the right: anything left of it
    was written by the client and is never believed. Without trusted proxies, or when the
    header is shorter than the chain (a request that bypassed the balancer), the address of
    the connection.
    """
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            found = _address(hops[-proxies])
            if found:
                return found
    return _address(request.META.get("REMOTE_ADDR", ""))


# One customer line gets a /64: addresses inside it are one visitor for the limits.
IPV6_PREFIX_FOR_LIMITS = 64


def network_key(address: str | None) -> str | None:
    """``address`` as a limit counts it: IPv4 as it is, IPv6 as its /64 network's address."""
    if not address:
        return None
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:203.0.113.9 is that IPv4 visitor
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{IPV6_PREFIX_FOR_LIMITS}",
                                        strict=False).network_address)
    return str(ip)


def client_network(request: HttpRequest | None) -> str | None:
    """What lockouts and rate limits count for this request (``network_key``)."""
    return network_key(client_ip(request))
