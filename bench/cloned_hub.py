"""Grow a matched hub to a million golden customers by cloning it inside PostgreSQL.

Loading a million goldens through the real pipeline takes hours on a small
machine, and the real-time latency benchmark needs only the stored shape the
matcher reads: source records with their normalised attributes, blocking
keys, cross-references, golden customers with their views, identities and
lineage. So a hub is first built for real (ingest, train, rebuild) from demo
data; then :func:`clone_universes` copies every one of those rows with
``INSERT ... SELECT`` as another "universe" of different people:

- ids are shifted by a fixed stride per universe;
- every run of five or more digits (phones, member and customer numbers,
  resident ids, postcodes, source keys) gets the universe number appended,
  as do WeChat openids/unionids, e-mail local parts and house numbers (``413号``);
- birth dates move by 11 days per universe.

Rows the hub writes after cloning get ids from 10**12 on, clear of universes
added later.

Names stay as they are, so name blocks grow with the hub the way they do in a
real one (common names soon pass the block caps), while identifiers, birth
dates and addresses say the clones are different people. Not copied for
clones: raw payloads (stored as ``{}``), version history, merge events and
review candidates: the matcher never reads them.
"""

from __future__ import annotations

import asyncpg

_UNI = """
CREATE FUNCTION pg_temp.uni(s text, u int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(regexp_replace(regexp_replace(regexp_replace(s,
    '([0-9]{5,})', '\\1' || lpad(u::text, 3, '0'), 'g'),
    '(o[0-9A-Za-z_-]{20,})', '\\1u' || u, 'g'),
    '@', 'u' || u || '@', 'g'),
    '([0-9]+)号', '\\1' || u || '号', 'g')
$$;
CREATE FUNCTION pg_temp.unij(j jsonb, u int) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(j -> 'birth_date') = 'string'
    THEN jsonb_set(pg_temp.uni(j::text, u)::jsonb, '{birth_date}',
      to_jsonb(((j ->> 'birth_date')::date + 11 * u)::text))
    ELSE pg_temp.uni(j::text, u)::jsonb END
$$;
CREATE FUNCTION pg_temp.unik(key_type text, v text, u int) RETURNS text LANGUAGE sql
IMMUTABLE AS $$
  SELECT CASE WHEN key_type IN ('birth_date', 'birth_surname', 'birth_given')
    THEN (left(v, 10)::date + 11 * u)::text || substr(v, 11)
    WHEN key_type IN ('name_initials', 'name_pinyin', 'name_sorted', 'org_token') THEN v
    ELSE pg_temp.uni(v, u) END
$$;
"""

_COPIES = (
    """INSERT INTO golden_customers (id, kind, status, merged_into_id, display_name,
         name_pinyin, search_text, primary_phone, primary_email, province, city, tier, view,
         source_count, channel_count, version, created_at, updated_at)
       SELECT id + {u} * {g}, kind, status, merged_into_id + {u} * {g}, display_name, name_pinyin,
         pg_temp.uni(search_text, {u}), pg_temp.uni(primary_phone, {u}),
         pg_temp.uni(primary_email, {u}), province, city, tier, pg_temp.unij(view, {u}),
         source_count, channel_count, version, created_at, updated_at
       FROM golden_customers WHERE id <= {g}""",
    """INSERT INTO source_records (id, source_system, source_key, party_kind, version,
         content_hash, raw, attributes, observed_at, received_at, updated_at, erased)
       SELECT id + {u} * {r}, source_system, pg_temp.uni(source_key, {u}), party_kind, 1,
         content_hash, '{{}}', pg_temp.unij(attributes, {u}), observed_at, received_at,
         updated_at, erased
       FROM source_records WHERE id <= {r}""",
    """INSERT INTO xrefs (source_record_id, golden_id, home_golden_id, link_method,
         match_weight, explanation, model_version, linked_by, linked_at)
       SELECT source_record_id + {u} * {r}, golden_id + {u} * {g}, home_golden_id + {u} * {g},
         link_method, match_weight, explanation, model_version, linked_by, linked_at
       FROM xrefs WHERE source_record_id <= {r}""",
    """INSERT INTO blocking_keys (source_record_id, key_type, key_value)
       SELECT source_record_id + {u} * {r}, key_type, pg_temp.unik(key_type, key_value, {u})
       FROM blocking_keys WHERE source_record_id <= {r}""",
    """INSERT INTO golden_identities (golden_id, kind, value, is_primary, source_record_ids)
       SELECT golden_id + {u} * {g}, kind, pg_temp.uni(value, {u}), is_primary, '[]'
       FROM golden_identities WHERE golden_id <= {g}""",
    """INSERT INTO attribute_lineage (golden_id, attribute, value, source_record_ids, rule,
         is_primary, decided_at)
       SELECT golden_id + {u} * {g}, attribute, pg_temp.uni(value, {u}), '[]', rule, is_primary,
         decided_at
       FROM attribute_lineage WHERE golden_id <= {g}""",
)
FRESH_IDS = 10**12
_TABLES = (
    "golden_customers",
    "source_records",
    "xrefs",
    "blocking_keys",
    "golden_identities",
    "attribute_lineage",
)
_SEQUENCES = (
    "golden_customers",
    "source_records",
    "blocking_keys",
    "golden_identities",
    "attribute_lineage",
)


