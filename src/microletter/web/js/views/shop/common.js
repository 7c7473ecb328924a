// @ts-check
/**
 * What the shop's views share: the currency of a reply, prices, an order's state as a
 * word, a product's first picture, and a picker of one chat (sharing a product card).
 * Money is integers of minor units (views/money.js), never a float.
 */

import { dialog, h } from "../../dom.js";
import { t } from "../../i18n.js";
import { conversationAvatar, conversationTitle } from "../../common.js";
import { formatMoney } from "../money.js";

/** @typedef {import("../money.js").Currency} Currency */

/**
 * The currency a shop reply states (`{code, exponent}`).
 * @param {any} reply
 * @returns {Currency}
 */
export function currencyOf(reply) {
  return { code: reply?.currency?.code || "CNY", exponent: reply?.currency?.exponent ?? 2 };
}

/**
 * A price, or the range of a product's variants ("¥48.00 – ¥90.00").
 * @param {any} product
 * @param {Currency} currency
 */
export function priceRange(product, currency) {
  const prices = (product.variants || []).map((/** @type {any} */ v) => v.price);
  if (!prices.length) return "";
  const low = Math.min(...prices);
  const high = Math.max(...prices);
  return low === high ? formatMoney(low, currency) : `${formatMoney(low, currency)} – ${formatMoney(high, currency)}`;
}

/**
 * An order's status (or a card's event) in words.
 * @param {string} status
 */
export function statusText(status) {
  return t(`shop.status_${status}`);
}

/**
 * A picture of the shop's (anyone may fetch those of a product on sale), filled in when
 * its link comes.
 * @param {import("../../app.js").App} app
 * @param {{id: string}|null|undefined} media
 * @param {string} cls
 */
export function picture(app, media, cls) {
  const img = /** @type {HTMLImageElement} */ (h(`img.${cls}`, { alt: "", decoding: "async", loading: "lazy" }));
  if (!media?.id) return h(`div.${cls}.no-picture`);
  app.media
    .get(media.id)
    .then((urls) => {
      img.src = urls.thumbnail_url || urls.url;
    })
    .catch(() => {});
  return img;
}

/**
 * A window as the shop states it: "2026-12-08 10:00–12:00 (Asia/Shanghai)".
 * @param {{day?: string|null, start?: string, end?: string, starts_at?: number|null, ends_at?: number|null}} w
 * @param {string} [timeZone]
 */
export function windowText(w, timeZone) {
  const clock = (/** @type {number|null|undefined} */ ms) =>
    ms == null
      ? ""
      : new Intl.DateTimeFormat("en-GB", {
          hour: "2-digit",
          minute: "2-digit",
          timeZone: timeZone || undefined,
        }).format(new Date(ms));
  const start = w.start || clock(w.starts_at);
  const end = w.end || clock(w.ends_at);
  return `${w.day || ""} ${start}–${end}${timeZone ? ` (${timeZone})` : ""}`.trim();
}

/**
 * Ask which one of my chats to share into (newest first).
 * @param {import("../../app.js").App} app
 * @param {string} title
 * @returns {Promise<number|undefined>}
 */
export function pickChat(app, title) {
  const { store } = app;
  return dialog(
    (close) =>
      h(
        "div.dialog-body.shop-share-picker",
        h("h2.dialog-title", title),
        h(
          "ul.pick-list",
          { "aria-label": t("shop.share_choose") },
          store
            .chatList()
            .filter((view) => view.conversation.kind !== "service") // nobody writes there
            .map((view) =>
              h(
                "li",
                h(
                  "button.row.pick-row.share-target",
                  { type: "button", onclick: () => close(view.conversation.id) },
                  conversationAvatar(store, view, 36),
                  h("span.pick-name", conversationTitle(store, view)),
                ),
              ),
            ),
        ),
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
        ),
      ),
    { label: t("shop.share_choose") },
  );
}
