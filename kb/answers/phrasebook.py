"""The sentences around the quotes in each UN language (English too, where a handler is shared): the only part
of an answer that differs between languages (quotes stay verbatim English, the sources' language)."""

from __future__ import annotations

from kb.language import UNLanguage

L = UNLanguage
PHRASES: dict[str, dict[UNLanguage, str]] = {
    "not_covered": {
        L.ARABIC: "لا تغطي قاعدة المعارف هذا السؤال.",
        L.CHINESE: "知识库未涵盖这个问题。",
        L.FRENCH: "La base de connaissances ne couvre pas cette question.",
        L.RUSSIAN: "База знаний не охватывает этот вопрос.",
        L.SPANISH: "La base de conocimientos no cubre esta pregunta.",
    },
    "closest_not_answering": {
        L.ARABIC: "أقرب المقاطع، وهي لا تجيب عنه:",
        L.CHINESE: "最接近的段落（并未回答该问题）：",
        L.FRENCH: "Les passages les plus proches, qui n'y répondent pas :",
        L.RUSSIAN: "Ближайшие фрагменты, которые не отвечают на него:",
        L.SPANISH: "Los pasajes más cercanos, que no la responden:",
    },
    "projects": {
        L.ARABIC: "المشاريع التي تتناول «{category}»:",
        L.CHINESE: "涉及“{category}”的项目：",
        L.FRENCH: "Projets consacrés à « {category} » :",
        L.RUSSIAN: "Проекты в области «{category}»:",
        L.SPANISH: "Proyectos que abordan «{category}»:",
    },
    "no_projects": {
        L.ARABIC: "لا يتناول أي مشروع في قاعدة المعارف «{category}».",
        L.CHINESE: "知识库中没有项目涉及“{category}”。",
        L.FRENCH: "Aucun projet de la base de connaissances ne porte sur « {category} ».",
        L.RUSSIAN: "Ни один проект в базе знаний не касается «{category}».",
        L.SPANISH: "Ningún proyecto de la base de conocimientos aborda «{category}».",
    },
    "closest_projects": {
        L.ARABIC: "أقرب المشاريع إلى السؤال:",
        L.CHINESE: "与问题最相关的项目：",
        L.FRENCH: "Les projets les plus proches de la question :",
        L.RUSSIAN: "Проекты, ближайшие к вопросу:",
        L.SPANISH: "Los proyectos más cercanos a la pregunta:",
    },
    "among": {
        L.ARABIC: "(قُرئ السؤال عن مشاريع الإجابة السابقة: {names}.)",
        L.CHINESE: "（按上一个回答中的项目理解：{names}。）",
        L.FRENCH: "(Question lue comme portant sur les projets de la réponse précédente : {names}.)",
        L.RUSSIAN: "(Вопрос понят как относящийся к проектам из предыдущего ответа: {names}.)",
        L.SPANISH: "(Pregunta leída sobre los proyectos de la respuesta anterior: {names}.)",
    },
    # Taxonomy answers: a category's label and the concept note's notation ("2(b); 6; 7") stay as written.
    "category_covers": {
        L.ARABIC: "تشمل فئة «{label}» المواد: {written}",
        L.CHINESE: "“{label}”类别涵盖以下条款：{written}",
        L.FRENCH: "La catégorie « {label} » couvre les articles : {written}",
        L.RUSSIAN: "Категория «{label}» охватывает статьи: {written}",
        L.SPANISH: "La categoría «{label}» abarca los artículos: {written}",
    },
    "falls_under": {
        L.ENGLISH: "{article} ({title}) falls under: {labels}.",
        L.ARABIC: "{article} ({title}) تندرج ضمن: {labels}.",
        L.CHINESE: "{article}（{title}）属于：{labels}。",
        L.FRENCH: "{article} ({title}) relève de : {labels}.",
        L.RUSSIAN: "{article} ({title}) относится к: {labels}.",
        L.SPANISH: "{article} ({title}) corresponde a: {labels}.",
    },
    "no_project_addresses": {
        L.ENGLISH: "No project in the knowledge base addresses article {article}.",
        L.ARABIC: "لا يتناول أي مشروع في قاعدة المعارف المادة {article}.",
        L.CHINESE: "知识库中没有项目涉及第{article}条。",
        L.FRENCH: "Aucun projet de la base de connaissances ne porte sur l'article {article}.",
        L.RUSSIAN: "Ни один проект в базе знаний не касается статьи {article}.",
        L.SPANISH: "Ningún proyecto de la base de conocimientos aborda el artículo {article}.",
    },
    "categories": {
        L.ENGLISH: "The concept note groups technical assistance into {count} categories:",
        L.ARABIC: "تصنّف المذكرة المفاهيمية المساعدة التقنية في {count} فئات:",
        L.CHINESE: "概念说明将技术援助分为{count}类：",
        L.FRENCH: "La note conceptuelle classe l'assistance technique en {count} catégories :",
        L.RUSSIAN: "Концептуальная записка делит техническую помощь на {count} категорий:",
        L.SPANISH: "La nota conceptual agrupa la asistencia técnica en {count} categorías:",
    },
    "no_provision": {
        L.ARABIC: "لا يتضمن البروتوكول الحكم «{ref}».",
        L.CHINESE: "《议定书》没有“{ref}”这一条款。",
        L.FRENCH: "Le Protocole ne comporte pas de disposition « {ref} ».",
        L.RUSSIAN: "В Протоколе нет положения «{ref}».",
        L.SPANISH: "El Protocolo no contiene la disposición «{ref}».",
    },
    "search_first": {
        L.ARABIC: "يضع البحث أيضًا في المرتبة الأولى: {label}",
        L.CHINESE: "检索排在第一位的还有：{label}",
        L.FRENCH: "La recherche classe aussi en premier : {label}",
        L.RUSSIAN: "Поиск также ставит на первое место: {label}",
        L.SPANISH: "La búsqueda también sitúa en primer lugar: {label}",
    },
    "with_previous": {
        L.ARABIC: "(قُرئ السؤال مع السؤال السابق: «{previous}».)",
        L.CHINESE: "（结合上一个问题理解：“{previous}”。）",
        L.FRENCH: "(Question lue avec la précédente : « {previous} ».)",
        L.RUSSIAN: "(Вопрос понят вместе с предыдущим: «{previous}».)",
        L.SPANISH: "(Pregunta leída junto con la anterior: «{previous}».)",
    },
    "comparison_side": {
        L.ENGLISH: "{where}:",  # "Article 19 of the Council of Europe Convention (…):" names its instrument
        L.ARABIC: "{where}:",
        L.CHINESE: "{where}：",
        L.FRENCH: "{where} :",
        L.RUSSIAN: "{where}:",
        L.SPANISH: "{where}:",
    },
    "comparison_none": {
        L.ENGLISH: "{name} has no provision on {topic}; its closest passage, which does not address it:",
        L.ARABIC: "لا يتضمن {name} حكمًا في هذا الشأن؛ أقرب مقطع فيه، وهو لا يتناوله:",
        L.CHINESE: "{name}没有关于这一问题的条款；其最接近的段落（并未涉及该问题）：",
        L.FRENCH: "{name} ne comporte pas de disposition sur ce point ; son passage le plus proche, qui n'y répond "
        "pas :",
        L.RUSSIAN: "В документе «{name}» нет положения по этому вопросу; ближайший фрагмент, который его не касается:",
        L.SPANISH: "{name} no contiene ninguna disposición al respecto; su pasaje más cercano, que no la aborda:",
    },
    "mutatis_mutandis": {
        L.ENGLISH: "{label} applies the Convention's provisions to the Protocol, mutatis mutandis, unless it provides "
        "otherwise:",
        L.ARABIC: "{label} تطبّق أحكام الاتفاقية على البروتوكول، مع مراعاة ما يقتضيه اختلاف الحال، ما لم ينص "
        "على خلاف ذلك:",
        L.CHINESE: "{label}规定，除非本议定书另有规定，公约的规定经适当变通后适用于本议定书：",
        L.FRENCH: "{label} rend les dispositions de la Convention applicables au Protocole, mutatis mutandis, sauf "
        "disposition contraire :",
        L.RUSSIAN: "{label} распространяет положения Конвенции на Протокол mutatis mutandis, если в нём не "
        "предусмотрено иное:",
        L.SPANISH: "{label} aplica al Protocolo las disposiciones de la Convención, mutatis mutandis, salvo que en él "
        "se disponga otra cosa:",
    },
    "comparison_no_text": {
        L.ENGLISH: "{name}: the knowledge base holds none of its text.",
        L.ARABIC: "{name}: لا تتضمن قاعدة المعارف أيًا من نصه.",
        L.CHINESE: "{name}：知识库中没有其文本。",
        L.FRENCH: "{name} : la base de connaissances n'en contient aucun texte.",
        L.RUSSIAN: "{name}: в базе знаний нет его текста.",
        L.SPANISH: "{name}: la base de conocimientos no contiene su texto.",
    },
    # A provision quoted: "{label}" is "Article 6(3) of the Protocol", "{title}" the article's English title.
    "provision": {
        L.ENGLISH: "{label} ({title}) provides:",
        L.ARABIC: "{label} ({title}):",
        L.CHINESE: "{label} ({title})：",
        L.FRENCH: "{label} ({title}) :",
        L.RUSSIAN: "{label} ({title}):",
        L.SPANISH: "{label} ({title}):",
    },
    "qualifies": {
        L.ENGLISH: "Paragraph {paragraph} qualifies it:",
        L.ARABIC: "وتقيّده الفقرة {paragraph}:",
        L.CHINESE: "第{paragraph}款对此作了限定：",
        L.FRENCH: "Le paragraphe {paragraph} le précise :",
        L.RUSSIAN: "Пункт {paragraph} уточняет его:",
        L.SPANISH: "El párrafo {paragraph} lo matiza:",
    },
    "see_also": {
        L.ENGLISH: "See also {label} ({title}):",
        L.ARABIC: "انظر أيضًا {label} ({title}):",
        L.CHINESE: "另见{label} ({title})：",
        L.FRENCH: "Voir aussi {label} ({title}) :",
        L.RUSSIAN: "См. также {label} ({title}):",
        L.SPANISH: "Véase también {label} ({title}):",
    },
    # A passage quoted: "{label}" is its provision or its document's short title and section.
    "passage": {
        L.ENGLISH: "{label}:",
        L.ARABIC: "{label}:",
        L.CHINESE: "{label}：",
        L.FRENCH: "{label} :",
        L.RUSSIAN: "{label}:",
        L.SPANISH: "{label}:",
    },
    "see_also_passage": {
        L.ENGLISH: "See also: {label}",
        L.ARABIC: "انظر أيضًا: {label}",
        L.CHINESE: "另见：{label}",
        L.FRENCH: "Voir aussi : {label}",
        L.RUSSIAN: "См. также: {label}",
        L.SPANISH: "Véase también: {label}",
    },
    # Search's best match is another instrument's provision, clearly closer than any of the Protocol's.
    "elsewhere": {
        L.ENGLISH: "The Protocol has no provision that matches this as closely; the {name} has one:",
        L.ARABIC: "لا يتضمن البروتوكول حكمًا بهذه الدرجة من القرب من السؤال؛ ويتضمنه هذا الصك:",
        L.CHINESE: "《议定书》没有同样贴近该问题的条款；以下文书有：",
        L.FRENCH: "Le Protocole ne comporte pas de disposition aussi proche de la question ; cet instrument en "
        "comporte une :",
        L.RUSSIAN: "В Протоколе нет столь же близкого к вопросу положения; оно есть в этом документе:",
        L.SPANISH: "El Protocolo no contiene una disposición tan cercana a la pregunta; este instrumento sí:",
    },
}
# The instruments as a comparison names them, in each language.
INSTRUMENTS: dict[UNLanguage, dict[str, str]] = {
    L.ENGLISH: {
        "protocol": "The Trafficking in Persons Protocol",
        "untoc": "The Convention against Transnational Organized Crime",
        "coe": "The Council of Europe Convention",
        "us-law": "US law (22 U.S.C. chapter 78)",
    },
    L.ARABIC: {
        "protocol": "بروتوكول الاتجار بالأشخاص",
        "untoc": "اتفاقية مكافحة الجريمة المنظمة عبر الوطنية",
        "coe": "اتفاقية مجلس أوروبا",
        "us-law": "قانون الولايات المتحدة (22 U.S.C. الفصل 78)",
    },
    L.CHINESE: {
        "protocol": "《贩运人口议定书》",
        "untoc": "《联合国打击跨国有组织犯罪公约》",
        "coe": "《欧洲委员会打击贩运人口行动公约》",
        "us-law": "美国法律（22 U.S.C. 第78章）",
    },
    L.FRENCH: {
        "protocol": "Le Protocole relatif à la traite des personnes",
        "untoc": "La Convention contre la criminalité transnationale organisée",
        "coe": "La Convention du Conseil de l'Europe",
        "us-law": "Le droit des États-Unis (22 U.S.C. chapitre 78)",
    },
    L.RUSSIAN: {
        "protocol": "Протокол о торговле людьми",
        "untoc": "Конвенция против транснациональной организованной преступности",
        "coe": "Конвенция Совета Европы",
        "us-law": "Законодательство США (22 U.S.C., глава 78)",
    },
    L.SPANISH: {
        "protocol": "El Protocolo sobre la trata de personas",
        "untoc": "La Convención contra la Delincuencia Organizada Transnacional",
        "coe": "El Convenio del Consejo de Europa",
        "us-law": "La legislación de los Estados Unidos (22 U.S.C., capítulo 78)",
    },
}


def phrase(key: str, language: UNLanguage, **values: str) -> str:
    return PHRASES[key][language].format(**values)
