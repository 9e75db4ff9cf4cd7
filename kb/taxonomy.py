"""The six categories of technical assistance (from the COP-4 side-event concept note) and their articles.

The article lists are written as the concept note writes them and expanded by the reference parser,
so the taxonomy and the corpus can never drift apart in notation.
"""

from __future__ import annotations

import re
from functools import cache

from pydantic import BaseModel, ConfigDict

from kb.refs import ArticleRef, parse_refs, sort_refs

PROTOCOL_ARTICLES = range(1, 21)


class Category(BaseModel):
    """One category of technical assistance."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    articles_as_written: str
    # Explicit labels as documents write them ("Victims protection and support", "Victim protection …").
    labels: tuple[str, ...]
    # Phrasings in prose that indicate the category without naming it.
    phrases: tuple[str, ...]
    # The articles a category "especially" concerns; empty means all of `articles`.
    emphasis: tuple[str, ...] = ()

    @property
    def articles(self) -> list[ArticleRef]:
        return expand_articles(self.articles_as_written)

    @property
    def emphasised_articles(self) -> list[ArticleRef]:
        return [ArticleRef.parse(r) for r in self.emphasis] if self.emphasis else self.articles


@cache
def expand_articles(written: str) -> list[ArticleRef]:
    if written.strip().lower().startswith("all"):
        return [ArticleRef(n) for n in PROTOCOL_ARTICLES]
    return sort_refs(parse_refs(written))


CATEGORIES: tuple[Category, ...] = (
    Category(
        id="pre_ratification",
        label="Pre-ratification assistance",
        articles_as_written="all articles, especially 3 and 5",
        emphasis=("3", "5"),
        labels=("Pre-ratification assistance", "pre-ratification"),
        phrases=(
            "ratification of the Protocol",
            "requirements for ratification",
            "accession to the Protocol",
            "assessment of existing legislation",
            "ratify the Protocol",
            "legislative assessment",
            "legislative review",
        ),
    ),
    Category(
        id="criminal_justice",
        label="Criminal justice system responses",
        articles_as_written="1; 2(a); 3-5; 6(1)-(2); 6(3)(b); 6(5)",
        labels=(
            "Criminal justice system responses",
            "Criminal justice systems responses",
            "criminal justice response",
            "criminal justice responses",
        ),
        phrases=(
            "law enforcement",
            "prosecution",
            "prosecute",
            "prosecutors",
            "prosecutorial",
            "investigation",
            "investigate",
            "criminal justice",
            "police",
            "judges",
            "judiciary",
            "convictions",
            "criminalization",
            "criminalisation",
            "criminalize",
            "criminal offences",
            "penal prosecution",
            "special police units",
            "investigation units",
            "anti-trafficking legislation",
            "TIP legislation",
        ),
    ),
    Category(
        id="prevention",
        label="Prevention and awareness-raising",
        articles_as_written="2(a); 9; 10(2)",
        labels=("Prevention and awareness-raising", "Prevention and awareness raising"),
        phrases=(
            "awareness-raising",
            "awareness raising",
            "raise awareness",
            "raise the awareness",
            "information campaigns",
            "awareness campaigns",
            "public awareness",
            "prevent trafficking",
            "prevention of trafficking",
            "prevention of TIP",
            "prevent and combat",
            "prevention",
            "demand that fosters",
            "discourage the demand",
            "vulnerable to trafficking",
            "root causes",
            "economic alternatives",
            "education opportunities",
            "employment opportunities",
        ),
    ),
    Category(
        id="victim_protection",
        label="Victims protection and support",
        articles_as_written="2(b); 6; 7",
        labels=(
            "Victims protection and support",
            "Victim protection and support",
            "Victims protection",
            "Victim protection",
        ),
        phrases=(
            "protection of victims",
            "protect victims",
            "protect and assist the victims",
            "assistance to victims",
            "assist victims",
            "assist trafficking victims",
            "victim assistance",
            "victim services",
            "victim support",
            "support for victims",
            "support to victims",
            "victim/witness protection",
            "witness protection",
            "protection of witnesses",
            "shelter",
            "rehabilitation",
            "recovery of victims",
            "psychological",
            "trauma-informed",
            "survivors",
            "survivor",
            "status of victims",
            "residence permit",
            "reintegration",
            "compensation",
            "repatriation",
        ),
    ),
    Category(
        id="international_cooperation",
        label="International cooperation",
        articles_as_written="2(c); 9(3); 10-13",
        labels=("International cooperation", "International co-operation"),
        phrases=(
            "international cooperation",
            "international co-operation",
            "regional cooperation",
            "cooperation among States",
            "cooperation between",
            "mutual legal assistance",
            "extradition",
            "information exchange",
            "exchange of information",
            "exchange information",
            "joint investigations",
            "border measures",
            "border control",
            "channels of communication",
            "INTERPOL",
            "cross-border",
            "countries of origin, transit, and destination",
            "bilateral",
            "multilateral",
            "regional action plans",
        ),
    ),
    Category(
        id="policy_development",
        label="Policy development",
        articles_as_written="6(3); 9(1)-(3); 10",
        labels=("Policy development",),
        phrases=(
            "national action plan",
            "national action plans",
            "policy-making",
            "policy making",
            "national policy",
            "coordination mechanism",
            "inter-agency coordination",
            "interagency",
            "national strategy",
            "regional strategy",
            "comprehensive policies",
            "policies, programmes",
            "national rapporteur",
            "ombudsperson",
            "task force",
        ),
    ),
)

CATEGORY_BY_ID: dict[str, Category] = {c.id: c for c in CATEGORIES}


def categories_covering(ref: ArticleRef) -> list[str]:
    """Categories whose (emphasised) articles contain or lie inside `ref`, for tagging Protocol text."""
    return [c.id for c in CATEGORIES if any(a.covers(ref) or ref.covers(a) for a in c.emphasised_articles)]


def articles_for_categories(category_ids: list[str] | set[str]) -> list[ArticleRef]:
    refs: set[ArticleRef] = set()
    for cid in category_ids:
        refs.update(CATEGORY_BY_ID[cid].articles)
    return sort_refs(refs)


def categories_in(text: str) -> list[str]:
    """Categories a short text (a query) names by label or phrasing; whole words, case-insensitive."""
    lowered = f" {text.lower()} "
    return [category_id for category_id, pattern in _category_patterns() if pattern.search(lowered)]


@cache
def _category_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """One compiled alternation per category, built once: compiling per query cost ~1.5 ms of each search."""
    patterns = []
    for category in CATEGORIES:
        phrases = "|".join(re.escape(p.lower()) for p in (*category.labels, *category.phrases))
        patterns.append((category.id, re.compile(rf"(?<![\w-])(?:{phrases})(?![\w-])")))
    return patterns
