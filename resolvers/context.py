"""The per-request GraphQL context: hub state, the caller and fresh DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.types import Info as StrawberryInfo

from cdhub.state import HubState


@dataclass
class HubContext:
    hub: HubState
    request: Any = None
    actor: str = "anonymous"
    loaders: dict[str, Any] = field(default_factory=dict)


Info = StrawberryInfo[HubContext, None]
