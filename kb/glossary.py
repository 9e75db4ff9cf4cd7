"""Plain-language phrasings mapped to the wording the treaties use, to widen a question's retrieval query.

Delegates ask "can victims stay in the country?"; the Protocol says "remain in its territory". The
small embedding model misses many such pairs, so matching phrases add the treaty wording to the
query used for retrieval (never to what is shown to the user).
"""

from __future__ import annotations

import re

# (pattern in the question, treaty wording to add)
GLOSSARY: tuple[tuple[str, str], ...] = (
    (r"\bnames?\b|\bnewspapers?\b|\bpress\b|\bjournalists?\b|\banonym", "privacy and identity of victims"),
    (
        r"\bpunish\w*\b.*\bvictims?\b|\bvictims?\b.*\bpunish|\bforced\s+to\s+commit\b",
        "not imposing penalties on victims for their involvement in unlawful activities compelled",
    ),
    (r"\blaws?\b(?!\s+enforcement)|\blegal\s+reform\b|\brewrite\b", "legislation legislative measures"),
    (r"\babroad\b|\boverseas\b|\bforeign\b", "other countries foreign countries"),
    (r"\bgenuine\b|\bvalid\b|\bauthentic\b", "legitimacy and validity of documents"),
    (
        r"\b(go|going|get|send|sent|sending|come|coming)\s+(back\s+)?home\b|\bgo\s+back\b|\bsend(ing)?\s+back\b",
        "return repatriation of victims",
    ),
    (r"\breturn(ed|ing)?\b(?!\s+to\s+work)", "repatriation return"),
    (r"\bdeport(ed|ation)?\b|\bexpel(led)?\b", "repatriation return residence"),
    (
        r"\bstay(ing)?\b|\bremain(ing)?\b|\bresidence\b|\bresidency\b",
        "remain in its territory temporarily or permanently",
    ),
    (r"\bpapers\b|\bpassports?\b|\bid\s+cards?\b|\bvisas?\b", "travel or identity documents"),
    (r"\bfake\b|\bforged\b|\bfalsified\b|\bcounterfeit\b", "falsified unlawfully altered documents"),
    (r"\bdeceiv(e|ed|ing)\b|\btrick(ed|ing)?\b|\blied\b|\blying\b", "deception fraud means consent"),
    (r"\bagreed\b|\bwilling(ly)?\b|\bconsent(ed)?\b", "consent of a victim irrelevant"),
    (
        r"\bkids?\b|\bminors?\b|\bunder\s*18\b|\bchild(ren)?\b",
        "recruitment of a child even if this does not involve any of the means",
    ),
    (
        r"\bprivacy\b|\bconfidential(ity)?\b|\bidentity\s+secret\b",
        "privacy and identity of victims confidential legal proceedings",
    ),
    (r"\bcompensat(e|ion|ed)\b|\bpaid\s+back\b|\bdamages\b", "compensation for damage suffered"),
    (r"\bhousing\b|\bshelters?\b|\bplace\s+to\s+live\b", "appropriate housing"),
    (
        r"\bdoctors?\b|\bmedical\b|\bhealth\s*care\b|\btherapy\b|\bcounsel+ing\b",
        "medical psychological and material assistance counselling",
    ),
    (r"\bjobs?\b|\bwork\b|\bschool(ing)?\b|\beducation\b", "employment educational and training opportunities"),
    (r"\bborders?\b|\bcustoms\b", "strengthen border controls to prevent and detect trafficking"),
    (r"\bairlines?\b|\bbus(es)?\b|\bcarriers?\b|\btransport\s+compan", "commercial carriers travel documents"),
    (r"\bpolice\b|\bofficers\b|\bofficials\b", "law enforcement immigration authorities"),
    (r"\btrain(ing|ed)?\b|\bteach\b", "training law enforcement officials"),
    (r"\bshare\b|\bsharing\b|\btell\s+each\s+other\b", "exchanging information cooperate"),
    # "non-punishment" is the opposite of criminalisation: not expanded to it.
    (
        r"(?<!non-)(?<!non\s)\bpunish(ed|ment)?\b|\bcrime\b|\billegal\b|\bjail\b|\bprison\b",
        "criminal offences criminalization",
    ),
    (r"\bpoverty\b|\bpoor\b|\bunemployment\b|\bvulnerab", "poverty underdevelopment lack of equal opportunity"),
    (r"\bdemand\b|\bbuyers?\b|\bclients?\b", "discourage the demand that fosters exploitation"),
    (r"\bcampaigns?\b|\bawareness\b|\bmedia\b", "information and mass media campaigns"),
    (r"\bngos?\b|\bcharit(y|ies)\b|\bcivil\s+society\b", "non-governmental organizations civil society"),
    (
        r"\bdisagree(ment)?s?\b|\bdisputes?\b|\bcourt\s+of\s+justice\b",
        "settlement of disputes interpretation arbitration",
    ),
    (r"\bsign(ed|ing)?\b|\bjoin(ing)?\b|\bratif", "signature ratification accession"),
    (r"\bstart(s|ed)?\s+(to\s+)?apply|\btake\s+effect\b|\bcome\s+into\s+effect\b", "entry into force"),
    (r"\bleave\b|\bwithdraw(al)?\b|\bquit\b", "denunciation"),
    (r"\bchange(s|d)?\b|\bamend", "amendment"),
    (r"\blanguages?\b|\boriginal\s+(text|copy)\b", "depositary authentic texts languages"),
    (
        r"\bwhat\s+(is|counts\s+as|does)\s+.*\btrafficking\b.*\bmean",
        "trafficking in persons shall mean definition use of terms",
    ),
    (r"\bdefin(e|ition|ed)\b|\bmeaning\b", "use of terms shall mean"),
    (r"\bsafe(ty)?\b|\bprotect(ed|ion)?\b", "physical safety protection"),
)