async def clone_universes(url: str, first: int, last: int) -> int:
    """Add universes ``first..last`` (1 and up) of the hub built in universe 0.

    Universe 0 is everything up to the id strides recorded by the first call
    (the largest golden and source record ids then). Returns the active
    golden customers afterwards.
    """
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS bench_strides (golden bigint, record bigint)"
        )
        row = await connection.fetchrow("SELECT golden, record FROM bench_strides")
        if row is None:
            row = await connection.fetchrow(
                "INSERT INTO bench_strides SELECT (SELECT max(id) FROM golden_customers),"
                " (SELECT max(id) FROM source_records) RETURNING golden, record"
            )
        assert row is not None
        golden_stride, record_stride = int(row["golden"]), int(row["record"])
        await connection.execute(_UNI)
        # Bulk-load manners: no per-row foreign-key triggers, secondary indexes rebuilt once.
        await connection.execute("SET session_replication_role = replica")
        await connection.execute("SET maintenance_work_mem = '512MB'")
        rebuild = await _drop_secondary_indexes(connection)
        for universe in range(first, last + 1):
            async with connection.transaction():
                for statement in _COPIES:  # integers only: formatted in, not bound
                    await connection.execute(
                        statement.format(u=universe, g=golden_stride, r=record_stride)
                    )
        for statement in rebuild:
            await connection.execute(statement)
        await connection.execute("SET session_replication_role = origin")
        for table in _SEQUENCES:  # rows made after cloning stay clear of later universes
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" greatest((SELECT max(id) FROM {table}), {FRESH_IDS}))"
            )
        await connection.execute("ANALYZE")
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM golden_customers WHERE status = 'active'"
            )
        )
    finally:
        await connection.close()


async def _drop_secondary_indexes(connection: asyncpg.Connection) -> list[str]:
    """Drop unique constraints and indexes other than primary keys; the DDL to recreate them."""
    constraints = await connection.fetch(
        "SELECT conrelid::regclass::text AS tab, conname, pg_get_constraintdef(oid) AS def"
        " FROM pg_constraint WHERE contype = 'u' AND conrelid::regclass::text = ANY($1)",
        list(_TABLES),
    )
    indexes = await connection.fetch(
        "SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def"
        " FROM pg_index i WHERE i.indrelid::regclass::text = ANY($1) AND NOT i.indisprimary"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        list(_TABLES),
    )
    for row in constraints:
        await connection.execute(f'ALTER TABLE {row["tab"]} DROP CONSTRAINT "{row["conname"]}"')
    for row in indexes:
        await connection.execute(f"DROP INDEX {row['name']}")
    return [row["def"] for row in indexes] + [
        f'ALTER TABLE {row["tab"]} ADD CONSTRAINT "{row["conname"]}" {row["def"]}'
        for row in constraints
    ]
