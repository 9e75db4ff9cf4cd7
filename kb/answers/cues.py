"""How Arabic, Chinese, French, Russian and Spanish questions ask what the English patterns of `question.py` read.

The answer shape (a date, a place, an organisation, a person, a duration, a number; a list; yes or no) and a
question about projects or a category of technical assistance, in each language's own wording, so one
`Question` drives the same handlers whatever the language. The English patterns stay in `question.py`; these
are their counterparts, written from each language's grammar of questions, not from particular questions.
"""

from __future__ import annotations

import re

from kb.answers.answer_types import FactKind

_I = re.I

# Ordered as in English: a duration before a date ("how many days" is not "how many"), a date before a place.
FACT_CUES: list[tuple[re.Pattern[str], FactKind]] = [
    (
        re.compile(
            r"combien\s+de\s+(?:temps|jours|semaines|mois|années|ans|heures)|pendant\s+combien|dans\s+quel\s+délai"
            r"|cuánto\s+tiempo|cuántos\s+(?:días|meses|años)|cuántas\s+(?:semanas|horas)|en\s+qué\s+plazo|durante\s+cuánto"
            r"|как\s+долго|сколько\s+(?:времени|дней|недель|месяцев|лет|часов)|в\s+течение\s+какого\s+(?:срока|времени)"
            r"|в\s+какой\s+срок"
            r"|多长时间|多久|多少天|几天|多少个月|几个月|多少年|几年|期限"
            r"|كم\s+(?:من\s+)?(?:الوقت|يوما|يومًا|أسبوعا|شهرا|سنة|عاما|ساعة)|ما\s+هي\s+المدة|خلال\s+أي\s+مدة|مدة",
            _I,
        ),
        FactKind.DURATION,
    ),
    (
        re.compile(
            r"^\s*(?:¿\s*)?(?:depuis\s+)?quand\b|quelle\s+(?:année|date)|en\s+quelle\s+année|à\s+quelle\s+date"
            r"|^\s*¿?\s*(?:desde\s+)?cuándo\b|en\s+qué\s+(?:año|fecha)|qué\s+(?:año|fecha)"
            r"|^\s*(?:с\s+каких\s+пор|когда)\b|\bкогда\b|в\s+каком\s+году|какого\s+числа|какая\s+дата"
            r"|什么时候|何时|哪一年|哪年|哪一天|何年|什么日期|哪个日期"
            r"|متى|في\s+أي\s+(?:عام|سنة|تاريخ)|ما\s+(?:هو\s+)?تاريخ",
            _I,
        ),
        FactKind.DATE,
    ),
    (
        re.compile(
            r"^\s*(?:¿\s*)?(?:où|dónde|en\s+dónde)\b|\bd'où\b|dans\s+quel(?:le)?s?\s+(?:villes?|pays|lieux?|régions?|états)"
            r"|en\s+qué\s+(?:ciudad|ciudades|país|países|lugar|lugares|región|regiones|estados)|qu[eé]\s+(?:pa[ií]ses|ciudades|regiones)"
            r"|quels\s+pays"
            r"|^\s*где\b|\bгде\b|в\s+как(?:ом|ой|их)\s+(?:город|стран|мест|регион)|каки[ех]\s+(?:\w+\s+)?стран"
            r"|在哪里|在哪儿|哪里|哪个城市|哪个国家|哪些.{0,4}国家|哪些.{0,4}城市|什么地方|何处"
            r"|أين|في\s+أي\s+(?:مدينة|بلد|دولة|مكان|منطقة)|ما\s+(?:هي\s+)?(?:ال)?(?:بلدان|دول)\b|أي\s+(?:ال)?(?:بلدان|دول)\b",
            _I,
        ),
        FactKind.PLACE,
    ),
    (
        re.compile(
            r"\bcombien\b|quel(?:le)?\s+(?:montant|nombre|pourcentage|somme)"
            r"|cuánt[oa]s?\b|qué\s+(?:cantidad|número|porcentaje|monto|importe)"
            r"|сколько|какова\s+(?:сумма|доля)|какой\s+(?:процент|объ[её]м)"
            r"|多少|几个|几名|几家|百分之几|数额|金额"
            r"|كم\b|ما\s+(?:هو\s+)?(?:عدد|مقدار|مبلغ|نسبة)",
            _I,
        ),
        FactKind.NUMBER,
    ),
    (
        re.compile(
            r"quel(?:le)?s?\s+(?:\w+\s+)?(?:organisation|organisme|organe|bureau|agence|institution|entité|comité"
            r"|ministère|autorité|partenaire)s?\b|^\s*qui\b"
            r"|qu[eé]\s+(?:\w+\s+)?(?:organización|organismo|órgano|oficina|agencia|institución|entidad|comité"
            r"|ministerio|autoridad|socio)s?\b|cuál(?:es)?\s+(?:es\s+)?(?:la\s+|el\s+)?(?:organización|organismo|órgano"
            r"|oficina|agencia)|^\s*¿?\s*quién(?:es)?\b"
            r"|как(?:ой|ая|ое|ие)\s+(?:\w+\s+)?(?:организаци|орган|офис|бюро|агентств|учреждени|комитет|министерств"
            r"|ведомств|партн[её]р)|^\s*кто\b"
            r"|哪个(?:组织|机构|办事处|办公室|部门|委员会|机关)|哪些(?:组织|机构|伙伴)|什么(?:组织|机构)|谁"
            r"|أي\s+(?:منظمة|هيئة|جهة|مكتب|وكالة|مؤسسة|لجنة|وزارة|سلطة)|ما\s+(?:هي\s+)?(?:المنظمة|الهيئة|الجهة)"
            r"|^\s*من\s+(?:هو|هي|هم|الذي|التي|يدير|ينتخب|يقرر|يحدد)",
            _I,
        ),
        FactKind.ORGANISATION,
    ),
]

