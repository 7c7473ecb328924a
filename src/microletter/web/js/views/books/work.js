// @ts-check
/**
 * A serialized work's page: its chapters (free, mine, or their price), buying the whole
 * work, the shelf, and the auto-purchase setting (on or off, and the spending limit of a
 * reading session), kept on my shelf so that my other devices have it too.
 */

import { h, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { formatMoney, parseAmount } from "../money.js";
import { buyWithPassword, endSession } from "./buying.js";

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} id
 */
export function mountWork(app, root, id) {
  const work = Number(id);
  const { api, store } = app;
  const body = h("div.scroll.page.book-work", { "aria-busy": "true" });
  const bar = topbar({ title: t("books.work"), back: () => app.go("books") });
  root.append(bar, body);

  async function load() {
    try {
      render(await api.request("GET", `/books/works/${work}`));
    } catch (err) {
      body.replaceChildren(h("p.empty-row", errorText(err)));
    } finally {
      body.setAttribute("aria-busy", "false");
    }
  }

  /** @param {any} v */
  function render(v) {
    const money = (/** @type {number} */ n) => formatMoney(n, v.currency);
    bar.querySelector("h1")?.replaceChildren(v.work.title);
    const chapters = v.chapters.map((/** @type {any} */ c) =>
      h(
        "li",
        h(
          "a.row.book-chapter",
          { href: `#/books/${work}/read/${c.number}`, dataset: { number: String(c.number) } },
          h("span.row-text", `${c.number}. ${c.title}`),
          h("span.chapter-state", c.free ? t("books.free") : c.owned ? t("books.owned") : money(v.work.chapter_price)),
        ),
      ),
    );
    const progress = v.progress || { auto_purchase: false, spending_limit: 0, chapter: 1 };
    const auto = h("input.auto-purchase", { type: "checkbox", checked: progress.auto_purchase });
    const limit = h("input.field.spending-limit", {
      inputMode: "decimal",
      value: progress.spending_limit ? formatPlain(progress.spending_limit, v.currency.exponent) : "",
      placeholder: "0.00",
      "aria-label": t("books.spending_limit"),
    });
    const save = async () => {
      const amount = limit.value.trim() ? parseAmount(limit.value, v.currency) : 0;
      if (amount === null) return toast(t("books.limit_invalid"), { kind: "error" });
      try {
        await api.request("PUT", `/books/shelf/${work}/progress`, {
          json: { auto_purchase: auto.checked, spending_limit: amount },
        });
        endSession(work); // a new limit: a new session, the password asked again
        toast(t("books.saved"));
      } catch (err) {
        toast(errorText(err), { kind: "error" });
      }
    };
    body.replaceChildren(
      h(
        "section.book-head",
        h("h2.book-title", v.work.title),
        v.work.author ? h("p.book-author", v.work.author) : null,
        v.work.description ? h("p.book-description", v.work.description) : null,
        h("p.book-prices", t("books.prices", { free: v.work.free_chapters, price: money(v.work.chapter_price) })),
        h(
          "div.book-actions",
          h(
            "a.btn.btn-primary.book-read",
            { href: `#/books/${work}/read/${progress.chapter || 1}` },
            t(v.progress ? "books.continue" : "books.start"),
          ),
          v.offer.work_price != null
            ? h(
                "button.btn.btn-plain.buy-work",
                { type: "button", onclick: () => buyWhole(v) },
                t("books.buy_work", { price: money(v.offer.work_price) }),
              )
            : null,
          v.on_shelf
            ? null
            : h("button.btn.btn-plain.shelve", { type: "button", onclick: () => shelve() }, t("books.add_to_shelf")),
        ),
      ),
      h(
        "section.auto-settings",
        h("label.auto-row", auto, h("span", t("books.auto_purchase"))),
        h("label.limit-row", h("span", t("books.spending_limit")), limit),
        h("button.btn.btn-plain.save-auto", { type: "button", onclick: save }, t("common.save")),
        h("p.hint", t("books.auto_hint")),
      ),
      h("ul.list.card-list.book-chapters", { "aria-label": t("books.chapters") }, ...chapters),
    );
  }

  /** @param {any} v */
  async function buyWhole(v) {
    try {
      const done = await buyWithPassword(app, work, 0, v.offer.work_price, v.work.title);
      if (done) load();
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  }

  async function shelve() {
    await api.request("PUT", `/books/shelf/${work}`);
    load();
  }

  load();
  const stop = store.subscribe((topics) => {
    if (topics.has("collection:bookshelf")) load();
  });
  return { destroy: stop };
}

/**
 * 1234 → "12.34" (for an input; no currency sign, no grouping).
 * @param {number} minor
 * @param {number} exponent
 */
export function formatPlain(minor, exponent) {
  const digits = String(minor).padStart(exponent + 1, "0");
  return exponent ? `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}` : digits;
}
