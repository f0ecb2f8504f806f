"""Customer search by name (hanzi or latin), pinyin and phone fragment, ranked.

Ranks: 0 exact name or whole phone number, 1 exact pinyin, 2 prefix (name,
pinyin, phone), 3 contained anywhere (name, search text, phone digits). Pinyin
and phone prefixes are prefix ``LIKE`` patterns, which an index can serve
(PostgreSQL needs a ``text_pattern_ops`` index or the C collation for that).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, exists, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from cdhub.storage.models import GoldenCustomer, GoldenIdentity
from cdhub.storage.queries.customers import ACTIVE, CustomerRecord, columns
from cdhub.storage.queries.keyset import (
    AnySelect,
    Expr,
    Ordering,
    Page,
    PageRequest,
    Scope,
    count,
    paginate,
)

ORDERING_NAME = "search.rank"
_ESCAPE = "\\"


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """A search text, prepared the way ingest normalises names and phones.

    ``names``: the text as typed and simplified (hanzi), or lower-cased (latin);
    ``pinyins``: spaced and compact syllables (``lin jia xin``, ``linjiaxin``);
    ``e164``: the whole phone number when the text is one; ``digits``: a phone
    fragment of at least four digits.
    """

    names: tuple[str, ...] = ()
    pinyins: tuple[str, ...] = ()
    e164: str | None = None
    digits: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.names or self.pinyins or self.e164 or self.digits)


def _like(text: str) -> str:
    return (
        text.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    )


def _any(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*conditions) if conditions else false()


def _phone(pattern: str) -> ColumnElement[bool]:
    return exists(
        select(GoldenIdentity.id).where(
            GoldenIdentity.golden_id == GoldenCustomer.id,
            GoldenIdentity.kind == "phone",
            GoldenIdentity.value.like(pattern, escape=_ESCAPE),
        )
    )


def rank(terms: SearchTerms) -> Expr:
    g = GoldenCustomer
    name = func.lower(g.display_name)
    exact: list[ColumnElement[bool]] = [name == n for n in terms.names]
    same_pinyin: list[ColumnElement[bool]] = [g.name_pinyin == p for p in terms.pinyins]
    prefix: list[ColumnElement[bool]] = [
        name.like(_like(n) + "%", escape=_ESCAPE) for n in terms.names
    ]
    prefix += [g.name_pinyin.like(_like(p) + "%", escape=_ESCAPE) for p in terms.pinyins]
    contains: list[ColumnElement[bool]] = []
    for n in terms.names:
        pattern = "%" + _like(n) + "%"
        contains += [
            name.like(pattern, escape=_ESCAPE),
            func.lower(g.search_text).like(pattern, escape=_ESCAPE),
        ]
    if terms.e164 is not None:
        exact.append(_phone(_like(terms.e164)))
    if terms.digits is not None:
        digits = _like(terms.digits)
        prefix += [_phone("+86" + digits + "%"), _phone("+" + digits + "%")]
        contains.append(_phone("%" + digits + "%"))
    return case(
        (_any(exact), 0),
        (_any(same_pinyin), 1),
        (_any(prefix), 2),
        (_any(contains), 3),
        else_=None,
    )


def _matching(terms: SearchTerms, scope: Scope | None) -> tuple[AnySelect, Ordering]:
    ranked = rank(terms).label("search_rank")
    stmt = select(*columns(), ranked).where(GoldenCustomer.status == ACTIVE)
    if scope is not None:
        stmt = stmt.where(scope(GoldenCustomer.id))
    stmt = stmt.where(ranked.is_not(None))
    ordering = Ordering(name=ORDERING_NAME, id_column=GoldenCustomer.id, column=rank(terms))
    return stmt, ordering


async def search_customers(
    session: AsyncSession, terms: SearchTerms, page: PageRequest, scope: Scope | None = None
) -> Page[CustomerRecord]:
    """Active customers matching ``terms``, best rank first, then by id."""
    if terms.empty:
        return Page.empty()
    stmt, ordering = _matching(terms, scope)
    return await paginate(session, stmt, ordering, page, CustomerRecord.from_row)


async def count_matches(
    session: AsyncSession, terms: SearchTerms, scope: Scope | None = None
) -> int:
    if terms.empty:
        return 0
    stmt, _ = _matching(terms, scope)
    return await count(session, stmt)
