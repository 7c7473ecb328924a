// @ts-check
/**
 * The pay sheet: a merchant's order (merchant, item, amount), confirmed with the payment
 * password. The password buys a payment token (POST /wallet/pay-password/verify), the
 * token pays the order (POST /merchant-orders/pay) with an idempotency key chosen once
 * per sheet, so a retry after a lost answer never pays twice.
 *
 * A module of its own, for every way an order reaches a payer: a NATIVE order's code,
 * scanned or opened as a link (the route #/pay/<code>, `mountPay` below), and later an H5
 * page's chooseWXPay (the mini-apps), which calls `openPaySheet(app, {prepayId})`.
 */

import { dialog, h, icon } from "../dom.js";
import { t } from "../i18n.js";
import { accountAvatar, topbar } from "../common.js";

/**
 * What names the order: a pay code (NATIVE) or a prepay_id (JSAPI), with what the page's
 * chooseWXPay carried for the server to check (`signed`: app_id, timestamp, nonce_str,
 * package, sign_type, pay_sign).
 * @typedef {{code?: string, prepayId?: string, signed?: Record<string, string>}} PayRef
 * @typedef {{order: {out_trade_no: string, trade_type: string, body: string, detail: string,
 *   total_fee: number, state: string, expires_at: number, paid_at: number|null,
 *   transaction_id: string|null}, merchant: {id: number, name: string, avatar: string|null, original_id: string},
 *   currency: {code: string, exponent: number}, payable: boolean, paid_by_me: boolean}} Sheet
 */

const SYMBOLS = /** @type {Record<string, string>} */ ({ CNY: "¥", USD: "$", EUR: "€", GBP: "£", JPY: "¥" });

/**
 * An amount of minor units as people read it: 1250 → ¥12.50 (integers only, never a float).
 * @param {number} minor
 * @param {{code: string, exponent: number}} currency
 */
export function formatMoney(minor, currency) {
  const e = currency.exponent;
  const whole = Math.floor(minor / 10 ** e);
  const part = e ? `.${String(minor % 10 ** e).padStart(e, "0")}` : "";
  return `${SYMBOLS[currency.code] || `${currency.code} `}${whole}${part}`;
}

/** @param {PayRef} ref */
function query(ref) {
  if (ref.code) return `code=${encodeURIComponent(ref.code)}`;
  return new URLSearchParams({ prepay_id: ref.prepayId || "", ...(ref.signed || {}) }).toString();
}

/** @param {unknown} err */
function errorText(err) {
  const code = /** @type {{code?: string}} */ (err).code || "internal";
  const key = `error.${code}`;
  return t(key) === key ? t("error.generic", { code }) : t(key);
}

/**
 * Show the order and let me pay it. Resolves with the sheet as it ended (null if the
 * order could not be loaded), and whether this sheet paid it. A chooseWXPay whose paySign
 * the server refused opens no sheet: `refused` is the error's code, for the page.
 * @param {import("../app.js").App} app
 * @param {PayRef} ref
 * @returns {Promise<{sheet: Sheet|null, paid: boolean, refused?: string}>}
 */
export async function openPaySheet(app, ref) {
  /** @type {Sheet|null} */
  let sheet = null;
  /** @type {unknown} */
  let loadError = null;
  try {
    sheet = await app.api.request("GET", `/merchant-orders?${query(ref)}`);
  } catch (err) {
    loadError = err;
  }
  const code = /** @type {{code?: string}} */ (loadError)?.code;
  if (ref.signed && code === "wxpay.signature_invalid") return { sheet: null, paid: false, refused: code };
  const key = `pay-${crypto.randomUUID()}`;
  let paid = false;
  await dialog(
    (close) => {
      const body = h("div.paysheet");
      const render = () => {
        body.replaceChildren(
          ...content(app, ref, sheet, loadError, key, close, (s) => {
            sheet = s;
            paid = true;
            render();
          }),
        );
      };
      render();
      return body;
    },
    { label: t("pay.title"), sheet: true },
  );
  return { sheet, paid };
}

/**
 * @param {import("../app.js").App} app
 * @param {PayRef} ref
 * @param {Sheet|null} sheet
 * @param {unknown} loadError
 * @param {string} key the idempotency key of this sheet's payment
 * @param {(value?: any) => void} close
 * @param {(sheet: Sheet) => void} done
 * @returns {Node[]}
 */
