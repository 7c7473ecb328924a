// @ts-check
/**
 * The operators' merchant pools (`#/admin/merchant`): the return-shipping cover pool and
 * the credit pool with their balances, funded with a reason (the audit log), and the
 * claims waiting for the cover pool (paid, oldest first, as soon as it can pay them).
 * The server checks every call again.
 */

import { h, toast } from "../../dom.js";
import { formatFull, t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { askAmount } from "../funding.js";
import { formatMoney } from "../money.js";

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @returns {null}
 */
export function mountPools(app, root) {
  /** @type {import("../money.js").Currency} */
  let currency = { code: "CNY", exponent: 2 };
  const pools = h("ul.list.merchant-pools", { "aria-label": t("merchant.pools") });
  const waiting = h("ul.list.waiting-claims", { "aria-label": t("merchant.waiting_claims") });
  root.append(
    topbar({ title: t("merchant.pools"), back: () => app.go("me") }),
    h("div.scroll.page.wallet-page.pools-page", pools, h("h3.list-title", t("merchant.waiting_claims")), waiting),
  );
  const fail = (/** @type {unknown} */ err) => toast(errorText(err), { kind: "error" });

  async function load() {
    const reply = await app.api.request("GET", "/admin/merchant/pools");
    currency = reply.currency;
    pools.replaceChildren(
      .../** @type {const} */ (["cover", "credit"]).map((name) =>
        h(
          "li.merchant-pool",
          { dataset: { pool: name } },
          h(
            "div.row",
            h("span.row-text", t(`merchant.pool_${name}`)),
            h("span.line-amount.pool-balance", formatMoney(reply[name], currency)),
            h("button.btn.fund-pool", { type: "button", onclick: () => fund(name) }, t("merchant.fund")),
          ),
        ),
      ),
    );
    const rows = reply.waiting.map((/** @type {any} */ c) =>
      h(
        "li.waiting-claim",
        { dataset: { order: String(c.order_id) } },
        h(
          "div.row",
          h(
            "span.row-text",
            t("merchant.claim_of", { order: c.order_id }),
            h("span.line-time", formatFull(c.created_at)),
          ),
          h("span.line-amount", formatMoney(c.amount, currency)),
        ),
      ),
    );
    waiting.replaceChildren(...(rows.length ? rows : [h("li.list-empty", t("merchant.no_waiting"))]));
  }

  /** @param {string} pool */
  async function fund(pool) {
    const title = t("merchant.fund_pool", { pool: t(`merchant.pool_${pool}`) });
    const asked = await askAmount({ title, action: t("merchant.fund"), currency, reason: true });
    if (!asked) return;
    try {
      const done = await app.api.request("POST", `/admin/merchant/pools/${pool}/fund`, {
        json: { amount: asked.amount, reason: asked.reason, idempotency_key: crypto.randomUUID() },
      });
      toast(t("merchant.funded", { claims: done.claims_paid }));
    } catch (err) {
      fail(err);
    }
    await load().catch(fail);
  }

  load().catch(fail);
  return null;
}
