"""The reference parser: every form DESIGN §3 lists, ranges, ancestry, instruments, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.articles import ArticleRef, Instrument, InvalidArticleRef, find_references, parse_refs


def refs(text: str) -> list[str]:
    return [str(r) for r in parse_refs(text)]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Article 5", ["5"]),
        ("Articles 6(3); 9 (1)-(3); 10", ["6(3)", "9(1)", "9(2)", "9(3)", "10"]),
        ("3-5", ["3", "4", "5"]),
        ("6(1)-(2)", ["6(1)", "6(2)"]),
        ("10-13", ["10", "11", "12", "13"]),
        ("article 7 and 8", ["7", "8"]),
        ("art. 6, para. 3 (b)", ["6(3)(b)"]),
        ("6(3)(b)", ["6(3)(b)"]),
        ("Article 6 (3) (b)", ["6(3)(b)"]),
        ("2(a)-(c)", ["2(a)", "2(b)", "2(c)"]),
        ("articles 10 to 13", ["10", "11", "12", "13"]),
        ("untoc:18(13)", ["untoc:18(13)"]),
        ("coe:12", ["coe:12"]),
        (
            "Articles 1; 2(a); 3-5; 6(1)-(2); 6(3)(b); 6(5)",
            ["1", "2(a)", "3", "4", "5", "6(1)", "6(2)", "6(3)(b)", "6(5)"],
        ),
    ],
)
def test_parser_accepts_the_forms_documents_write(written: str, expected: list[str]) -> None:
    assert refs(written) == expected


@pytest.mark.parametrize("bad", ["", "victims", "Article", "6((3)", "untoc:"])
def test_parser_rejects_text_that_is_not_a_reference(bad: str) -> None:
    with pytest.raises(InvalidArticleRef):
        ArticleRef.parse(bad)


def test_ancestry_runs_from_paragraph_to_article() -> None:
    ref = ArticleRef.parse("6(3)(b)")
    assert [str(a) for a in ref.ancestors()] == ["6(3)", "6"]
    assert ArticleRef.parse("6").covers(ref)
    assert ArticleRef.parse("6(3)").covers(ref)
    assert not ArticleRef.parse("6(2)").covers(ref)
    assert not ArticleRef.parse("untoc:6").covers(ref)
    assert not ref.covers(ArticleRef.parse("6"))


def test_references_to_other_instruments_keep_their_prefix() -> None:
    text = (
        "article 18 of the Convention; Article 5 of the Trafficking Protocol; article 39 of the Vienna Convention; "
        "article 12 of the Council of Europe Convention; article 4 of the Smuggling of Migrants Protocol"
    )
    assert [str(r) for r in find_references(text)] == ["untoc:18", "5", "coe:12"]


def test_bare_references_inside_a_treaty_belong_to_that_treaty() -> None:
    assert [str(r) for r in find_references("in accordance with article 6 of this Convention", Instrument.UNTOC)] == [
        "untoc:6"
    ]
    assert [str(r) for r in find_references("article 5 of this Protocol", Instrument.PROTOCOL)] == ["5"]
    assert [str(r) for r in find_references("referred to in Article 4", Instrument.COE)] == ["coe:4"]


labels = st.one_of(st.integers(1, 40).map(str), st.sampled_from(list("abcdefgh")), st.sampled_from(["i", "ii", "iv"]))
article_refs = st.builds(
    ArticleRef,
    article=st.integers(1, 99),
    path=st.lists(labels, max_size=3).map(tuple),
    instrument=st.sampled_from(list(Instrument)),
)


@given(article_refs)
def test_canonical_form_round_trips(ref: ArticleRef) -> None:
    assert ArticleRef.parse(str(ref)) == ref
    assert ArticleRef.parse(ref.locator) == ref


@given(article_refs.filter(lambda r: r.instrument is Instrument.PROTOCOL))
def test_written_protocol_reference_is_found_in_running_text(ref: ArticleRef) -> None:
    assert find_references(f"States should apply Article {ref} in full.") == [ref]


@given(article_refs)
def test_every_ancestor_covers_its_descendant(ref: ArticleRef) -> None:
    assert all(a.covers(ref) for a in ref.ancestors())
    assert len(ref.ancestors()) == len(ref.path)
