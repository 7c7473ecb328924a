// @ts-check
/**
 * `#/shop/<id>/cart`: my cart at one shop and its checkout. Each line with its quantity
 * (0 takes it out) and its price, marked when it changed since it was put in; for goods,
 * where to deliver (an area, then the next windows with room, in the shop's time zone,
 * the address, recipient and phone); then the payment password, once per checkout, traded
 * for the wallet's short-lived payment token (views/money.js), and one request that takes
 * the stock, the window's place and the money together. A price changed since the cart
 * was filled is shown and confirmed, and the same token pays. For goods, when the operator
 * offers it, return-shipping cover is a checkbox with its premium, added to the total.
 */

import { confirmDialog, h, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { askPayment, formatMoney } from "../money.js";
import { currencyOf, windowText } from "./common.js";

/** The last delivery details typed, kept on this device for the next checkout. */
const LAST_DELIVERY = "ml.shop.delivery";

/**
 * @typedef {object} Checkout one cart's page
 * @property {import("../../app.js").App} app
 * @property {number} sid the shop
 * @property {HTMLElement} body
 * @property {HTMLInputElement} area
 * @property {HTMLInputElement} address
 * @property {HTMLInputElement} recipient
 * @property {HTMLInputElement} phone
 * @property {HTMLElement} windows the delivery windows offered
 * @property {any|null} chosenWindow
 * @property {any} cart as the server last said
 * @property {boolean} covered whether the buyer adds return-shipping cover (goods only)
 */

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} sidText
 * @returns {null}
 */
export function mountCart(app, root, sidText) {
  const body = h("div.scroll.page.cart-page", h("div.empty-state", h("p", t("common.loading"))));
  root.append(topbar({ title: t("shop.cart"), back: () => app.back() }), body);
  const saved = JSON.parse(localStorage.getItem(LAST_DELIVERY) || "{}");
  const field = (/** @type {string} */ cls, /** @type {string} */ key, /** @type {string} */ value) =>
    /** @type {HTMLInputElement} */ (
      h(`input.field.${cls}`, { "aria-label": t(key), placeholder: t(key), value: value || "", maxLength: 300 })
    );
  /** @type {Checkout} */
  const c = {
    app,
    sid: Number(sidText),
    body,
    area: field("delivery-area", "shop.area", saved.area),
    address: field("delivery-address", "shop.address", saved.address),
    recipient: field("delivery-recipient", "shop.recipient", saved.recipient),
    phone: field("delivery-phone", "shop.phone", saved.phone),
    windows: h("ul.window-list", { "aria-label": t("shop.windows") }),
    chosenWindow: null,
    cart: null,
    covered: false,
  };
  load(c);
  return null;
}

/** @param {Checkout} c */
async function load(c) {
  try {
    c.cart = await c.app.api.request("GET", `/shops/${c.sid}/cart`);
    render(c);
  } catch (err) {
    c.body.replaceChildren(h("div.empty-state", h("p", errorText(err))));
  }
}

/** What the checkout takes: the cart's total, and the cover's premium if chosen.
 * @param {Checkout} c @param {boolean} goods */
function toPay(c, goods) {
  return c.cart.total + (goods && c.covered ? c.cart.cover_premium : 0);
}

/** The cover's checkbox, for goods when the operator offers cover.
 * @param {Checkout} c @param {import("../money.js").Currency} currency @param {HTMLElement} totalText */
function coverOption(c, currency, totalText) {
  if (!(c.cart.cover_premium > 0)) return null;
  return h(
    "label.check-row.cover-option",
    h("input.cover-check", {
      type: "checkbox",
      checked: c.covered,
      onchange: (/** @type {Event} */ e) => {
        c.covered = /** @type {HTMLInputElement} */ (e.target).checked;
        totalText.textContent = t("shop.total", { amount: formatMoney(toPay(c, true), currency) });
      },
    }),
    h(
      "span.row-text",
      h("span.cover-title", t("shop.cover_add", { amount: formatMoney(c.cart.cover_premium, currency) })),
      h("span.card-hint.cover-hint", t("shop.cover_hint")),
    ),
  );
}

/** @param {Checkout} c */
function render(c) {
  const currency = currencyOf(c.cart);
  if (!c.cart.lines.length) {
    c.body.replaceChildren(
      h("div.empty-state", h("p", t("shop.cart_empty"))),
      h("a.btn.btn-plain.shop-link", { href: `#/shop/${c.sid}` }, t("shop.visit_shop")),
    );
    return;
  }
  const goods = c.cart.lines.some((/** @type {any} */ line) => line.product_kind === "physical");
  const totalText = h("span.cart-total", t("shop.total", { amount: formatMoney(toPay(c, goods), currency) }));
  c.body.replaceChildren(
    h(
      "ul.list.card-list.cart-lines",
      c.cart.lines.map((/** @type {any} */ line) => lineRow(c, line, currency)),
    ),
    goods
      ? h(
          "section.card.pad.delivery-form",
          h("h3.section-title", t("shop.delivery")),
          h(
            "div.area-row",
            c.area,
            h(
              "button.btn.btn-plain.find-windows",
              { type: "button", onclick: () => findWindows(c) },
              t("shop.find_windows"),
            ),
          ),
          c.windows,
          c.address,
          c.recipient,
          c.phone,
          coverOption(c, currency, totalText),
        )
      : h("p.card-hint.digital-hint", t("shop.digital_hint")),
    h(
      "div.checkout-bar",
      totalText,
      h("button.btn.btn-primary.checkout-pay", { type: "button", onclick: () => pay(c, goods) }, t("shop.pay")),
    ),
  );
  if (goods && c.area.value && !c.chosenWindow) findWindows(c);
}