_COMPILED = tuple((re.compile(p, re.I), add) for p, add in GLOSSARY)


# "What does the Protocol say about X?": the frame names the source, not the topic; retrieval wants X.
_FRAME = re.compile(
    r"^\s*(?:what|does|do|is\s+there\s+anything)\s+(?:does\s+|do\s+)?(?:in\s+)?(?:the\s+)?"
    r"(?:trafficking\s+(?:in\s+persons\s+)?)?protocol\s+(?:say|says|require|provide|state|contain|do)\s+"
    r"(?:anything\s+|something\s+)?(?:about|on|regarding|concerning|for|with)\s+",
    re.I,
)


# "If we join the Palermo Protocol, are we legally bound to …": joining is the condition, the rest is the topic.
_CONDITION = re.compile(
    r"^\s*(?:if|once|when|after)\s+(?:we|a\s+state|a\s+country|states|countries|my\s+country|our\s+country)\s+"
    r"(?:join|joins|ratify|ratifies|accede\s+to|accedes\s+to|sign|signs|become\s+(?:a\s+)?part(?:y|ies)\s+to)\s+"
    r"(?:the\s+)?[\w\s-]*?(?:protocol|convention)\s*,\s*",
    re.I,
)
_OBLIGATION = re.compile(
    r"^\s*(?:are|is|would|will)\s+(?:we|they|states?|countries|it)\s+(?:be\s+)?(?:legally\s+)?"
    r"(?:bound|obliged|obligated|required|forced)\s+to\s+",
    re.I,
)


def topic_of(question: str) -> str:
    """The question without a "what does the Protocol say about" frame, an "if we join the Protocol," condition
    or an "are we legally bound to" opening: what is left is what the passages must be about."""
    stripped = _OBLIGATION.sub("", _CONDITION.sub("", question))
    stripped = _FRAME.sub("", stripped)
    return stripped if len(stripped.strip(" ?")) >= 3 else question


def glossary_knows(word: str) -> bool:
    """True when a plain-language word is one the glossary translates into treaty wording."""
    return any(pattern.search(word) for pattern, _ in _COMPILED)


def expand(question: str) -> str:
    """The question plus the treaty wording of the plain-language phrases it uses."""
    additions: list[str] = []
    for pattern, wording in _COMPILED:
        if pattern.search(question) and wording not in additions and wording not in question:
            additions.append(wording)
    return question if not additions else f"{question} ({'; '.join(additions)})"
