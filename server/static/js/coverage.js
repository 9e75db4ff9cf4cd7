// The coverage view: the article × project matrix from GET /api/coverage as a coloured table, articles that
// no project addresses marked, and every cell a link to its evidence (/coverage?article=6&project=…), which
// opens in the side panel; the categories × projects table follows.

import * as api from "./api.js";
import { h, plural, srOnly } from "./dom.js";
import { articleBlock, closePanel, isPanelOpen, openArticlePanel, openPanel } from "./panel.js";
import { refLabel, shortTitle } from "./refs.js";
import { highlight, queryStems } from "./search.js";

const VIA = {
  category: "a declared category of technical assistance that covers it",
  text: "the project's own text, which names it",
};

const dash = () => h("span", { "aria-hidden": "true", text: "—" });

function legendItem(swatch, text) {
  return h("li", {}, h("span", { class: `legend__swatch ${swatch}`, "aria-hidden": "true" }), text);
}

function evidenceUrl(params) {
  return `/coverage?${new URLSearchParams(params).toString()}`;
}

export function initCoverage() {
  const root = document.getElementById("coverage-body");
  let data = null;
  let labels = new Map();
  let loading = null;

  const projectsById = () => new Map(data.projects.map((p) => [p.id, p]));

  async function load() {
    root.setAttribute("aria-busy", "true");
    try {
      [data, labels] = await Promise.all([api.coverage(), api.categoryLabels()]);
      render();
    } catch (error) {
      loading = null; // showing the view again retries
      root.replaceChildren(
        h("p", {
          class: "notice notice--error",
          role: "alert",
          text: `The coverage matrix could not be loaded. ${api.plainMessage(error, "request")}`,
        }),
        h("button", { type: "button", class: "button", on: { click: () => show() } }, "Try again"),
      );
    } finally {
      root.removeAttribute("aria-busy");
    }
  }

  function cell(article, project) {
    const entry = article.projects.find((p) => p.project === project.id);
    if (!entry) {
      return h("td", { class: "cov cov--none", dataset: { project: project.id } }, dash(), srOnly("not addressed"));
    }
    const whole = entry.extent === "whole";
    const refs = whole ? "" : entry.refs.join(", ");
    return h(
      "td",
      { class: ["cov", whole ? "cov--whole" : "cov--part"], dataset: { project: project.id, extent: entry.extent } },
      h(
        "a",
        {
          class: "cov__link",
          href: evidenceUrl({ article: article.ref, project: project.id }),
          "aria-haspopup": "dialog",
          title: `Evidence: ${refLabel(article.ref)} in ${shortTitle(project.title)}`,
        },
        whole ? "Whole" : "Part",
        refs ? h("span", { class: "cov__refs", text: ` ${refs}` }) : null,
        srOnly(`: evidence for ${refLabel(article.ref)} in ${shortTitle(project.title)}`),
      ),
    );
  }

  function articleTable() {
    const head = h(
      "tr",
      {},
      h("th", { scope: "col", text: "Article" }),
      data.projects.map((p) => h("th", { scope: "col", title: p.title }, shortTitle(p.title))),
      h("th", { scope: "col", text: "Discussed in other documents" }),
    );
    const rows = [];
    let part = null;
    for (const article of data.articles) {
      if (article.part && article.part !== part) {
        part = article.part;
        rows.push(
          h(
            "tr",
            { class: "cov-part" },
            h(
              "th",
              { scope: "colgroup", colspan: String(data.projects.length + 2) },
              h("span", { class: "cov-part__label", text: `Part ${part}` }),
            ),
          ),
        );
      }
      const discussed = article.discussed_in || [];
      rows.push(
        h(
          "tr",
          {
            class: ["cov-row", !article.covered && "cov-row--uncovered"],
            dataset: { ref: article.ref, covered: String(article.covered) },
          },
          h(
            "th",
            { scope: "row", class: "cov-article" },
            h(
              "button",
              {
                type: "button",
                class: "cov-article__ref",
                "aria-haspopup": "dialog",
                on: { click: () => openArticlePanel(article.ref) },
              },
              refLabel(article.ref, { short: true }),
            ),
            h("span", { class: "cov-article__title", text: article.title }),
            article.covered ? null : h("span", { class: "badge badge--gap", text: "Not covered by any project" }),
          ),
          data.projects.map((p) => cell(article, p)),
          h(
            "td",
            { class: "cov cov--discussed" },
            discussed.length
              ? h(
                  "a",
                  {
                    class: "cov__link",
                    href: evidenceUrl({ article: article.ref, discussed: "1" }),
                    "aria-haspopup": "dialog",
                  },
                  plural(discussed.length, "mention"),
                  srOnly(` of ${refLabel(article.ref)}`),
                )
              : dash(),
          ),
        ),
      );
    }
    return h(
      "div",
      { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "cov-articles-caption" },
      h(
        "table",
        { class: "cov-table", id: "coverage-table" },
        h(
          "caption",
          { id: "cov-articles-caption" },
          "Protocol articles (rows) addressed by each project (columns)",
        ),
        h("thead", {}, head),
        h("tbody", {}, rows),
      ),
    );
  }

  function categoryTable() {
    const uncovered = new Set(data.uncovered_categories || []);
    return h(
      "div",
      { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "cov-categories-caption" },
      h(
        "table",
        { class: "cov-table cov-table--categories" },
        h("caption", {
          id: "cov-categories-caption",
          text: "Categories of technical assistance declared by each project",
        }),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col", text: "Category" }),
            data.projects.map((p) => h("th", { scope: "col", title: p.title }, shortTitle(p.title))),
          ),
        ),
        h(
          "tbody",
          {},
          data.categories.map((c) =>
            h(
              "tr",
              { class: ["cov-row", uncovered.has(c.id) && "cov-row--uncovered"], dataset: { category: c.id } },
              h(
                "th",
                { scope: "row", class: "cov-article" },
                h("span", { class: "cov-article__title", text: c.label }),
                uncovered.has(c.id) ? h("span", { class: "badge badge--gap", text: "No project" }) : null,
              ),
              data.projects.map((p) =>
                (c.projects || []).includes(p.id)
                  ? h("td", { class: "cov cov--whole" }, h("span", { text: "Declared" }))
                  : h("td", { class: "cov cov--none" }, dash(), srOnly("not declared")),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function render() {
    const total = data.articles.length;
    const covered = data.articles.filter((a) => a.covered).length;
    const uncovered = data.uncovered_articles || [];
    // The summary is collapsible; on a phone it starts folded and comes after the matrix (CSS order).
    const wide = !window.matchMedia("(max-width: 760px)").matches;
    root.replaceChildren(
      h(
        "details",
        { class: "cov-summary", open: wide },
        h("summary", { class: "cov-summary__toggle", text: "Summary" }),
        h(
          "p",
          { class: "cov-summary__stat" },
          h("strong", { text: `${covered} of ${total} articles` }),
          ` are addressed by at least one of ${plural(data.projects.length, "project")}.`,
          uncovered.length ? ` Not covered: ${uncovered.map((r) => refLabel(r, { short: true })).join(", ")}.` : "",
        ),
        data.summary ? h("p", { class: "cov-summary__text", text: data.summary }) : null,
      ),
      h(
        "ul",
        { class: "legend", "aria-label": "Legend" },
        legendItem("cov--whole", "Whole: the project addresses the whole article"),
        legendItem("cov--part", "Part: only the paragraphs listed"),
        legendItem("cov--none", "—: not addressed"),
        legendItem("cov--gap", "Highlighted row: no project addresses the article"),
      ),
      scrollHint(),
      articleTable(),
      h("h2", { class: "cov-subhead", text: "Categories of technical assistance" }),
      scrollHint(),
      categoryTable(),
    );
    for (const hint of root.querySelectorAll(".table-scroll__hint")) watchOverflow(hint);
  }

  /** "Scroll sideways" above a table, shown only while the table is wider than its box. */
  function scrollHint() {
    return h(
      "p",
      { class: "table-scroll__hint", hidden: true, "aria-hidden": "true" },
      "Scroll sideways to see every project ",
      h("span", { text: "→" }),
    );
  }

  function watchOverflow(hint) {
    const box = hint.nextElementSibling;
    const update = () => {
      hint.hidden = box.scrollWidth <= box.clientWidth + 1;
    };
    new ResizeObserver(update).observe(box);
    update();
  }

  // -- evidence ------------------------------------------------------------------------------------------

  function onPanelClose() {
    if (window.location.pathname === "/coverage" && window.location.search) {
      window.history.replaceState({ view: "coverage" }, "", "/coverage");
    }
  }

  function openProjectEvidence(article, project) {
    const entry = article.projects.find((p) => p.project === project.id);
    const name = shortTitle(project.title);
    openPanel(
      `${refLabel(article.ref)} in the ${name}`,
      (body) => {
        if (!entry) {
          body.append(h("p", { text: `The ${name} does not address ${refLabel(article.ref)} (${article.title}).` }));
          body.append(articleBlock(article.ref, { open: false }));
          return;
        }
        const categories = (entry.categories || []).map((c) => labels.get(c) || api.humanise(c));
        const via = (entry.via || []).map((v) =>
          v === "category" && categories.length ? `declared categories: ${categories.join("; ")}` : VIA[v] || v,
        );
        const loadingText = h("p", { class: "loading", text: "Loading the project's passages…" });
        const passages = h("div", { class: "evidence-passages" }, loadingText);
        body.append(
          h(
            "p",
            { class: "evidence-lead" },
            `The ${name} addresses `,
            h("strong", { text: entry.extent === "whole" ? "the whole of" : "part of" }),
            ` ${refLabel(article.ref)} (${article.title}).`,
          ),
          h(
            "dl",
            { class: "source-meta" },
            h("dt", { text: "Provisions" }),
            h("dd", { text: entry.refs.map((r) => refLabel(r)).join(", ") }),
            h("dt", { text: "Evidence" }),
            h("dd", {}, h("ul", { class: "plain-list" }, via.map((v) => h("li", { text: v })))),
          ),
          h("h3", { class: "panel__subhead", text: "Passages of the project" }),
          passages,
          h(
            "p",
            {},
            h(
              "a",
              { href: `/search?${new URLSearchParams({ q: article.title, type: "project", article: article.ref })}` },
              `Search all project passages on ${refLabel(article.ref)}`,
            ),
          ),
          h("h3", { class: "panel__subhead", text: "Text of the article" }),
          articleBlock(article.ref, { open: false, headingLevel: "h4" }),
        );
        loadPassages(article, project, categories, passages);
      },
      { onClose: onPanelClose, kind: "evidence" },
    );
  }

  async function loadPassages(article, project, categories, container) {
    try {
      const response = await api.search({
        query: `${article.title} ${categories.join(" ")}`.slice(0, 1000),
        top_k: 50,
        filters: { doc_type: ["project"], article: [article.ref] },
      });
      const mine = response.results.filter((r) => r.doc_id === project.id);
      const stems = queryStems(categories.join(" "));
      container.replaceChildren(
        ...(mine.length
          ? mine.map((r) =>
              h(
                "blockquote",
                { class: "source-quote" },
                r.text.split(/\n\s*\n/).map((p) => h("p", {}, highlight(p.replace(/\*/g, ""), stems))),
                h("footer", { class: "meta", text: r.section }),
              ),
            )
          : [h("p", { class: "muted", text: `No passage of this project is tagged with ${refLabel(article.ref)}.` })]),
      );
    } catch (error) {
      const message = `The passages could not be loaded. ${api.plainMessage(error, "search")}`;
      container.replaceChildren(h("p", { class: "notice notice--error", text: message }));
    }
  }

  function openDiscussed(article) {
    openPanel(
      `${refLabel(article.ref)} in other documents`,
      (body) => {
        body.append(
          h(
            "p",
            { class: "evidence-lead" },
            article.covered
              ? `${refLabel(article.ref)} (${article.title}) is also discussed in these passages:`
              : `No project addresses ${refLabel(article.ref)} (${article.title}). It is discussed in these passages:`,
          ),
          ...(article.discussed_in || []).map((d) =>
            h(
              "figure",
              { class: "discussed" },
              h("blockquote", { class: "source-quote" }, h("p", { text: d.quote })),
              h("figcaption", { class: "meta" }, d.doc_title || d.doc_id, d.section ? ` · ${d.section}` : ""),
            ),
          ),
          h("h3", { class: "panel__subhead", text: "Text of the article" }),
          articleBlock(article.ref, { open: false, headingLevel: "h4" }),
        );
      },
      { onClose: onPanelClose, kind: "evidence" },
    );
  }

  function syncPanel() {
    const params = new URLSearchParams(window.location.search);
    const article = data?.articles.find((a) => a.ref === params.get("article"));
    if (!article) {
      if (isPanelOpen() && document.getElementById("panel").dataset.kind === "evidence") closePanel();
      return;
    }
    const project = projectsById().get(params.get("project"));
    if (project) openProjectEvidence(article, project);
    else if (params.get("discussed")) openDiscussed(article);
  }

  async function show() {
    if (!loading) loading = load();
    await loading;
    if (data) syncPanel();
  }

  return { title: "Coverage", show };
}