/**
 * @param {Checkout} c
 * @param {any} line
 * @param {import("../money.js").Currency} currency
 */
function lineRow(c, line, currency) {
  const set = async (/** @type {number} */ quantity) => {
    try {
      c.cart = await c.app.api.request("PUT", `/shops/${c.sid}/cart/${line.variant.id}`, { json: { quantity } });
      render(c);
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  };
  return h(
    "li.cart-line",
    { dataset: { variant: String(line.variant.id) } },
    h(
      "div.row-text",
      h("span.line-name", line.variant.name ? `${line.product_name} (${line.variant.name})` : line.product_name),
      h("span.line-price", formatMoney(line.price, currency)),
      line.changed
        ? h("span.price-changed", t("shop.price_was", { amount: formatMoney(line.price_seen, currency) }))
        : null,
    ),
    h(
      "div.stepper",
      h(
        "button.btn.btn-small.btn-plain.less",
        { type: "button", "aria-label": t("shop.less"), onclick: () => set(line.quantity - 1) },
        "−",
      ),
      h("span.line-quantity", String(line.quantity)),
      h(
        "button.btn.btn-small.btn-plain.more",
        { type: "button", "aria-label": t("shop.more"), onclick: () => set(line.quantity + 1) },
        "+",
      ),
    ),
  );
}

/** @param {Checkout} c */
async function findWindows(c) {
  c.chosenWindow = null;
  c.windows.replaceChildren(h("li.card-hint", t("common.loading")));
  try {
    const reply = await c.app.api.request(
      "GET",
      `/shops/${c.sid}/windows?area=${encodeURIComponent(c.area.value.trim())}`,
    );
    c.windows.replaceChildren(
      ...(reply.windows.length
        ? reply.windows.map((/** @type {any} */ w, /** @type {number} */ i) =>
            h(
              "li",
              h(
                "label.radio-row.window-option",
                h("input", {
                  type: "radio",
                  name: "window",
                  checked: i === 0,
                  onchange: () => {
                    c.chosenWindow = w;
                  },
                }),
                h("span.window-time", windowText(w, reply.time_zone)),
                h("span.window-left", t("shop.places_left", { count: w.left })),
              ),
            ),
          )
        : [h("li.card-hint", t("shop.no_windows"))]),
    );
    c.chosenWindow = reply.windows[0] || null;
  } catch (err) {
    c.windows.replaceChildren(h("li.field-error.windows-error", errorText(err)));
  }
}

/** @param {Checkout} c @param {boolean} goods */
async function pay(c, goods) {
  const currency = currencyOf(c.cart);
  /** @type {any} */
  let delivery;
  if (goods) {
    if (!c.chosenWindow || !c.address.value.trim()) {
      toast(t("shop.delivery_needed"), { kind: "error" });
      return;
    }
    delivery = {
      area: c.area.value.trim(),
      address: c.address.value.trim(),
      recipient: c.recipient.value.trim(),
      phone: c.phone.value.trim(),
      window_id: c.chosenWindow.window_id,
      day: c.chosenWindow.day,
    };
    localStorage.setItem(LAST_DELIVERY, JSON.stringify({ ...delivery, window_id: undefined, day: undefined }));
  }
  const cover = goods && c.covered && c.cart.cover_premium > 0;
  const token = await askPayment(c.app, t("shop.paying", { amount: formatMoney(toPay(c, goods), currency) }));
  if (!token) return;
  /** @type {number|undefined} */
  let total;
  for (;;) {
    try {
      const reply = await c.app.api.request("POST", `/shops/${c.sid}/checkout`, {
        json: { idempotency_key: crypto.randomUUID(), payment_token: token, delivery, total, cover },
      });
      toast(t("shop.paid"));
      c.app.go(`order/${reply.order.id}`);
      return;
    } catch (caught) {
      const err = /** @type {import("../../api.js").ApiError} */ (caught);
      const details = /** @type {any} */ (err.details);
      if (err.code === "shop.price_changed" && total === undefined) {
        const ok = await confirmDialog(
          t("shop.price_changed", { amount: formatMoney(Number(details.total), currency) }),
          { ok: t("shop.pay") },
        );
        if (!ok) return load(c);
        total = Number(details.total);
        continue;
      }
      toast(errorText(err), { kind: "error" });
      if (err.code === "shop.window_full" || err.code === "shop.window_closed") findWindows(c);
      return load(c);
    }
  }
}
