"""The ``jrp`` command: ``main`` holds the typer app and its own commands (serve, hosts, check, batch,
replay, import, demo); ``audit``, ``keys``, ``rulesets`` and ``screen`` one command group each;
``errors``: user errors as one line.
"""
