"""The JSON objects of `searcharc … --json` and of the web app's API, made in one place.

Their shapes are documented in searcharc/data/query.schema.json. Loaded on a cold query that
prints JSON: nothing here imports more than json and dataclasses.
"""

from __future__ import annotations

import json
from dataclasses import asdict

TYPE_CHECKING = False  # as typing's, which a cold query does not import
if TYPE_CHECKING:
    from searcharc.analysis import Token
    from searcharc.records import Article, Hit
    from searcharc.search.searcher import SearchResult
    from searcharc.search.similar import Similar
    from searcharc.search.stats import IndexStats
    from searcharc.search.trend import Trend


def to_json(data: object) -> str:
    """Compact UTF-8 JSON (Arabic kept readable, not \\u-escaped)."""
    return json.dumps(data, ensure_ascii=False)


def hit_dict(hit: Hit, fields: list[str] | None = None) -> dict:
    """A hit as JSON, with only ``fields`` when given."""
    data = asdict(hit)
    return {f: data[f] for f in fields if f in data} if fields else data


def result_dict(result: SearchResult, fields: list[str] | None = None) -> dict:
    """The documented JSON object (searcharc/data/query.schema.json); an index of shards adds
    how many answered (``shards``)."""
    found = {
        "query": result.query,
        "total": result.total,
        "total_relation": "eq" if result.total_exact else "gte",
        "by_root": result.by_root,
        "offset": result.offset,
        "took_ms": round(result.took * 1000, 1),
        "suggestions": [asdict(s) for s in result.suggestions],
        "hits": [hit_dict(h, fields) for h in result.hits],
    }
    return found | {"shards": asdict(result.shards)} if result.shards else found


def similar_dicts(similar: list[Similar]) -> list[dict]:
    """`searcharc similar --json`: each hit with the key terms it shares."""
    return [hit_dict(s.hit) | {"shared_terms": s.shared_terms} for s in similar]


def tokens_dicts(tokens: list[Token]) -> list[dict]:
    """Tokens as JSON-ready dicts."""
    return [asdict(t) for t in tokens]


def article_dict(article: Article, highlights: list[tuple[int, int]]) -> dict:
    """An article as JSON, with the [start, end) spans of the body that a query matched."""
    return asdict(article) | {"highlights": [list(span) for span in highlights]}


def stats_dict(stats: IndexStats) -> dict:
    """`searcharc stats --json`."""
    return asdict(stats)


def trend_dict(trend: Trend) -> dict:
    """`searcharc trend --json` and the web app's /api/trend (searcharc/data/trend.schema.json)."""
    return {
        "by": trend.by,
        "periods": [{"start": p.start.isoformat(), "label": p.label} for p in trend.periods],
        "articles": trend.articles,
        "series": [asdict(s) for s in trend.series],
    }
