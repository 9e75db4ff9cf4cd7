"""Staff search that shows what it found (issue 20, items 6-8), through POST /api/search on the session's test index:
passages free of inline HTML, highlights computed by the server, "exact words" as a phrase, paging by `offset`, and
facet counts over the query's own results."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner

from cli.app import app
from indexer.converters import convert_document
from kb.store import IndexStore

from .conftest import CORPUS
from .test_api import assert_error

# What an HTML tag looks like in Markdown: `<u>`, `</u>`, `<span class="x">`, `<br/>`.
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
MODES = ["hybrid", "dense", "lexical"]


def post(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/api/search", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def contains_words(text: str, phrase: str) -> bool:
    """The phrase's words in order, as whole words, case-insensitive, separated by spaces only."""
    words = [re.escape(w) for w in phrase.split()]
    return re.search(r"(?<![^\W_])" + r"\s+".join(words) + r"(?![^\W_])", text, re.IGNORECASE) is not None


def marked(result: dict[str, Any]) -> list[str]:
    return [result["text"][start:end] for start, end in result["highlights"]]


# -- item 6: no inline HTML in what is indexed ----------------------------------------------------------------------


def test_no_indexed_passage_or_document_body_holds_inline_html(store: IndexStore) -> None:
    chunks = store.chunks(list(range(store.manifest.chunks)), with_sentences=False).values()
    assert [c.chunk_id for c in chunks if HTML_TAG.search(c.text) or ENTITY.search(c.text)] == []
    for doc_id in ("wh-factsheet-pitf-2023", "wh-factsheet-pitf-2024"):
        body = store.body(doc_id)
        assert "<u>" not in body and "</u>" not in body
    # The underlined headings of the factsheet (`**<u>Protection</u>**`) keep their words.
    assert "**Protection**" in store.body("wh-factsheet-pitf-2024")


def test_the_passage_under_an_underlined_heading_is_found_without_tags(client: TestClient, store: IndexStore) -> None:
    chunks = store.chunks(list(range(store.manifest.chunks)), with_sentences=False).values()
    headed = [c.chunk_id for c in chunks if "**Protection**" in c.text]
    assert headed
    results = all_results(client, query="Protection", mode="lexical", exact=True)
    found = [r for r in results if r["chunk_id"] in headed]
    assert sorted(r["chunk_id"] for r in found) == sorted(headed)
    for result in found:
        assert "<u>" not in result["text"] and "</u>" not in result["text"]
        assert "Protection" in marked(result)


def test_markdown_uploads_lose_inline_html_and_keep_its_words() -> None:
    source = (
        "# Shelters &amp; hotlines\n\n"
        '**<u>Protection</u>** of victims<br>in <span class="x">shelters</span> &#8211; see <https://example.org>, '
        "where 3 < 5 and R&D is funded.\n\n"
        "<!-- an editor's note -->\n\n"
        "<script>window.bad = 1</script>\n\n"
        "Inline `<u>code</u>` stays literal, and so does &lt;script&gt; once decoded.\n\n"
        "```\n<u>fenced</u>\n```\n"
    )
    document = convert_document("notes.md", source.encode())
    assert document.title == "Shelters & hotlines"
    assert document.body == (
        "# Shelters & hotlines\n\n"
        "**Protection** of victims\nin shelters – see <https://example.org>, where 3 < 5 and R&D is funded.\n\n"
        "Inline `<u>code</u>` stays literal, and so does <script> once decoded.\n\n"
        "```\n<u>fenced</u>\n```"
    )


def test_plain_text_uploads_are_kept_as_typed() -> None:
    """A .txt file is not markup: angle brackets in it are the author's characters."""
    text = "Use <u> tags? No: 3 < 5 &amp; done."
    assert convert_document("notes.txt", text.encode()).body == text


# -- item 6: highlights from the server -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_highlights_are_offsets_of_the_query_terms_and_their_stemmed_forms(client: TestClient, mode: str) -> None:
    body = post(client, query="protecting trafficked victims", mode=mode, top_k=20)
    assert body["results"]
    for result in body["results"]:
        spans = result["highlights"]
        assert spans == sorted(spans)
        assert all(0 <= s < e <= len(result["text"]) for s, e in spans)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), "spans overlap"
        for word in marked(result):
            assert word.lower().startswith(("protect", "traffick", "victim")), word
        # Every whole word of the text that the query's terms stem to is marked (porter: victims → victim).
        words = {m.group(0).lower() for m in re.finditer(r"[^\W_]+", result["text"])}
        expected = {w for w in words if w in {"victim", "victims", "protecting", "protection", "trafficked"}}
        assert expected <= {w.lower() for w in marked(result)}, result["chunk_id"]