# "Who presented …", "who is the director …": a person, where English reads a person.
PERSON_CUES = re.compile(
    r"^\s*qui\s+(?:a\s+(?:présenté|dit|annoncé|présidé|signé|prononcé|ouvert)|est\s+(?:le\s+|la\s+|l['’])(?:\w+\s+)?(?:président|"
    r"directeur|directrice|secrétaire|chef))"
    r"|^\s*¿?\s*quién\s+(?:presentó|dijo|anunció|presidió|firmó|pronunció|abrió|es\s+(?:el|la)\s+(?:\w+\s+)?(?:presidente|"
    r"director|directora|secretari[oa]|jef[ea]))"
    r"|^\s*кто\s+(?:представил|сказал|объявил|председательствовал|подписал|выступил|открыл|является\s+(?:президентом|"
    r"директором|руководителем))"
    r"|谁(?:介绍|发言|宣布|主持|签署|致辞|是.*(?:主席|主任|总统|部长|负责人))|(?:主席|主任|总统|部长|负责人|经理)是谁"
    r"|^\s*من\s+(?:قدم|قال|أعلن|ترأس|وقع|ألقى|افتتح|هو\s+(?:رئيس|مدير))",
    _I,
)

LIST_CUES = re.compile(
    r"^\s*(?:énumére[rz]|citez|indiquez|listez)\b|quel(?:le)?s\s+sont\s+(?:les\s+)?(?:\w+\s+){0,3}?(?:objectifs|buts|"
    r"thèmes|résultats|éléments|mesures|étapes|priorités|piliers|domaines|composantes|activités|conditions|"
    r"obligations|formes|types|motifs|critères|droits|fonctions|tâches)\b|que\s+(?:comprend|comprennent|prévoit|"
    r"prévoient|énumère|vise)|quel(?:le)?s\s+(?:mesures|activités|types|formes)\b"
    r"|^\s*¿?\s*(?:enumere|enumera|cite|indique)\b|cuáles\s+son\s+(?:los\s+|las\s+)?(?:\w+\s+){0,3}?(?:objetivos|"
    r"metas|temas|resultados|elementos|medidas|pasos|prioridades|pilares|áreas|componentes|actividades|condiciones|"
    r"obligaciones|formas|tipos|motivos|criterios|derechos|funciones|tareas)\b|qué\s+(?:incluye|incluyen|comprende|"
    r"comprenden|prevé|enumera)|qué\s+(?:medidas|actividades|tipos|formas)\b"
    r"|(?:^|[.?]\s*)(?:перечислите|назовите)\b|(?:каки(?:е|х)|каковы)\s+(?:\w+\s+){0,2}?(?:цели|задачи|темы|результаты|элементы|меры|шаги|"
    r"приоритеты|направления|компоненты|мероприятия|условия|обязательства|формы|виды|основания|критерии|права|"
    r"функции)\b|что\s+(?:включает|включают|предусматривает|предусматривают|перечисляет)"
    r"|列出|列举|有哪些(?:目标|主题|成果|要素|措施|步骤|优先|领域|组成部分|活动|条件|义务|形式|类型|理由|标准|权利|职能)"
    r"|哪些(?:目标|主题|成果|要素|措施|步骤|活动|条件|义务|形式|类型|理由|标准|权利|职能)|包括哪些|包括什么"
    r"|^\s*(?:اذكر|عدد|سرد)\b|ما\s+(?:هي\s+)?(?:الأهداف|المواضيع|النتائج|العناصر|التدابير|الخطوات|الأولويات|"
    r"المجالات|المكونات|الأنشطة|الشروط|الالتزامات|الأشكال|الأنواع|الأسباب|المعايير|الحقوق|المهام)|ماذا\s+(?:يشمل|تشمل)",
    _I,
)

