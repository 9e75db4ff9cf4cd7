"""Chinese reference forms: 第6条, 第六条, 第6条第3款(b)项, 第6条第3款第2项, 第14条至第20条, 第14至20条, 第6和第7条,
with the instrument named before the reference ("公约第18条", "《议定书》第5条", "《刑法》第240条": another law)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kb.refs.article_ref import ArticleRef, Instrument, label_range, span
from kb.refs.instruments import instrument_after

_ZH_NUM = r"(?:[0-9０-９]{1,3}(?![0-9０-９])|[零〇一二两三四五六七八九十百]{1,6})"
_ZH_SEP = r"\s*(?:以及|和|及|与|與|或|、|，|,|;|；)\s*"
_ZH_TO = r"\s*(?:至|到|-|–|—|~|～)\s*"
_ZH_HEAD = rf"{_ZH_NUM}(?:(?:{_ZH_SEP}|{_ZH_TO})第?\s*{_ZH_NUM})*"


def _zh_group(named: bool) -> str:
    def group(name: str) -> str:
        return f"?P<{name}>" if named else "?:"

    item = (
        rf"(?:第\s*({group('item')}{_ZH_NUM})\s*[项項]"
        rf"|[(（]\s*({group('letter')}[a-z]{{1,4}})\s*[)）](?:\s*[项項])?)"
    )
    return (
        rf"第\s*({group('head')}{_ZH_HEAD})\s*[条條]"
        rf"(?:\s*第\s*({group('para')}{_ZH_NUM}(?:\s*款?(?:{_ZH_SEP}|{_ZH_TO})第?\s*{_ZH_NUM})*)\s*款)?"
        rf"(?:\s*{item})?"
    )


_ZH_GROUP = re.compile(_zh_group(named=True), re.IGNORECASE)
_ZH_REFERENCE = re.compile(rf"{_zh_group(False)}(?:(?:{_ZH_SEP}|{_ZH_TO}){_zh_group(False)})*", re.IGNORECASE)
_ZH_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def _zh_int(text: str) -> int:
    """`14`, `十四`, `二十`, `一百零五`."""
    if text[0].isdecimal():
        return int(text)
    total = number = 0
    for ch in text:
        if ch in "十百":
            total += (number or 1) * (10 if ch == "十" else 100)
            number = 0
        else:
            number = _ZH_DIGITS[ch]
    return total + number


def _zh_sequence(text: str) -> list[str]:
    """ "6和第7", "14至20", "1款至第3" → the numbers, ranges expanded."""
    out: list[str] = []
    previous_end = None
    for m in re.finditer(_ZH_NUM, text):
        value = str(_zh_int(m.group()))
        gap = re.sub(r"[\s第款]", "", text[previous_end : m.start()]) if previous_end is not None else ""
        values = label_range(out[-1], value)[1:] if out and re.fullmatch(_ZH_TO, gap) else [value]
        out += [v for v in values if v not in out]
        previous_end = m.end()
    return out


def _zh_refs(text: str, instrument: Instrument) -> list[ArticleRef]:
    out: list[ArticleRef] = []
    previous: re.Match[str] | None = None
    for g in _ZH_GROUP.finditer(text):
        levels: list[tuple[str, ...]] = [(p,) for p in _zh_sequence(g.group("para") or "")] or [()]
        if g.group("letter"):
            levels = [lv + (g.group("letter").lower(),) for lv in levels]
        elif g.group("item") and 0 < _zh_int(g.group("item")) <= 26:
            levels = [lv + (chr(ord("a") + _zh_int(g.group("item")) - 1),) for lv in levels]
        refs = [ArticleRef(int(a), lv, instrument) for a in _zh_sequence(g.group("head")) for lv in levels]
        if previous is not None and out and refs and re.fullmatch(_ZH_TO, text[previous.end() : g.start()]):
            refs = span(out[-1], refs[0])[1:] + refs[1:]
        out += [r for r in refs if r not in out]
        previous = g
    return out


_ZH_NAMED_BEFORE = re.compile(
    r"(?:《(?P<title>[^《》]{0,60})》|(?P<name>[\u4e00-\u9fff]{0,16}?(?:公约|公約|议定书|議定書|法|条例|條例)))\s*的?\s*$"
)


def _zh_instrument_before(text: str, home: Instrument) -> Instrument | None | str:
    """Chinese names the instrument first: "公约第18条", "《议定书》第5条", "《刑法》第240条" (another law)."""
    m = _ZH_NAMED_BEFORE.search(text)
    if m is None:
        return None
    name = m.group("title") or m.group("name")
    if "欧洲" in name or "歐洲" in name:
        return Instrument.COE
    if re.search(
        r"偷运|偷運|移民|维也纳|維也納|儿童|兒童|难民|難民|酷刑|妇女|婦女|残疾|殘疾|人权|人權|劳工|勞工", name
    ):
        return "other"
    if name.endswith(("议定书", "議定書")):
        return Instrument.PROTOCOL
    if name.endswith(("公约", "公約")):
        return Instrument.COE if home is Instrument.COE else Instrument.UNTOC
    return "other"


def chinese_references(text: str, home: Instrument) -> Iterator[tuple[int, int, tuple[ArticleRef, ...] | None]]:
    """Chinese references (start, end, refs); refs None: another instrument's."""
    for m in _ZH_REFERENCE.finditer(text) if "第" in text else ():
        target = _zh_instrument_before(text[max(0, m.start() - 60) : m.start()], home)
        if target is None:
            target = instrument_after(text[m.end() : m.end() + 120], home)
        if target == "other":
            yield m.start(), m.end(), None
            continue
        refs = _zh_refs(m.group(), target if isinstance(target, Instrument) else home)
        if refs:
            yield m.start(), m.end(), tuple(refs)
