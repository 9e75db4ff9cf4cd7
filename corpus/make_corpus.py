"""One-off: build corpus/*.md from ../shared/corpus-sources (verbatim bodies, provenance in front matter).

Kept in the repository so the corpus can be regenerated and audited: `python corpus/make_corpus.py`.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT.parent / "shared" / "corpus-sources"
CORPUS = ROOT / "corpus"

PROVENANCE_KEYS = (
    "short_title", "issuing_body", "year", "place", "entry_into_force", "language_note", "relevance",
    "document_type", "sections_included", "summary", "original_address", "source_found_at",
    "cross_checked_against", "completeness", "editorial_changes",
)

DOCS = {
    "00-side-event-concept-note.md": {"type": "event"},
    "01-trafficking-in-persons-protocol.md": {"type": "protocol", "instrument": "protocol"},
    "02-untoc-convention.md": {"type": "instrument", "instrument": "untoc"},
    "03-us-code-22-usc-ch78-selected-sections.md": {"type": "practice"},
    "04-whitehouse-factsheet-national-action-plan-2021.md": {"type": "practice"},
    "05-whitehouse-factsheet-pitf-2023-priorities.md": {"type": "practice"},
    "06-whitehouse-factsheet-pitf-2024-priorities.md": {"type": "practice"},
    "07-coe-convention-action-against-trafficking-2005.md": {"type": "instrument", "instrument": "coe"},
}


def split(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, path
    return yaml.safe_load(match.group(1)), text[match.end():]


def write(name: str, meta: dict, body: str) -> None:
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)
    (CORPUS / name).write_text(f"---\n{front}---\n{body}", encoding="utf-8")


def main() -> None:
    for name, extra in DOCS.items():
        src, body = split(SOURCES / name)
        meta = {
            "id": src["id"],
            "title": src["title"],
            "type": extra["type"],
            **({"instrument": extra["instrument"]} if "instrument" in extra else {}),
            "source": f"shared/corpus-sources/{name}",
            "licence": src["licence"],
            "language": src["language"],
            "date": str(src.get("date") or src.get("year")),
            "provenance": {k: src[k] for k in PROVENANCE_KEYS if k in src},
        }
        write(f"{src['id']}.md", meta, body.lstrip("\n"))
    write_projects()


PROJECTS = [
    {
        "id": "central-america-project",
        "marker": "UNODC Mexico and Central America Regional Office",
        "title": "Central America Project: Strengthening of National and Regional Capacities in Preventing "
        "and Combating Trafficking in Persons in Central America",
        "office": "UNODC Mexico and Central America Regional Office",
        "countries": ["Costa Rica", "El Salvador", "Guatemala", "Honduras", "Nicaragua", "Panama"],
        "regions": ["Central America"],
        "categories": ["policy_development", "criminal_justice", "victim_protection", "prevention"],
    },
    {
        "id": "eastern-africa-project",
        "marker": "UNODC Eastern Africa Regional Office",
        "title": "Eastern Africa Project: Strengthening regional cooperation and capacities amongst the "
        "Eastern African law enforcement authorities to combat THB",
        "office": "UNODC Eastern Africa Regional Office",
        "countries": [],
        "regions": ["Eastern Africa"],
        "categories": ["policy_development", "criminal_justice", "international_cooperation"],
        "partners": ["EAPCCO Member States", "INTERPOL Sub-Regional Bureau", "INTERPOL Lyon"],
    },
    {
        "id": "india-project",
        "marker": "South Asia Regional Office",
        "title": "India Project: Strengthening the law enforcement response in India against trafficking in "
        "persons and sex tourism in key states and cities through training and capacity building",
        "office": "UNODC South Asia Regional Office",
        "countries": ["India"],
        "regions": ["South Asia"],
        "categories": ["criminal_justice", "prevention", "victim_protection"],
    },
]


def write_projects() -> None:
    src, body = split(SOURCES / "00-side-event-concept-note.md")
    blocks = re.split(r"\n(?=- ▶ \*\*)", body)
    for project in PROJECTS:
        block = next(b for b in blocks if b.startswith(f"- ▶ **{project['marker']}"))
        heading_line, _, rest = block.partition("\n")
        heading = heading_line.removeprefix("- ▶ **").removesuffix("**")
        description = rest.split("\n## ", 1)[0].strip("\n")
        meta = {
            "id": project["id"],
            "title": project["title"],
            "type": "project",
            "source": "shared/corpus-sources/00-side-event-concept-note.md (section PRESENTATIONS)",
            "licence": src["licence"],
            "language": "en",
            "date": src["date"],
            "office": project["office"],
            "countries": project["countries"],
            "regions": project["regions"],
            "categories": project["categories"],
            "status": "presented at the COP-4 side event on 15 October 2008 (listed as 'tbc' in the concept note)",
            **({"partners": project["partners"]} if "partners" in project else {}),
            "provenance": {
                "source_found_at": src["source_found_at"],
                "extracted_from": src["id"],
                "editorial_changes": "The project's entry in the concept note's PRESENTATIONS list, copied "
                "verbatim; its bold list-item title became the Markdown heading. Office, countries and "
                "categories in this header are those stated in the entry; countries are only listed where "
                "the entry names them.",
            },
        }
        write(f"{project['id']}.md", meta, f"# {heading}\n\n{description}\n")


if __name__ == "__main__":
    main()
