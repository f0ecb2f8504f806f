"""The survivorship policy: declarative, versioned settings read from a TOML file.

`survivorship.toml` (documented in its comments) says, per attribute, which
sources are trusted in which order and in which order the rules run. The policy
is plain data: `SurvivorshipPolicy.to_dict` gives it back in the file's shape and
every golden view stores the ``version`` it was built with.

Example:
    >>> policy = load_policy()  # the packaged mdm/survivorship.toml
    >>> policy.for_attribute("org_name").trust
    ('erp', 'hub:confirmed')
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mdm.records import IdentifierKind

__all__ = [
    "ATTRIBUTES",
    "DEFAULT_POLICY_PATH",
    "RULES",
    "AttributePolicy",
    "SurvivorshipPolicy",
    "load_policy",
]

SOURCE_PRIORITY = "source_priority"
MOST_RECENT = "most_recent"
MOST_FREQUENT = "most_frequent"
MOST_COMPLETE = "most_complete"
RULES = (SOURCE_PRIORITY, MOST_RECENT, MOST_FREQUENT, MOST_COMPLETE)
"""The configurable rules, in their default order."""

SINGLE_ATTRIBUTES = (
    "person_name",
    "org_name",
    "gender",
    "birth_date",
    "nickname",
    "avatar_url",
    "member_level",
    "subscribed",
)
MULTI_ATTRIBUTES = ("phone", "email", "address")
IDENTIFIER_ATTRIBUTES = tuple(f"identifier.{kind.value}" for kind in IdentifierKind)
ATTRIBUTES = (*SINGLE_ATTRIBUTES, *MULTI_ATTRIBUTES, "identifier", *IDENTIFIER_ATTRIBUTES)
"""Attribute names a policy may configure."""

NOT_RANKED = 1 << 30
DEFAULT_POLICY_PATH = Path(__file__).with_name("survivorship.toml")


@dataclass(frozen=True, slots=True)
class AttributePolicy:
    """The trust order and rule order for one attribute.

    ``trust`` lists source systems, most trusted first; ``"<system>:confirmed"``
    names a contribution of that system that the customer confirmed.
    """

    trust: tuple[str, ...] = ()
    rules: tuple[str, ...] = RULES
    _rank: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rank", {token: i for i, token in enumerate(self.trust)})

    def trust_rank(self, source_system: str, confirmed: bool) -> tuple[int, str]:
        """Return (rank, matching trust token); unlisted sources rank after all listed."""
        best = (NOT_RANKED, source_system)
        if confirmed:
            token = f"{source_system}:confirmed"
            rank = self._rank.get(token)
            if rank is not None:
                best = (rank, token)
        rank = self._rank.get(source_system)
        if rank is not None and rank < best[0]:
            best = (rank, source_system)
        return best

    def to_dict(self) -> dict[str, Any]:
        return {"trust": list(self.trust), "rules": list(self.rules)}


@dataclass(frozen=True, slots=True)
class SurvivorshipPolicy:
    """Versioned survivorship settings: a default and per-attribute `AttributePolicy`."""

    version: str
    defaults: AttributePolicy = AttributePolicy()
    attributes: Mapping[str, AttributePolicy] = field(default_factory=dict)

    def for_attribute(self, attribute: str) -> AttributePolicy:
        """The policy of ``attribute``; ``identifier.<kind>`` falls back to ``identifier``."""
        found = self.attributes.get(attribute)
        if found is None and attribute.startswith("identifier."):
            found = self.attributes.get("identifier")
        return self.defaults if found is None else found

    def to_dict(self) -> dict[str, Any]:
        """The policy as a TOML/JSON-ready dict; `from_dict` reads it back unchanged."""
        return {
            "version": self.version,
            "defaults": self.defaults.to_dict(),
            "attributes": {name: p.to_dict() for name, p in self.attributes.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "<dict>") -> SurvivorshipPolicy:
        """Build a policy from the shape of ``survivorship.toml``.

        Raises:
            ValueError: a key is unknown or a value malformed; the message starts
                with ``origin`` and the dotted key path, e.g.
                ``"survivorship.toml: attributes.emial: unknown attribute"``.
        """
        _check_keys(data, {"version", "defaults", "attributes"}, origin, "")
        version = data.get("version")
        if not isinstance(version, str) or not version:
            raise _error(origin, "version", "required, a non-empty string")
        defaults = _attribute_policy(
            _table(data.get("defaults", {}), origin, "defaults"),
            AttributePolicy(),
            origin,
            "defaults",
        )
        sections = _table(data.get("attributes", {}), origin, "attributes")
        attributes: dict[str, AttributePolicy] = {}
        for name in sections:
            if name not in ATTRIBUTES:
                raise _error(
                    origin, f"attributes.{name}", f"unknown attribute; known: {ATTRIBUTES}"
                )
        # "identifier" first: the per-kind sections inherit from it.
        for name in sorted(sections, key=lambda n: n != "identifier"):
            path = f"attributes.{name}"
            parent = attributes.get("identifier", defaults) if "." in name else defaults
            attributes[name] = _attribute_policy(
                _table(sections[name], origin, path), parent, origin, path
            )
        return cls(version=version, defaults=defaults, attributes=MappingProxyType(attributes))


def load_policy(path: Path | None = None) -> SurvivorshipPolicy:
    """Load a policy from a TOML file, by default the packaged ``mdm/survivorship.toml``.

    Raises:
        ValueError: the file is not valid TOML or a key is unknown or malformed;
            the message names the file and the key.
    """
    path = DEFAULT_POLICY_PATH if path is None else path
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from exc
    return SurvivorshipPolicy.from_dict(data, origin=str(path))


def _error(origin: str, key: str, message: str) -> ValueError:
    return ValueError(f"{origin}: {key}: {message}" if key else f"{origin}: {message}")


def _check_keys(data: Mapping[str, Any], allowed: set[str], origin: str, path: str) -> None:
    for key in data:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise _error(origin, where, f"unknown key; expected one of {sorted(allowed)}")


def _table(value: Any, origin: str, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _error(origin, path, f"expected a table, got {value!r}")
    return value


def _string_list(value: Any, origin: str, path: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise _error(origin, path, f"expected a list of non-empty strings, got {value!r}")
    if len(set(value)) != len(value):
        raise _error(origin, path, f"duplicate entries in {value!r}")
    return tuple(value)


def _attribute_policy(
    data: Mapping[str, Any], parent: AttributePolicy, origin: str, path: str
) -> AttributePolicy:
    _check_keys(data, {"trust", "rules"}, origin, path)
    trust = parent.trust
    if "trust" in data:
        trust = _string_list(data["trust"], origin, f"{path}.trust")
        for token in trust:
            system, _, qualifier = token.partition(":")
            if not system or (qualifier and qualifier != "confirmed") or token.endswith(":"):
                raise _error(
                    origin,
                    f"{path}.trust",
                    f"bad source {token!r}; use 'system' or 'system:confirmed'",
                )
    rules = parent.rules
    if "rules" in data:
        rules = _string_list(data["rules"], origin, f"{path}.rules")
        for rule in rules:
            if rule not in RULES:
                raise _error(origin, f"{path}.rules", f"unknown rule {rule!r}; known: {RULES}")
    return AttributePolicy(trust=trust, rules=rules)
