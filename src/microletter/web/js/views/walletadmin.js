// @ts-check
/**
 * The operators' wallet page (Me → Wallet administration, shown to operators only; the
 * server checks every call again): the top-ups and withdrawals waiting for a decision,
 * approved or rejected with a reason for the audit log, and any user's wallet looked up
 * by username, with its statement and a credit or debit (with a reason).
 */

import { h, promptDialog, toast } from "../dom.js";
import { formatFull, t } from "../i18n.js";
import { topbar } from "../common.js";
import { errorText } from "./contacts/request.js";
import { askAmount, requestRow } from "./funding.js";
import { formatMoney, wallet } from "./money.js";

/** @typedef {import("./money.js").Currency} Currency */

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @returns {null}
 */
export function mountWalletAdmin(app, root) {
  /** @type {Currency} */
  let currency = { code: "CNY", exponent: 2 };
  /** @type {Map<number, string>} usernames by id, asked once */
  const names = new Map();
  const pending = h("ul.list.admin-requests", { "aria-label": t("walletadmin.pending") });
  const username = h("input.field.admin-username", {
    placeholder: t("walletadmin.username"),
    "aria-label": t("walletadmin.username"),
    autocapitalize: "off",
    autocomplete: "off",
  });
  const account = h("div.admin-account");
  root.append(
    topbar({ title: t("walletadmin.title"), back: () => app.go("me") }),
    h(
      "div.scroll.page.wallet-page.wallet-admin",
      h("h3.list-title", t("walletadmin.pending")),
      pending,
      h("h3.list-title", t("walletadmin.wallets")),
      h(
        "form.admin-lookup",
        {
          onsubmit: (/** @type {Event} */ e) => {
            e.preventDefault();
            const name = username.value.trim().toLowerCase();
            if (name) lookUp(name);
          },
        },
        username,
        h("button.btn.btn-primary.admin-find", { type: "submit" }, t("walletadmin.find")),
      ),
      account,
    ),
  );

  /** @param {number} id */
  async function nameOf(id) {
    if (!names.has(id)) {
      const standing = await app.api.request("GET", `/admin/users/by-id/${id}`);
      names.set(id, standing.user.username);
    }
    return names.get(id) || String(id);
  }

  async function loadPending() {
    const reply = await app.api.request("GET", "/admin/wallet/funding-requests?status=pending");
    currency = reply.currency;
    const rows = [];
    for (const r of reply.requests) {
      const who = await nameOf(r.user_id).catch(() => String(r.user_id));
      rows.push(
        requestRow(
          r,
          currency,
          h(
            "div.admin-request-foot",
            h("span.admin-who", who),
            h(
              "span.admin-buttons",
              h(
                "button.btn.btn-plain.funding-reject",
                { type: "button", onclick: () => decide(r, false) },
                t("walletadmin.reject"),
              ),
              h(
                "button.btn.btn-primary.funding-approve",
                { type: "button", onclick: () => decide(r, true) },
                t("walletadmin.approve"),
              ),
            ),
          ),
        ),
      );
    }
    pending.replaceChildren(...(rows.length ? rows : [h("li.empty-row", t("walletadmin.none_pending"))]));
  }

  /**
   * @param {any} request
   * @param {boolean} approve
   */
  async function decide(request, approve) {
    const reason = await promptDialog({
      title: t(approve ? "walletadmin.approve_why" : "walletadmin.reject_why"),
      maxLength: 500,
    });
    if (!reason?.trim()) return;
    try {
      await app.api.request("POST", `/admin/wallet/funding-requests/${request.id}/${approve ? "approve" : "reject"}`, {
        json: { reason: reason.trim(), idempotency_key: crypto.randomUUID() },
      });
      toast(t(approve ? "walletadmin.approved" : "walletadmin.rejected"));
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
    await loadPending();
    const shown = account.dataset.userId;
    if (shown && Number(shown) === request.user_id) await showAccount(request.user_id);
  }

  /** @param {string} name */
  async function lookUp(name) {
    try {
      const standing = await app.api.request("GET", `/admin/users/${encodeURIComponent(name)}`);
      names.set(standing.user.id, standing.user.username);
      await showAccount(standing.user.id);
    } catch (err) {
      account.replaceChildren();
      delete account.dataset.userId;
      toast(errorText(err), { kind: "error" });
    }
  }

  /** @param {number} userId */
  async function showAccount(userId) {
    const reply = await app.api.request("GET", `/admin/wallets/${userId}/statement`);
    const lines = reply.lines;
    account.dataset.userId = String(userId);
    account.replaceChildren(
      h(
        "div.wallet-card.admin-card",
        h("span.wallet-label", names.get(userId) || String(userId)),
        h("div.wallet-balance.admin-balance", formatMoney(lines[0]?.balance_after ?? 0, reply.currency)),
        h(
          "div.wallet-actions",
          h(
            "button.btn.admin-credit",
            { type: "button", onclick: () => adjust(userId, false) },
            t("walletadmin.credit"),
          ),
          h("button.btn.admin-debit", { type: "button", onclick: () => adjust(userId, true) }, t("walletadmin.debit")),
        ),
      ),
      h(
        "ul.list.statement.admin-statement",
        { "aria-label": t("wallet.statement") },
        ...(lines.length
          ? lines.map((/** @type {any} */ line) =>
              h(
                "li.row.statement-line",
                h(
                  "span.row-text",
                  h("span.line-kind", t(`wallet.kind_${line.kind.replace(".", "_")}`)),
                  h("span.line-time", formatFull(line.created_at)),
                  line.memo ? h("span.line-memo", line.memo) : null,
                ),
                h(
                  `span.line-amount${line.amount > 0 ? ".in" : ""}`,
                  (line.amount > 0 ? "+" : "") + formatMoney(line.amount, reply.currency),
                ),
              ),
            )
          : [h("li.empty-row", t("wallet.empty"))]),
      ),
    );
  }

  /**
   * @param {number} userId
   * @param {boolean} debit
   */
  async function adjust(userId, debit) {
    const title = t(debit ? "walletadmin.debit" : "walletadmin.credit");
    const asked = await askAmount({ title, action: title, currency, reason: true, cls: "admin-adjust" });
    if (!asked) return;
    try {
      await app.api.request("POST", `/admin/wallets/${userId}/${debit ? "debit" : "credit"}`, {
        json: { amount: asked.amount, reason: asked.reason, idempotency_key: crypto.randomUUID() },
      });
      toast(t(debit ? "walletadmin.debited" : "walletadmin.credited"));
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
    await showAccount(userId);
  }

  wallet(app)
    .then((mine) => {
      currency = mine.currency;
    })
    .catch(() => {})
    .finally(() => loadPending().catch((err) => toast(errorText(err), { kind: "error" })));
  return null;
}
