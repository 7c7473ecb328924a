// @ts-check
/**
 * Me → Wallet: the balance, top-ups and withdrawals (views/funding.js), the statement
 * (newest first, more on demand), a receipt per line, and setting or changing the payment
 * password; and the pieces the chat uses: the
 * transfer sheet (amount, note, then the payment password), and the transfer card with
 * accept and return. Amounts are integers of minor units everywhere: what the user types
 * is parsed as text into minor units with the server's exponent, never through a float.
 */

import { dialog, h, icon, toast } from "../dom.js";
import { formatFull, t } from "../i18n.js";
import { topbar } from "../common.js";
import { errorText } from "./contacts/request.js";
import { askPayment, formatMoney, parseAmount, wallet } from "./money.js";
import { fundingSection } from "./funding.js";

export { askPayment, formatMoney, parseAmount };

/** @typedef {import("./money.js").Currency} Currency */

/**
 * The "+" panel's Transfer: amount and note, then the payment password; the card appears
 * in the chat through the usual message event.
 * @param {import("../app.js").App} app
 * @param {number} cid
 */
export async function sendTransfer(app, cid) {
  const { currency } = await wallet(app);
  /** @type {{amount: number, note: string}|undefined} */
  const asked = await dialog(
    (close) => {
      const amount = h("input.field.transfer-amount", {
        inputMode: "decimal",
        placeholder: formatMoney(0, currency),
        "aria-label": t("wallet.amount"),
        autofocus: true,
      });
      const note = h("input.field.transfer-note", {
        maxLength: 100,
        placeholder: t("wallet.note"),
        "aria-label": t("wallet.note"),
      });
      const error = h("p.field-error", { hidden: true });
      return h(
        "form.dialog-body.transfer-sheet",
        {
          onsubmit: (/** @type {Event} */ e) => {
            e.preventDefault();
            const minor = parseAmount(amount.value, currency);
            if (minor === null) {
              error.textContent = t("wallet.amount_invalid");
              error.hidden = false;
              return;
            }
            close({ amount: minor, note: note.value.trim() });
          },
        },
        h("h2.dialog-title", t("wallet.transfer")),
        h("label.field-label", t("wallet.amount"), amount),
        note,
        error,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          h("button.btn.btn-primary.transfer-next", { type: "submit" }, t("wallet.transfer")),
        ),
      );
    },
    { label: t("wallet.transfer") },
  );
  if (!asked) return;
  const token = await askPayment(app, t("wallet.paying", { amount: formatMoney(asked.amount, currency) }));
  if (!token) return;
  try {
    await app.api.request("POST", `/conversations/${cid}/transfers`, {
      json: { amount: asked.amount, note: asked.note, payment_token: token, idempotency_key: crypto.randomUUID() },
    });
  } catch (err) {
    toast(errorText(err), { kind: "error" });
  }
}

/** A transfer's status as this device last learnt it, by transfer id. */
const transferStatus = new Map();
/** A settling note's action → the transfer's status after it (docs/protocol.md). */
const SETTLED_BY = /** @type {Record<string, string>} */ ({
  "transfer.accepted": "accepted",
  "transfer.returned": "returned",
  "transfer.refunded": "refunded",
});

/**
 * What this device knows of a transfer card's status ("" if nothing): part of its row's
 * signature, so the card is rebuilt, with its new status, once the transfer is settled.
 * @param {any} message
 */
export function transferState(message) {
  return message.kind === "transfer" ? transferStatus.get(message.data?.transfer_id) || "" : "";
}

/**
 * Learn from the conversation's system notes how its transfers were settled: the server
 * announces an accept, a return and the refund at expiry as a note both people get
 * (`transfer.accepted|returned|refunded` with the `transfer_id`), so the sender's card
 * changes the moment the note arrives, without asking the server.
 * @param {Iterable<any>} messages
 */
export function learnTransfers(messages) {
  for (const m of messages) {
    const status = m.kind === "system" ? SETTLED_BY[m.data?.action] : undefined;
    if (status && m.data?.transfer_id) transferStatus.set(m.data.transfer_id, status);
  }
}

