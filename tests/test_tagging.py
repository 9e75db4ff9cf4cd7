"""spaCy tags: categories, articles (explicit and via category), instruments, places, organisations."""

from __future__ import annotations

from indexer.tagger import Tagger, build_pipeline
from kb.refs import Instrument
from kb.store import IndexStore
from kb.taxonomy import CATEGORY_BY_ID


def chunks_of(store: IndexStore, doc_id: str):
    return [c for c in store.chunks(list(range(store.manifest.chunks))).values() if c.doc_id == doc_id]


def test_pipeline_registers_our_rule_components() -> None:
    assert build_pipeline().pipe_names == [
        "sentencizer",
        "tipkb_article_refs",
        "tipkb_categories",
        "tipkb_places",
        "entity_ruler",
    ]


def test_central_america_project_carries_its_four_categories(store: IndexStore) -> None:
    chunks = chunks_of(store, "central-america-project")
    assert chunks
    for chunk in chunks:
        assert {"policy_development", "criminal_justice", "victim_protection", "prevention"} <= set(chunk.categories)
        assert {"Costa Rica", "Panama"} <= set(chunk.countries)


def test_policy_development_label_expands_to_its_articles() -> None:
    assert [str(r) for r in CATEGORY_BY_ID["policy_development"].articles] == ["6(3)", "9(1)", "9(2)", "9(3)", "10"]
    (tags,) = Tagger().tag_many(["Policy development [Articles 6(3); 9 (1)-(3); 10]"], Instrument.PROTOCOL)
    assert tags.explicit_categories == ["policy_development"]
    assert tags.articles == ["6(3)", "9(1)", "9(2)", "9(3)", "10"]


def test_articles_via_category_are_kept_apart_from_explicit_ones(store: IndexStore) -> None:
    (chunk,) = chunks_of(store, "india-project")
    assert "2(b)" in chunk.articles_via_category  # victim_protection → 2(b); 6; 7
    description = chunks_of(store, "eastern-africa-project")[0]
    assert description.articles == []  # the description names no article itself
    assert "2(c)" in description.articles_via_category


def test_convention_articles_carry_the_untoc_prefix_and_never_a_bare_ref(store: IndexStore) -> None:
    chunks = chunks_of(store, "untoc-convention")
    assert len(chunks) > 100
    for chunk in chunks:
        assert all(a.startswith("untoc:") for a in chunk.articles), (chunk.chunk_id, chunk.articles)
    assert any(c.chunk_id == "untoc:18(13)" for c in chunks)


def test_a_mention_in_running_text_is_not_taken_as_a_label() -> None:
    (tags,) = Tagger().tag_many(
        ["e) enhancing the use of international cooperation mechanisms to investigate and prosecute TIP"],
        Instrument.PROTOCOL,
    )
    assert tags.explicit_categories == []
    assert "international_cooperation" in tags.categories


def test_countries_regions_and_organisations_come_from_the_gazetteer() -> None:
    (tags,) = Tagger().tag_many(
        ["UNODC and INTERPOL work with EAPCCO in Eastern Africa, and with the United States and Viet Nam."],
        Instrument.PROTOCOL,
    )
    assert tags.countries == ["United States", "Vietnam"]  # pycountry's common name
    assert tags.regions == ["Eastern Africa"]
    assert tags.organisations == ["UNODC", "INTERPOL", "EAPCCO"]
