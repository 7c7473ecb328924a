// @ts-check
/**
 * Money in the web client, shared by the wallet, red packets, funding and the operators'
 * page: amounts shown and parsed (integers of minor units with the server's exponent, never
 * through a float), and the payment password traded for a one-payment token.
 */

import { dialog, h, toast } from "../dom.js";
import { locale, t } from "../i18n.js";
import { errorText } from "./contacts/request.js";

/** @typedef {{code: string, exponent: number}} Currency */

/**
 * `1234` (minor units) → `¥12.34`, in the locale's format (Intl: its digits, separators and
 * the sign's place; `١٢٫٣٤ ¥` in Arabic). The amount reaches Intl as a decimal string built
 * from the integer, never as a float.
 * @param {number} minor
 * @param {Currency} currency
 */
export function formatMoney(minor, currency) {
  const sign = minor < 0 ? "-" : "";
  const digits = String(Math.abs(minor)).padStart(currency.exponent + 1, "0");
  const whole = currency.exponent ? digits.slice(0, -currency.exponent) : digits;
  const part = currency.exponent ? `.${digits.slice(-currency.exponent)}` : "";
  const exact = /** @type {any} */ (`${sign}${whole}${part}`); // Intl takes decimal strings
  try {
    return new Intl.NumberFormat(locale(), {
      style: "currency",
      currency: currency.code,
      currencyDisplay: "narrowSymbol",
      minimumFractionDigits: currency.exponent,
      maximumFractionDigits: currency.exponent,
    }).format(exact);
  } catch {
    return `${sign}${currency.code} ${whole}${part}`; // a code Intl does not know
  }
}

/**
 * What the user typed (`12.5`) → minor units (1250), or null if it is not an amount.
 * @param {string} text
 * @param {Currency} currency
 * @returns {number|null}
 */
export function parseAmount(text, currency) {
  const match = /^\s*(\d{1,13})(?:[.,](\d*))?\s*$/.exec(text);
  if (!match) return null;
  const part = match[2] ?? "";
  if (part.length > currency.exponent) return null;
  const minor = Number(match[1] + part.padEnd(currency.exponent, "0"));
  return Number.isSafeInteger(minor) && minor > 0 ? minor : null;
}

/**
 * My wallet: `{balance, currency, has_pay_password, locked_until}`.
 * @param {import("../app.js").App} app
 */
export async function wallet(app) {
  return app.api.request("GET", "/wallet");
}

/**
 * Ask for the payment password and trade it for a payment token (null if cancelled or
 * refused; the reason is shown).
 * @param {import("../app.js").App} app
 * @param {string} title what is being paid, shown above the field
 * @returns {Promise<string|null>}
 */
export async function askPayment(app, title) {
  const state = await wallet(app);
  if (!state.has_pay_password) {
    toast(t("wallet.set_password_first"), { kind: "error" });
    return null;
  }
  const digits = await askDigits(title, t("wallet.enter_password"));
  if (!digits) return null;
  try {
    const reply = await app.api.request("POST", "/wallet/pay-password/verify", { json: { pay_password: digits } });
    return reply.payment_token;
  } catch (err) {
    toast(errorText(err), { kind: "error" });
    return null;
  }
}

/**
 * A 6-digit field in a dialog.
 * @param {string} title
 * @param {string} label
 * @returns {Promise<string|undefined>}
 */
function askDigits(title, label) {
  return dialog(
    (close) => {
      const input = h("input.field.pay-password", {
        type: "password",
        inputMode: "numeric",
        autocomplete: "off",
        maxLength: 6,
        pattern: "[0-9]{6}",
        "aria-label": label,
        placeholder: "••••••",
        autofocus: true,
      });
      return h(
        "form.dialog-body",
        {
          onsubmit: (/** @type {Event} */ e) => {
            e.preventDefault();
            if (/^\d{6}$/.test(input.value)) close(input.value);
          },
        },
        h("h2.dialog-title", title),
        h("p.dialog-text", label),
        input,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          h("button.btn.btn-primary.pay-confirm", { type: "submit" }, t("wallet.pay")),
        ),
      );
    },
    { label: title },
  );
}
