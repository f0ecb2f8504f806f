"""Write-side repositories: every SQL statement of ingest, matching and merging, and of
the hub's own writes (tickets, ledger entries, idempotency keys, per-customer locks).

Functions take the session they work in and only flush; the caller's unit of
work commits once per batch or request.
"""