def test_dense_hits_without_any_query_term_have_no_highlights(client: TestClient) -> None:
    body = post(client, query="repatriation of victims", mode="dense", top_k=50)
    without = [r for r in body["results"] if not re.search(r"repatria|victim", r["text"], re.IGNORECASE)]
    with_terms = [r for r in body["results"] if re.search(r"\bvictims?\b", r["text"], re.IGNORECASE)]
    assert without and with_terms
    assert all(r["highlights"] == [] for r in without)
    assert all(r["highlights"] for r in with_terms)


def test_a_single_letter_of_an_article_reference_is_not_highlighted(client: TestClient) -> None:
    """In "Article 6(3)(b)" the "b" would otherwise mark every stray letter b."""
    body = post(client, query="Article 6(3)(b)", top_k=5)
    assert body["results"][0]["chunk_id"] == "protocol:6(3)(b)"
    assert all(word.lower() != "b" for r in body["results"] for word in marked(r))


def test_highlights_count_unicode_characters_not_bytes(client: TestClient) -> None:
    """Offsets are code points (Python's and the client's unit): curly quotes and dashes before a mark, which are
    several bytes in UTF-8, must not shift it."""
    body = post(client, query="Diplomatic Security Service", mode="lexical", top_k=10)
    results = body["results"]
    # "State’s Diplomatic Security Service (DSS)": a curly apostrophe before the marks.
    assert any(not r["text"][:start].isascii() for r in results for start, _ in r["highlights"])
    for word in (w.lower() for r in results for w in marked(r)):
        assert word.startswith(("diplomat", "secur", "servic")), word


# -- item 7: exact words are a phrase -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("phrase", ["police", "law enforcement", "Law Enforcement officials"])
def test_exact_words_return_only_passages_with_the_phrase_as_typed(client: TestClient, mode: str, phrase: str) -> None:
    body = post(client, query=phrase, mode=mode, exact=True, top_k=50)
    assert body["results"], phrase
    missing = [r["chunk_id"] for r in body["results"] if not contains_words(r["text"], phrase)]
    assert missing == []
    for result in body["results"]:
        assert result["highlights"]
        assert all(contains_words(w, phrase) for w in marked(result))


def test_exact_words_find_every_passage_with_the_phrase(client: TestClient, store: IndexStore) -> None:
    chunks = store.chunks(list(range(store.manifest.chunks)), with_sentences=False).values()
    expected = {c.chunk_id for c in chunks if contains_words(c.text, "law enforcement")}
    body = post(client, query="law enforcement", mode="lexical", exact=True, top_k=50)
    pages = [body] + [
        post(client, query="law enforcement", mode="lexical", exact=True, top_k=50, offset=offset)
        for offset in range(50, body["total"], 50)
    ]
    assert {r["chunk_id"] for page in pages for r in page["results"]} == expected
    assert body["total"] == len(expected)


def test_exact_words_do_not_match_other_forms_of_the_word(client: TestClient) -> None:
    """FTS5 stems ("policing" and "police" share a stem); the phrase must be the words as typed."""
    body = post(client, query="victim", mode="lexical", exact=True, top_k=50)
    assert body["results"]
    assert all(contains_words(r["text"], "victim") for r in body["results"])
    assert all(w.lower() == "victim" for r in body["results"] for w in marked(r))


def test_exact_words_keep_the_filters(client: TestClient) -> None:
    filters = {"doc_type": ["project"]}
    body = post(client, query="law enforcement", mode="lexical", exact=True, filters=filters, top_k=50)
    assert body["results"]
    assert {r["doc_type"] for r in body["results"]} == {"project"}


def test_exact_words_that_occur_nowhere_return_no_results(client: TestClient) -> None:
    body = post(client, query="enforcement law", mode="lexical", exact=True)
    assert body["results"] == [] and body["total"] == 0


def test_without_exact_the_lexical_mode_still_ranks_partial_matches(client: TestClient) -> None:
    """`mode: lexical` alone stays BM25 over any of the words (the evaluation measures it as the lexical baseline)."""
    body = post(client, query="law enforcement", mode="lexical", top_k=50)
    assert any(not contains_words(r["text"], "law enforcement") for r in body["results"])


# -- item 8: paging -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_offset_pages_through_the_same_ranking_with_absolute_ranks(client: TestClient, mode: str) -> None:
    whole = post(client, query="victim protection", mode=mode, top_k=30)
    pages = [post(client, query="victim protection", mode=mode, top_k=10, offset=o) for o in (0, 10, 20)]
    assert [r["rank"] for r in pages[1]["results"]] == list(range(11, 21))
    paged = [(r["rank"], r["chunk_id"]) for page in pages for r in page["results"]]
    assert paged == [(r["rank"], r["chunk_id"]) for r in whole["results"]]
    assert {page["total"] for page in pages} == {whole["total"]}


