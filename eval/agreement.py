"""Do the six UN languages get the same answer? The same question asked in each, compared with English.

For each gold item with translations, the harness asks it in English and in Arabic, Chinese, French, Russian and
Spanish (follow-ups with their translated earlier turns) and compares what a delegate would act on: the set of
projects named and the first provision cited (the first citation of a treaty provision, at paragraph level).
An item agrees when every language gives English's project set and first provision (abstaining alike counts).
The first provision is compared at article level: the article a delegate is sent to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from eval.backends import Backend
from eval.gold_set import LANGUAGES, load_gold_set
from eval.records import AgreementItem, AgreementReport, Split
from eval.runner import article_level
from kb.api import AskRequest, AskResponse, ConversationTurn


def _ask(backend: Backend, question: str, previous: list[str]) -> AskResponse:
    turns: list[ConversationTurn] = []
    for earlier in previous:
        turns.append(ConversationTurn.of(earlier, backend.ask(AskRequest(question=earlier, conversation=turns))))
    return backend.ask(AskRequest(question=question, conversation=turns))


def _first_provision(response: AskResponse) -> str | None:
    """The article of the first provision cited ("8", "coe:11"): what a delegate would go and read. Paragraphs of
    one article quoted in a different order still send the reader to the same provision."""
    for citation in response.citations:
        if citation.articles and ":" in citation.chunk_id and "#" not in citation.chunk_id:
            return article_level(citation.articles[0])
    return None


def _outcome(response: AskResponse) -> tuple[bool, tuple[str, ...], str | None]:
    return response.abstained, tuple(sorted(p.id for p in response.projects)), _first_provision(response)


def agreement(
    gold: str, split: Split | None, backend: Backend, on_item: Callable[[int], None] | None = None
) -> AgreementReport:
    english = {item.id: item for item in load_gold_set(gold, split)}
    translated = {lang: {i.id.rsplit("-", 1)[0]: i for i in load_gold_set(gold, split, lang)} for lang in LANGUAGES}
    items: list[AgreementItem] = []
    for number, (item_id, item) in enumerate(english.items(), start=1):
        if not all(item_id in translated[lang] for lang in LANGUAGES):
            continue
        reference = _outcome(_ask(backend, item.question, item.previous))
        differing = []
        for lang in LANGUAGES:
            other = translated[lang][item_id]
            if _outcome(_ask(backend, other.question, other.previous)) != reference:
                differing.append(lang)
        items.append(
            AgreementItem(
                id=item_id,
                question=item.question,
                projects=list(reference[1]),
                first_provision=reference[2],
                abstained=reference[0],
                differing=differing,
            )
        )
        if on_item:
            on_item(number)
    agreeing = sum(not i.differing for i in items)
    per_language = {
        lang: round(sum(lang not in i.differing for i in items) / len(items), 4) if items else 0.0 for lang in LANGUAGES
    }
    return AgreementReport(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        target=backend.name,
        gold=gold,
        split=split or "all",
        items=len(items),
        agreement=round(agreeing / len(items), 4) if items else 0.0,
        per_language=per_language,
        results=items,
    )


def markdown(report: AgreementReport) -> str:
    lines = [
        f"# Cross-language agreement: {report.gold} gold set, {report.split} split",
        "",
        f"{report.created_at}, {report.target}, {report.items} items asked in English and {', '.join(LANGUAGES)}.",
        "",
        f"**All six languages agree** (same projects, same first provision, same abstention): "
        f"**{report.agreement:.3f}**",
        "",
        "| language | agrees with English |",
        "|---|---:|",
        *[f"| {lang} | {value:.3f} |" for lang, value in report.per_language.items()],
        "",
        "## Items where a language differs",
        "",
    ]
    for item in report.results:
        if item.differing:
            lines.append(f"- **{item.id}** {item.question}: {', '.join(item.differing)}")
    return "\n".join(lines) + "\n"
