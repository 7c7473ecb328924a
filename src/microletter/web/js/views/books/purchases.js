// @ts-check
/**
 * Me → Books → My purchases (`#/books/purchases`): the chapters and whole works I bought,
 * newest first, each bought or refunded, and for each a refund request to the shop (once,
 * with an optional reason), shown open, granted (the money is back in my wallet) or
 * declined. The shop's staff answer it on their works page (views/merchant/books.js).
 */

import { h, promptDialog, toast } from "../../dom.js";
import { formatFull, t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { formatMoney } from "../money.js";

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @returns {null}
 */
export function mountBookPurchases(app, root) {
  const list = h("ul.list.card-list.book-purchases", { "aria-label": t("books.purchases"), "aria-busy": "true" });
  root.append(topbar({ title: t("books.purchases"), back: () => app.go("books") }), h("div.scroll.page", list));

  async function load() {
    try {
      const reply = await app.api.request("GET", "/books/purchases");
      const rows = reply.purchases.map((/** @type {any} */ p) => row(p, reply.currency));
      list.replaceChildren(...(rows.length ? rows : [h("li.list-empty", t("books.no_purchases"))]));
    } catch (err) {
      list.replaceChildren(h("li.list-empty", errorText(err)));
    } finally {
      list.setAttribute("aria-busy", "false");
    }
  }

  /**
   * @param {any} p
   * @param {import("../money.js").Currency} currency
   */
  function row(p, currency) {
    const what = p.chapter ? t("mbooks.bought_chapter", { n: p.chapter }) : t("mbooks.bought_work");
    const asked = p.refund_request;
    return h(
      "li.book-purchase",
      { dataset: { purchase: String(p.id), status: p.status, request: asked ? asked.state : "" } },
      h(
        "div.row",
        h(
          "span.row-text",
          h("span.purchase-what", `${p.title} · ${what}`),
          h("span.line-time", `${t(`books.purchase_${p.status}`)} · ${formatFull(p.created_at)}`),
          asked ? h("span.refund-state", t(`books.refund_${asked.state}`)) : "",
        ),
        h("span.line-amount", formatMoney(p.amount, currency)),
      ),
      p.status === "bought" && !asked
        ? h(
            "div.dialog-actions",
            h("button.btn.ask-refund", { type: "button", onclick: () => ask(p) }, t("books.ask_refund")),
          )
        : "",
    );
  }

  /** @param {any} p */
  async function ask(p) {
    const reason = await promptDialog({
      title: t("books.ask_refund"),
      placeholder: t("books.refund_reason"),
      maxLength: 500,
      multiline: true,
    });
    if (reason === undefined) return;
    try {
      await app.api.request("POST", `/books/purchases/${p.id}/refund_request`, { json: { reason } });
      toast(t("books.refund_asked"));
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
    await load();
  }

  load();
  return null;
}
