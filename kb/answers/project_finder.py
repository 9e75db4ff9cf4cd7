"""Project finder: exactly the projects that match what a question asks for, each with verbatim evidence.

A question can ask by category ("victim protection"), by article ("article 8"), by place ("in India"),
by partner organisation ("INTERPOL") or by topic ("sex tourism"). Structured criteria are matched
against what projects declare; a bare topic is matched against the projects' own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.answers.context import AnswerContext
from kb.answers.draft import AnswerDraft, ref_phrase
from kb.answers.evidence import content_words
from kb.answers.intent import NEGATED_FINDER
from kb.answers.question import Question
from kb.gazetteer import ORGANISATIONS, find_places, place_covers
from kb.projects import Project
from kb.query import QueryAnalysis
from kb.quotes import sentences
from kb.records import Chunk
from kb.refs import ArticleRef, Instrument
from kb.stemming import stems
from kb.taxonomy import CATEGORY_BY_ID, Category, categories_in

# Words of a project question that say nothing about the topic.
_FRAME_WORDS = set(
    stems(
        "which what projects project address addresses addressing deal deals dealing include includes including "
        "involve involves involving work works working focus focuses concern concerns cover covers covering "
        "implement implements implementing support supports there any list show find name technical assistance "
        "unodc does do relate related relating about aim aims target targets tackle tackles"
    )
)


@dataclass
class Criteria:
    categories: list[Category] = field(default_factory=list)
    refs: list[ArticleRef] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    topic: list[str] = field(default_factory=list)  # stems
    topic_words: list[str] = field(default_factory=list)  # as the question writes them
    asked_phrases: dict[str, list[str]] = field(default_factory=dict)  # category id -> its phrases in the question

    def structured(self) -> bool:
        return bool(self.categories or self.refs or self.places or self.organisations)

    def describe(self) -> str:
        parts = []
        if self.categories:
            parts.append(" and ".join(c.label.lower() for c in self.categories))
        if self.refs:
            parts.append(ref_phrase(self.refs))
        text = "; ".join(parts)
        if self.organisations:
            text += (" with " if text else "with ") + " and ".join(self.organisations)
        if self.places:
            text += (" in " if text else "in ") + " or ".join(self.places)
        return text


def _organisations(question: str) -> list[str]:
    found = []
    for canonical, variants in ORGANISATIONS.items():
        if canonical in ("United Nations", "UNODC"):
            continue  # every project is UNODC's
        if any(re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", question, re.I) for v in variants):
            found.append(canonical)
    return found


def _titled_articles(ctx: AnswerContext, question: str) -> list[ArticleRef]:
    """Protocol articles whose title's key word the question uses ("repatriation" → article 8)."""
    found = []
    for summary in ctx.provisions.summaries():
        head = summary.title.split(" of ")[0].split(" and ")[0].strip().lower()  # "Repatriation of victims…"
        if (
            len(head) > 6
            and not head.endswith(" to")
            and re.search(rf"(?<![\w-]){re.escape(head)}(?![\w-])", question, re.I)
        ):
            found.append(ArticleRef.parse(summary.ref))
    return found


def criteria_of(question: str, analysis: QueryAnalysis) -> Criteria:
    organisations = _organisations(question)
    category_ids = analysis.categories
    if organisations:  # "INTERPOL" is also a phrase of international cooperation; asked as a partner here
        stripped = question
        for name in organisations:
            for variant in ORGANISATIONS[name]:
                stripped = re.sub(rf"(?<![\w-]){re.escape(variant)}(?![\w-])", " ", stripped, flags=re.I)
        category_ids = categories_in(stripped)
    criteria = Criteria(
        categories=[CATEGORY_BY_ID[c] for c in category_ids],
        refs=[r for r in analysis.refs if r.instrument is Instrument.PROTOCOL],
        places=find_places(question),
        organisations=organisations,
    )
    for category in criteria.categories:
        criteria.asked_phrases[category.id] = [
            p
            for p in sorted((*category.labels, *category.phrases), key=len, reverse=True)
            if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", question, re.I)
        ]
    if not criteria.structured():
        words = [w for w in content_words(question) if stems(w) and stems(w)[0] not in _FRAME_WORDS]
        criteria.topic_words = words
        criteria.topic = list(dict.fromkeys(s for w in words for s in stems(w)))
    return criteria


