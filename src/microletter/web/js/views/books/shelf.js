// @ts-check
/**
 * Me → Bookshelf: the serialized works on my shelf, last read first, each with where I
 * am; and the e-books I bought as a shop's digital products (a PDF opens in the app's
 * reader, views/books/ebook.js; EPUB and other files download). Fetched again when my shelf
 * changes on any device (the `collection` event, name "bookshelf").
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { download, fetchFile } from "./ebook.js";

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 */
export function mountShelf(app, root) {
  const { api, store } = app;
  const works = h("ul.list.card-list.bookshelf", { "aria-label": t("books.shelf"), "aria-busy": "true" });
  const ebooks = h("ul.list.card-list.ebooks", { "aria-label": t("books.ebooks") });
  root.append(
    topbar({ title: t("books.shelf"), back: () => app.go("me") }),
    h(
      "div.scroll.page",
      works,
      h("h2.section-title", t("books.ebooks")),
      ebooks,
      h(
        "a.row.book-purchases-link",
        { href: "#/books/purchases" },
        h("span.row-text", t("books.purchases")),
        icon("chevron", "cell-chevron"),
      ),
    ),
  );

  async function load() {
    try {
      const shelf = await api.request("GET", "/books/shelf");
      works.replaceChildren(
        ...(shelf.works.length
          ? shelf.works.map((/** @type {any} */ item) => workRow(item))
          : [h("li.empty-row", t("books.shelf_empty"))]),
      );
    } catch {
      works.replaceChildren(h("li.empty-row", t("books.failed")));
    } finally {
      works.setAttribute("aria-busy", "false");
    }
    try {
      const found = (await api.request("GET", "/books/ebooks")).ebooks;
      ebooks.replaceChildren(
        ...(found.length
          ? found.map((/** @type {any} */ e) => ebookRow(e))
          : [h("li.empty-row", t("books.no_ebooks"))]),
      );
    } catch {
      ebooks.replaceChildren(h("li.empty-row", t("books.failed")));
    }
  }

  /** @param {{work: any, progress: any}} item */
  function workRow({ work, progress }) {
    return h(
      "li",
      h(
        "a.row.shelf-work",
        { href: `#/books/${work.id}/read/${progress.chapter}`, dataset: { work: String(work.id) } },
        icon("list", "row-icon"),
        h(
          "span.row-text",
          h("span.shelf-title", work.title),
          h("span.shelf-progress", t("books.at_chapter", { n: progress.chapter, total: work.chapters })),
        ),
        icon("chevron", "cell-chevron"),
      ),
    );
  }

  /** @param {any} e */
  function ebookRow(e) {
    const label = e.format ? t(`books.format_${e.format}`) : t("books.format_file");
    return h(
      "li",
      h(
        "button.row.ebook",
        { type: "button", onclick: () => openEbook(e), dataset: { product: String(e.product_id) } },
        icon(e.format === "pdf" ? "file" : "download", "row-icon"),
        h("span.row-text", h("span", e.name), h("span.ebook-format", label)),
      ),
    );
  }

  /** A PDF opens in the app's reader (views/books/ebook.js); anything else downloads. */
  async function openEbook(/** @type {any} */ e) {
    if (e.format === "pdf") return app.go(`books/ebook/${e.product_id}`);
    try {
      download(await fetchFile(app, e.file.id), e.file.name || e.name);
    } catch {
      toast(t("books.failed"), { kind: "error" });
    }
  }

  load();
  const stop = store.subscribe((topics) => {
    if (topics.has("collection:bookshelf") || topics.has("all")) load();
  });
  return { destroy: stop };
}
