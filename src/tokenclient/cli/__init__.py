"""The ``tokenclient`` command line (also ``python -m tokenclient``); entry point ``main``.

``app``       ``main``: parse, build the client, run one command, map errors to exit codes
``runtime``   what a run talks to (streams, environment, client factories, clock)
``parser``    the ``argparse`` parser
``errors``    exception -> exit code and one stderr line
``commands``  chat, models, image
``video``     video, video-status, with the progress display of ``progress``
``files``     output file names, atomic writes and bounded downloads
"""

from __future__ import annotations

from .app import main
from .runtime import ClientFactory, ClientSettings, HttpFactory, default_client, default_http

__all__ = [
    "ClientFactory",
    "ClientSettings",
    "HttpFactory",
    "default_client",
    "default_http",
    "main",
]
