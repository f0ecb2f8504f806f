"""Many rows as one array per column: one PostgreSQL statement writes thousands of rows.

Executed one row at a time (an executemany), the per-row work of the server and
the driver is most of the cost of a bulk write; unnested arrays, WITH ORDINALITY,
keep the rows in the order given, so ids taken from a sequence follow it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, String, Table, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import TypeEngine

# Rows per statement.
CHUNK = 20_000


def rows_from_arrays(table: Table, columns: Sequence[str]) -> Select[Any]:
    """SELECT ``columns`` of rows given by :func:`array_params`, in their order."""
    arrays = func.unnest(
        *(
            bindparam(f"a_{column}", type_=ARRAY(_element_type(table.c[column].type)))
            for column in columns
        )
    )
    rows = arrays.table_valued(*columns, with_ordinality="n").render_derived()
    return select(*(rows.c[column] for column in columns)).order_by(rows.c.n)


def array_params(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters of :func:`rows_from_arrays` for ``rows`` (at most `CHUNK` of them)."""
    return {f"a_{column}": [row[column] for row in rows] for column in columns}


def _element_type(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    """The array's element type: a cast to VARCHAR(24)[] would cut a longer text silently,
    where storing the row (an assignment) refuses it, as one row at a time did."""
    return String() if isinstance(column_type, String) else column_type
