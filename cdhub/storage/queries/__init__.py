"""Read-side repositories: every SQL statement the GraphQL graph runs.

Functions take the session they read in and return plain frozen rows (never ORM
instances), keyed so that DataLoaders can hand results back in key order. Lists
are paginated by keyset (`keyset`), never by OFFSET; facts reach their golden
customer through the cross-references at read time (`ownership`).
"""
