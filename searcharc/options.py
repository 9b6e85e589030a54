"""The options of a search, declared once: `searcharc query`'s argument and flags (the Typer
command and the fast path of ``searcharc.cli.launch``), ``QueryOptions``, and the parameters of
the web app (``searcharc.web.params``) and of its OpenAPI document are all made from ``QUERY``.

Loaded on every start of a query: nothing here imports more than the standard library's
dataclasses and what ``searcharc.records`` needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from datetime import date

from searcharc import DEFAULT_MATCH, SHARD_TIMEOUT
from searcharc.months import MONTH_FORMS, PERIODS
from searcharc.records import HIT_FIELDS

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from searcharc.search.searcher import SearchIndex, SearchResult

MAX_LIMIT = 100  # hits a web request


@dataclass(frozen=True, eq=False)  # each one unique (hashed as itself): quicker to make
class Option:
    """One option of `searcharc query`; with a ``web`` name, a parameter of the web app too."""

    dest: str  # its field of QueryOptions (and the Typer command's parameter)
    flag: str | None  # the CLI's flag; None for the query itself (the argument)
    kind: str  # flag, int, float, choice, path, str or list (an argument given many times)
    default: object
    help: str
    minimum: int | None = None
    choices: tuple[str, ...] = ()
    show_default: bool = True  # in --help (False: the help text says it)
    web: str | None = None  # its query parameter on the pages (and the API, when ``api``)
    api: bool = True  # also a parameter of /api/search (False: the pages' only)
    web_maximum: int | None = None  # a web request's highest value (numbers)
    web_help: str = ""  # its description in the OpenAPI document

    @property
    def web_default(self) -> object:
        """The value of an absent web parameter: a text's is empty, a number's its lowest."""
        if self.default is not None:
            return self.default
        return "" if self.kind == "str" else self.minimum


QUERY: tuple[Option, ...] = (
    Option(
        "text",
        None,
        "str",
        None,
        "The query, e.g. «مكافحة الإرهاب».",
        show_default=False,
        web="q",
        web_help="the query, in the whole query language",
    ),
    Option(
        "limit",
        "--limit",
        "int",
        10,
        "Hits to show (a query, with --batch).",
        minimum=1,
        web="limit",
        web_maximum=MAX_LIMIT,
        web_help=f"hits (1 to {MAX_LIMIT}, default 10)",
    ),
    Option(
        "match",
        "--match",
        "choice",
        DEFAULT_MATCH,
        "Free words: any ranks them, all requires each.",
        choices=("any", "all"),
        web="match",
        web_help="free words: any or all",
    ),
    Option(
        "since",
        "--since",
        "str",
        None,
        "Articles dated on or after (YYYY-MM-DD).",
        web="since",
        web_help="articles dated on or after (YYYY-MM-DD)",
    ),
    Option(
        "until",
        "--until",
        "str",
        None,
        "Articles dated on or before (YYYY-MM-DD).",
        web="until",
        web_help="articles dated on or before (YYYY-MM-DD)",
    ),
    Option(
        "sort",
        "--sort",
        "choice",
        "score",
        "Order by score or by date (newest first).",
        choices=("score", "date"),
        web="sort",
        web_help="score or date",
    ),
    Option(
        "offset",
        "--offset",
        "int",
        0,
        "Skip this many hits.",
        minimum=0,
        web="offset",
        web_maximum=1_000_000,
        web_help="hits skipped",
    ),
    Option(
        "page",
        "--page",
        "int",
        None,
        "Page N of --limit hits (instead of --offset).",
        minimum=1,
        web="page",
        api=False,
        web_maximum=100_000,
    ),
    Option(
        "semantic",
        "--semantic",
        "flag",
        False,
        "Re-rank the best 100 by meaning too (`searcharc embed` first; pip install "
        "'searcharc[semantic]'); a query takes the model's encoding time longer.",
        web="semantic",
        web_help="1: the best 100 re-ranked by meaning too (articles embedded by "
        "`searcharc embed`)",
    ),
    Option(
        "exact_total",
        "--exact-total",
        "flag",
        False,
        "Count every match (slower: reads every posting).",
    ),
    Option(
        "index",
        "--index",
        "path",
        None,
        "Index folder [default: $SEARCHARC_INDEX, else ./index]; with --cluster, the "
        "index's name there [default: index].",
        show_default=False,
    ),
    Option(
        "cluster",
        "--cluster",
        "str",
        None,
        "Search the index on this Ray cluster (HOST:PORT of its head, as ray.init takes it); "
        "a single query pays Ray's import and connection (about 0.3-0.4 s): prefer --batch "
        "or serve.",
        show_default=False,
    ),
    Option(
        "shard_timeout",
        "--shard-timeout",
        "float",
        SHARD_TIMEOUT,
        "With --cluster: seconds a replica has to answer a call before another is asked.",
    ),
    Option(
        "allow_partial",
        "--allow-partial",
        "flag",
        False,
        "With --cluster: answer from the shards that have a replica left (a shard without "
        "one is otherwise an error); JSON's shards.failed counts those left out.",
    ),
    Option("json_out", "--json", "flag", False, "One JSON object on stdout, for scripts."),
    Option("jsonl", "--jsonl", "flag", False, "One JSON hit a line."),
    Option("ids", "--ids", "flag", False, "Only the ids, one a line."),
    Option("fields", "--fields", "str", None, f"Only these hit fields: {','.join(HIT_FIELDS)}."),
    Option(
        "batch",
        "--batch",
        "path",
        None,
        "Answer every line of FILE (qid<TAB>query, or a query; - for stdin).",
    ),
    Option("output", "--output", "path", None, "With --batch: write here."),
    Option("run_tag", "--run-tag", "str", "searcharc", "With --batch: the TREC run's tag."),
    Option(
        "color",
        "--color",
        "choice",
        "auto",
        "Styles: on a terminal only, always or never.",
        choices=("auto", "always", "never"),
    ),
    Option(
        "bidi",
        "--bidi",
        "choice",
        None,
        "on: Arabic in visual order, for terminals without bidi [default: off, "
        "on if $SEARCHARC_BIDI=1]. Never applied to JSON, TREC or piped output.",
        choices=("on", "off"),
        show_default=False,
    ),
)
OPTIONS: dict[str, Option] = {option.dest: option for option in QUERY}

TREND: tuple[Option, ...] = (
    Option(
        "queries",
        None,
        "list",
        None,
        "The queries, one line of the chart each, e.g. «اليمن» «داعش» (the query language).",
        show_default=False,
        web="q",
        web_help="a query (repeat q for more, up to 8)",
    ),
    Option(
        "by",
        "--by",
        "choice",
        "month",
        "Count per day, ISO week, month or year.",
        choices=PERIODS,
        web="by",
        web_help="day, week (ISO), month or year",
    ),
    OPTIONS["since"],
    OPTIONS["until"],
    Option(
        "source",
        "--source",
        "str",
        None,
        'Only the articles of this source (as source:"…" finds them).',
        web="source",
        web_help="only the articles of this source",
    ),
    Option(
        "relative",
        "--relative",
        "flag",
        False,
        "Also as a share of all the articles of each period.",
        web="relative",
        web_help="also shares of each period's articles (true/false)",
    ),
    OPTIONS["match"],
    Option(
        "months",
        "--months",
        "choice",
        "egypt",
        "Arabic month names: levant (كانون الثاني، شباط…), egypt (يناير، فبراير…) or "
        "maghreb (ماي، يوليوز، غشت…).",
        choices=MONTH_FORMS,
        web="months",
        web_help="levant, egypt or maghreb month names",
    ),
    OPTIONS["index"],
    OPTIONS["json_out"],
    Option("csv", "--csv", "flag", False, "CSV on stdout: a period a row, a column a query."),
    OPTIONS["color"],
    OPTIONS["bidi"],
)
TREND_OPTIONS: dict[str, Option] = {option.dest: option for option in TREND}
VALUE_TYPES = {
    "flag": "bool",
    "int": "int",
    "float": "float",
    "choice": "str",
    "path": "Path",
    "str": "str",
    "list": "list[str]",
}


def value_type(option: Option) -> str:
    """The type of the option's value, as a QueryOptions field's annotation."""
    declared = VALUE_TYPES[option.kind]
    return f"{declared} | None" if option.default is None else declared


QueryOptions = make_dataclass(
    "QueryOptions",
    [(o.dest, value_type(o), field(default=o.default)) for o in QUERY],
    frozen=True,
    slots=True,
    # its module and docstring in the class body (as a class statement's): dataclasses then
    # compiles its methods in this module and needs no inspect.signature for a docstring
    namespace={
        "__module__": __name__,
        "__doc__": "The options of `searcharc query` (dates as text), one field a QUERY entry.",
    },
)


def parse_date(text: str | None) -> date | None:
    """An ISO date for --since/--until (and the web's since/until)."""
    from searcharc.errors import SearcharcError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SearcharcError(f"not an ISO date (YYYY-MM-DD): {text!r}") from None


def filters(o: QueryOptions) -> dict[str, object]:
    """The keyword arguments of ``SearchIndex.search`` that these options give, besides the
    query, its limit and offset."""
    return {
        "match": o.match,
        "since": parse_date(o.since),
        "until": parse_date(o.until),
        "sort": o.sort,
        "exact_total": o.exact_total,
        "semantic": o.semantic,
    }


def first_hit(o: QueryOptions) -> int:
    """The hits skipped: --offset, or those of the pages before --page."""
    return (o.page - 1) * o.limit if o.page else o.offset


def search(index: SearchIndex, o: QueryOptions, **extra: object) -> SearchResult:
    """The SearchResult of one query with these options (``extra``: e.g. facets=True)."""
    return index.search(o.text, limit=o.limit, offset=first_hit(o), **filters(o), **extra)
