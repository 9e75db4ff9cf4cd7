"""Titles that tell documents apart where citations and results show them.

Three White House fact sheets are all titled "FACT SHEET: …" (two of them with the same subject), and every
US Code passage comes from one long-titled document: a reader cannot tell the sources apart. A citation's
title adds what distinguishes them: the fact sheet's date, and the US Code section (§ 7104) of the passage.
The documents keep their own titles everywhere else (the documents list, the front matter).
"""

from __future__ import annotations

import datetime as dt
import re

from kb.records import DocumentMeta

_FACT_SHEET = re.compile(r"^\s*fact\s+sheet\s*:\s*", re.I)
_SECTION = re.compile(r"^\s*(§+\s*\d+[a-z]?)\.?\s*([^›(]*)")
_US_CODE = re.compile(r"^United States Code, Title (\d+)", re.I)


def long_date(value: str) -> str:
    """An ISO date as "14 February 2024" (the value as given when it is no ISO date)."""
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{day.day} {day.strftime('%B %Y')}"


def citation_title(meta: DocumentMeta, section: str = "") -> str:
    """The document's title as a citation shows it: with the date of a fact sheet, the § of a code section."""
    title = meta.title
    if _FACT_SHEET.match(title):
        issuer = str(meta.provenance.get("issuing_body", ""))
        who = "White House fact sheet" if "white house" in issuer.lower() else "Fact sheet"
        return f"{who}, {long_date(meta.date)}: {_FACT_SHEET.sub('', title)}"
    code = _US_CODE.match(title)
    found = _SECTION.match(section)
    if code and found:
        heading = found.group(2).strip(" .")
        return f"{code.group(1)} U.S.C. {found.group(1)}" + (f" ({heading})" if heading else "")
    return title
