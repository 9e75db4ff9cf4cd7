"""Retrieval on the real index: ranking, exact references, filters, instrument primacy."""

from __future__ import annotations

import pytest

from kb.api import SearchFilters, SearchMode, SearchRequest
from kb.errors import InvalidFilter
from kb.records import DocType
from kb.search import SearchService

from .conftest import SEARCH_RESULT_FIELDS


def search(service: SearchService, query: str, **kwargs) -> list:
    filters = SearchFilters(**kwargs.pop("filters", {}))
    return service.search(SearchRequest(query=query, filters=filters, **kwargs)).results


def test_victim_protection_in_projects_ranks_projects_tagged_victim_protection_first(service: SearchService) -> None:
    results = search(service, "victim protection", filters={"doc_type": [DocType.PROJECT]})
    assert {r.doc_type for r in results} == {DocType.PROJECT}
    tagged = [r for r in results if "victim_protection" in r.categories]
    untagged = [r for r in results if "victim_protection" not in r.categories]
    assert tagged and untagged
    assert max(r.rank for r in tagged) < min(r.rank for r in untagged)
    assert {r.doc_id for r in tagged} == {"central-america-project", "india-project"}


@pytest.mark.parametrize("mode", list(SearchMode))
def test_repatriation_of_victims_puts_protocol_article_8_in_top_3(service: SearchService, mode: SearchMode) -> None:
    results = search(service, "repatriation of victims", mode=mode, top_k=3)
    assert any(r.chunk_id.startswith("protocol:8(") for r in results), [r.chunk_id for r in results]


@pytest.mark.parametrize("mode", [SearchMode.LEXICAL, SearchMode.HYBRID, SearchMode.DENSE])
def test_exact_article_reference_ranks_that_paragraph_first(service: SearchService, mode: SearchMode) -> None:
    results = search(service, "Article 6(3)(b)", mode=mode)
    assert results[0].chunk_id == "protocol:6(3)(b)"
    assert [r.rank for r in results] == list(range(1, len(results) + 1))
    assert all(a.score >= b.score for a, b in zip(results, results[1:], strict=False))


def test_article_level_reference_ranks_its_paragraphs_first(service: SearchService) -> None:
    results = search(service, "What does art. 8 require?", top_k=6)
    assert all(r.chunk_id.startswith("protocol:8(") for r in results)


def test_named_convention_is_searched_instead_of_the_protocol(service: SearchService) -> None:
    results = search(service, "assistance to and protection of victims under the Council of Europe Convention", top_k=3)
    assert results[0].doc_id == "coe-convention-action-against-trafficking"


def test_article_filter_matches_descendant_paragraphs(service: SearchService) -> None:
    results = search(service, "counselling and information", filters={"article": ["6"]}, top_k=20)
    assert results
    for r in results:
        assert any(a == "6" or a.startswith("6(") for a in r.articles), r.articles
    assert "protocol:6(3)(b)" in [r.chunk_id for r in results]


def test_country_and_category_filters_combine(service: SearchService) -> None:
    results = search(service, "training", filters={"country": ["india"], "category": ["criminal_justice"]})
    assert results
    assert all("India" in r.countries and "criminal_justice" in r.categories for r in results)


def test_region_names_are_accepted_as_country_filter(service: SearchService) -> None:
    results = search(service, "regional cooperation", filters={"country": ["Eastern Africa"]})
    assert "eastern-africa-project" in {r.doc_id for r in results}


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"category": ["victims"]}, "valid categories: pre_ratification"),
        ({"country": ["Atlantis"]}, "valid countries and regions:"),
        ({"article": ["99"]}, "unknown article '99'"),
        ({"article": ["six"]}, "invalid article 'six'"),
    ],
)
def test_unknown_filter_values_are_refused_with_the_valid_ones(service: SearchService, filters, message) -> None:
    with pytest.raises(InvalidFilter, match=message):
        search(service, "victims", filters=filters)


def test_results_have_the_api_shape(service: SearchService) -> None:
    response = service.search(SearchRequest(query="victim protection", top_k=3))
    data = response.model_dump(mode="json")
    assert set(data) == {"query", "mode", "language", "took_ms", "results", "total", "facets"}
    assert set(data["results"][0]) == SEARCH_RESULT_FIELDS


def test_instrument_named_before_the_article_is_the_one_searched(service: SearchService) -> None:
    results = search(service, "Under the Council of Europe Convention, what does article 12 require?", top_k=3)
    assert results[0].chunk_id.startswith("coe:12")


def test_filter_values_are_bounded() -> None:
    with pytest.raises(ValueError, match="at most 80 characters"):
        SearchFilters(article=["5" + " " * 200 + "x"])
