"""The console progress bars and summaries go to (stderr, so stdout stays data)."""

from rich.console import Console

console = Console(stderr=True)
