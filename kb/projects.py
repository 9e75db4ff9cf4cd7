"""Technical-assistance projects: their declared categories, and the Protocol articles they address.

A project addresses an article in two ways, kept apart so users can tell them apart: through the
categories it declares (each category maps to articles, DESIGN §2) and through article references
written in its own text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kb.api import ProjectDetail, ProjectSummary
from kb.errors import UnknownDocument
from kb.quotes import sentences
from kb.records import Chunk, DocType, DocumentMeta
from kb.refs import ArticleRef, Instrument, sort_refs
from kb.store import IndexStore
from kb.taxonomy import CATEGORY_BY_ID, Category, articles_for_categories

CATEGORIES_LINE = "Categories of technical assistance"


def category_entry(chunks: list[Chunk], category: Category) -> tuple[Chunk, str] | None:
    """The first place the chunks list a category with its articles, verbatim: "**Policy development** [Articles …]"."""
    labels = sorted(category.labels, key=len, reverse=True)
    for chunk in chunks:
        for label in labels:
            m = re.search(r"\**" + re.escape(label) + r"\**\s*\[[^\]]*\]", chunk.text)
            if m:
                return chunk, m.group(0)
    return None


@dataclass(frozen=True)
class Project:
    meta: DocumentMeta
    chunks: list[Chunk]
    text: str
    via_category: list[ArticleRef]
    via_text: list[ArticleRef]

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def categories(self) -> list[str]:
        order = list(CATEGORY_BY_ID)
        return sorted(self.meta.categories, key=order.index)

    @property
    def articles(self) -> list[ArticleRef]:
        return sort_refs(set(self.via_category) | set(self.via_text))

    @property
    def places(self) -> list[str]:
        return [*self.meta.countries, *self.meta.regions]

    def addresses(self, ref: ArticleRef) -> bool:
        """True when the project addresses the provision, a part of it, or the article containing it."""
        return any(ref.covers(a) or a.covers(ref) for a in self.articles)

    def declaration(self, category: Category) -> tuple[Chunk, str] | None:
        """The project's own entry for a category in its "Categories of technical assistance" line."""
        return category_entry(self.chunks, category)

    def categories_line(self) -> tuple[Chunk, str] | None:
        """The project's whole "Categories of technical assistance" sentence."""
        for chunk in self.chunks:
            for span in sentences(chunk):
                if CATEGORIES_LINE in span.text:
                    return chunk, span.text
        return None

    def summary(self) -> ProjectSummary:
        return ProjectSummary(
            id=self.id,
            title=self.meta.title,
            categories=self.categories,
            articles=[str(a) for a in self.articles],
            countries=list(self.meta.countries),
            regions=list(self.meta.regions),
            office=self.meta.office,
        )

    def detail(self) -> ProjectDetail:
        return ProjectDetail(
            **self.summary().model_dump(),
            status=self.meta.status,
            partners=list(self.meta.partners),
            date=self.meta.date,
            source=self.meta.source,
            articles_via_category=[str(a) for a in self.via_category],
            articles_via_text=[str(a) for a in self.via_text],
            text=self.text,
        )


class ProjectCatalog:
    def __init__(self, store: IndexStore) -> None:
        self.projects: dict[str, Project] = {}
        for doc_id, info in store.documents.items():
            if info.meta.type is not DocType.PROJECT:
                continue
            chunks = sorted(store.chunks(store.chunk_ids_of_document(doc_id)).values(), key=lambda c: c.ordinal)
            explicit = {ArticleRef.parse(a) for c in chunks for a in c.articles}
            self.projects[doc_id] = Project(
                meta=info.meta,
                chunks=chunks,
                text=store.body(doc_id),
                via_category=articles_for_categories(info.meta.categories),
                via_text=sort_refs({r for r in explicit if r.instrument is Instrument.PROTOCOL}),
            )

    def __iter__(self) -> Iterator[Project]:
        return iter(self.projects.values())

    def get(self, project_id: str) -> Project:
        try:
            return self.projects[project_id]
        except KeyError:
            known = ", ".join(self.projects) or "none"
            raise UnknownDocument(f"no project {project_id!r}; projects: {known}") from None

    def with_category(self, category: str) -> list[Project]:
        return [p for p in self if category in p.meta.categories]