function content(app, ref, sheet, loadError, key, close, done) {
  const closeButton = h(
    "button.icon-btn.paysheet-close",
    { type: "button", "aria-label": t("common.close"), onclick: () => close() },
    icon("close"),
  );
  if (!sheet) {
    return [closeButton, h("p.paysheet-status", { role: "alert" }, errorText(loadError))];
  }
  const { order, merchant, currency } = sheet;
  const head = [
    closeButton,
    h("div.paysheet-merchant", accountAvatar(merchant, 48), h("span.paysheet-name", merchant.name)),
    h("p.paysheet-item", order.body),
    h("p.paysheet-amount", { id: "pay-amount" }, formatMoney(order.total_fee, currency)),
  ];
  if (!sheet.payable) {
    const done = order.state === "SUCCESS" || order.state === "REFUND";
    const text = done
      ? t(sheet.paid_by_me ? "pay.paid" : "pay.paid_already")
      : t(order.state === "NOTPAY" ? "error.wxpay.merchant_restricted" : "pay.closed");
    return [
      ...head,
      h(
        `p.paysheet-status${done ? ".paid" : ""}`,
        { role: "status", id: "pay-status" },
        done ? icon("check") : null,
        text,
      ),
      done && order.transaction_id ? h("p.paysheet-receipt", t("pay.transaction", { id: order.transaction_id })) : null,
      h("button.btn.btn-primary.btn-block", { type: "button", onclick: () => close() }, t("common.close")),
    ].filter((n) => n !== null);
  }
  const password = /** @type {HTMLInputElement} */ (
    h("input.field.paysheet-password#pay-password", {
      type: "password",
      inputmode: "numeric",
      autocomplete: "off",
      maxLength: 6,
      pattern: "[0-9]{6}",
      required: true,
      "aria-label": t("pay.password"),
      placeholder: "••••••",
      autofocus: true,
    })
  );
  const error = h("p.paysheet-error", { role: "alert", id: "pay-error" });
  const submit = /** @type {HTMLButtonElement} */ (
    h("button.btn.btn-primary.btn-block#pay-submit", { type: "submit" }, t("pay.pay"))
  );
  const form = h(
    "form.paysheet-form",
    {
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        if (!/^[0-9]{6}$/.test(password.value)) {
          error.textContent = t("error.wallet.pay_password_invalid");
          return;
        }
        submit.disabled = true;
        error.textContent = "";
        try {
          const { payment_token } = await app.api.request("POST", "/wallet/pay-password/verify", {
            json: { pay_password: password.value },
          });
          const body = {
            payment_token,
            idempotency_key: key,
            ...(ref.code ? { code: ref.code } : { prepay_id: ref.prepayId, ...(ref.signed || {}) }),
          };
          done(await app.api.request("POST", "/merchant-orders/pay", { json: body }));
        } catch (err) {
          password.value = "";
          error.textContent = errorText(err);
          submit.disabled = false;
          password.focus();
        }
      },
    },
    h("label.paysheet-label", { for: "pay-password" }, t("pay.password")),
    password,
    error,
    submit,
  );
  return [...head, form];
}

/**
 * The route #/pay/<code>: what a NATIVE order's code opens. The sheet opens at once; the
 * page behind it says how it ended and can open it again.
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} code
 */
export function mountPay(app, root, code) {
  const body = h("div.scroll.page.paypage");
  root.append(topbar({ title: t("pay.title"), back: () => app.back() }), body);
  let alive = true;
  const open = async () => {
    const { sheet } = await openPaySheet(app, { code });
    if (!alive) return;
    const state = sheet?.order.state;
    const paid = state === "SUCCESS" || state === "REFUND";
    body.replaceChildren(
      h(
        "div.empty-state",
        sheet
          ? h(
              "p#pay-result",
              paid
                ? t("pay.paid_to", {
                    name: sheet.merchant.name,
                    amount: formatMoney(sheet.order.total_fee, sheet.currency),
                  })
                : t("pay.not_paid"),
            )
          : null,
        sheet && sheet.payable
          ? h("button.btn.btn-primary", { type: "button", onclick: open }, t("pay.open_again"))
          : null,
      ),
    );
  };
  open();
  return {
    destroy() {
      alive = false;
    },
  };
}
