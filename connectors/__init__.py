"""Connectors: one module per source system, each parsing raw payloads into canonical records.

Example:
    >>> connector = get_connector("shop")
    >>> parsed = connector.parse({"type": "member", "member_id": "M1", "name": "林嘉欣"})
    >>> parsed.parties[0].names[0].full
    '林嘉欣'
"""

from __future__ import annotations

from pathlib import Path

from connectors.base import Connector, RejectedPayload
from connectors.callcenter import CallCenterConnector
from connectors.erp import ErpConnector
from connectors.generic import GenericConnector, load_mapping
from connectors.shop import ShopConnector
from connectors.wechat import WeChatConnector

__all__ = ["KNOWN_SYSTEMS", "Connector", "RejectedPayload", "get_connector"]

#: Systems :func:`get_connector` knows; ``generic`` needs a mapping file.
KNOWN_SYSTEMS: tuple[str, ...] = ("shop", "wechat", "callcenter", "erp", "generic")


def get_connector(system: str, mapping: Path | None = None) -> Connector:
    """Return the connector for ``system``.

    Args:
        system: One of :data:`KNOWN_SYSTEMS`.
        mapping: The YAML or TOML mapping file; required for ``generic`` only.

    Raises:
        ValueError: unknown system, or ``generic`` without a mapping (or with an
            invalid one; the message names the bad key).
    """
    if system == "shop":
        return ShopConnector()
    if system == "wechat":
        return WeChatConnector()
    if system == "callcenter":
        return CallCenterConnector()
    if system == "erp":
        return ErpConnector()
    if system == "generic":
        if mapping is None:
            raise ValueError("the generic connector needs a mapping file (YAML or TOML)")
        return GenericConnector(load_mapping(mapping))
    known = ", ".join(KNOWN_SYSTEMS)
    raise ValueError(f"unknown source system {system!r}; known systems: {known}")
