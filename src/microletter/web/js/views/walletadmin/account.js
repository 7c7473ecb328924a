// @ts-check
/**
 * Any user's wallet, looked up by username on the operators' wallet page
 * (views/walletadmin.js): the balance, the statement a page at a time, and a credit or
 * debit with a reason. One wallet is shown at a time; `el.dataset.userId` says whose.
 */

import { h, toast } from "../../dom.js";
import { formatFull, t } from "../../i18n.js";
import { errorText } from "../contacts/request.js";
import { askAmount } from "../funding.js";
import { formatMoney } from "../money.js";

/** Lines per page of a statement (the server's page). */
const STATEMENT_PAGE = 50;

/** @typedef {import("./pending.js").Admin} Admin */

/**
 * @param {Admin} admin
 * @returns {{el: HTMLElement, lookUp: (name: string) => Promise<void>, show: (userId: number) => Promise<void>}}
 */
export function accountPanel(admin) {
  const el = h("div.admin-account");
  return { el, lookUp: (name) => lookUp(admin, el, name), show: (userId) => showAccount(admin, el, userId) };
}

/** @param {Admin} admin @param {HTMLElement} account @param {string} name */
async function lookUp(admin, account, name) {
  try {
    const standing = await admin.app.api.request("GET", `/admin/users/${encodeURIComponent(name)}`);
    admin.names.set(standing.user.id, standing.user.username);
    await showAccount(admin, account, standing.user.id);
  } catch (err) {
    account.replaceChildren();
    delete account.dataset.userId;
    toast(errorText(err), { kind: "error" });
  }
}

/**
 * A statement line.
 * @param {any} line
 * @param {import("../money.js").Currency} money
 */
function lineRow(line, money) {
  return h(
    "li.row.statement-line",
    h(
      "span.row-text",
      h("span.line-kind", t(`wallet.kind_${line.kind.replace(".", "_")}`)),
      h("span.line-time", formatFull(line.created_at)),
      line.memo ? h("span.line-memo", line.memo) : null,
    ),
    h(
      `span.line-amount${line.amount > 0 ? ".in" : ""}`,
      (line.amount > 0 ? "+" : "") + formatMoney(line.amount, money),
    ),
  );
}

/**
 * The next page of the statement shown (older lines).
 * @param {Admin} admin
 * @param {HTMLElement} account
 * @param {number} userId
 * @param {HTMLElement} list
 * @param {HTMLElement} more
 */
async function moreLines(admin, account, userId, list, more) {
  const before = list.dataset.before;
  const reply = await admin.app.api.request("GET", `/admin/wallets/${userId}/statement?before=${before}`);
  if (account.dataset.userId !== String(userId)) return; // another wallet was looked up
  list.append(...reply.lines.map((/** @type {any} */ line) => lineRow(line, reply.currency)));
  list.dataset.before = String(reply.lines.at(-1)?.transaction_id ?? before);
  more.hidden = reply.lines.length < STATEMENT_PAGE;
}

/** @param {Admin} admin @param {HTMLElement} account @param {number} userId */
async function showAccount(admin, account, userId) {
  const reply = await admin.app.api.request("GET", `/admin/wallets/${userId}/statement`);
  const lines = reply.lines;
  account.dataset.userId = String(userId);
  const list = h(
    "ul.list.statement.admin-statement",
    { "aria-label": t("wallet.statement") },
    ...(lines.length
      ? lines.map((/** @type {any} */ line) => lineRow(line, reply.currency))
      : [h("li.empty-row", t("wallet.empty"))]),
  );
  list.dataset.before = String(lines.at(-1)?.transaction_id ?? "");
  const more = h("button.btn.btn-plain.admin-statement-more", {
    type: "button",
    hidden: lines.length < STATEMENT_PAGE,
  });
  more.textContent = t("wallet.more");
  more.addEventListener("click", () => moreLines(admin, account, userId, list, more).catch(admin.failed));
  const adjusting = (/** @type {boolean} */ debit) => () => adjust(admin, account, userId, debit);
  account.replaceChildren(
    h(
      "div.wallet-card.admin-card",
      h("span.wallet-label", admin.names.get(userId) || String(userId)),
      h("div.wallet-balance.admin-balance", formatMoney(lines[0]?.balance_after ?? 0, reply.currency)),
      h(
        "div.wallet-actions",
        h("button.btn.admin-credit", { type: "button", onclick: adjusting(false) }, t("walletadmin.credit")),
        h("button.btn.admin-debit", { type: "button", onclick: adjusting(true) }, t("walletadmin.debit")),
      ),
    ),
    list,
    more,
  );
}

/**
 * @param {Admin} admin
 * @param {HTMLElement} account
 * @param {number} userId
 * @param {boolean} debit
 */
async function adjust(admin, account, userId, debit) {
  const title = t(debit ? "walletadmin.debit" : "walletadmin.credit");
  const asked = await askAmount({ title, action: title, currency: admin.currency, reason: true, cls: "admin-adjust" });
  if (!asked) return;
  try {
    await admin.app.api.request("POST", `/admin/wallets/${userId}/${debit ? "debit" : "credit"}`, {
      json: { amount: asked.amount, reason: asked.reason, idempotency_key: crypto.randomUUID() },
    });
    toast(t(debit ? "walletadmin.debited" : "walletadmin.credited"));
  } catch (err) {
    toast(errorText(err), { kind: "error" });
  }
  await showAccount(admin, account, userId);
}