YES_NO_CUES = re.compile(
    r"^\s*(?:est-ce\s+que|est-ce\s+qu')|\b\w+-(?:t-)?(?:il|elle|ils|elles|on)\b"
    r"|^\s*¿\s*(?:es|son|está|están|puede|pueden|debe|deben|hay|existe|existen|tiene|tienen|permite|prevé|obliga|"
    r"exige|cubre|incluye)\b"
    r"|\bли\b"
    r"|吗[？?]?\s*$|是否|能否|可否|有没有|是不是"
    r"|^\s*(?:هل|أ(?:يجوز|يمكن))",
    _I,
)

# A question about projects: the word "project" in each language.
PROJECT_WORDS = ("proyecto", "projet", "проект", "مشروع", "مشاريع", "المشروع", "项目")

# The categories of technical assistance as delegates name them in each language.
CATEGORY_PHRASES: dict[str, tuple[str, ...]] = {
    "victim_protection": (
        "protección de las víctimas",
        "protección de víctimas",
        "asistencia a las víctimas",
        "protection des victimes",
        "assistance aux victimes",
        "защит",
        "помощь жертвам",
        "حماية الضحايا",
        "مساعدة الضحايا",
        "保护被害人",
        "被害人保护",
        "保护受害人",
        "受害人保护",
        "援助被害人",
    ),
    "prevention": (
        "prevención",
        "sensibilización",
        "prévention",
        "sensibilisation",
        "предупрежд",
        "профилактик",
        "الوقاية",
        "منع",
        "التوعية",
        "预防",
        "提高认识",
    ),
    "criminal_justice": (
        "justicia penal",
        "enjuiciamiento",
        "justice pénale",
        "poursuites",
        "уголовное правосудие",
        "уголовного правосудия",
        "преследовани",
        "العدالة الجنائية",
        "الملاحقة",
        "刑事司法",
        "起诉",
    ),
    "international_cooperation": (
        "cooperación internacional",
        "coopération internationale",
        "международное сотрудничество",
        "международного сотрудничества",
        "التعاون الدولي",
        "国际合作",
    ),
    "policy_development": (
        "desarrollo de políticas",
        "formulación de políticas",
        "élaboration des politiques",
        "élaboration de politiques",
        "разработка политики",
        "разработки политики",
        "وضع السياسات",
        "السياسات",
        "政策制定",
    ),
    "pre_ratification": (
        "ratificación",
        "ratification",
        "ратификац",
        "التصديق",
        "批准",
    ),
}


def _names(patterns: dict[str, str]) -> dict[str, re.Pattern[str]]:
    """English names, each with the pattern that finds it as the five other languages write it."""
    return {name: re.compile(pattern, _I) for name, pattern in patterns.items()}


def _named_in(table: dict[str, re.Pattern[str]], text: str) -> list[str]:
    return [name for name, pattern in table.items() if pattern.search(plain(text))]


