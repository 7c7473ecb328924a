// @ts-check
/**
 * Top-ups and withdrawals in Me → Wallet: the two buttons on the balance card, the amount
 * sheet (a withdrawal then asks for the payment password), and the list of my requests
 * with their state. With the built-in provider an operator approves each request
 * (views/walletadmin.js); a withdrawal leaves the balance at once and comes back if it is
 * rejected (docs/wallet.md).
 */

import { dialog, h, toast } from "../dom.js";
import { formatFull, t } from "../i18n.js";
import { errorText } from "./contacts/request.js";
import { askPayment, formatMoney, parseAmount } from "./money.js";

/** @typedef {import("./money.js").Currency} Currency */

/**
 * An amount sheet, with a reason when `reason` is set (an operator's credit or debit).
 * Resolves with the amount in minor units (and the reason), or undefined if cancelled.
 * @param {{title: string, action: string, currency: Currency, reason?: boolean, cls?: string}} o
 * @returns {Promise<{amount: number, reason: string}|undefined>}
 */
export function askAmount({ title, action, currency, reason = false, cls = "" }) {
  return dialog(
    (close) => {
      const amount = h("input.field.funding-amount", {
        inputMode: "decimal",
        placeholder: formatMoney(0, currency),
        "aria-label": t("wallet.amount"),
        autofocus: true,
      });
      const why = reason
        ? h("input.field.funding-reason", {
            maxLength: 500,
            placeholder: t("walletadmin.reason"),
            "aria-label": t("walletadmin.reason"),
          })
        : null;
      const error = h("p.field-error", { hidden: true });
      return h(
        `form.dialog-body.funding-sheet${cls ? `.${cls}` : ""}`,
        {
          onsubmit: (/** @type {Event} */ e) => {
            e.preventDefault();
            const minor = parseAmount(amount.value, currency);
            const text = why?.value.trim() ?? "";
            if (minor === null || (why && !text)) {
              error.textContent = t(minor === null ? "wallet.amount_invalid" : "walletadmin.reason_needed");
              error.hidden = false;
              return;
            }
            close({ amount: minor, reason: text });
          },
        },
        h("h2.dialog-title", title),
        h("label.field-label", t("wallet.amount"), amount),
        why,
        error,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          h("button.btn.btn-primary.funding-next", { type: "submit" }, action),
        ),
      );
    },
    { label: title },
  );
}

/**
 * One top-up or withdrawal as a row: what, when, how much and its state.
 * @param {any} r a request as the API gives it
 * @param {Currency} currency
 * @param {HTMLElement|string|null} [extra] more to show (the operators' page: who, buttons)
 */
export function requestRow(r, currency, extra = null) {
  const sign = r.direction === "withdrawal" ? -1 : 1;
  return h(
    "li.funding-request",
    { "data-status": r.status, "data-id": String(r.id) },
    h(
      "div.row",
      h(
        "span.row-text",
        h("span.funding-kind", t(`funding.kind_${r.direction}`)),
        h("span.line-time", formatFull(r.created_at)),
      ),
      h(
        "span.funding-side",
        h(`span.line-amount${sign > 0 ? ".in" : ""}`, (sign > 0 ? "+" : "") + formatMoney(sign * r.amount, currency)),
        h(`span.funding-status.${r.status}`, t(`funding.status_${r.status}`)),
      ),
    ),
    extra,
  );
}

/**
 * The buttons for the balance card and the list of my requests; `moved` is called when
 * my balance changed (a withdrawal holds its amount at once).
 * @param {import("../app.js").App} app
 * @param {{currency: () => Currency, moved: () => void}} o
 */
export function fundingSection(app, { currency, moved }) {
  const list = h("ul.list.funding-requests", { "aria-label": t("funding.title") });
  const section = h("section.funding", { hidden: true }, h("h3.list-title", t("funding.title")), list);
  const buttons = h(
    "div.wallet-actions",
    h("button.btn.wallet-topup", { type: "button", onclick: () => topUp() }, t("funding.topup")),
    h("button.btn.wallet-withdraw", { type: "button", onclick: () => withdraw() }, t("funding.withdraw")),
  );

  async function load() {
    const reply = await app.api.request("GET", "/wallet/funding-requests");
    list.replaceChildren(...reply.requests.map((/** @type {any} */ r) => requestRow(r, reply.currency)));
    section.hidden = !reply.requests.length;
  }

  async function topUp() {
    const asked = await askAmount({ title: t("funding.topup"), action: t("funding.topup"), currency: currency() });
    if (!asked) return;
    try {
      await app.api.request("POST", "/wallet/topups", {
        json: { amount: asked.amount, idempotency_key: crypto.randomUUID() },
      });
      toast(t("funding.sent"));
      await load();
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  }

  async function withdraw() {
    const asked = await askAmount({
      title: t("funding.withdraw"),
      action: t("funding.withdraw"),
      currency: currency(),
    });
    if (!asked) return;
    const token = await askPayment(app, t("funding.withdrawing", { amount: formatMoney(asked.amount, currency()) }));
    if (!token) return;
    try {
      await app.api.request("POST", "/wallet/withdrawals", {
        json: { amount: asked.amount, payment_token: token, idempotency_key: crypto.randomUUID() },
      });
      toast(t("funding.sent"));
      moved();
      await load();
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  }

  return { buttons, section, load };
}
