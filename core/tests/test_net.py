import pytest
from django.test import RequestFactory

from core.net import client_ip, client_network, network_key


@pytest.mark.parametrize(("forwarded", "expected"), [
    ("203.0.113.9", "203.0.113.9"),
    ("198.51.100.7, 203.0.113.9", "203.0.113.9"),  # the left entry is the client's own
    ("203.0.113.9:51234", "203.0.113.9"),  # a balancer that adds the port
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("2001:DB8:0::1", "2001:db8::1"),
    ("not-an-address", "10.0.0.1"),  # garbage falls back to the connection
    ("", "10.0.0.1"),
])
def test_one_trusted_proxy(settings, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == expected


def test_two_trusted_proxies_take_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9, 10.0.0.7",
                                   REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "203.0.113.9"


def test_axes_asks_the_same_function(settings):
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
                                   REMOTE_ADDR="10.0.0.1")
    assert get_client_ip_address(request) == client_network(request) == "203.0.113.9"


@pytest.mark.parametrize(("address", "key"), [
    ("203.0.113.9", "203.0.113.9"),
    ("2001:db8:1:2:abcd:ef01:2345:6789", "2001:db8:1:2::"),
    ("2001:db8:1:2::1", "2001:db8:1:2::"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
    (None, None),
])
def test_limits_count_an_ipv6_line_by_its_64(address, key):
    assert network_key(address) == key


def test_the_audit_keeps_the_exact_address_the_limits_count_its_network(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2::abcd")
    assert client_ip(request) == "2001:db8:1:2::abcd"
    assert client_network(request) == "2001:db8:1:2::"
