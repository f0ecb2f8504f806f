"""Write-side repositories: every SQL statement of ingest, matching and merging.

Functions take the session they work in and only flush; the caller's unit of
work commits once per batch or request.
"""