def _prose_evidence(chunks: list[Chunk], phrases: list[str]) -> tuple[Chunk, str] | None:
    """The first sentence of the project's description that uses one of the phrases."""
    for chunk in chunks:
        for span in sentences(chunk):
            if "[" in span.text:
                continue  # the categories line is evidence of declaration, not of activity
            if any(re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", span.text, re.I) for p in phrases):
                return chunk, span.text
    return None


def _topic_evidence(project: Project, topic: list[str]) -> tuple[Chunk, str, float] | None:
    """The sentence sharing most topic words; the title and the stated status ("presented at the COP-4 side event")
    count too (cited through the project's first sentence)."""
    best: tuple[Chunk, str, float] | None = None
    in_title = (set(stems(project.meta.title)) | set(stems(project.meta.status or ""))) & set(topic)
    if in_title:
        first = sentences(project.chunks[0])[0].text
        best = (project.chunks[0], first, len(in_title) / len(topic))
    for chunk in project.chunks:
        for span in sentences(chunk):
            found = set(stems(span.text)) & set(topic)
            share = len(found) / len(topic)
            if found and (best is None or share > best[2]):
                best = (chunk, span.text, share)
    return best


def answer_projects(ctx: AnswerContext, asked: Question, draft: AnswerDraft) -> bool:
    """Writes the answer; returns True when it abstains."""
    question, analysis = asked.text, asked.analysis
    # "run by the UNODC Mexico and Central America Regional Office": the office a project states, not two places.
    offices = [p for p in ctx.projects if p.meta.office and _office_named(p.meta.office, question)]
    if offices:
        return _run_by(offices, draft)
    if _EACH_PROJECT.search(question):  # "what categories does each project cover?": every project, as declared
        return _list_all(list(ctx.projects), draft)
    criteria = criteria_of(question, analysis)
    # A question naming an article by its subject ("repatriation" → article 8) is about that article when the
    # category its phrase maps to does not contain it: matching the category instead would overclaim.
    titled = [
        r
        for r in _titled_articles(ctx, question)
        if not any(a.covers(r) or r.covers(a) for c in criteria.categories for a in c.articles)
    ]
    if titled and not criteria.refs:
        criteria.refs = titled
        criteria.categories = []
    projects = list(ctx.projects)
    if not projects:
        draft.say("The knowledge base holds no project descriptions.")
        return True
    scope = "in the knowledge base"
    if asked.reading.projects:  # "which of them …": only the projects the previous answer named
        projects = [p for p in projects if p.id in asked.reading.projects] or projects
        scope = "of the previous answer"
    if not criteria.structured() and not criteria.topic:
        return _list_all(projects, draft)

    if len(criteria.refs) > 1 and not (criteria.categories or criteria.places or criteria.organisations):
        return _per_article(ctx, criteria.refs, projects, draft)

    matches: list[tuple[Project, list[tuple[Chunk, str, list[ArticleRef]]]]] = []
    for project in projects:
        evidence = _evidence(project, criteria)
        if evidence is not None:
            matches.append((project, evidence))

    asked_for = criteria.describe() or "“" + " ".join(criteria.topic_words) + "”"
    if NEGATED_FINDER.search(question):
        return _the_others(projects, [m[0] for m in matches], asked_for, draft)
    if not matches:
        return _none_match(ctx, criteria, asked_for, projects, draft, scope)

    count = len(matches)
    refs: list[ArticleRef] = []
    for c in criteria.categories:
        refs.extend(c.articles)
    refs.extend(criteria.refs)
    cites = f" ({ref_phrase(refs)})" if refs and criteria.categories else ""
    if criteria.categories or criteria.refs or criteria.topic:
        verb = "addresses" if count == 1 else "address"
    elif criteria.organisations:
        verb = "works" if count == 1 else "work"
    else:
        verb = "is" if count == 1 else "are"
    of = f"the {len(projects)} projects" + (f" {scope}" if asked.reading.projects else "")
    draft.say(f"{_number(count).capitalize()} of {of} {verb} {asked_for}{cites}:")
    for category in criteria.categories:
        asked_phrases = criteria.asked_phrases.get(category.id, [])
        if asked_phrases and not any(p.lower() in (label.lower() for label in category.labels) for p in asked_phrases):
            phrase = asked_phrases[0]
            if not any(
                re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", c.text, re.I)
                for m in matches
                for c in m[0].chunks
            ):
                draft.say(
                    f"(No project description uses the words “{phrase}”; they belong to the category "
                    f"{category.label}, which these projects declare.)"
                )
    for project, evidence in matches:
        draft.add_project(project.summary())
        marks = []
        for chunk, quote, articles in evidence:
            n = draft.cite(chunk, quote, articles)
            marks.append(f"“{quote}” [{n}]")
        # The short name only: the project card under the answer carries the full title, once.
        draft.say(f"- {short_title(project)}: " + "; ".join(marks))
    others = [p for p in projects if all(p.id != m[0].id for m in matches)]
    if others and (criteria.categories or criteria.refs):
        names = ", ".join(short_title(p) for p in others)
        whose = "its" if len(others) == 1 else "their"
        draft.say(f"Not addressed by: {names} ({whose} declared categories do not include this).")
    return False


_EACH_PROJECT = re.compile(r"\b(?:each|every)\s+(?:of\s+the\s+)?projects?\b|\bper\s+project\b", re.I)


def _office_named(office: str, question: str) -> bool:
    name = re.sub(r"^\s*UNODC\s+", "", office, flags=re.I).lower()
    return len(name) > 8 and name in question.lower()


def _run_by(projects: list[Project], draft: AnswerDraft) -> bool:
    for project in projects:
        draft.add_project(project.summary())
        first = sentences(project.chunks[0])[0].text
        n = draft.cite(project.chunks[0], first, [])
        draft.say(f"{short_title(project)}, run by the {project.meta.office} (as its details state): “{first}” [{n}]")
    return False


def _per_article(ctx: AnswerContext, refs: list[ArticleRef], projects: list[Project], draft: AnswerDraft) -> bool:
    """Several articles asked together ("articles 7 and 8"): which projects address each, never "none of them"
    because no project addresses all of them at once."""
    for ref in refs:
        draft.article(ref)
        addressing = [p for p in projects if p.addresses(ref)]
        if not addressing:
            draft.say(f"Article {ref.local}: none of the {len(projects)} projects addresses it.")
            continue
        marks = []
        for project in addressing:
            draft.add_project(project.summary())
            evidence = _evidence(project, Criteria(refs=[ref])) or []
            cites = "".join(f" [{draft.cite(chunk, quote, articles)}]" for chunk, quote, articles in evidence[:1])
            marks.append(f"{short_title(project)}{cites}")
        verb = "addresses" if len(addressing) == 1 else "address"
        draft.say(f"Article {ref.local}: {' and '.join(marks)} {verb} it.")
    return False


def _the_others(projects: list[Project], matching: list[Project], asked: str, draft: AnswerDraft) -> bool:
    """Answer a negated question ("which projects do not …") with the projects that do not match."""
    others = [p for p in projects if all(p.id != m.id for m in matching)]
    if not others:
        draft.say(f"Every one of the {len(projects)} projects addresses {asked}.")
        return False
    verb = "does" if len(others) == 1 else "do"
    draft.say(f"{_number(len(others)).capitalize()} of the {len(projects)} projects {verb} not address {asked}:")
    for project in others:
        draft.add_project(project.summary())
        declared = project.categories_line()
        mark = f": “{declared[1]}” [{draft.cite(declared[0], declared[1], [])}]" if declared else ""
        draft.say(f"- {short_title(project)}{mark}")
    return False


def _evidence(project: Project, criteria: Criteria) -> list[tuple[Chunk, str, list[ArticleRef]]] | None:
    """Verbatim evidence for every criterion, or None when the project fails one."""
    out: list[tuple[Chunk, str, list[ArticleRef]]] = []
    for category in criteria.categories:
        if category.id not in project.meta.categories:
            return None
        declared = project.declaration(category)
        if declared:
            out.append((*declared, category.articles))
        asked = criteria.asked_phrases.get(category.id, [])
        prose = (asked and _prose_evidence(project.chunks, asked)) or _prose_evidence(
            project.chunks, [*category.labels, *category.phrases]
        )
        if prose:
            out.append((*prose, category.articles))
    for ref in criteria.refs:
        if not project.addresses(ref):
            return None
        for cid in project.meta.categories:
            category = CATEGORY_BY_ID[cid]
            inside = [a for a in category.articles if ref.covers(a) or a.covers(ref)]
            if inside and (declared := project.declaration(category)):
                out.append((*declared, inside))
    for place in criteria.places:
        if not any(place_covers(place, p) for p in project.places):
            return None
    if criteria.places and not out:
        first = sentences(project.chunks[0])[0].text
        out.append((project.chunks[0], first, []))
    for organisation in criteria.organisations:
        variants = ORGANISATIONS[organisation]
        tagged = any(organisation in c.organisations for c in project.chunks)
        if not tagged and not any(organisation in p for p in project.meta.partners):
            return None
        found = _prose_evidence(project.chunks, list(variants))
        if found:
            out.append((*found, []))
    if criteria.topic:
        topic = _topic_evidence(project, criteria.topic)
        if topic is None or topic[2] < 0.5:
            return None
        out.append((topic[0], topic[1], []))
    return out


def _none_match(
    ctx: AnswerContext,
    criteria: Criteria,
    asked: str,
    projects: list[Project],
    draft: AnswerDraft,
    scope: str = "in the knowledge base",
) -> bool:
    if criteria.places and not (criteria.categories or criteria.refs or criteria.organisations):
        draft.say(f"None of the {len(projects)} projects {scope} names {' or '.join(criteria.places)}.")
    else:
        draft.say(f"None of the {len(projects)} projects {scope} addresses {asked}.")
    for ref in criteria.refs:
        coverage = ctx.coverage.article(ref)
        draft.article(ref)
        for passage in coverage.discussed_in[:1]:
            chunk = ctx.chunk(passage.chunk_id)
            n = draft.cite(chunk, passage.quote, [ArticleRef(ref.article)])
            draft.say(
                f"Article {ref.article} ({coverage.title}) is named in {passage.doc_title}: “{passage.quote}” [{n}]"
            )
    if criteria.places:
        covered = "; ".join(f"{short_title(p)}: {', '.join(p.places)}" for p in projects if p.places)
        draft.say(f"The places the projects name are {covered}.")
    # A negative answer is still an answer from the catalogue, not an abstention, when the criteria were understood.
    return not criteria.structured()


def _list_all(projects: list[Project], draft: AnswerDraft) -> bool:
    draft.say(f"The knowledge base describes {_number(len(projects))} projects:")
    for project in projects:
        draft.add_project(project.summary())
        first = sentences(project.chunks[0])[0].text
        n = draft.cite(project.chunks[0], first, [])
        labels = ", ".join(CATEGORY_BY_ID[c].label for c in project.categories)
        draft.say(f"- {short_title(project)} ({labels}): “{first}” [{n}]")
    return False


def short_title(project: Project) -> str:
    return project.meta.title.split(":")[0].strip()


def _number(n: int) -> str:
    return {0: "none", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}.get(n, str(n))
