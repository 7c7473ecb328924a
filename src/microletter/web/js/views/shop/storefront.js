// @ts-check
/**
 * The shop as a buyer sees it: the storefront (`#/shop/<id>`: categories as tabs, the
 * products on sale with a picture and their price), the product page
 * (`#/shop/<id>/product/<pid>`: pictures, description, variants with price and stock, a
 * quantity, "Add to cart", "Buy now" and "Share" into a chat), and the `product` card a
 * share posts, which opens the product page, where it is bought.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { formatMoney } from "../money.js";
import { currencyOf, picture, pickChat, priceRange } from "./common.js";

/**
 * The cart button of a shop's top bar, with the number of items in it.
 * @param {import("../../app.js").App} app
 * @param {number} sid
 */
export function cartButton(app, sid) {
  const count = h("span.badge.cart-count", { hidden: true });
  const button = h(
    "button.icon-btn.cart-btn",
    { type: "button", "aria-label": t("shop.cart"), onclick: () => app.go(`shop/${sid}/cart`) },
    icon("shop"),
    count,
  );
  app.api
    .request("GET", `/shops/${sid}/cart`)
    .then((/** @type {any} */ reply) => showCount(count, reply.lines))
    .catch(() => {});
  return button;
}

/**
 * @param {HTMLElement} count
 * @param {any[]} lines
 */
function showCount(count, lines) {
  const n = lines.reduce((sum, line) => sum + line.quantity, 0);
  count.hidden = n === 0;
  count.textContent = String(n);
}

/**
 * `#/shop/<id>`: the storefront.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} sidText
 * @returns {null}
 */
export function mountShop(app, root, sidText) {
  const sid = Number(sidText);
  const title = h("span", t("shop.shop"));
  const body = h("div.scroll.page.shop-page", h("div.empty-state", h("p", t("common.loading"))));
  root.append(topbar({ title, back: () => app.back(), actions: [cartButton(app, sid)] }), body);
  app.api
    .request("GET", `/shops/${sid}`)
    .then((/** @type {any} */ reply) => {
      const currency = currencyOf(reply);
      title.textContent = reply.shop.name;
      /** @type {number|null} */
      let chosen = null;
      const grid = h("ul.product-grid", { "aria-label": t("shop.products") });
      const tabs = h("div.category-tabs", { role: "tablist", "aria-label": t("shop.categories") });
      const show = () => {
        const products = reply.products.filter((/** @type {any} */ p) => chosen === null || p.category_id === chosen);
        grid.replaceChildren(
          ...(products.length
            ? products.map((/** @type {any} */ p) => productTile(app, sid, p, currency))
            : [h("li.empty-row", t("shop.no_products"))]),
        );
        for (const tab of /** @type {NodeListOf<HTMLElement>} */ (tabs.querySelectorAll(".category-tab")))
          tab.setAttribute("aria-selected", String(tab.dataset.category === String(chosen ?? "")));
      };
      const tab = (/** @type {number|null} */ id, /** @type {string} */ name) =>
        h(
          "button.category-tab",
          {
            type: "button",
            role: "tab",
            dataset: { category: String(id ?? "") },
            onclick: () => {
              chosen = id;
              show();
            },
          },
          name,
        );
      tabs.append(tab(null, t("shop.all")), ...reply.categories.map((/** @type {any} */ c) => tab(c.id, c.name)));
      body.replaceChildren(
        h(
          "section.card.pad.shop-head",
          h("h2.shop-name", reply.shop.name),
          reply.shop.description ? h("p.shop-about", reply.shop.description) : null,
        ),
        reply.categories.length ? tabs : "",
        grid,
      );
      show();
    })
    .catch((err) => body.replaceChildren(h("div.empty-state", h("p", errorText(err)))));
  return null;
}

/**
 * @param {import("../../app.js").App} app
 * @param {number} sid
 * @param {any} p
 * @param {import("../money.js").Currency} currency
 */
function productTile(app, sid, p, currency) {
  const stock = p.variants.reduce((/** @type {number} */ n, /** @type {any} */ v) => n + v.stock, 0);
  return h(
    "li.product-tile",
    h(
      "a.product-link",
      { href: `#/shop/${sid}/product/${p.id}`, dataset: { product: String(p.id) } },
      picture(app, p.pictures[0], "product-thumb"),
      h("span.product-name", p.name),
      h("span.product-price", priceRange(p, currency)),
      stock ? null : h("span.product-sold-out", t("shop.sold_out")),
    ),
  );
}

/**
 * `#/shop/<id>/product/<pid>`: one product, to buy.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} sidText
 * @param {string} pidText
 * @returns {null}
 */
