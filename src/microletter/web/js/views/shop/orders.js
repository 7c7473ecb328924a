// @ts-check
/**
 * Orders: mine (`#/me/orders`, newest first), one order (`#/order/<id>`: its states as
 * steps, lines, total, delivery window in the shop's time zone, the chat with the shop,
 * and what the one looking may do: the buyer cancels before it is packed and picks a new
 * window after a missed one or a failed delivery; the shop's staff pack, dispatch,
 * deliver, report a failure, cancel or refund, the server judging each by role), a
 * digital order's download, and the `order` card the shop posts in the buyer's chat at
 * every change (a new card each time, never an edit).
 */

import { confirmDialog, dialog, h, icon, toast } from "../../dom.js";
import { formatFull, t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { formatMoney } from "../money.js";
import { currencyOf, statusText, windowText } from "./common.js";

/** The steps of a delivered order, in order. */
const STEPS = ["paid", "packed", "out_for_delivery", "delivered"];
/** What the shop's staff may do from each state (the server checks their role). */
const STAFF_ACTIONS = /** @type {Record<string, string[]>} */ ({
  paid: ["pack", "cancel"],
  packed: ["dispatch", "cancel"],
  out_for_delivery: ["deliver", "fail"],
  delivered: ["refund"],
  fulfilled: ["refund"],
  return_requested: ["confirm_return"],
});

/**
 * What a covered order shows: the cover, and its claim once there is one (paid from the
 * cover pool when the shop confirms the goods came back, or waiting for the pool).
 * @param {any} order
 * @param {any} claim
 * @param {import("../money.js").Currency} currency
 */
function coverNotes(order, claim, currency) {
  return [
    order.cover_premium ? h("span.return-covered", t("merchant.covered")) : "",
    claim
      ? h("span.order-claim", t(`merchant.claim_${claim.status}`, { amount: formatMoney(claim.amount, currency) }))
      : "",
  ];
}

/**
 * One order as a row of a list.
 * @param {any} order
 * @param {import("../money.js").Currency} currency
 * @param {string} href
 * @param {any} [claim] its cover claim, for its buyer
 */
export function orderRow(order, currency, href, claim) {
  const names = order.lines.map((/** @type {any} */ l) => `${l.name} ×${l.quantity}`).join(", ");
  return h(
    "li.order-row",
    { dataset: { order: String(order.id), status: order.status } },
    h(
      "a.row",
      { href },
      h(
        "span.row-text",
        h("span.order-items", names),
        h("span.line-time", formatFull(order.created_at)),
        ...coverNotes(order, claim, currency),
      ),
      h(
        "span.order-side",
        h("span.order-total", formatMoney(order.total, currency)),
        h(`span.order-status.status-${order.status}`, statusText(order.status)),
      ),
    ),
  );
}

/**
 * My cover claims by order (part 2's return-shipping cover); none when that fails.
 * @param {import("../../app.js").App} app
 * @returns {Promise<Map<number, any>>}
 */
async function claimsOf(app) {
  try {
    const { claims } = await app.api.request("GET", "/merchant/claims");
    return new Map(claims.map((/** @type {any} */ c) => [c.order_id, c]));
  } catch {
    return new Map();
  }
}

/**
 * `#/me/orders`.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @returns {null}
 */
export function mountOrders(app, root) {
  const list = h("ul.list.card-list.my-orders", { "aria-label": t("shop.my_orders") });
  root.append(topbar({ title: t("shop.my_orders"), back: () => app.go("me") }), h("div.scroll.page", list));
  Promise.all([app.api.request("GET", "/shop/orders"), claimsOf(app)])
    .then(([reply, claims]) => {
      const currency = currencyOf(reply);
      list.replaceChildren(
        ...(reply.orders.length
          ? reply.orders.map((/** @type {any} */ o) => orderRow(o, currency, `#/order/${o.id}`, claims.get(o.id)))
          : [h("li.empty-row", t("shop.no_orders"))]),
      );
    })
    .catch((err) => list.replaceChildren(h("li.empty-row", errorText(err))));
  return null;
}

/**
 * @typedef {object} OrderPage one order's page
 * @property {import("../../app.js").App} app
 * @property {number} oid the order
 * @property {HTMLElement} body
 * @property {import("../money.js").Currency} currency as the server last said
 * @property {any} claim the buyer's cover claim on this order, once there is one
 */

/**
 * `#/order/<id>`: one order, for its buyer or the shop's staff.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} idText
 * @returns {{destroy: () => void}}
 */
export function mountOrder(app, root, idText) {
  const body = h("div.scroll.page.order-page", h("div.empty-state", h("p", t("common.loading"))));
  root.append(topbar({ title: t("shop.order"), back: () => app.back() }), body);
  /** @type {OrderPage} */
  const page = { app, oid: Number(idText), body, currency: { code: "CNY", exponent: 2 }, claim: undefined };
  load(page);
  return { destroy() {} };
}

/** @param {OrderPage} page */
async function load(page) {
  try {
    const [reply, claims] = await Promise.all([
      page.app.api.request("GET", `/shop/orders/${page.oid}`),
      claimsOf(page.app),
    ]);
    page.currency = currencyOf(reply);
    page.claim = claims.get(page.oid);
    render(page, reply.order);
  } catch (err) {
    page.body.replaceChildren(h("div.empty-state", h("p", errorText(err))));
  }
}

/** @param {OrderPage} page @param {any} o */
function render(page, o) {
  const mine = o.buyer_id === page.app.store.me?.id;
  const d = o.delivery;
  const reached = STEPS.indexOf(o.status);
  page.body.replaceChildren(
    h(
      "section.card.pad.order-head",
      h(`p.order-status.status-${o.status}`, statusText(o.status)),
      o.kind === "physical" && !["cancelled", "refunded"].includes(o.status)
        ? h(
            "ol.order-steps",
            STEPS.map((s, i) =>
              h(`li.order-step${i <= reached ? ".done" : ""}${i === reached ? ".now" : ""}`, statusText(s)),
            ),
          )
        : null,
      h("p.order-total", t("shop.total", { amount: formatMoney(o.total, page.currency) })),
      h("p.line-time", t("shop.order_number", { id: o.id }), " · ", formatFull(o.created_at)),
      h("p.order-cover", ...coverNotes(o, page.claim, page.currency)),
    ),
    h(
      "ul.list.card-list.order-lines",
      o.lines.map((/** @type {any} */ l) =>
        h(
          "li.order-line",
          h("span.row-text", h("span", l.name), h("span.line-time", l.sku)),
          h("span.line-amount", `${formatMoney(l.price, page.currency)} ×${l.quantity}`),
        ),
      ),
    ),
    d
      ? h(
          "section.card.pad.order-delivery",
          h("h3.section-title", t("shop.delivery")),
          h("p.order-window", windowText(d)),
          h("p", d.address),
          h("p.line-time", [d.recipient, d.phone, d.area].filter(Boolean).join(" · ")),
        )
      : "",
    o.kind === "digital" && o.status === "fulfilled" ? downloads(page, o) : "",
    h(
      "div.order-actions",
      h(
        "button.btn.btn-plain.order-chat",
        { type: "button", onclick: () => page.app.go(`chat/${o.conversation_id}`) },
        icon("chats"),
        t(mine ? "shop.chat_with_shop" : "shop.chat_with_buyer"),
      ),
      ...(mine ? buyerActions(page, o) : staffActions(page, o)),
    ),
  );
}

/** @param {OrderPage} page @param {any} o */
function buyerActions(page, o) {
  const found = [];
  if (o.status === "paid")
    found.push(
      h(
        "button.btn.btn-plain.danger-text.order-cancel",
        { type: "button", onclick: () => act(page, "cancel") },
        t("shop.act_cancel"),
      ),
    );
  if (o.kind === "physical" && (o.status === "paid" || o.status === "packed"))
    found.push(
      h(
        "button.btn.btn-plain.order-reschedule",
        { type: "button", onclick: () => reschedule(page, o) },
        t("shop.new_window"),
      ),
    );
  if (o.kind === "physical" && o.status === "delivered")
    found.push(
      h(
        "button.btn.btn-plain.request-return",
        { type: "button", onclick: () => askReturn(page, o) },
        t("merchant.request_return"),
      ),
    );
  return found;
}

/** @param {OrderPage} page @param {any} o */
function staffActions(page, o) {
  return (STAFF_ACTIONS[o.status] || []).map((action) =>
    h(
      `button.btn.${action === "cancel" || action === "refund" || action === "fail" ? "btn-plain.danger-text" : "btn-primary"}.order-${action}`,
      { type: "button", onclick: () => act(page, action) },
      t(`shop.act_${action}`),
    ),
  );
}

/** The buyer sends delivered goods back (the shop confirms when they arrive). @param {OrderPage} page @param {any} o */
async function askReturn(page, o) {
  const text = o.cover_premium ? t("merchant.return_confirm_covered") : t("merchant.return_confirm");
  if (!(await confirmDialog(text, { ok: t("merchant.request_return") }))) return;
  try {
    const reply = await page.app.api.request("POST", `/shop/orders/${page.oid}/request_return`);
    toast(t("merchant.return_requested"));
    render(page, reply.order);
  } catch (err) {
    toast(errorText(err), { kind: "error" });
    load(page);
  }
}

/** @param {OrderPage} page @param {string} action */
async function act(page, action) {
  if (
    ["cancel", "refund", "fail"].includes(action) &&
    !(await confirmDialog(t(`shop.confirm_${action}`), { danger: true }))
  )
    return;
  try {
    const reply = await page.app.api.request("POST", `/shop/orders/${page.oid}/${action}`);
    render(page, reply.order);
  } catch (err) {
    toast(errorText(err), { kind: "error" });
    load(page);
  }
}

/** @param {OrderPage} page @param {any} o */
async function reschedule(page, o) {
  let offered;
  try {
    offered = await page.app.api.request(
      "GET",
      `/shops/${o.shop_id}/windows?area=${encodeURIComponent(o.delivery?.area || "")}`,
    );
  } catch (err) {
    toast(errorText(err), { kind: "error" });
    return;
  }
  /** @type {any} */
  const picked = await dialog(
    (close) =>
      h(
        "div.dialog-body.window-picker",
        h("h2.dialog-title", t("shop.new_window")),
        offered.windows.length
          ? h(
              "ul.pick-list",
              offered.windows.map((/** @type {any} */ w) =>
                h(
                  "li",
                  h(
                    "button.row.window-choice",
                    { type: "button", onclick: () => close(w) },
                    windowText(w, offered.time_zone),
                  ),
                ),
              ),
            )
          : h("p.card-hint", t("shop.no_windows")),
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
        ),
      ),
    { label: t("shop.new_window") },
  );
  if (!picked) return;
  try {
    const reply = await page.app.api.request("POST", `/shop/orders/${page.oid}/window`, {
      json: { window_id: picked.window_id, day: picked.day },
    });
    render(page, reply.order);
  } catch (err) {
    toast(errorText(err), { kind: "error" });
  }
}

