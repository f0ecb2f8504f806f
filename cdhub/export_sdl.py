"""Write the GraphQL schema as SDL: ``python -m cdhub.export_sdl [path]``.

The printed schema is committed as ``schema.graphql`` at the repository root so
that every change to the graph shows in review; a test fails when it drifts.
"""

from __future__ import annotations

import sys
from pathlib import Path

from strawberry.printer import print_schema

from cdhub.settings import Settings
from schema.root import build_schema

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"


def sdl() -> str:
    """The schema's SDL, ending in one newline."""
    return print_schema(build_schema(Settings())).rstrip("\n") + "\n"


def export_sdl(path: Path) -> None:
    """Write the SDL to ``path``."""
    path.write_text(sdl(), encoding="utf-8")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    export_sdl(target)
    print(f"wrote {target}")
