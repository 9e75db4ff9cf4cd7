"""Names of countries, regions and organisations as the corpus writes them, mapped to one canonical name.

Countries come from ISO 3166 (pycountry) plus the common variants documents use; a gazetteer beats
generic NER here and needs no downloaded model.
"""

from __future__ import annotations

import re
from functools import cache

import pycountry

# Variants that ISO names miss, and ISO names replaced by the names people write.
COUNTRY_VARIANTS: dict[str, str] = {
    "United States of America": "United States",
    "USA": "United States",
    "U.S.": "United States",
    "U.S.A.": "United States",
    "UK": "United Kingdom",
    "Great Britain": "United Kingdom",
    "Russia": "Russian Federation",
    "Vietnam": "Viet Nam",
    "South Korea": "Korea, Republic of",
    "North Korea": "Korea, Democratic People's Republic of",
    "Syria": "Syrian Arab Republic",
    "Laos": "Lao People's Democratic Republic",
    "Moldova": "Moldova, Republic of",
    "Tanzania": "Tanzania, United Republic of",
    "Ivory Coast": "Côte d'Ivoire",
    "Cote d'Ivoire": "Côte d'Ivoire",
    "Czech Republic": "Czechia",
    "Turkey": "Türkiye",
    "Burma": "Myanmar",
    "Cape Verde": "Cabo Verde",
    "Swaziland": "Eswatini",
    "Macedonia": "North Macedonia",
    "Democratic Republic of the Congo": "Congo, The Democratic Republic of the",
    "DRC": "Congo, The Democratic Republic of the",
    "Iran": "Iran, Islamic Republic of",
    "Bolivia": "Bolivia, Plurinational State of",
    "Venezuela": "Venezuela, Bolivarian Republic of",
}

# Words that are ISO names but, in this corpus, almost never mean the country.
AMBIGUOUS_NAMES = {"Jersey", "Chad", "Guernsey", "Georgia", "Jordan", "Turkey", "Niue"}

REGIONS: dict[str, str] = {
    "Central America": "Central America",
    "Eastern Africa": "Eastern Africa",
    "East Africa": "Eastern Africa",
    "Eastern African": "Eastern Africa",
    "South Asia": "South Asia",
    "Southeast Asia": "South-East Asia",
    "South-East Asia": "South-East Asia",
    "West Africa": "Western Africa",
    "Western Africa": "Western Africa",
    "Southern Africa": "Southern Africa",
    "North Africa": "Northern Africa",
    "Latin America": "Latin America",
    "Caribbean": "Caribbean",
    "Western Balkans": "Western Balkans",
    "Balkans": "Western Balkans",
    "Middle East": "Middle East",
    "Central Asia": "Central Asia",
    "Pacific Islands": "Pacific",
    "Europe": "Europe",
    "European": "Europe",
    "Africa": "Africa",
    "Asia": "Asia",
    "North America": "North America",
}

# canonical name -> variants (case-sensitive surface forms)
ORGANISATIONS: dict[str, tuple[str, ...]] = {
    "UNODC": ("UNODC", "United Nations Office on Drugs and Crime"),
    "INTERPOL": ("INTERPOL", "Interpol"),
    "EAPCCO": ("EAPCCO", "Eastern Africa Police Chiefs Cooperation Organization"),
    "GPAT": ("GPAT", "Global Programme against Trafficking in Human Beings"),
    "UN.GIFT": ("UN.GIFT", "UN GIFT", "Global Initiative to Fight Human Trafficking"),
    "United Nations": ("United Nations", "UN"),
    "General Assembly": ("General Assembly",),
    "Council of Europe": ("Council of Europe",),
    "GRETA": ("GRETA", "Group of experts on action against trafficking in human beings"),
    "European Union": ("European Union", "EU"),
    "OSCE": ("OSCE", "Organization for Security and Co-operation in Europe"),
    "IOM": ("IOM", "International Organization for Migration"),
    "ILO": ("ILO", "International Labour Organization", "International Labor Organization"),
    "UNICEF": ("UNICEF",),
    "UNHCR": ("UNHCR",),
    "OHCHR": ("OHCHR", "Office of the High Commissioner for Human Rights"),
    "USAID": (
        "USAID",
        "U.S. Agency for International Development",
        "United States Agency for International Development",
    ),
    # The fact sheets name departments in bold by their short name: "**State** will launch …".
    "U.S. Department of State": ("Department of State", "State Department", "DOS", "Secretary of State", "**State**"),
    "U.S. Department of Labor": ("Department of Labor", "DOL", "Secretary of Labor"),
    "U.S. Department of Justice": ("Department of Justice", "DOJ", "Attorney General"),
    "U.S. Department of Homeland Security": ("Department of Homeland Security", "DHS"),
    "U.S. Department of Health and Human Services": ("Department of Health and Human Services", "HHS"),
    "President's Interagency Task Force": ("President's Interagency Task Force", "PITF", "Interagency Task Force"),
    "Solidarity Center": ("Solidarity Center",),
    "NGOs": (
        "NGOs",
        "NGO",
        "non-governmental organizations",
        "non-governmental organisations",
        "nongovernmental organizations",
    ),
    "civil society": ("civil society",),
}


@cache
def country_names() -> dict[str, str]:
    """Surface form -> canonical country name."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        canonical = getattr(country, "common_name", None) or country.name
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and value not in AMBIGUOUS_NAMES:
                names[value] = canonical
    for variant, target in COUNTRY_VARIANTS.items():
        if variant in AMBIGUOUS_NAMES:
            continue
        names[variant] = names.get(target, target)
    return names


@cache
def form_place_names() -> dict[str, str]:
    """Lower-cased name -> canonical country or region, for metadata staff type in (the ambiguous words that
    `country_names` leaves out of running text, "Jordan" or "Chad", are countries here)."""
    names = {k.lower(): v for k, v in country_names().items()}
    for country in pycountry.countries:
        canonical = getattr(country, "common_name", None) or country.name
        for attr in ("name", "common_name", "official_name"):
            if value := getattr(country, attr, None):
                names.setdefault(value.lower(), canonical)
    return names | {k.lower(): v for k, v in REGIONS.items()}


@cache
def _place_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    names = {**{k.lower(): v for k, v in country_names().items()}, **{k.lower(): v for k, v in REGIONS.items()}}
    alternatives = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a in alternatives) + r")(?![\w-])", re.I)
    return pattern, names


def find_places(text: str) -> list[str]:
    """Canonical countries and regions named in a short text (a question), in order, without repeats."""
    pattern, names = _place_pattern()
    found: list[str] = []
    for m in pattern.finditer(text):
        name = names[m.group(1).lower()]
        if name not in found:
            found.append(name)
    return found


# Wider regions and what lies inside them, so "projects in Asia" finds the South Asia project.
PARENT_REGIONS: dict[str, tuple[str, ...]] = {
    "Asia": ("South Asia", "South-East Asia", "Central Asia", "Middle East"),
    "Africa": ("Eastern Africa", "Western Africa", "Southern Africa", "Northern Africa"),
    "Latin America": ("Central America", "Caribbean"),
    "North America": ("Central America", "Caribbean"),
    "Europe": ("Western Balkans",),
}


def place_covers(asked: str, place: str) -> bool:
    """True when `place` is `asked` or lies inside it (a sub-region of an asked region)."""
    return asked == place or place in PARENT_REGIONS.get(asked, ())
