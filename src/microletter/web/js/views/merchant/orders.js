// @ts-check
/**
 * My orders (`#/me/orders`), for buyers: each order's items, total and state; a delivered
 * order of goods may be sent back (`request_return`), and a covered one shows its claim
 * (paid from the cover pool once the shop confirms the goods came back, or waiting).
 */

import { confirmDialog, h, toast } from "../../dom.js";
import { formatFull, t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { formatMoney } from "../money.js";

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @returns {null}
 */
export function mountOrders(app, root) {
  const list = h("ul.list.my-orders", { "aria-label": t("merchant.my_orders") });
  root.append(
    topbar({ title: t("merchant.my_orders"), back: () => app.go("me") }),
    h("div.scroll.page.wallet-page.orders-page", list),
  );
  const fail = (/** @type {unknown} */ err) => toast(errorText(err), { kind: "error" });

  async function load() {
    const [orders, claims] = await Promise.all([
      app.api.request("GET", "/shop/orders"),
      app.api.request("GET", "/merchant/claims"),
    ]);
    /** @type {Map<number, any>} */
    const claimOf = new Map(claims.claims.map((/** @type {any} */ c) => [c.order_id, c]));
    const rows = orders.orders.map((/** @type {any} */ o) => row(o, claimOf.get(o.id), claims.currency));
    list.replaceChildren(...(rows.length ? rows : [h("li.list-empty", t("merchant.no_orders"))]));
  }

  /**
   * @param {any} o
   * @param {any} claim
   * @param {import("../money.js").Currency} currency
   */
  function row(o, claim, currency) {
    const names = o.lines.map((/** @type {any} */ x) => `${x.name} × ${x.quantity}`).join(", ");
    const returnable = o.status === "delivered" && o.kind === "physical";
    return h(
      "li.my-order",
      { dataset: { order: String(o.id), status: o.status } },
      h(
        "div.row",
        h(
          "span.row-text",
          h("span.order-items", names),
          h("span.order-status", t(`merchant.status_${o.status}`)),
          h("span.line-time", formatFull(o.created_at)),
          o.cover_premium ? h("span.return-covered", t("merchant.covered")) : "",
          claim
            ? h(
                "span.order-claim",
                t(`merchant.claim_${claim.status}`, { amount: formatMoney(claim.amount, currency) }),
              )
            : "",
        ),
        h("span.line-amount", formatMoney(o.total, currency)),
      ),
      returnable
        ? h(
            "div.dialog-actions",
            h(
              "button.btn.request-return",
              { type: "button", onclick: () => askReturn(o) },
              t("merchant.request_return"),
            ),
          )
        : "",
    );
  }

  /** @param {any} o */
  async function askReturn(o) {
    const text = o.cover_premium ? t("merchant.return_confirm_covered") : t("merchant.return_confirm");
    if (!(await confirmDialog(text, { ok: t("merchant.request_return") }))) return;
    try {
      await app.api.request("POST", `/shop/orders/${o.id}/request_return`);
      toast(t("merchant.return_requested"));
    } catch (err) {
      fail(err);
    }
    await load().catch(fail);
  }

  load().catch(fail);
  return null;
}
