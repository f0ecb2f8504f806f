"""Access control and abuse limits: who may call what, see which customers, how often.

Each module works on its own and is wired into the app in a few lines
(docs/security.md): `auth` turns a bearer credential into a `Principal`,
`policy` says which roles may run each operation, `scoping` which customers a
principal sees, `masking` what it sees of them, `limits` bounds what one
request may cost, `audit` records writes and reads of personal data,
`partners` and `erasure` manage assignments and PIPL erasure.
"""