# Places the projects and documents name, as the other languages write them, with the English name the corpus
# uses: "le projet en Amérique centrale" names the Central America Project.
PLACE_NAMES = _names(
    {
        "Central America": r"amérique\s+centrale|centroamérica|américa\s+central|центральн\w*\s+америк|中美洲"
        r"|أمريكا\s+الوسطى",
        "India": r"\binde\b|\bindia\b|\bинди\w*|印度|الهند",
        "Eastern Africa": r"afrique\s+(?:de\s+l['’]\s*est|orientale)|áfrica\s+(?:oriental|del\s+este)"
        r"|восточн\w*\s+африк|东非|شرق\s+[أإ]فريقيا",
        "South Asia": r"asie\s+du\s+sud|asia\s+(?:meridional|del\s+sur)|южн\w*\s+ази|南亚|جنوب\s+آسيا",
    }
)


# The kinds of document a question may name, as the other languages name them.
DOCUMENT_NAMES = _names(
    {
        "concept note": r"note\s+conceptuelle|note\s+de\s+synthèse|nota\s+conceptual|nota\s+de\s+concepto"
        r"|концептуальн\w*\s+записк\w*|概念说明|概念文件|(?:ال)?مذكرة\s+(?:ال)?مفاهيمية",
        "side event": r"manifestation\s+parallèle|événement\s+parallèle|evento\s+paralelo|acto\s+paralelo"
        r"|параллельн\w*\s+мероприяти\w*|会外活动|الحدث\s+الجانبي|حدث\s+جانبي",
        "fact sheet": r"fiche\s+d['’]\s*information|hoja\s+informativa|ficha\s+informativa|информационн\w*\s+"
        r"(?:бюллетен|справк)\w*|情况说明书|概况介绍|صحيفة\s+(?:الوقائع|معلومات)",
        "National Action Plan": r"plan\s+d['’]\s*action\s+national|plan\s+(?:de\s+acción\s+)?nacional\s+de\s+acción"
        r"|plan\s+de\s+acción\s+nacional|национальн\w*\s+план\w*\s+действий|国家行动计划|خطة\s+العمل\s+الوطنية",
        "US Code": r"code\s+des\s+états-unis|código\s+de\s+los\s+estados\s+unidos|кодекс\w*\s+сша|美国法典"
        r"|مدونة\s+(?:قوانين\s+)?الولايات\s+المتحدة",
    }
)
# The country and the bodies the other sources are about, as the other languages name them: an English question
# naming them is not read in the Protocol first ("… in the United States?"), nor is its translation.
SOURCE_NAMES = _names(
    {
        "United States": r"états-unis|estados\s+unidos|\bсша\b|соединённ\w*\s+штат\w*|соединенн\w*\s+штат\w*|美国"
        r"|الولايات\s+المتحدة",
        "White House": r"maison\s+blanche|casa\s+blanca|бел\w*\s+дом\w*|白宫|البيت\s+الأبيض",
        "UNODC": r"\bunodc\b|\bonudc\b|\bунп\s+оон\b|毒品和犯罪问题办公室|مكتب\s+الأمم\s+المتحدة\s+المعني\s+بالمخدرات",
    }
)
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # short vowels, shadda, sukun, tatweel


def plain(text: str) -> str:
    """Arabic without its optional vowel marks (the cues are written without them)."""
    return _ARABIC_MARKS.sub("", text)


def english_place_names(text: str) -> list[str]:
    return _named_in(PLACE_NAMES, text)


def english_document_names(text: str) -> list[str]:
    return _named_in(DOCUMENT_NAMES, text)


def english_source_names(text: str) -> list[str]:
    return _named_in(SOURCE_NAMES, text)


# "How many …" and "which countries …" in all six languages: a figure or the countries themselves must be stated.
HOW_MANY = re.compile(r"\bhow\s+many\b|\bcombien\b|cuánt[oa]s\b|сколько|多少|几(?:个|名|家|国)|\bكم\b", _I)
COUNTRIES = re.compile(
    r"\bcountr(?:y|ies)\b|\bpays\b|\bpa[ií]ses\b|\bpa[ií]s\b|\bстран\w*|国家|(?:ال)?بلدان|(?:ال)?دول\b|البلاد", _I
)


def asks_how_many(text: str) -> bool:
    return HOW_MANY.search(plain(text)) is not None


