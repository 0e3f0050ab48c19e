"""Which webhook targets jrp calls (server-side request forgery), decided without the network."""

from __future__ import annotations

import pytest

from jrp.tracking.outbound import OutboundPolicy, RefusedTarget

ADDRESSES = {"hooks.example.org": ["93.184.216.34"], "a.hooks.example.org": ["1.1.1.1"], "doc.example.org": ["203.0.113.10"],
             "inside.example.org": ["10.20.3.4"], "sneaky.example.org": ["93.184.216.34", "127.0.0.1"],
             "v6.example.org": ["::1"], "meta.example.org": ["169.254.169.254"], "pub.example.net": ["8.8.8.8"]}


def resolver(host: str, _port: int) -> list[str]:
    if host in ADDRESSES:
        return ADDRESSES[host]
    raise OSError("Name or service not known")


def policy(hosts: tuple[str, ...] = (), networks: tuple[str, ...] = ()) -> OutboundPolicy:
    return OutboundPolicy(hosts, networks, resolver)


@pytest.mark.parametrize("url", ["https://pub.example.net/hook", "http://hooks.example.org:8080/x"])
def test_public_targets_pass(url: str) -> None:
    policy().check(url)


@pytest.mark.parametrize(("url", "why"), [
    ("http://inside.example.org/", "private"), ("http://sneaky.example.org/", "127.0.0.1"),
    ("http://v6.example.org/", "::1"), ("http://meta.example.org/latest", "169.254.169.254"),
    ("http://127.0.0.1:9/", "127.0.0.1"), ("ftp://pub.example.net/", "http"), ("http://user:pw@pub.example.net/", "credentials"),
    ("http://doc.example.org/", "203.0.113.10"), ("http://pub.example.net:99999/", "not a URL"), ("http://[::1/", "not a URL"), ("http://nowhere.invalid/", "resolve"),
])
def test_refused_targets_say_why(url: str, why: str) -> None:
    with pytest.raises(RefusedTarget, match=why.replace("[", r"\[")):
        policy().check(url)


def test_operator_allowed_hosts_and_networks() -> None:
    allowed = policy(hosts=("*.hooks.example.org", "hooks.example.org", "inside.example.org"), networks=("10.20.0.0/16",))
    for url in ("https://hooks.example.org/", "https://a.hooks.example.org/", "http://inside.example.org/"):
        allowed.check(url)
    with pytest.raises(RefusedTarget, match="not among"):
        allowed.check("https://pub.example.net/")