/**
 * A transfer card in the chat: amount, note and status; its recipient accepts or returns
 * it while it is pending. The status is asked of the server when the card is built, and
 * the settling notes (learnTransfers) rebuild it when it changes.
 * @param {import("../app.js").App} app
 * @param {any} message
 * @param {boolean} mine
 */
export function transferBubble(app, message, mine) {
  const d = message.data || {};
  const currency = { code: d.currency || "CNY", exponent: 2 };
  const status = h("span.transfer-status", t("wallet.status_pending"));
  const actions = h("div.transfer-actions");
  const card = h(
    "div.bubble.bubble-transfer",
    { "data-transfer": String(d.transfer_id) },
    h("div.transfer-top", h("span.transfer-icon", icon("wallet")), h("span.transfer-amount")),
    d.note ? h("div.transfer-note", d.note) : null,
    h("div.transfer-foot", status, actions),
  );
  const amountEl = /** @type {HTMLElement} */ (card.querySelector(".transfer-amount"));
  amountEl.textContent = formatMoney(d.amount || 0, currency);

  /** @param {any} transfer */
  function show(transfer) {
    // Settled is final: a slower answer that still said pending must not undo a note.
    if (transfer.status !== "pending" || !transferStatus.has(transfer.id))
      transferStatus.set(transfer.id, transfer.status);
    card.dataset.status = transfer.status;
    card.classList.toggle("settled", transfer.status !== "pending");
    status.textContent = t(`wallet.status_${transfer.status}`);
    const forMe = transfer.recipient_id === app.store.me?.id;
    actions.replaceChildren(
      ...(forMe && transfer.status === "pending"
        ? [
            h(
              "button.btn.btn-primary.transfer-accept",
              { type: "button", onclick: () => settle("accept") },
              t("wallet.accept"),
            ),
            h(
              "button.btn.btn-plain.transfer-return",
              { type: "button", onclick: () => settle("return") },
              t("wallet.return"),
            ),
          ]
        : []),
    );
  }

  /** @param {"accept"|"return"} action */
  async function settle(action) {
    try {
      const reply = await app.api.request("POST", `/wallet/transfers/${d.transfer_id}/${action}`, {
        json: { idempotency_key: crypto.randomUUID() },
      });
      show(reply.transfer);
    } catch (err) {
      toast(errorText(err), { kind: "error" });
      refresh();
    }
  }

  function refresh() {
    app.api
      .request("GET", `/wallet/transfers/${d.transfer_id}`)
      .then((reply) => {
        currency.exponent = reply.currency.exponent;
        amountEl.textContent = formatMoney(d.amount || 0, currency);
        show(reply.transfer);
      })
      .catch(() => {});
  }
  const learnt = transferStatus.get(d.transfer_id);
  if (learnt) show({ id: d.transfer_id, status: learnt, recipient_id: d.recipient_id });
  if (d.transfer_id) refresh();
  card.classList.toggle("mine", mine);
  return card;
}

/**
 * Me → Wallet.
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @returns {null}
 */
