"""The pieces of the ``tokenclient`` command line; ``tokenclient.cli.main`` puts them together.

``runtime``   what a run talks to (streams, environment, client factories, clock)
``parser``    the ``argparse`` parser
``errors``    exception -> exit code and one stderr line
``commands``  chat, models, image
``video``     video, video-status, with the progress display of ``progress``
``files``     output file names, atomic writes and bounded downloads
"""
