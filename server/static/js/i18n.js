// Interface labels of the answer area in the six UN languages. The server says which language a question was
// asked in (`language` in the /api/ask response and in the stream's `citations` event); the answer's labels,
// its source panel and its status messages follow it. The quoted passages stay in English, the sources'
// language, and are marked `lang="en" dir="ltr"` wherever they are shown.

export const LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es"];
export const DEFAULT_LANGUAGE = "en";
const RTL = new Set(["ar"]);

/**
 * Labels by language. A value is a string with `{name}` placeholders, or an object of CLDR plural forms
 * (`one`, `two`, `few`, `many`, `other`) chosen with `{n}`. A key missing in a language falls back to English.
 */
const MESSAGES = {
  en: {
    answer: "Answer",
    notInKb: "Not in the knowledge base",
    error: "Error",
    youAsked: "You asked",
    sources: "Sources",
    closestPassages: "Closest passages (they do not answer the question)",
    source: "Source",
    sourceTitle: "Source {n}: {title}",
    sourcePanelTitle: "Source [{n}]",
    page: "p. {n}",
    "intent.project_finder": "Projects",
    "intent.protocol_question": "Protocol",
    "intent.taxonomy": "Categories of assistance",
    "intent.coverage": "Coverage",
    "intent.passage_search": "Passages",
    projects: { one: "{n} project", other: "{n} projects" },
    sourceCount: { one: "{n} source", other: "{n} sources" },
    answeredIn: "Answered in {ms} ms",
    office: "Office",
    categories: "Categories",
    articles: "Articles",
    countries: "Countries",
    readRef: "Read {ref}",
    readArticle: "Read the article",
    searching: "Searching the knowledge base…",
    writing: "Writing the answer…",
    drafting: "Draft by the language model, being checked against the sources…",
    generated: "Written by a language model from the sources; each sentence checked against its citation",
    tryAgain: "Try again",
    rephraseBefore: "Try rephrasing the question, or ",
    rephraseLink: "search the passages",
    rephraseAfter: " yourself.",
    quotesInEnglish: "Quotations are in English, the language of the sources.",
    answerReady: "Answer ready.",
    abstainedAnnounce: "The knowledge base does not answer this question.",
    failedAnnounce: "The question could not be answered.",
    // the source panel
    close: "Close",
    closePanel: "Close panel",
    quotedPassage: "Quoted passage",
    noQuote: "(no quote)",
    document: "Document",
    section: "Section",
    pageLabel: "Page",
    noArticle: "This passage cites no Protocol article.",
    citedArticle: "Cited article",
    citedArticles: "Cited articles",
    loadingArticle: "Loading the article text…",
    part: "Part {part}",
    articleFailed: "The text of {ref} could not be loaded. {message}",
    // article references
    refArticle: "Article {ref}",
    refArticleShort: "Art. {ref}",
    refInstrument: "{instrument} article {ref}",
    refInstrumentShort: "{instrument} art. {ref}",
    "instrument.untoc": "Convention",
    "instrument.coe": "Council of Europe Convention",
    // errors
    "err.cancelled": "Cancelled.",
    "err.network": "Could not reach the server. Check your connection and try again.",
    "err.invalid.question": "The question could not be processed{detail}. Please rephrase it and try again.",
    "err.invalid.other": "The request could not be processed{detail}. Please try again.",
    "err.notFound": "Not found{detail}.",
    "err.tooLong.question": "The question is too long. Please shorten it (at most 1000 characters).",
    "err.tooLong.other": "The request is too long.",
    "err.rateLimit": "Too many requests in a short time. Please wait a minute and try again.",
    "err.unavailable":
      "The knowledge base is not available right now (it may be starting or being rebuilt). " +
      "Please try again in a moment.",
    "err.server":
      "Something went wrong on the server. Please try again; if it keeps happening, tell the site administrators.",
    "err.failed": "The request failed (HTTP {status}){detail}.",
  },

  fr: {
    answer: "Réponse",
    notInKb: "Absent de la base de connaissances",
    error: "Erreur",
    youAsked: "Votre question",
    sources: "Sources",
    closestPassages: "Passages les plus proches (ils ne répondent pas à la question)",
    source: "Source",
    sourceTitle: "Source {n} : {title}",
    sourcePanelTitle: "Source [{n}]",
    page: "p. {n}",
    "intent.project_finder": "Projets",
    "intent.protocol_question": "Protocole",
    "intent.taxonomy": "Catégories d’assistance",
    "intent.coverage": "Couverture",
    "intent.passage_search": "Passages",
    projects: { one: "{n} projet", other: "{n} projets" },
    sourceCount: { one: "{n} source", other: "{n} sources" },
    answeredIn: "Réponse en {ms} ms",
    office: "Bureau",
    categories: "Catégories",
    articles: "Articles",
    countries: "Pays",
    readRef: "Lire le texte ({ref})",
    readArticle: "Lire l’article",
    searching: "Recherche dans la base de connaissances…",
    writing: "Rédaction de la réponse…",
    tryAgain: "Réessayer",
    rephraseBefore: "Essayez de reformuler la question, ou ",
    rephraseLink: "recherchez vous-même dans les passages",
    rephraseAfter: ".",
    quotesInEnglish: "Les citations sont en anglais, la langue des sources.",
    answerReady: "La réponse est prête.",
    abstainedAnnounce: "La base de connaissances ne répond pas à cette question.",
    failedAnnounce: "La question n’a pas pu recevoir de réponse.",
    close: "Fermer",
    closePanel: "Fermer le panneau",
    quotedPassage: "Passage cité",
    noQuote: "(aucune citation)",
    document: "Document",
    section: "Section",
    pageLabel: "Page",
    noArticle: "Ce passage ne cite aucun article du Protocole.",
    citedArticle: "Article cité",
    citedArticles: "Articles cités",
    loadingArticle: "Chargement du texte de l’article…",
    part: "Partie {part}",
    articleFailed: "Le texte ({ref}) n’a pas pu être chargé. {message}",
    refArticle: "Article {ref}",
    refArticleShort: "Art. {ref}",
    refInstrument: "{instrument}, article {ref}",
    refInstrumentShort: "{instrument}, art. {ref}",
    "instrument.untoc": "Convention",
    "instrument.coe": "Convention du Conseil de l’Europe",
    "err.cancelled": "Annulé.",
    "err.network": "Impossible de joindre le serveur. Vérifiez votre connexion et réessayez.",
    "err.invalid.question": "La question n’a pas pu être traitée{detail}. Veuillez la reformuler et réessayer.",
    "err.invalid.other": "La demande n’a pas pu être traitée{detail}. Veuillez réessayer.",
    "err.notFound": "Introuvable{detail}.",
    "err.tooLong.question": "La question est trop longue. Veuillez la raccourcir (1 000 caractères au plus).",
    "err.tooLong.other": "La demande est trop longue.",
    "err.rateLimit": "Trop de demandes en peu de temps. Veuillez patienter une minute et réessayer.",
    "err.unavailable":
      "La base de connaissances n’est pas disponible pour le moment (elle est peut-être en cours de démarrage " +
      "ou de reconstruction). Veuillez réessayer dans un instant.",
    "err.server":
      "Une erreur s’est produite sur le serveur. Veuillez réessayer ; si le problème persiste, " +
      "contactez les administrateurs du site.",
    "err.failed": "La demande a échoué (HTTP {status}){detail}.",
  },

  es: {
    answer: "Respuesta",
    notInKb: "No figura en la base de conocimientos",
    error: "Error",
    youAsked: "Su pregunta",
    sources: "Fuentes",
    closestPassages: "Pasajes más cercanos (no responden a la pregunta)",
    source: "Fuente",
    sourceTitle: "Fuente {n}: {title}",
    sourcePanelTitle: "Fuente [{n}]",
    page: "pág. {n}",
    "intent.project_finder": "Proyectos",
    "intent.protocol_question": "Protocolo",
    "intent.taxonomy": "Categorías de asistencia",
    "intent.coverage": "Cobertura",
    "intent.passage_search": "Pasajes",
    projects: { one: "{n} proyecto", other: "{n} proyectos" },
    sourceCount: { one: "{n} fuente", other: "{n} fuentes" },
    answeredIn: "Respuesta en {ms} ms",
    office: "Oficina",
    categories: "Categorías",
    articles: "Artículos",
    countries: "Países",
    readRef: "Leer el texto ({ref})",
    readArticle: "Leer el artículo",
    searching: "Buscando en la base de conocimientos…",
    writing: "Redactando la respuesta…",
    tryAgain: "Volver a intentar",
    rephraseBefore: "Intente reformular la pregunta o ",
    rephraseLink: "busque usted mismo en los pasajes",
    rephraseAfter: ".",
    quotesInEnglish: "Las citas están en inglés, el idioma de las fuentes.",
    answerReady: "La respuesta está lista.",
    abstainedAnnounce: "La base de conocimientos no responde a esta pregunta.",
    failedAnnounce: "No se pudo responder a la pregunta.",
    close: "Cerrar",
    closePanel: "Cerrar el panel",
    quotedPassage: "Pasaje citado",
    noQuote: "(sin cita)",
    document: "Documento",
    section: "Sección",
    pageLabel: "Página",
    noArticle: "Este pasaje no cita ningún artículo del Protocolo.",
    citedArticle: "Artículo citado",
    citedArticles: "Artículos citados",
    loadingArticle: "Cargando el texto del artículo…",
    part: "Parte {part}",
    articleFailed: "No se pudo cargar el texto ({ref}). {message}",
    refArticle: "Artículo {ref}",
    refArticleShort: "Art. {ref}",
    refInstrument: "{instrument}, artículo {ref}",
    refInstrumentShort: "{instrument}, art. {ref}",
    "instrument.untoc": "Convención",
    "instrument.coe": "Convenio del Consejo de Europa",
    "err.cancelled": "Cancelado.",
    "err.network": "No se pudo conectar con el servidor. Compruebe su conexión y vuelva a intentarlo.",
    "err.invalid.question": "No se pudo procesar la pregunta{detail}. Reformúlela y vuelva a intentarlo.",
    "err.invalid.other": "No se pudo procesar la solicitud{detail}. Vuelva a intentarlo.",
    "err.notFound": "No encontrado{detail}.",
    "err.tooLong.question": "La pregunta es demasiado larga. Acórtela (1000 caracteres como máximo).",
    "err.tooLong.other": "La solicitud es demasiado larga.",
    "err.rateLimit": "Demasiadas solicitudes en poco tiempo. Espere un minuto y vuelva a intentarlo.",
    "err.unavailable":
      "La base de conocimientos no está disponible en este momento (puede estar iniciándose o " +
      "reconstruyéndose). Vuelva a intentarlo dentro de un momento.",
    "err.server":
      "Se produjo un error en el servidor. Vuelva a intentarlo; si el problema persiste, " +
      "avise a los administradores del sitio.",
    "err.failed": "La solicitud falló (HTTP {status}){detail}.",
  },

  ru: {
    answer: "Ответ",
    notInKb: "Нет в базе знаний",
    error: "Ошибка",
    youAsked: "Ваш вопрос",
    sources: "Источники",
    closestPassages: "Ближайшие фрагменты (они не отвечают на вопрос)",
    source: "Источник",
    sourceTitle: "Источник {n}: {title}",
    sourcePanelTitle: "Источник [{n}]",
    page: "с. {n}",
    "intent.project_finder": "Проекты",
    "intent.protocol_question": "Протокол",
    "intent.taxonomy": "Категории помощи",
    "intent.coverage": "Охват",
    "intent.passage_search": "Фрагменты",
    projects: { one: "{n} проект", few: "{n} проекта", many: "{n} проектов", other: "{n} проекта" },
    sourceCount: { one: "{n} источник", few: "{n} источника", many: "{n} источников", other: "{n} источника" },
    answeredIn: "Ответ за {ms} мс",
    office: "Отделение",
    categories: "Категории",
    articles: "Статьи",
    countries: "Страны",
    readRef: "Читать текст ({ref})",
    readArticle: "Читать статью",
    searching: "Поиск в базе знаний…",
    writing: "Подготовка ответа…",
    tryAgain: "Повторить",
    rephraseBefore: "Попробуйте сформулировать вопрос иначе или ",
    rephraseLink: "найдите фрагменты самостоятельно",
    rephraseAfter: ".",
    quotesInEnglish: "Цитаты приводятся на английском языке — языке источников.",
    answerReady: "Ответ готов.",
    abstainedAnnounce: "В базе знаний нет ответа на этот вопрос.",
    failedAnnounce: "Не удалось ответить на вопрос.",
    close: "Закрыть",
    closePanel: "Закрыть панель",
    quotedPassage: "Цитируемый фрагмент",
    noQuote: "(нет цитаты)",
    document: "Документ",
    section: "Раздел",
    pageLabel: "Страница",
    noArticle: "Этот фрагмент не ссылается ни на одну статью Протокола.",
    citedArticle: "Упомянутая статья",
    citedArticles: "Упомянутые статьи",
    loadingArticle: "Загрузка текста статьи…",
    part: "Раздел {part}",
    articleFailed: "Не удалось загрузить текст ({ref}). {message}",
    refArticle: "Статья {ref}",
    refArticleShort: "Ст. {ref}",
    refInstrument: "{instrument}, статья {ref}",
    refInstrumentShort: "{instrument}, ст. {ref}",
    "instrument.untoc": "Конвенция",
    "instrument.coe": "Конвенция Совета Европы",
    "err.cancelled": "Отменено.",
    "err.network": "Не удалось связаться с сервером. Проверьте подключение и повторите попытку.",
    "err.invalid.question": "Не удалось обработать вопрос{detail}. Сформулируйте его иначе и повторите попытку.",
    "err.invalid.other": "Не удалось обработать запрос{detail}. Повторите попытку.",
    "err.notFound": "Не найдено{detail}.",
    "err.tooLong.question": "Вопрос слишком длинный. Сократите его (не более 1000 символов).",
    "err.tooLong.other": "Запрос слишком длинный.",
    "err.rateLimit": "Слишком много запросов за короткое время. Подождите минуту и повторите попытку.",
    "err.unavailable":
      "База знаний сейчас недоступна (возможно, она запускается или перестраивается). " +
      "Повторите попытку через некоторое время.",
    "err.server":
      "На сервере произошла ошибка. Повторите попытку; если ошибка повторяется, сообщите администраторам сайта.",
    "err.failed": "Запрос не выполнен (HTTP {status}){detail}.",
  },

  ar: {
    answer: "الإجابة",
    notInKb: "غير موجود في قاعدة المعارف",
    error: "خطأ",
    youAsked: "سؤالك",
    sources: "المصادر",
    closestPassages: "أقرب المقاطع (لا تجيب عن السؤال)",
    source: "المصدر",
    sourceTitle: "المصدر {n}: {title}",
    sourcePanelTitle: "المصدر [{n}]",
    page: "ص {n}",
    "intent.project_finder": "المشاريع",
    "intent.protocol_question": "البروتوكول",
    "intent.taxonomy": "فئات المساعدة",
    "intent.coverage": "التغطية",
    "intent.passage_search": "المقاطع",
    projects: {
      zero: "لا مشاريع",
      one: "مشروع واحد",
      two: "مشروعان",
      few: "{n} مشاريع",
      many: "{n} مشروعًا",
      other: "{n} مشروع",
    },
    sourceCount: {
      zero: "لا مصادر",
      one: "مصدر واحد",
      two: "مصدران",
      few: "{n} مصادر",
      many: "{n} مصدرًا",
      other: "{n} مصدر",
    },
    answeredIn: "زمن الإجابة: {ms} ملّي ثانية",
    office: "المكتب",
    categories: "الفئات",
    articles: "المواد",
    countries: "البلدان",
    readRef: "قراءة النص ({ref})",
    readArticle: "قراءة المادة",
    searching: "جارٍ البحث في قاعدة المعارف…",
    writing: "جارٍ إعداد الإجابة…",
    tryAgain: "إعادة المحاولة",
    rephraseBefore: "حاول إعادة صياغة السؤال، أو ",
    rephraseLink: "ابحث في المقاطع بنفسك",
    rephraseAfter: ".",
    quotesInEnglish: "الاقتباسات باللغة الإنكليزية، وهي لغة المصادر.",
    answerReady: "الإجابة جاهزة.",
    abstainedAnnounce: "لا تتضمن قاعدة المعارف إجابة عن هذا السؤال.",
    failedAnnounce: "تعذّرت الإجابة عن السؤال.",
    close: "إغلاق",
    closePanel: "إغلاق اللوحة",
    quotedPassage: "المقطع المقتبس",
    noQuote: "(لا يوجد اقتباس)",
    document: "الوثيقة",
    section: "القسم",
    pageLabel: "الصفحة",
    noArticle: "لا يستشهد هذا المقطع بأي مادة من مواد البروتوكول.",
    citedArticle: "المادة المستشهد بها",
    citedArticles: "المواد المستشهد بها",
    loadingArticle: "جارٍ تحميل نص المادة…",
    part: "الجزء {part}",
    articleFailed: "تعذّر تحميل النص ({ref}). {message}",
    refArticle: "المادة {ref}",
    refArticleShort: "المادة {ref}",
    refInstrument: "{instrument}، المادة {ref}",
    refInstrumentShort: "{instrument}، المادة {ref}",
    "instrument.untoc": "الاتفاقية",
    "instrument.coe": "اتفاقية مجلس أوروبا",
    "err.cancelled": "أُلغي.",
    "err.network": "تعذّر الاتصال بالخادم. تحقق من اتصالك وأعد المحاولة.",
    "err.invalid.question": "تعذّرت معالجة السؤال{detail}. يرجى إعادة صياغته والمحاولة مرة أخرى.",
    "err.invalid.other": "تعذّرت معالجة الطلب{detail}. يرجى المحاولة مرة أخرى.",
    "err.notFound": "غير موجود{detail}.",
    "err.tooLong.question": "السؤال طويل جدًا. يرجى اختصاره (1000 حرف على الأكثر).",
    "err.tooLong.other": "الطلب طويل جدًا.",
    "err.rateLimit": "عدد كبير جدًا من الطلبات في وقت قصير. يرجى الانتظار دقيقة ثم المحاولة مرة أخرى.",
    "err.unavailable":
      "قاعدة المعارف غير متاحة حاليًا (ربما يجري تشغيلها أو إعادة بنائها). يرجى المحاولة مرة أخرى بعد قليل.",
    "err.server": "حدث خطأ في الخادم. يرجى المحاولة مرة أخرى؛ وإذا تكرر الخطأ، فأبلغ مديري الموقع.",
    "err.failed": "تعذّر تنفيذ الطلب (HTTP {status}){detail}.",
  },

  zh: {
    answer: "回答",
    notInKb: "知识库中没有答案",
    error: "错误",
    youAsked: "您的问题",
    sources: "来源",
    closestPassages: "最接近的段落（并未回答该问题）",
    source: "来源",
    sourceTitle: "来源 {n}：{title}",
    sourcePanelTitle: "来源 [{n}]",
    page: "第{n}页",
    "intent.project_finder": "项目",
    "intent.protocol_question": "议定书",
    "intent.taxonomy": "援助类别",
    "intent.coverage": "覆盖情况",
    "intent.passage_search": "段落",
    projects: { other: "{n}个项目" },
    sourceCount: { other: "{n}个来源" },
    answeredIn: "用时{ms}毫秒",
    office: "办事处",
    categories: "类别",
    articles: "条款",
    countries: "国家",
    readRef: "阅读条文（{ref}）",
    readArticle: "阅读条文",
    searching: "正在检索知识库…",
    writing: "正在撰写回答…",
    tryAgain: "重试",
    rephraseBefore: "请尝试换一种方式提问，或",
    rephraseLink: "自行搜索段落",
    rephraseAfter: "。",
    quotesInEnglish: "引文为英文，即来源文件的语言。",
    answerReady: "回答已就绪。",
    abstainedAnnounce: "知识库无法回答此问题。",
    failedAnnounce: "无法回答该问题。",
    close: "关闭",
    closePanel: "关闭面板",
    quotedPassage: "引用段落",
    noQuote: "（无引文）",
    document: "文件",
    section: "章节",
    pageLabel: "页码",
    noArticle: "该段落未引用议定书的任何条款。",
    citedArticle: "所引条款",
    citedArticles: "所引条款",
    loadingArticle: "正在加载条文…",
    part: "第{part}部分",
    articleFailed: "无法加载条文（{ref}）。{message}",
    refArticle: "第{ref}条",
    refArticleShort: "第{ref}条",
    refInstrument: "{instrument}第{ref}条",
    refInstrumentShort: "{instrument}第{ref}条",
    "instrument.untoc": "公约",
    "instrument.coe": "欧洲委员会公约",
    "err.cancelled": "已取消。",
    "err.network": "无法连接服务器。请检查网络连接后重试。",
    "err.invalid.question": "无法处理该问题{detail}。请换一种方式提问后重试。",
    "err.invalid.other": "无法处理该请求{detail}。请重试。",
    "err.notFound": "未找到{detail}。",
    "err.tooLong.question": "问题过长。请缩短（最多1000个字符）。",
    "err.tooLong.other": "请求过长。",
    "err.rateLimit": "短时间内请求过多。请稍候一分钟再试。",
    "err.unavailable": "知识库目前不可用（可能正在启动或重建）。请稍后重试。",
    "err.server": "服务器出错。请重试；如果问题持续存在，请告知网站管理员。",
    "err.failed": "请求失败（HTTP {status}）{detail}。",
  },
};

