"""Which webhook targets jrp may call (server-side request forgery): operator-allowed hosts, public addresses.

A target must be http(s), its host must match one of ``allowed_hosts`` (exact, or ``*.example.org`` for
subdomains; an empty list allows any host), and every address it resolves to must be public unless it
lies in one of ``allowed_networks`` (e.g. ``10.20.0.0/16`` for receivers inside the operator's network):
loopback, private, link-local (cloud metadata), multicast and reserved ranges are refused. The check
runs when a subscription is made (a 422 naming the field) and again before each send, so a name that
later resolves to a refused address is not called either.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]


class RefusedTarget(ValueError):
    """A webhook target jrp will not call, and why."""


def resolve(host: str, port: int) -> list[str]:
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)})


@dataclass(frozen=True)
class OutboundPolicy:
    allowed_hosts: tuple[str, ...] = ()
    allowed_networks: tuple[str, ...] = ()
    resolver: Resolver = resolve

    def check(self, url: str) -> None:
        """Raise :class:`RefusedTarget` unless jrp may deliver to ``url``."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:  # a port out of range, brackets that do not close…
            raise RefusedTarget(f"not a URL: {error}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RefusedTarget("must be an http:// or https:// URL with a host")
        if parts.username or parts.password:
            raise RefusedTarget("must not carry credentials: webhooks are authenticated by their signature")
        host = parts.hostname.lower()
        if self.allowed_hosts and not any(_matches(host, pattern) for pattern in self.allowed_hosts):
            raise RefusedTarget(f"host {host!r} is not among the webhook hosts the operator allows "
                                f"(webhook_allowed_hosts: {', '.join(self.allowed_hosts)})")
        try:
            addresses = self.resolver(host, port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError) as error:
            raise RefusedTarget(f"host {host!r} does not resolve ({error})") from None
        networks = [ipaddress.ip_network(n, strict=False) for n in self.allowed_networks]
        for text in addresses:
            address = ipaddress.ip_address(text.split("%")[0])
            if not address.is_global and not any(address in network for network in networks):
                raise RefusedTarget(f"host {host!r} resolves to {address}, a private, loopback or reserved address; "
                                    "the operator may allow its network in webhook_allowed_networks")


def _matches(host: str, pattern: str) -> bool:
    pattern = pattern.lower()
    return host.endswith(pattern[1:]) if pattern.startswith("*.") else host == pattern


def policy_of(allowed_hosts: Sequence[str], allowed_networks: Sequence[str]) -> OutboundPolicy:
    return OutboundPolicy(tuple(allowed_hosts), tuple(allowed_networks))
