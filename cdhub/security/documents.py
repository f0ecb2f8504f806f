"""Trusted documents (persisted queries): operations known ahead, named by SHA-256.

The file is JSON, either a plain map ``{"<sha256 hex>": "<document>", ...}``
or an Apollo persisted-query manifest (``{"operations": [{"id", "body"}, ...]}``).
Every id is checked against its document when the file is loaded.

A client names a document with ``extensions.persistedQuery.sha256Hash``
(Apollo's shape) and may leave ``query`` out. With ``trusted_only`` a full
query is accepted only when its text hashes to a listed id, so nothing
outside the file ever runs; unknown hashes are PERSISTED_QUERY_NOT_FOUND.
Clients cannot register new documents at run time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from strawberry.extensions import SchemaExtension

from cdhub.security.errors import PersistedQueryNotFound, refuse
from cdhub.settings import Settings

PLACEHOLDER = "{ __typename }"


class TrustedDocumentsError(ValueError):
    """The trusted-documents file is unreadable or an id does not match its document."""


def document_id(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _clean_id(value: str) -> str:
    return value.removeprefix("sha256:").strip().lower()


class TrustedDocuments:
    def __init__(self, documents: Mapping[str, str], trusted_only: bool = False) -> None:
        for key, body in documents.items():
            if document_id(body) != key:
                raise TrustedDocumentsError(f"document {key[:12]}... does not hash to its id")
        self.documents: Mapping[str, str] = MappingProxyType(dict(documents))
        self.trusted_only = trusted_only

    @classmethod
    def load(cls, path: Path, trusted_only: bool = False) -> TrustedDocuments:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TrustedDocumentsError(f"{path}: {exc}") from None
        if isinstance(data, dict) and isinstance(data.get("operations"), list):
            pairs = [(str(op["id"]), str(op["body"])) for op in data["operations"]]
        elif isinstance(data, dict):
            pairs = [(str(k), str(v)) for k, v in data.items()]
        else:
            raise TrustedDocumentsError(f"{path}: expected a JSON object")
        return cls({_clean_id(k): v for k, v in pairs}, trusted_only)

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The document to run for a request; PERSISTED_QUERY_NOT_FOUND when refused."""
        persisted = (extensions or {}).get("persistedQuery")
        wanted = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if isinstance(wanted, str):
            key = _clean_id(wanted)
            found = self.documents.get(key)
            if found is None:
                raise PersistedQueryNotFound(f"no trusted document has the id {key[:64]!r}")
            if query is not None and document_id(query) != key:
                raise PersistedQueryNotFound("the query does not match its persisted id")
            return found
        if self.trusted_only and (query is None or document_id(query) not in self.documents):
            raise PersistedQueryNotFound(
                "this hub runs trusted documents only; send a persisted query id"
            )
        return query


class TrustedDocumentsExtension(SchemaExtension):
    """Swaps a persisted id for its document, or refuses the request."""

    def __init__(self, documents: TrustedDocuments) -> None:
        self.documents = documents
        self.refused: PersistedQueryNotFound | None = None

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.query = self.documents.resolve(context.query, context.operation_extensions)
        except PersistedQueryNotFound as error:
            # Parse and validate a harmless placeholder instead (parser and validation
            # caches included), then refuse before anything executes.
            self.refused = error
            context.query = PLACEHOLDER
            context.graphql_document = None
        yield

    def on_execute(self) -> Iterator[None]:
        if self.refused is not None and self.execution_context.result is None:
            refuse(self.execution_context, self.refused)
        yield


def trusted_documents_extension(settings: Settings) -> Callable[[], SchemaExtension] | None:
    """The extension factory for ``settings``, or None when no file is configured."""
    if settings.trusted_documents_file is None:
        if settings.trusted_documents_only:
            raise TrustedDocumentsError("CDHUB_TRUSTED_DOCUMENTS_ONLY needs a documents file")
        return None
    documents = TrustedDocuments.load(
        settings.trusted_documents_file, settings.trusted_documents_only
    )
    return lambda: TrustedDocumentsExtension(documents)