/** One of the six languages for `value` (an ISO 639-1 code, possibly with a region: `fr-CH`); `en` otherwise. */
export function pickLanguage(value, fallback = DEFAULT_LANGUAGE) {
  const code = String(value || "")
    .trim()
    .toLowerCase()
    .split(/[-_]/)[0];
  return LANGUAGES.includes(code) ? code : fallback;
}

/** The language an answer's labels use: the response's `language`, or English when it has none. */
export function responseLanguage(response) {
  return pickLanguage(response?.language);
}

/** "rtl" for Arabic, "ltr" for the other five. */
export function direction(lang) {
  return RTL.has(pickLanguage(lang)) ? "rtl" : "ltr";
}

const words = (list) => new RegExp(`(?<!\\p{L})(?:${list})(?!\\p{L})`, "gu");
const FRENCH = words("quels?|quelles?|comment|pourquoi|les|des|du|est|sont|aux|au|une|pays|projets?|victimes?|traite");
const SPANISH = words("qué|cuál|cuáles|cómo|los|las|del|el|son|una|países|proyectos?|víctimas?|trata");
const ENGLISH = words("what|which|how|why|the|of|is|are|who|does|do|countries|projects?|victims?|trafficking");

/**
 * A guess at the language of a question, used only until the server says (the loading message, or an error
 * that comes before any answer): the script for Arabic, Chinese and Russian, a few common words for French and
 * Spanish, English otherwise.
 */
