"""Who may use the app once other machines can reach it."""

from __future__ import annotations

import ipaddress


def networks(values) -> list:
    """PLAYGROUND_TRUSTED_PROXIES: addresses or networks (127.0.0.1, 10.0.0.0/8, ::1);
    ValueError with a sentence for anything else."""
    out = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            out.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(f"PLAYGROUND_TRUSTED_PROXIES holds {value[:64]!r}, which is not an address or a network "
                             "(such as 127.0.0.1 or 10.0.0.0/8).") from None
    return out