/** A digital order's files: each product's download, for its buyer. @param {OrderPage} page @param {any} o */
function downloads(page, o) {
  const box = h("section.card.pad.order-downloads", h("h3.section-title", t("shop.downloads")));
  for (const pid of new Set(o.lines.map((/** @type {any} */ l) => l.product_id))) {
    page.app.api
      .request("GET", `/shops/${o.shop_id}/products/${pid}`)
      .then(async (/** @type {any} */ reply) => {
        const file = reply.product.file;
        if (!file) return;
        const urls = await page.app.media.get(file.id);
        box.append(
          h(
            "a.btn.btn-plain.order-download",
            { href: urls.url, download: file.name || "" },
            icon("download"),
            file.name || reply.product.name,
          ),
        );
      })
      .catch(() => {});
  }
  return box;
}

/**
 * An `order` card in the buyer's chat with the shop: what changed (`event`), the items,
 * the total and the window; it opens the order.
 * @param {import("../../app.js").App} app
 * @param {any} message
 */
export function orderBubble(app, message) {
  const d = message.data || {};
  const currency = { code: d.currency || "CNY", exponent: 2 };
  const items = (d.items || []).map((/** @type {any} */ i) => `${i.name} ×${i.quantity}`).join(", ");
  const total = h("span.order-card-total", formatMoney(d.total || 0, currency));
  app.api
    .request("GET", "/wallet")
    .then((/** @type {any} */ w) => {
      if (w.currency?.code === currency.code) total.textContent = formatMoney(d.total || 0, w.currency);
    })
    .catch(() => {});
  return h(
    "a.bubble.bubble-order",
    {
      href: `#/order/${Number(d.order_id)}`,
      "aria-label": t("shop.open_order", { id: d.order_id }),
      dataset: { order: String(d.order_id), event: String(d.event || "") },
    },
    h("span.order-card-event", statusText(d.event || d.status)),
    h("span.order-card-items", items),
    h(
      "span.order-card-line",
      total,
      d.window ? h("span.order-card-window", windowText(d.window, d.window.time_zone)) : null,
    ),
    h("span.card-foot", icon("shop"), h("span", d.shop_name || t("shop.shop"))),
  );
}