export function guessLanguage(text) {
  const s = String(text || "").toLowerCase();
  const count = (re) => (s.match(re) || []).length;
  const letters = count(/\p{L}/gu) || 1;
  if (count(/\p{Script=Arabic}/gu) / letters > 0.3) return "ar";
  if (count(/\p{Script=Han}/gu) / letters > 0.2) return "zh";
  if (count(/\p{Script=Cyrillic}/gu) / letters > 0.3) return "ru";
  const fr = count(FRENCH) + (/[çœèêàùî]/.test(s) ? 2 : 0);
  const es = count(SPANISH) + (/[¿¡ñ]/.test(s) ? 2 : 0);
  const en = count(ENGLISH);
  if (fr >= 2 && fr > en && fr > es) return "fr";
  if (es >= 2 && es > en && es > fr) return "es";
  return DEFAULT_LANGUAGE;
}

function format(template, vars) {
  return String(template).replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
}

const pluralRules = new Map();

function pluralForm(lang, n) {
  if (!pluralRules.has(lang)) {
    try {
      pluralRules.set(lang, new Intl.PluralRules(lang));
    } catch {
      pluralRules.set(lang, { select: (x) => (x === 1 ? "one" : "other") });
    }
  }
  return pluralRules.get(lang).select(n);
}

/**
 * The label `key` in `lang` (English if that language lacks it), with `{name}` placeholders filled from
 * `vars`; for a plural label, `vars.n` picks the form.
 */
export function t(key, lang = DEFAULT_LANGUAGE, vars = {}) {
  const code = pickLanguage(lang);
  let value = MESSAGES[code]?.[key];
  if (value === undefined) value = MESSAGES.en[key];
  if (value === undefined) return key;
  if (typeof value === "object") {
    const forms = value;
    const n = Number(vars.n);
    // Arabic has its own words for 0, 1 and 2; other languages use their CLDR category.
    const exact = n === 0 ? "zero" : n === 1 ? "one" : n === 2 ? "two" : null;
    const pick = (code === "ar" && exact && forms[exact]) || forms[pluralForm(code, n)] || forms.other;
    return format(pick, vars);
  }
  return format(value, vars);
}

/** True when the language has its own labels for `key` (not the English fallback). */
export function has(key, lang) {
  return MESSAGES[pickLanguage(lang)]?.[key] !== undefined;
}