# "How many" with the noun it counts, when that is countries or people.
HOW_MANY_COUNTRIES = re.compile(
    r"\bcombien\s+de\s+pays\b|cuánt[oa]s\s+pa[ií]ses|сколько\s+(?:\w+\s+)?стран|多少(?:个)?国家|几个国家"
    r"|كم\s+(?:عدد\s+)?(?:البلدان|الدول|دولة|بلدا)",
    _I,
)
HOW_MANY_PEOPLE = re.compile(
    r"\bcombien\s+de\s+(?:personnes|gens)\b|cuánt[oa]s\s+(?:personas|gente)|сколько\s+(?:человек|людей)"
    r"|多少人(?!口)|كم\s+(?:عدد\s+)?(?:الأشخاص|شخصا|الناس)",
    _I,
)


def counted_noun(text: str) -> str | None:
    """What a "how many" question in another language counts, in English, when it is countries or people."""
    if HOW_MANY_COUNTRIES.search(plain(text)):
        return "countries"
    return "persons" if HOW_MANY_PEOPLE.search(plain(text)) else None


def asks_countries(text: str) -> bool:
    return COUNTRIES.search(plain(text)) is not None


# Keyword queries name the fact they want by a head noun ("peine minimale", "entrada en vigor", "截止日期"), as English
# ones do ("… minimum penalty"); read only in a query without a question mark, where a question word would be.
KEYWORD_FACT_CUES: list[tuple[re.Pattern[str], FactKind]] = [
    (
        re.compile(
            r"date\s+limite|\bdate\b|entrée\s+en\s+vigueur|\bplazo\b|\bfecha\b|entrada\s+en\s+vigor"
            r"|срок\s+подачи|\bдата\b|вступлени\w*\s+в\s+силу|الموعد\s+النهائي|تاريخ|بدء\s+النفاذ|截止日期|日期|生效",
            _I,
        ),
        FactKind.DATE,
    ),
    (
        re.compile(
            r"\bpeine\b|\bdurée\b|\bdélai\b|\bmandat\b|\bpena\b|duración|\bmandato\b|наказани|\bсрок\b"
            r"|продолжительност|عقوبة|العقوبة|\bمدة\b|المدة|刑罚|刑期|期限|任期",
            _I,
        ),
        FactKind.DURATION,
    ),
    (
        re.compile(
            r"\bmontant\b|\bprofits?\b|bénéfices?|\bsomme\b|\bmonto\b|ganancias?|beneficios?|\bcantidad\b"
            r"|\bсумм\w*|прибыл\w*|مبلغ|أرباح|الأرباح|金额|利润|数额",
            _I,
        ),
        FactKind.NUMBER,
    ),
]
# The same head nouns in the sources' English: the word-by-word gloss of the question (kb/cross_lingual_gloss.py)
# misses some of them ("任期" is nearest to "term" but not near enough), and they are what the asked fact's
# sentence says ("a term of office of 4 years").
ENGLISH_FACT_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"date\s+limite|\bplazo\b|срок\s+подачи|الموعد\s+النهائي|截止日期", _I), "deadline"),
    (re.compile(r"\bdate\b|\bfecha\b|\bдата\b|تاريخ|日期", _I), "date"),
    (
        re.compile(r"entrée\s+en\s+vigueur|entrada\s+en\s+vigor|вступлени\w*\s+в\s+силу|بدء\s+النفاذ|生效", _I),
        "entry into force",
    ),
    (re.compile(r"\bpeine\b|\bpena\b|наказани|عقوبة|العقوبة|刑罚|刑期", _I), "penalty"),
    (re.compile(r"\bdurée\b|duración|продолжительност|\bمدة\b|المدة", _I), "duration"),
    (re.compile(r"\bdélai\b|期限", _I), "period"),
    (re.compile(r"\bmandat\b|\bmandato\b|срок\w*\s+полномочий|مدة\s+الولاية|任期", _I), "term of office"),
    (re.compile(r"\bmontant\b|\bsomme\b|\bmonto\b|\bcantidad\b|\bсумм\w*|مبلغ|金额|数额", _I), "amount"),
    (re.compile(r"\bprofits?\b|bénéfices?|ganancias?|beneficios?|прибыл\w*|أرباح|الأرباح|利润", _I), "profits"),
]
MAX_KEYWORD_QUERY_WORDS = 8
MAX_KEYWORD_QUERY_CHARS = 24  # Chinese, written without spaces


