"""Outbound calls to partners' URLs: only public addresses, however they are spelt, and
`post` sends to the address it checked, follows no redirect and reads a bounded answer."""

import pytest
from werkzeug import Response

from services import egress
from services.egress import Policy, RefusedURL, check_url

PRODUCTION = Policy()
LOCAL = Policy(require_https=False, allow_loopback=True)
PUBLIC = "93.184.215.14"


def public(host, port):
    return [PUBLIC]


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://2130706433/hook",  # 127.0.0.1 as one decimal number
        "https://0x7f.1/hook",
        "https://0177.0.0.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
        "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
        "https://10.1.2.3/hook",
        "https://192.168.0.1./hook",  # trailing dot
        "https://169.254.169.254/latest/meta-data",  # cloud metadata, link-local
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://224.0.0.1/hook",  # multicast
        "https://0.0.0.0/hook",
    ],
)
def test_non_public_addresses_are_refused_in_every_spelling(url):
    with pytest.raises(RefusedURL, match="non-public address"):
        check_url(url, PRODUCTION, resolve=public)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://partner.example/hook", "must use https"),
        ("ftp://partner.example/hook", "Only https URLs"),
        ("https://user:secret@partner.example/hook", "user name or password"),
        ("https://partner.example:99999/hook", "Not a valid URL"),
        ("https:///hook", "needs a host"),
        ("https://1.2.3.999/hook", "Not a valid host"),
        ("https://" + "a" * 2000 + ".example/", "at most 2000 characters"),
    ],
)
def test_malformed_urls_are_refused_with_a_reason(url, reason):
    with pytest.raises(RefusedURL, match=reason):
        check_url(url, PRODUCTION, resolve=public)


def test_a_name_is_refused_when_any_of_its_addresses_is_private():
    with pytest.raises(RefusedURL, match="10.0.0.7"):
        check_url(
            "https://partner.example/hook", PRODUCTION, resolve=lambda h, p: [PUBLIC, "10.0.0.7"]
        )


def test_a_name_that_does_not_resolve_is_refused():
    def nowhere(host, port):
        raise OSError("no such host")

    with pytest.raises(RefusedURL, match="does not resolve"):
        check_url("https://nowhere.example/hook", PRODUCTION, resolve=nowhere)


def test_a_public_target_keeps_its_host_port_path_and_checked_address():
    target = check_url("https://Partner.example:8443/hooks/engage?v=2", PRODUCTION, resolve=public)
    assert target == egress.Target("https", "partner.example", 8443, "/hooks/engage?v=2", PUBLIC)


def test_loopback_is_admitted_only_by_the_local_policy():
    assert check_url("http://127.0.0.1:8080/", LOCAL).address == "127.0.0.1"
    with pytest.raises(RefusedURL):
        check_url("http://10.0.0.1/", LOCAL)


def test_post_sends_to_the_checked_address_and_reads_a_bounded_answer(httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("x" * 10_000, status=202)
    url = f"http://127.0.0.1:{httpserver.port}/hook"

    answer = egress.post(url, b'{"ok": true}', {"Content-Type": "application/json"}, LOCAL)

    assert answer.status == 202
    assert answer.excerpt == "x" * egress.EXCERPT_LENGTH
    [(request, _)] = httpserver.log
    assert request.get_data() == b'{"ok": true}'
    assert request.headers["Host"] == f"127.0.0.1:{httpserver.port}"


def test_post_follows_no_redirect(httpserver):
    redirect = Response(status=307, headers={"Location": "http://10.0.0.1/"})
    httpserver.expect_request("/hook").respond_with_response(redirect)

    answer = egress.post(f"http://127.0.0.1:{httpserver.port}/hook", b"{}", {}, LOCAL)

    assert answer.status == 307
    assert len(httpserver.log) == 1


def test_post_checks_the_url_again_at_send_time(httpserver):
    with pytest.raises(RefusedURL):
        egress.post(f"http://127.0.0.1:{httpserver.port}/hook", b"{}", {}, PRODUCTION)
    assert httpserver.log == []