def test_the_last_page_is_offset_200(client: TestClient) -> None:
    body = post(client, query="victims", mode="dense", top_k=50, offset=200)
    assert [r["rank"] for r in body["results"]] == list(range(201, 251))
    assert body["total"] == 250


def test_an_offset_past_the_results_returns_an_empty_page(client: TestClient) -> None:
    body = post(client, query="police", mode="lexical", exact=True, offset=10)
    assert body["results"] == [] and body["total"] < 10


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ({"offset": -1}, ["offset", "0"]),
        ({"offset": 201}, ["offset", "200"]),
        ({"offset": "10"}, ["offset", "whole number"]),
        ({"offset": 1.5}, ["offset"]),
        ({"offset": True}, ["offset"]),
        ({"exact": "yes"}, ["exact"]),
    ],
)
def test_bad_paging_or_exact_values_are_400_naming_the_field(
    client: TestClient, body: dict[str, Any], needles: list[str]
) -> None:
    assert_error(client.post("/api/search", json={"query": "victims", **body}), 400, *needles)


# -- item 8: facet counts follow the query --------------------------------------------------------------------------


def all_results(client: TestClient, **body: Any) -> list[dict[str, Any]]:
    first = post(client, top_k=50, **body)
    results = list(first["results"])
    for offset in range(50, first["total"], 50):
        results += post(client, top_k=50, offset=offset, **body)["results"]
    assert len(results) == first["total"]
    return results


def test_facet_counts_are_counts_over_the_querys_results(client: TestClient) -> None:
    body = post(client, query="police training", mode="lexical")
    results = all_results(client, query="police training", mode="lexical")
    facets = body["facets"]
    assert facets["doc_type"] == dict(Counter(r["doc_type"] for r in results))
    assert facets["category"] == dict(Counter(c for r in results for c in r["categories"]))
    for country, n in Counter(c for r in results for c in r["countries"]).items():
        assert facets["country"][country] == n
    # An article counts every result tagged with it or with a provision inside it.
    article_6 = sum(any(a == "6" or a.startswith("6(") for a in r["articles"]) for r in results)
    assert facets["article"].get("6", 0) == article_6


def test_facet_counts_change_with_the_query(client: TestClient) -> None:
    india = post(client, query="India", mode="lexical", exact=True)["facets"]
    repatriation = post(client, query="repatriation", mode="lexical", exact=True)["facets"]
    assert india != repatriation
    assert india["country"]["India"] > repatriation["country"].get("India", 0)
    assert repatriation["article"]["8"] > india["article"].get("8", 0)


def test_a_ticked_value_is_the_number_of_results_it_gives(client: TestClient) -> None:
    """Lexical counts are exact: ticking "Projects (n)" gives n results."""
    facets = post(client, query="law enforcement", mode="lexical", exact=True)["facets"]
    for doc_type, n in facets["doc_type"].items():
        filtered = post(client, query="law enforcement", mode="lexical", exact=True, filters={"doc_type": [doc_type]})
        assert filtered["total"] == n, doc_type
    for category, n in facets["category"].items():
        filtered = post(client, query="law enforcement", mode="lexical", exact=True, filters={"category": [category]})
        assert filtered["total"] == n, category


def test_a_facets_own_filter_does_not_narrow_its_counts(client: TestClient) -> None:
    """Values within a facet are OR-ed: ticking "Projects" leaves the other types' counts (what ticking them adds)
    and narrows the other facets to the projects' results."""
    query = {"query": "law enforcement", "mode": "lexical", "exact": True}
    unfiltered = post(client, **query)["facets"]
    filtered = post(client, **query, filters={"doc_type": ["project"]})
    assert filtered["facets"]["doc_type"] == unfiltered["doc_type"]
    projects = all_results(client, **query, filters={"doc_type": ["project"]})
    assert filtered["facets"]["category"] == dict(Counter(c for r in projects for c in r["categories"]))


# -- the CLI pages and phrases like the API ------------------------------------------------------------------------


def test_kb_search_takes_offset_and_exact(index_path: Path) -> None:
    args = ["search", "law enforcement", "--json", "--index", str(index_path), "--corpus", str(CORPUS)]
    result = CliRunner().invoke(app, [*args, "--offset", "5", "--top-k", "3", "--mode", "lexical", "--exact"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["rank"] for r in data["results"]] == [6, 7, 8]
    assert all(contains_words(r["text"], "law enforcement") for r in data["results"])
    refused = CliRunner().invoke(app, [*args, "--offset", "201"])
    assert refused.exit_code == 2 and "offset" in refused.output