export function mountWallet(app, root) {
  const balance = h("div.wallet-balance", { "aria-live": "polite" });
  const passwordBtn = h("button.btn.btn-plain.wallet-password", { type: "button", onclick: () => setPassword() });
  const lines = h("ul.list.statement", { "aria-label": t("wallet.statement") });
  const more = h(
    "button.btn.btn-plain.statement-more",
    { type: "button", hidden: true, onclick: () => load(true) },
    t("wallet.more"),
  );
  const funding = fundingSection(app, {
    currency: () => currency,
    moved: () => {
      refresh().then(() => load(false));
    },
  });
  root.append(
    topbar({ title: t("wallet.title"), back: () => app.go("me") }),
    h(
      "div.scroll.page.wallet-page",
      h("div.wallet-card", h("span.wallet-label", t("wallet.balance")), balance, funding.buttons, passwordBtn),
      funding.section,
      h("h3.list-title", t("wallet.statement")),
      lines,
      more,
    ),
  );
  /** @type {Currency} */
  let currency = { code: "CNY", exponent: 2 };
  /** @type {number|undefined} */
  let before;

  async function refresh() {
    const state = await wallet(app);
    currency = state.currency;
    balance.textContent = formatMoney(state.balance, currency);
    passwordBtn.textContent = t(state.has_pay_password ? "wallet.change_password" : "wallet.set_password");
  }

  /** @param {boolean} next */
  async function load(next) {
    const q = next && before ? `?before=${before}` : "";
    const reply = await app.api.request("GET", `/wallet/statement${q}`);
    if (!next) lines.replaceChildren();
    for (const line of reply.lines) lines.append(statementRow(app, line, currency));
    if (!next && !reply.lines.length) lines.append(h("li.empty-row", t("wallet.empty")));
    before = reply.lines.at(-1)?.transaction_id;
    more.hidden = reply.lines.length < 50;
  }

  async function setPassword() {
    const asked = await askPasswords();
    if (!asked) return;
    try {
      await app.api.request("PUT", "/wallet/pay-password", {
        json: { login_password: asked.login, pay_password: asked.pay },
      });
      toast(t("wallet.password_saved"));
      refresh();
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  }

  refresh()
    .then(() => Promise.all([load(false), funding.load()]))
    .catch((err) => toast(errorText(err), { kind: "error" }));
  return null;
}

/**
 * A statement line, which opens its receipt.
 * @param {import("../app.js").App} app @param {any} line @param {Currency} currency
 */
function statementRow(app, line, currency) {
  return h(
    "li",
    h(
      "button.row.statement-line",
      { type: "button", onclick: () => receipt(app, line.transaction_id, currency) },
      h(
        "span.row-text",
        h("span.line-kind", t(`wallet.kind_${line.kind.replace(".", "_")}`) || line.kind),
        h("span.line-time", formatFull(line.created_at)),
      ),
      h(
        `span.line-amount${line.amount > 0 ? ".in" : ""}`,
        (line.amount > 0 ? "+" : "") + formatMoney(line.amount, currency),
      ),
    ),
  );
}

/** @param {import("../app.js").App} app @param {number} id @param {Currency} currency */
async function receipt(app, id, currency) {
  const { transaction: tx } = await app.api.request("GET", `/wallet/transactions/${id}`);
  await dialog(
    (close) =>
      h(
        "div.dialog-body.receipt",
        h("h2.dialog-title", t("wallet.receipt")),
        h("p.receipt-amount", formatMoney(tx.amount, currency)),
        h(
          "dl.receipt-fields",
          h("dt", t("wallet.receipt_kind")),
          h("dd", t(`wallet.kind_${tx.kind.replace(".", "_")}`)),
          h("dt", t("wallet.receipt_time")),
          h("dd", formatFull(tx.created_at)),
          h("dt", t("wallet.receipt_id")),
          h("dd", String(tx.id)),
          tx.memo ? [h("dt", t("wallet.receipt_memo")), h("dd", tx.memo)] : null,
        ),
        h(
          "div.dialog-actions",
          h("button.btn.btn-primary", { type: "button", onclick: () => close() }, t("common.ok")),
        ),
      ),
    { label: t("wallet.receipt") },
  );
}

/**
 * Ask the login password and a new six-digit payment password.
 * @returns {Promise<{login: string, pay: string}|undefined>}
 */
function askPasswords() {
  return dialog(
    (close) => {
      const login = h("input.field.login-password", {
        type: "password",
        autocomplete: "current-password",
        "aria-label": t("wallet.login_password"),
        placeholder: t("wallet.login_password"),
      });
      const pay = h("input.field.new-pay-password", {
        type: "password",
        inputMode: "numeric",
        maxLength: 6,
        autocomplete: "off",
        "aria-label": t("wallet.new_password"),
        placeholder: t("wallet.new_password"),
      });
      return h(
        "form.dialog-body",
        {
          onsubmit: (/** @type {Event} */ e) => {
            e.preventDefault();
            if (/^\d{6}$/.test(pay.value)) close({ login: login.value, pay: pay.value });
            else toast(t("error.wallet.pay_password_invalid"), { kind: "error" });
          },
        },
        h("h2.dialog-title", t("wallet.set_password")),
        login,
        pay,
        h(
          "div.dialog-actions",
          h("button.btn.btn-plain", { type: "button", onclick: () => close() }, t("common.cancel")),
          h("button.btn.btn-primary.save-pay-password", { type: "submit" }, t("common.ok")),
        ),
      );
    },
    { label: t("wallet.set_password") },
  );
}
