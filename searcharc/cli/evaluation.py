"""`searcharc eval`: judged questions run through the product path, scored by ir-measures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from searcharc import jsonout
from searcharc.cli import declare
from searcharc.cli.commands import index_path
from searcharc.errors import SearcharcError
from searcharc.options import OPTIONS

IndexOption = declare.annotated(OPTIONS["index"])
JsonOption = declare.annotated(OPTIONS["json_out"])
SemanticOption = declare.annotated(OPTIONS["semantic"])


def eval_command(
    queries: Annotated[Path, typer.Option(help="Questions: qid<TAB>question lines.")],
    qrels: Annotated[Path, typer.Option(help="TREC qrels: qid 0 docid relevance.")],
    index: IndexOption = None,
    corpus: Annotated[
        Path | None,
        typer.Option(
            help="Index this TSV (docid<TAB>text) in a temporary folder instead, as "
            "`searcharc index` reads {id, text} JSON lines."
        ),
    ] = None,
    run_file: Annotated[Path | None, typer.Option("--run", help="Write the TREC run here.")] = None,
    run_tag: Annotated[str, typer.Option(help="The run's tag column.")] = "searcharc",
    json_out: JsonOption = False,
    semantic: SemanticOption = False,
) -> None:
    """Run judged questions and print MRR@10, nDCG@10, AP@10 and R@100 (ir-measures).

    Questions whose only judgment is docid -1 (no answer in the collection) are left out.
    With --semantic, a --corpus is embedded first (`searcharc embed`: slow, a core-second
    or so a passage).
    """
    import tempfile

    from searcharc import evaluate
    from searcharc.cli import render
    from searcharc.search.searcher import SearchIndex

    for path in (queries, qrels, corpus):
        if path and not path.is_file():
            raise SearcharcError(f"{path}: no such file")
    questions = evaluate.read_queries(queries)
    judgments = evaluate.read_qrels(qrels)
    with tempfile.TemporaryDirectory() as tmp:
        if corpus:  # as `searcharc index` reads a JSON Lines dump of these passages
            search_index = evaluate.index_corpus(corpus, Path(tmp), embedded=semantic)
        else:
            search_index = SearchIndex.open(index_path(index))
        run = evaluate.run_queries(search_index, questions, semantic=semantic)
    if run_file:
        evaluate.write_run(run, run_file, run_tag)
    result = evaluate.measure(judgments, run)
    print(jsonout.to_json(result.as_dict()) if json_out else render.plain_evaluation(result))
