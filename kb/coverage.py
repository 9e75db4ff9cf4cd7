"""The article × project coverage matrix: which Protocol articles each project addresses, and which none does.

Coverage comes from two sources, marked apart: a project's declared categories (through the taxonomy)
and article references in its own text. Articles that no project addresses are listed with the
passages of other documents (such as the side event's key themes) that name them, so a gap and the
call to fill it are seen together.
"""

from __future__ import annotations

from kb.api import ArticleCoverage, CategoryCoverage, CoverageCell, CoverageReport, CoverageVia, Passage
from kb.projects import ProjectCatalog
from kb.provisions import ProvisionLibrary
from kb.quotes import sentence_containing
from kb.records import DocType
from kb.refs import ArticleRef, Instrument, iter_references
from kb.store import IndexStore
from kb.taxonomy import CATEGORIES, CATEGORY_BY_ID

# Documents whose mentions of an article say something about assistance (not treaty cross-references).
_DISCUSSING_TYPES = (DocType.EVENT, DocType.PRACTICE)


def format_refs(refs: list[str]) -> str:
    """'8', '8 and 14', '8, 14 and 15': for sentences."""
    if len(refs) <= 1:
        return "".join(refs)
    return ", ".join(refs[:-1]) + " and " + refs[-1]


def _compact(numbers: list[int]) -> list[str]:
    """[8, 14, 15, 16] → ['8', '14-16']."""
    out: list[str] = []
    run: list[int] = []
    for n in sorted(numbers) + [-1]:
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [n]
    return out


class CoverageService:
    def __init__(self, store: IndexStore, provisions: ProvisionLibrary, projects: ProjectCatalog) -> None:
        self.store = store
        self.provisions = provisions
        self.projects = projects
        self._report = self._build()

    def report(self) -> CoverageReport:
        return self._report

    def article(self, ref: ArticleRef) -> ArticleCoverage:
        return next(a for a in self._report.articles if a.ref == str(ArticleRef(ref.article)))

    def _cells(self, article: ArticleRef) -> list[CoverageCell]:
        cells = []
        for project in self.projects:
            inside = [r for r in project.articles if article.covers(r)]
            if not inside:
                continue
            via: list[CoverageVia] = []
            if any(article.covers(r) for r in project.via_category):
                via.append("category")
            if any(article.covers(r) for r in project.via_text):
                via.append("text")
            categories = [c for c in project.categories if any(article.covers(r) for r in CATEGORY_BY_ID[c].articles)]
            cells.append(
                CoverageCell(
                    project=project.id,
                    via=via,
                    categories=categories,
                    extent="whole" if article in inside else "part",
                    refs=[str(r) for r in inside],
                )
            )
        return cells

    def _discussions(self) -> dict[int, list[Passage]]:
        """Explicit mentions of Protocol articles in event and practice documents, outside category lists."""
        found: dict[int, list[Passage]] = {}
        ids = sorted(self.store.chunk_ids_of_types(list(_DISCUSSING_TYPES)))
        for chunk in self.store.chunks(ids).values():
            title = self.store.documents[chunk.doc_id].meta.title
            for ref_span in iter_references(chunk.text):
                before = chunk.text[: ref_span.start]
                if before.rfind("[") > before.rfind("]"):
                    continue  # a category's article list, "[Articles 2(b); 6; 7]": the taxonomy, not a discussion
                quote = sentence_containing(chunk, ref_span.start, ref_span.end)
                for ref in ref_span.refs:
                    if ref.instrument is not Instrument.PROTOCOL:
                        continue
                    passages = found.setdefault(ref.article, [])
                    if all(p.chunk_id != chunk.chunk_id for p in passages):
                        passages.append(
                            Passage(
                                chunk_id=chunk.chunk_id,
                                doc_id=chunk.doc_id,
                                doc_title=title,
                                section=chunk.section,
                                quote=quote.text,
                            )
                        )
        return found

    def _build(self) -> CoverageReport:
        discussions = self._discussions()
        articles = []
        for summary in self.provisions.summaries(Instrument.PROTOCOL):
            ref = ArticleRef.parse(summary.ref)
            cells = self._cells(ref)
            articles.append(
                ArticleCoverage(
                    ref=summary.ref,
                    title=summary.title,
                    part=summary.part,
                    covered=bool(cells),
                    projects=cells,
                    discussed_in=discussions.get(ref.article, []),
                )
            )
        categories = [
            CategoryCoverage(id=c.id, label=c.label, projects=[p.id for p in self.projects.with_category(c.id)])
            for c in CATEGORIES
        ]
        uncovered = [a.ref for a in articles if not a.covered]
        return CoverageReport(
            projects=[p.summary() for p in self.projects],
            articles=articles,
            categories=categories,
            uncovered_articles=uncovered,
            uncovered_categories=[c.id for c in categories if not c.projects],
            summary=self._summary(articles, categories, uncovered),
        )

    def _summary(
        self, articles: list[ArticleCoverage], categories: list[CategoryCoverage], uncovered: list[str]
    ) -> str:
        count = len(list(self.projects))
        lines = []
        if uncovered:
            spans = _compact([int(r) for r in uncovered])
            noun = "Article" if len(uncovered) == 1 else "Articles"
            lines.append(f"{noun} {format_refs(spans)} of the Protocol are addressed by none of the {count} projects.")
        else:
            lines.append(f"Every Protocol article is addressed by at least one of the {count} projects.")
        for article in articles:
            if not article.covered and article.discussed_in:
                passage = article.discussed_in[0]
                lines.append(
                    f"Article {article.ref} ({article.title}) is named in “{passage.quote}” "
                    f"({passage.doc_title}, {passage.section})."
                )
        idle = [c.label for c in categories if not c.projects]
        if idle:
            lines.append(f"No project declares the categories: {', '.join(idle)}.")
        return " ".join(lines)
