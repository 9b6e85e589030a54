"""The command line: the Typer application (``app``, its query options made by ``declare``
from ``searcharc.options``), the fast path of a plain query (``launch``), what the commands do
(``commands``, ``batch``) and how results are shown to people (``render``: Rich, plain text;
JSON is ``searcharc.jsonout``). Nothing is imported here: a cold query loads only what it
uses."""