export function mountProduct(app, root, sidText, pidText) {
  const sid = Number(sidText);
  const pid = Number(pidText);
  const cart = cartButton(app, sid);
  const title = h("span", t("shop.product"));
  const body = h("div.scroll.page.product-page", h("div.empty-state", h("p", t("common.loading"))));
  root.append(topbar({ title, back: () => app.back(), actions: [cart] }), body);
  app.api
    .request("GET", `/shops/${sid}/products/${pid}`)
    .then((/** @type {any} */ reply) => {
      const p = reply.product;
      const currency = currencyOf(reply);
      title.textContent = p.name;
      /** @type {any} */
      let variant = p.variants.find((/** @type {any} */ v) => v.stock > 0) || p.variants[0];
      const price = h("p.product-page-price");
      const stock = h("p.product-stock");
      const quantity = /** @type {HTMLInputElement} */ (
        h("input.field.quantity", { type: "number", min: 1, max: 99, value: 1, "aria-label": t("shop.quantity") })
      );
      const add = h(
        "button.btn.btn-plain.add-to-cart",
        { type: "button", onclick: () => put(false) },
        t("shop.add_to_cart"),
      );
      const buy = h("button.btn.btn-primary.buy-now", { type: "button", onclick: () => put(true) }, t("shop.buy_now"));
      const variants = h(
        "div.variant-list",
        { role: "radiogroup", "aria-label": t("shop.variants") },
        p.variants.map((/** @type {any} */ v) =>
          h(
            "label.variant-option",
            h("input", {
              type: "radio",
              name: "variant",
              value: String(v.id),
              checked: v === variant,
              onchange: () => {
                variant = v;
                show();
              },
            }),
            h("span", v.name || v.sku),
          ),
        ),
      );
      const show = () => {
        price.textContent = formatMoney(variant.price, currency);
        stock.textContent = variant.stock ? t("shop.in_stock", { count: variant.stock }) : t("shop.sold_out");
        add.disabled = buy.disabled = variant.stock === 0;
      };
      /** @param {boolean} checkout */
      async function put(checkout) {
        const n = Math.max(1, Math.min(99, Math.floor(Number(quantity.value) || 1)));
        try {
          const reply = await app.api.request("PUT", `/shops/${sid}/cart/${variant.id}`, { json: { quantity: n } });
          showCount(/** @type {HTMLElement} */ (cart.querySelector(".cart-count")), reply.lines);
          if (checkout) app.go(`shop/${sid}/cart`);
          else toast(t("shop.added"));
        } catch (err) {
          toast(errorText(err), { kind: "error" });
        }
      }
      body.replaceChildren(
        h(
          "div.product-pictures",
          p.pictures.length
            ? p.pictures.map((/** @type {any} */ m) => picture(app, m, "product-picture"))
            : picture(app, null, "product-picture"),
        ),
        h(
          "section.card.pad.product-info",
          h("h2.product-title", p.name),
          price,
          p.kind === "digital" ? h("p.product-kind", t("shop.digital")) : null,
          variants,
          stock,
          h("label.field-label.quantity-label", t("shop.quantity"), quantity),
          h("div.product-actions", add, buy),
          h(
            "button.btn.btn-plain.share-product",
            { type: "button", onclick: () => share() },
            icon("send"),
            t("shop.share"),
          ),
        ),
        p.description ? h("section.card.pad.product-description", h("p", p.description)) : "",
        h("a.shop-link", { href: `#/shop/${sid}` }, t("shop.visit_shop")),
      );
      show();

      async function share() {
        const cid = await pickChat(app, t("shop.share_title", { name: p.name }));
        if (!cid) return;
        try {
          const { message } = await app.api.request("POST", `/shops/${sid}/products/${pid}/share`, {
            json: { conversation_id: cid, client_msg_id: `p-${crypto.randomUUID()}`.slice(0, 32) },
          });
          app.store.putMessage(message, false);
          toast(t("shop.shared"));
        } catch (err) {
          toast(errorText(err), { kind: "error" });
        }
      }
    })
    .catch((err) => body.replaceChildren(h("div.empty-state", h("p", errorText(err)))));
  return null;
}

/**
 * A `product` card in a chat: the picture, the name, the price as shared and the shop;
 * it opens the product page (the price and stock now), where it is bought.
 * @param {import("../../app.js").App} app
 * @param {any} message
 */
export function productBubble(app, message) {
  const d = message.data || {};
  const currency = { code: d.currency || "CNY", exponent: 2 };
  const price = h("span.product-card-price", formatMoney(d.price || 0, currency));
  app.api
    .request("GET", "/wallet")
    .then((/** @type {any} */ w) => {
      if (w.currency?.code === currency.code) price.textContent = formatMoney(d.price || 0, w.currency);
    })
    .catch(() => {});
  return h(
    "a.bubble.bubble-product",
    {
      href: `#/shop/${Number(d.shop_id)}/product/${Number(d.product_id)}`,
      "aria-label": t("shop.open_product", { name: d.name || "" }),
      dataset: { product: String(d.product_id) },
    },
    picture(app, d.picture, "product-card-picture"),
    h("span.product-card-text", h("span.product-card-name", d.name || ""), price),
    h("span.card-foot.product-card-foot", icon("shop"), h("span", d.shop_name || t("shop.shop"))),
  );
}
