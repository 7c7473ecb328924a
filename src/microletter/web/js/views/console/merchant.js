// @ts-check
/**
 * An account's Merchant section in the developer console: its mch_id and API key for
 * WeChat Pay (the key is shown once, when issued or replaced), the settlement account's
 * balance, and the latest orders and refunds (docs/wallet.md, "The merchant API").
 */

import { confirmDialog, dialog, h, icon } from "../../dom.js";
import { formatFull, t } from "../../i18n.js";
import { errorToast } from "../officials.js";
import { formatMoney } from "../paysheet.js";
import { copy, credential } from "./credentials.js";

/**
 * @param {import("./account.js").AccountPage} page
 * @returns {HTMLElement}
 */
export function merchantBox(page) {
  const box = h("div.console-merchant-box", h("p.card-hint", t("common.loading")));
  load(page, box);
  return box;
}

/**
 * @param {import("./account.js").AccountPage} page
 * @param {HTMLElement} box
 */
async function load(page, box) {
  const base = `/developer/accounts/${page.id}/merchant`;
  try {
    const section = await page.app.api.request("GET", base);
    if (!section.merchant) {
      box.replaceChildren(
        h("p.card-hint", t("console.merchant_intro")),
        h(
          "button.btn.btn-primary#merchant-enable",
          { type: "button", onclick: () => issue(page, box, false) },
          t("console.merchant_enable"),
        ),
      );
      return;
    }
    const [{ orders }, { refunds }] = await Promise.all([
      page.app.api.request("GET", `${base}/orders`),
      page.app.api.request("GET", `${base}/refunds`),
    ]);
    const money = (/** @type {number} */ n) => formatMoney(n, section.currency);
    box.replaceChildren(
      credential(t("console.mch_id"), section.merchant.mch_id, "cred-mch-id"),
      h(
        "div.cred",
        h("span.cred-label", t("console.api_key")),
        h("span.cred-value.muted", t("console.secret_hidden")),
        h(
          "button.btn.btn-small.btn-plain#merchant-rekey",
          { type: "button", onclick: () => issue(page, box, true) },
          t("console.reset"),
        ),
      ),
      h("p.merchant-balance", t("console.merchant_balance"), " ", h("strong#merchant-balance", money(section.balance))),
      h("h3.merchant-sub", t("console.merchant_orders")),
      orders.length
        ? h(
            "table.merchant-table#merchant-orders",
            h(
              "thead",
              h(
                "tr",
                ...["out_trade_no", "item", "amount", "state", "notified", "time"].map((k) =>
                  h("th", t(`console.merchant_col_${k}`)),
                ),
              ),
            ),
            h(
              "tbody",
              ...orders.map((/** @type {any} */ o) =>
                h(
                  "tr",
                  h("td", h("code", o.out_trade_no)),
                  h("td", o.body),
                  h("td", money(o.total_fee), o.refunded_fee ? h("span.muted", ` (−${money(o.refunded_fee)})`) : null),
                  h(
                    "td",
                    h(
                      `span.merchant-state.state-${o.state.toLowerCase()}`,
                      t(`console.merchant_state_${o.state.toLowerCase()}`),
                    ),
                  ),
                  h(
                    "td",
                    o.notified_at
                      ? h("span", { role: "img", "aria-label": t("console.merchant_notified") }, icon("check"))
                      : o.paid_at
                        ? t("console.merchant_notifying")
                        : "—",
                  ),
                  h("td", formatFull(o.created_at)),
                ),
              ),
            ),
          )
        : h("p.card-hint", t("console.merchant_no_orders")),
      h("h3.merchant-sub", t("console.merchant_refunds")),
      refunds.length
        ? h(
            "table.merchant-table#merchant-refunds",
            h(
              "thead",
              h(
                "tr",
                ...["out_refund_no", "out_trade_no", "amount", "time"].map((k) =>
                  h("th", t(`console.merchant_col_${k}`)),
                ),
              ),
            ),
            h(
              "tbody",
              ...refunds.map((/** @type {any} */ r) =>
                h(
                  "tr",
                  h("td", h("code", r.out_refund_no)),
                  h("td", h("code", r.out_trade_no)),
                  h("td", money(r.refund_fee)),
                  h("td", formatFull(r.created_at)),
                ),
              ),
            ),
          )
        : h("p.card-hint", t("console.merchant_no_refunds")),
    );
  } catch (err) {
    box.replaceChildren(h("p.card-hint", t("me.qr_offline")));
    errorToast(err);
  }
}

/**
 * Enable payments, or replace the API key; show the key once.
 * @param {import("./account.js").AccountPage} page
 * @param {HTMLElement} box
 * @param {boolean} replace
 */
async function issue(page, box, replace) {
  if (replace && !(await confirmDialog(t("console.api_key_confirm"), { ok: t("console.reset"), danger: true }))) return;
  try {
    const made = await page.app.api.request("POST", `/developer/accounts/${page.id}/merchant/key`);
    await showKey(made.merchant.mch_id, made.api_key);
  } catch (err) {
    errorToast(err);
  }
  load(page, box);
}

/**
 * @param {string} mchId
 * @param {string} key
 */
function showKey(mchId, key) {
  return dialog(
    (close) =>
      h(
        "div.dialog-body",
        h("h2.dialog-title", t("console.api_key_title")),
        h("p.dialog-text", t("console.api_key_once", { mch_id: mchId })),
        h("code.secret-value#merchant-api-key", key),
        h(
          "div.dialog-actions",
          h(
            "button.btn.btn-plain",
            { type: "button", onclick: () => copy(key) },
            icon("paste"),
            t("console.copy_short"),
          ),
          h(
            "button.btn.btn-primary",
            { type: "button", autofocus: true, onclick: () => close() },
            t("console.secret_saved"),
          ),
        ),
      ),
    { label: t("console.api_key_title") },
  );
}