def fact_kind_in(text: str) -> FactKind | None:
    text = plain(text)
    if PERSON_CUES.search(text):
        return FactKind.PERSON
    kind = next((kind for pattern, kind in FACT_CUES if pattern.search(text)), None)
    if kind is None and _keyword_query(text):
        kind = next((kind for pattern, kind in KEYWORD_FACT_CUES if pattern.search(text)), None)
    return kind


def english_fact_words(text: str) -> str:
    """The English of the fact a question in another language names ("任期" → "term of office")."""
    return " ".join(english for pattern, english in ENGLISH_FACT_WORDS if pattern.search(text))


def _keyword_query(text: str) -> bool:
    if re.search(r"[?？؟]", text):
        return False
    if re.search(r"[\u4e00-\u9fff]", text):
        return len(text) <= MAX_KEYWORD_QUERY_CHARS
    return len(text.split()) <= MAX_KEYWORD_QUERY_WORDS


# The English reader's other list questions, as the five languages ask them: what a plan commits to, what kinds
# of a thing, which initiatives, topics or priorities.
MORE_LIST_CUES = re.compile(
    r"\bs['’]\s*engage(?:nt)?\b|quel(?:le)?s\s+(?:sortes|genres|types|catégories)\s+d|quel(?:le)?s\s+(?:\w+\s+)?"
    r"(?:sujets|thèmes|initiatives|priorités|engagements|présentations|interventions)\b"
    r"|\bse\s+compromete\b|\bqué\s+(?:tipos|clases)\s+de\b|\bqué\s+(?:\w+\s+)?(?:temas|iniciativas|prioridades"
    r"|compromisos|presentaciones|intervenciones)\b"
    r"|\bобязу\w+|каки(?:е|х)\s+(?:\w+\s+)?(?:виды|типы|темы|инициатив\w*|приоритет\w*|обязательств\w*|доклад\w*)"
    r"|哪些(?:承诺|倡议|议题|优先事项|种类|类|方面)|哪几类|作出了哪些|什么类型"
    r"|ما\s+(?:أنواع|الموضوعات|المبادرات)|بماذا\s+(?:تلتزم|يلتزم)",
    _I,
)
# Keyword queries ending in the plural of what a list holds ("… critères de sélection", "… 优先行动"), as English ones
# do ("… priority actions"); read only in a query without a question mark.
KEYWORD_LIST_CUES = re.compile(
    r"(?:objectifs|critères(?:\s+de\s+\w+)?|mesures|actions(?:\s+prioritaires)?|priorités|activités|interventions"
    r"|engagements|recommandations|criterios(?:\s+de\s+\w+)?|medidas|acciones(?:\s+prioritarias)?|prioridades"
    r"|actividades|intervenciones|compromisos|recomendaciones|критерии(?:\s+\w+)?|меры|действия|мероприятия"
    r"|обязательства|рекомендации|标准|措施|行动|活动|承诺|建议|目标"
    r"|(?:ال)?(?:معايير|تدابير|إجراءات|أنشطة|التزامات|توصيات)(?:\s+\S+){0,2})\s*$",
    _I,
)


def asks_list(text: str) -> bool:
    plain_text = plain(text)
    if LIST_CUES.search(plain_text) or MORE_LIST_CUES.search(plain_text):
        return True
    return _keyword_query(text) and KEYWORD_LIST_CUES.search(plain_text.strip()) is not None


def asks_yes_no(text: str) -> bool:
    return YES_NO_CUES.search(plain(text)) is not None


def asks_about_projects(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in PROJECT_WORDS)


# "Category" of technical assistance, as the other languages say it: a taxonomy question, as "category" is in English.
CATEGORY_WORDS = re.compile(r"catégorie|categor[ií]a|категори|类别|(?:ال)?فئ(?:ة|ات)", _I)


def asks_about_categories(text: str) -> bool:
    return CATEGORY_WORDS.search(plain(text)) is not None


def categories_named(text: str) -> list[str]:
    lowered = text.lower()
    return [cid for cid, phrases in CATEGORY_PHRASES.items() if any(p in lowered for p in phrases)]
