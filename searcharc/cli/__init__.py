"""The command line: the Typer application (``app``), the fast path of a plain query
(``launch``), what the commands do (``commands``, ``batch``) and how results are shown
(``render``: Rich, plain text, JSON). Nothing is imported here: a cold query loads only what
it uses."""
