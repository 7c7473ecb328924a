// @ts-check
/**
 * The shop's staff: Me → Shops I work for (`#/me/shops`, with my role), the clerk's
 * orders (`#/shop/<id>/orders`: to pack, packed, out for delivery, all; pack and open each)
 * and the courier's day (`#/shop/<id>/deliveries`: today's windows in the shop's time zone,
 * each with its orders, the address, a contact button, and out for delivery, delivered
 * or failed). The server checks every role; these pages only offer what it would allow.
 */

import { confirmDialog, h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { currencyOf, statusText, windowText } from "./common.js";
import { orderRow } from "./orders.js";

/**
 * `#/me/shops`.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @returns {null}
 */
export function mountStaffed(app, root) {
  const list = h("ul.list.card-list.staffed-shops", { "aria-label": t("shop.my_shops") });
  root.append(topbar({ title: t("shop.my_shops"), back: () => app.go("me") }), h("div.scroll.page", list));
  app.api
    .request("GET", "/shop/staffed")
    .then((/** @type {any} */ reply) => {
      list.replaceChildren(
        ...(reply.shops.length
          ? reply.shops.map((/** @type {any} */ s) =>
              h(
                "li.staffed-shop",
                { dataset: { shop: String(s.shop.id), role: s.role } },
                h("div.row-text", h("span.line-name", s.shop.name), h("span.line-time", t(`shop.role_${s.role}`))),
                h(
                  "div.staffed-links",
                  s.role === "clerk"
                    ? h(
                        "a.btn.btn-small.btn-plain.to-orders",
                        { href: `#/shop/${s.shop.id}/orders` },
                        t("shop.orders_to_pack"),
                      )
                    : null,
                  h(
                    "a.btn.btn-small.btn-plain.to-deliveries",
                    { href: `#/shop/${s.shop.id}/deliveries` },
                    t("shop.deliveries"),
                  ),
                ),
              ),
            )
          : [h("li.empty-row", t("shop.no_shops"))]),
      );
    })
    .catch((err) => list.replaceChildren(h("li.empty-row", errorText(err))));
  return null;
}

/** The clerk's filters, by status ("" is every order). */
const FILTERS = ["paid", "packed", "out_for_delivery", ""];

/**
 * `#/shop/<id>/orders`: the shop's orders for its clerks and owner.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} sidText
 * @returns {null}
 */
export function mountShopOrders(app, root, sidText) {
  const sid = Number(sidText);
  let status = "paid";
  const list = h("ul.list.card-list.shop-orders", { "aria-label": t("shop.orders") });
  const tabs = h(
    "div.category-tabs.order-filters",
    { role: "tablist", "aria-label": t("shop.orders") },
    FILTERS.map((s) =>
      h(
        "button.category-tab",
        {
          type: "button",
          role: "tab",
          dataset: { status: s },
          onclick: () => {
            status = s;
            load();
          },
        },
        s ? t(s === "paid" ? "shop.orders_to_pack" : `shop.status_${s}`) : t("shop.all"),
      ),
    ),
  );
  root.append(topbar({ title: t("shop.orders"), back: () => app.back() }), h("div.scroll.page", tabs, list));

  async function load() {
    for (const tab of /** @type {NodeListOf<HTMLElement>} */ (tabs.querySelectorAll(".category-tab")))
      tab.setAttribute("aria-selected", String(tab.dataset.status === status));
    try {
      const reply = await app.api.request("GET", `/shops/${sid}/orders${status ? `?status=${status}` : ""}`);
      const currency = currencyOf(reply);
      list.replaceChildren(
        ...(reply.orders.length
          ? reply.orders.map((/** @type {any} */ o) => {
              const row = orderRow(o, currency, `#/order/${o.id}`);
              if (o.status === "paid")
                row.append(
                  h(
                    "button.btn.btn-small.btn-primary.order-pack",
                    { type: "button", onclick: () => act(o.id, "pack") },
                    t("shop.act_pack"),
                  ),
                );
              return row;
            })
          : [h("li.empty-row", t("shop.no_orders"))]),
      );
    } catch (err) {
      list.replaceChildren(h("li.empty-row", errorText(err)));
    }
  }

  /**
   * @param {number} oid
   * @param {string} action
   */
  async function act(oid, action) {
    try {
      await app.api.request("POST", `/shop/orders/${oid}/${action}`);
      toast(t("shop.done", { status: t(`shop.act_${action}`) }));
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
    load();
  }

  load();
  return null;
}

/**
 * `#/shop/<id>/deliveries`: the courier's day.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} sidText
 * @returns {null}
 */
export function mountDeliveries(app, root, sidText) {
  const sid = Number(sidText);
  const body = h("div.scroll.page.deliveries-page", h("div.empty-state", h("p", t("common.loading"))));
  root.append(
    topbar({
      title: t("shop.deliveries"),
      back: () => app.back(),
      actions: [
        h(
          "button.icon-btn.refresh-deliveries",
          { type: "button", "aria-label": t("common.retry"), onclick: () => load() },
          icon("clock"),
        ),
      ],
    }),
    body,
  );

  async function load() {
    try {
      const reply = await app.api.request("GET", `/shops/${sid}/deliveries/today`);
      body.replaceChildren(
        h("p.card-hint.deliveries-day", t("shop.today", { day: reply.day, zone: reply.time_zone })),
        ...(reply.runs.length
          ? reply.runs.map((/** @type {any} */ run) => runBox(run, reply.time_zone))
          : [h("div.empty-state", h("p", t("shop.no_windows_today")))]),
      );
    } catch (err) {
      body.replaceChildren(h("div.empty-state", h("p", errorText(err))));
    }
  }

  /**
   * @param {any} run
   * @param {string} zone
   */
  function runBox(run, zone) {
    const live = run.orders.filter((/** @type {any} */ o) => o.status !== "cancelled");
    return h(
      "section.card.pad.delivery-run",
      { dataset: { window: String(run.window.window_id) } },
      h("h3.section-title.run-time", windowText(run.window, zone), " · ", t("shop.run_count", { count: live.length })),
      live.length
        ? h(
            "ul.list.run-orders",
            live.map((/** @type {any} */ o) => deliveryRow(o)),
          )
        : h("p.card-hint", t("shop.no_orders")),
    );
  }

  /** @param {any} o */
  function deliveryRow(o) {
    const d = o.delivery || {};
    /** @type {Record<string, string[]>} */
    const next = { packed: ["dispatch"], out_for_delivery: ["deliver", "fail"] };
    return h(
      "li.delivery-order",
      { dataset: { order: String(o.id), status: o.status } },
      h(
        "div.row-text",
        h("a.line-name", { href: `#/order/${o.id}` }, d.address),
        h("span.line-time", [d.recipient, d.area].filter(Boolean).join(" · ")),
        h(`span.order-status.status-${o.status}`, statusText(o.status)),
      ),
      h(
        "div.delivery-buttons",
        d.phone
          ? h(
              "a.btn.btn-small.btn-plain.contact-buyer",
              { href: `tel:${d.phone}`, "aria-label": t("shop.contact") },
              t("shop.contact"),
            )
          : null,
        ...(next[o.status] || []).map((action) =>
          h(
            `button.btn.btn-small.${action === "fail" ? "btn-plain.danger-text" : "btn-primary"}.order-${action}`,
            { type: "button", onclick: () => act(o.id, action) },
            t(`shop.act_${action}`),
          ),
        ),
      ),
    );
  }

  /**
   * @param {number} oid
   * @param {string} action
   */
  async function act(oid, action) {
    if (action === "fail" && !(await confirmDialog(t("shop.confirm_fail"), { danger: true }))) return;
    try {
      await app.api.request("POST", `/shop/orders/${oid}/${action}`);
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
    load();
  }

  load();
  return null;
}
