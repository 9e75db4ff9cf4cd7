"""The reference parser: every form DESIGN §3 lists, ranges, ancestry, instruments, round trips."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.refs import ArticleRef, Instrument, InvalidArticleRef, find_references, iter_references, parse_refs


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


# --- references in the other UN languages (DESIGN §3) ----------------------------------------

NATIVE_FORMS = [
    # Spanish
    ("artículo 6", ["6"]),
    ("articulo 6", ["6"]),
    ("artículos 6 y 7", ["6", "7"]),
    ("artículos 14 a 20", ["14", "15", "16", "17", "18", "19", "20"]),
    ("art. 6", ["6"]),
    ("párrafo 3 del artículo 6", ["6(3)"]),
    ("apartado b) del párrafo 3 del artículo 6", ["6(3)(b)"]),
    ("artículo 6, párrafo 3", ["6(3)"]),
    ("artículo 6, párrafo 3, apartado b)", ["6(3)(b)"]),
    ("párrafos 1 a 3 del artículo 9", ["9(1)", "9(2)", "9(3)"]),
    ("artículo 18 de la Convención", ["untoc:18"]),
    # French
    ("article 8", ["8"]),
    ("articles 14 à 20", ["14", "15", "16", "17", "18", "19", "20"]),
    ("articles 6 et 7", ["6", "7"]),
    ("paragraphe 3 de l'article 6", ["6(3)"]),
    ("alinéa b) du paragraphe 3 de l'article 6", ["6(3)(b)"]),
    ("l'article 6", ["6"]),
    ("alinéas a) à c) de l'article 3", ["3(a)", "3(b)", "3(c)"]),
    ("l'article 18 de la Convention", ["untoc:18"]),
    # Russian, in its cases
    ("статья 6", ["6"]),
    ("статьи 6", ["6"]),
    ("статье 6", ["6"]),
    ("статьей 6", ["6"]),
    ("статьёй 6", ["6"]),
    ("статью 6", ["6"]),
    ("статьи 14–20", ["14", "15", "16", "17", "18", "19", "20"]),
    ("статей 14–20", ["14", "15", "16", "17", "18", "19", "20"]),
    ("статьи 6 и 7", ["6", "7"]),
    ("пункт 3 статьи 6", ["6(3)"]),
    ("пункта 3 статьи 6", ["6(3)"]),
    ("пункте 3 статьи 6", ["6(3)"]),
    ("подпункт b пункта 3 статьи 6", ["6(3)(b)"]),
    ("подпункте (b) пункта 3 статьи 6", ["6(3)(b)"]),
    ("статья 18 Конвенции", ["untoc:18"]),
    # Arabic
    ("المادة 6", ["6"]),
    ("المادة ٦", ["6"]),
    ("المادتين 6 و7", ["6", "7"]),
    ("المادتان 6 و 7", ["6", "7"]),
    ("المواد من 14 إلى 20", ["14", "15", "16", "17", "18", "19", "20"]),
    ("المواد 14 الى 20", ["14", "15", "16", "17", "18", "19", "20"]),
    ("الفقرة 3 من المادة 6", ["6(3)"]),
    ("الفقرة الفرعية (ب) من الفقرة 3 من المادة 6", ["6(3)(b)"]),
    ("المادة 18 من الاتفاقية", ["untoc:18"]),
    # Chinese
    ("第6条", ["6"]),
    ("第六条", ["6"]),
    ("第6条第3款", ["6(3)"]),
    ("第6条第3款(b)项", ["6(3)(b)"]),
    ("第6条第3款第2项", ["6(3)(b)"]),
    ("第14条至第20条", ["14", "15", "16", "17", "18", "19", "20"]),
    ("第14至20条", ["14", "15", "16", "17", "18", "19", "20"]),
    ("第6和第7条", ["6", "7"]),
    ("第6条和第7条", ["6", "7"]),
    ("公约第18条", ["untoc:18"]),
    ("《公约》第18条", ["untoc:18"]),
]


@pytest.mark.parametrize(("written", "expected"), NATIVE_FORMS)
def test_native_language_reference_gives_the_english_canonical_refs(written: str, expected: list[str]) -> None:
    assert [str(r) for r in find_references(written)] == expected


@pytest.mark.parametrize(("written", "expected"), NATIVE_FORMS)
def test_native_reference_in_a_sentence_is_one_span_covering_the_reference(written: str, expected: list[str]) -> None:
    text = f"« {written} » ?"
    found = list(iter_references(text))
    assert len(found) == 1
    span = text[found[0].start : found[0].end]
    # The span is the reference itself; an instrument named after (or, in Chinese, before) it and
    # French "l'" stay outside.
    assert span in written
    assert written.removeprefix("l'").startswith(span) or written.endswith(span)
    assert any(ch.isdigit() or ch in "六" for ch in span)
    assert [str(r) for r in found[0].refs] == expected


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Véase el apartado b) del párrafo 3 del artículo 6.", "apartado b) del párrafo 3 del artículo 6"),
        ("Les articles 14 à 20 du Protocole.", "articles 14 à 20"),
        ("См. подпункт b пункта 3 статьи 6.", "подпункт b пункта 3 статьи 6"),
        ("انظر الفقرة 3 من المادة 6.", "الفقرة 3 من المادة 6"),
        ("见第6条第3款(b)项。", "第6条第3款(b)项"),
    ],
)
def test_native_span_is_exactly_the_reference_text(text: str, span: str) -> None:
    (found,) = iter_references(text)
    assert text[found.start : found.end] == span


def test_french_range_is_one_span_not_an_english_match_overlapping_a_native_one() -> None:
    found = list(iter_references("les articles 14 à 20 et l'article 6 de la Convention"))
    assert [(f.start, f.end) for f in found] == [(4, 20), (26, 35)]
    assert [[str(r) for r in f.refs] for f in found] == [
        ["14", "15", "16", "17", "18", "19", "20"],
        ["untoc:6"],
    ]
    spans = sorted((f.start, f.end) for f in found)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("المادة ١٤", ["14"]),
        ("المواد من ١٤ إلى ٢٠", ["14", "15", "16", "17", "18", "19", "20"]),
        ("الفقرة ٣ من المادة ٦", ["6(3)"]),
        ("المادة ۶", ["6"]),  # Extended Arabic-Indic (Persian) digit
    ],
)
def test_arabic_indic_digits_read_as_western_digits(written: str, expected: list[str]) -> None:
    assert [str(r) for r in find_references(written)] == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("第一条", ["1"]),
        ("第十条", ["10"]),
        ("第十四条", ["14"]),
        ("第二十条", ["20"]),
        ("第二十一条", ["21"]),
        ("第十四条至第二十条", ["14", "15", "16", "17", "18", "19", "20"]),
        ("第六条第三款第二项", ["6(3)(b)"]),
        ("第９条第１款至第３款", ["9(1)", "9(2)", "9(3)"]),  # full-width digits
    ],
)
def test_chinese_numerals_read_as_numbers(written: str, expected: list[str]) -> None:
    assert [str(r) for r in find_references(written)] == expected


def test_mixed_sentence_finds_every_language_in_order() -> None:
    text = (
        "Compare article 5 of the Protocol with artículo 18 de la Convención, статьи 7 и 8, المادة ٩ and 第十条第2款."
    )
    assert [str(r) for r in find_references(text)] == ["5", "untoc:18", "7", "8", "9", "10(2)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("artículo 5 del Protocolo", ["5"]),
        ("статьи 6 и 7 настоящего Протокола", ["6", "7"]),
        ("artículo 31 de la Convención de Viena", []),
        ("статья 31 Венской конвенции", []),
        ("《刑法》第240条", []),
        ("欧洲委员会公约第12条", ["coe:12"]),
    ],
)
def test_native_reference_takes_the_instrument_named_with_it(text: str, expected: list[str]) -> None:
    assert [str(r) for r in find_references(text)] == expected


def test_native_bare_reference_belongs_to_the_home_instrument() -> None:
    assert [str(r) for r in find_references("el artículo 6", Instrument.UNTOC)] == ["untoc:6"]
    assert [str(r) for r in find_references("本公约第6条", Instrument.UNTOC)] == ["untoc:6"]
    assert [str(r) for r in find_references("议定书第5条", Instrument.UNTOC)] == ["5"]


ENGLISH_REGRESSION = [
    ("Article 6(3)(b) and Articles 9 (1)-(3); 10", [(0, 42, ("6(3)(b)", "9(1)", "9(2)", "9(3)", "10"))]),
    ("see art. 6, para. 3 (b) of the Protocol", [(4, 23, ("6(3)(b)",))]),
    ("article 7 and 8, articles 14-20", [(0, 31, ("7", "8", *(str(n) for n in range(14, 21))))]),
    ("article 18 of the Convention and article 39 of the Vienna Convention", [(0, 10, ("untoc:18",))]),
    ("article 6 et seq. and article 5 à la carte", [(0, 9, ("6",)), (22, 31, ("5",))]),
]


@pytest.mark.parametrize(("text", "expected"), ENGLISH_REGRESSION)
def test_english_spans_and_refs_are_unchanged(text: str, expected: list[tuple[int, int, tuple[str, ...]]]) -> None:
    assert [(f.start, f.end, tuple(str(r) for r in f.refs)) for f in iter_references(text)] == expected


@pytest.mark.parametrize(
    "adversarial",
    [
        "artículos " + "1 y " * 250,
        "apartado " + "a) y " * 200,
        "подпункт " + "b и " * 250,
        "الفقرة " + "1 و" * 330,
        "المادة " + "٦ (ب)" * 200,
        "第" + "1、" * 500,
        "第1条第" + "1款至第" * 250,
        "artículo 6" + " " * 990,
        "párrafo 1 del " * 80,
    ],
)
def test_adversarial_thousand_character_query_is_read_quickly(adversarial: str) -> None:
    text = adversarial[:1000]
    started = time.perf_counter()
    find_references(text)
    assert time.perf_counter() - started < 0.5
