"""The spaCy tagging pipeline: a blank English pipeline with our own rule components.

Components (registered factories, so the pipeline is inspectable with `nlp.pipe_names`):
- `tipkb_article_refs`: article references, instrument-aware, ranges expanded (kb.refs);
- `tipkb_categories`: the six categories of technical assistance, from explicit labels and phrasing
  (PhraseMatcher over the taxonomy's lexicon);
- `tipkb_places`: countries and regions from the gazetteer (PhraseMatcher);
- `entity_ruler`: organisations (EntityRuler patterns from the gazetteer).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kb.gazetteer import ORGANISATIONS, REGIONS, country_names
from kb.refs import ArticleRef, Instrument, iter_references, sort_refs
from kb.taxonomy import CATEGORIES

for _name, _default in (
    ("home_instrument", Instrument.PROTOCOL),
    ("articles", None),
    ("categories", None),
    ("explicit_categories", None),
    ("countries", None),
    ("regions", None),
):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


@Language.component("tipkb_article_refs")
def article_refs_component(doc: Doc) -> Doc:
    refs: list[ArticleRef] = []
    spans = []
    for found in iter_references(doc.text, doc._.home_instrument):
        refs.extend(found.refs)
        span = doc.char_span(found.start, found.end, label="ARTICLE_REF", alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans["article_refs"] = spans
    doc._.articles = sort_refs(refs)
    return doc


class CategoryTagger:
    """Explicit labels ("Victims protection and support") and phrasing ("repatriation") → category ids."""

    def __init__(self, nlp: Language) -> None:
        self.labels = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for category in CATEGORIES:
            self.labels.add(category.id, [nlp.make_doc(t) for t in category.labels])
            self.phrases.add(category.id, [nlp.make_doc(t) for t in category.phrases])

    def __call__(self, doc: Doc) -> Doc:
        vocab = doc.vocab.strings
        # A label is explicit where the document states it as a category: followed by its article list,
        # "Policy development [Articles 6(3); …]". Elsewhere the same words are ordinary phrasing.
        explicit: set[str] = set()
        labelled: set[str] = set()
        for match_id, start, end in self.labels(doc):
            labelled.add(vocab[match_id])
            if doc.text[doc[start:end].end_char :].lstrip(" *_").startswith("["):
                explicit.add(vocab[match_id])
        phrased = {vocab[match_id] for match_id, _, _ in self.phrases(doc)}
        order = [c.id for c in CATEGORIES]
        doc._.explicit_categories = [c for c in order if c in explicit]
        doc._.categories = [c for c in order if c in labelled | phrased]
        return doc


@Language.factory("tipkb_categories")
def make_category_tagger(nlp: Language, name: str) -> CategoryTagger:
    return CategoryTagger(nlp)


class PlaceTagger:
    """Countries (ISO names and variants) and regions, matched case-sensitively to avoid 'chad'-style noise."""

    def __init__(self, nlp: Language) -> None:
        self.canonical: dict[str, tuple[str, str]] = {}
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for surface, name in country_names().items():
            self.canonical[surface] = ("country", name)
        for surface, name in REGIONS.items():
            self.canonical[surface] = ("region", name)
        self.matcher.add("PLACE", [nlp.make_doc(t) for t in self.canonical])

    def __call__(self, doc: Doc) -> Doc:
        countries: list[str] = []
        regions: list[str] = []
        # Longest match wins ("Central America" over "America"); spaCy's filter keeps the longest spans.
        spans = spacy.util.filter_spans([doc[s:e] for _, s, e in self.matcher(doc)])
        for span in spans:
            kind, name = self.canonical[span.text]
            target = countries if kind == "country" else regions
            if name not in target:
                target.append(name)
        doc._.countries = countries
        doc._.regions = regions
        return doc


@Language.factory("tipkb_places")
def make_place_tagger(nlp: Language, name: str) -> PlaceTagger:
    return PlaceTagger(nlp)


def build_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("tipkb_article_refs")
    nlp.add_pipe("tipkb_categories")
    nlp.add_pipe("tipkb_places")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": "ORG", "pattern": variant, "id": canonical}
            for canonical, variants in ORGANISATIONS.items()
            for variant in variants
        ]
    )
    return nlp


@dataclass(frozen=True)
class Tags:
    articles: list[str]
    explicit_categories: list[str]
    categories: list[str]
    countries: list[str]
    regions: list[str]
    organisations: list[str]


class Tagger:
    """Tags many texts at once; `home` is the instrument bare article numbers belong to."""

    def __init__(self) -> None:
        self.nlp = build_pipeline()

    def tag_many(self, texts: Iterable[str], home: Instrument, batch_size: int = 64) -> list[Tags]:
        docs = []
        for text in texts:
            doc = self.nlp.make_doc(text)
            doc._.home_instrument = home
            docs.append(doc)
        out: list[Tags] = []
        for doc in self.nlp.pipe(docs, batch_size=batch_size):
            organisations: list[str] = []
            for ent in doc.ents:
                if ent.label_ == "ORG" and ent.ent_id_ not in organisations:
                    organisations.append(ent.ent_id_)
            out.append(
                Tags(
                    articles=[str(r) for r in doc._.articles],
                    explicit_categories=list(doc._.explicit_categories),
                    categories=list(doc._.categories),
                    countries=list(doc._.countries),
                    regions=list(doc._.regions),
                    organisations=organisations,
                )
            )
        return out
