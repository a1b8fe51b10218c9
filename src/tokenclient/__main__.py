"""``python -m tokenclient``: the command line (see ``tokenclient.cli``)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
