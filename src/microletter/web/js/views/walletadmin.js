// @ts-check
/**
 * The operators' wallet page (Me → Wallet administration, shown to operators only; the
 * server checks every call again): the top-ups and withdrawals waiting for a decision,
 * approved or rejected with a reason for the audit log, and any user's wallet looked up
 * by username, with its statement and a credit or debit (with a reason).
 *
 * Both lists come a page at a time ("More"). The waiting list stays current while the
 * page is shown: it asks again every few seconds (and when the tab comes back), adding
 * new requests at the top and dropping those another operator decided meanwhile.
 */

import { h, promptDialog, toast } from "../dom.js";
import { formatFull, t } from "../i18n.js";
import { topbar } from "../common.js";
import { errorText } from "./contacts/request.js";
import { askAmount, requestRow } from "./funding.js";
import { formatMoney, wallet } from "./money.js";

/** @typedef {import("./money.js").Currency} Currency */

/** Requests per page of the waiting list. */
export const PENDING_PAGE = 20;
/** Seconds between two looks at the waiting list while it is shown. */
const POLL_SECONDS = 4;
/** Lines per page of a statement (the server's page). */
const STATEMENT_PAGE = 50;

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @returns {import("../app.js").View}
 */
export function mountWalletAdmin(app, root) {
  /** @type {Currency} */
  let currency = { code: "CNY", exponent: 2 };
  /** @type {Map<number, string>} usernames by id, asked once */
  const names = new Map();
  const pending = h("ul.list.admin-requests", { "aria-label": t("walletadmin.pending"), "aria-live": "polite" });
  const pendingMore = h(
    "button.btn.btn-plain.admin-requests-more",
    { type: "button", hidden: true, onclick: () => loadPending(true).catch(failed) },
    t("wallet.more"),
  );
  /** @type {number|undefined} the oldest request shown (the next page is older) */
  let pendingBefore;
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
      pendingMore,
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

  /** @param {unknown} err */
  function failed(err) {
    toast(errorText(err), { kind: "error" });
  }

  /**
   * The waiting list's first page again (`next` false), or the page after what is shown.
   * @param {boolean} next
   */
  async function loadPending(next) {
    const q = next && pendingBefore ? `&before=${pendingBefore}` : "";
    const reply = await app.api.request(
      "GET",
      `/admin/wallet/funding-requests?status=pending&limit=${PENDING_PAGE}${q}`,
    );
    currency = reply.currency;
    const rows = await Promise.all(reply.requests.map(pendingRow));
    if (next) pending.append(...rows);
    else pending.replaceChildren(...rows);
    if (!pending.querySelector("li[data-request-id]")) {
      pending.replaceChildren(h("li.empty-row", t("walletadmin.none_pending")));
    }
    if (!next) pendingBefore = undefined;
    if (reply.requests.length) pendingBefore = reply.requests.at(-1).id;
    pendingMore.hidden = reply.requests.length < PENDING_PAGE;
  }

  /**
   * Bring the waiting list up to date without losing the pages shown: new requests at
   * the top, and those decided since (by anyone) gone, as far as one look reaches (the
   * rows shown, up to the server's largest page of 100).
   */
  async function refreshPending() {
    /** @type {HTMLElement[]} */
    const shown = [...pending.querySelectorAll("li[data-request-id]")].map((li) => /** @type {HTMLElement} */ (li));
    const limit = Math.min(100, Math.max(PENDING_PAGE, shown.length + 1));
    const reply = await app.api.request("GET", `/admin/wallet/funding-requests?status=pending&limit=${limit}`);
    currency = reply.currency;
    /** @type {any[]} */
    const fresh = reply.requests;
    const ids = new Set(fresh.map((r) => r.id));
    const full = fresh.length === limit;
    const oldest = fresh.at(-1)?.id ?? Infinity;
    const have = new Set(shown.map((li) => Number(li.dataset.requestId)));
    let gone = 0;
    for (const li of shown) {
      const id = Number(li.dataset.requestId);
      if (!ids.has(id) && (!full || id >= oldest)) {
        li.remove(); // decided meanwhile
        gone += 1;
      }
    }
    const newer = fresh.filter((r) => !have.has(r.id));
    if (!newer.length && !gone) return;
    const rows = await Promise.all(newer.map(pendingRow));
    pending.querySelector("li.empty-row")?.remove();
    // each new request before the first shown one that is older than it (newest first)
    for (const [i, row] of rows.entries()) {
      const id = newer[i].id;
      const after = [...pending.querySelectorAll("li[data-request-id]")].find(
        (li) => Number(/** @type {HTMLElement} */ (li).dataset.requestId) < id,
      );
      pending.insertBefore(row, after || null);
    }
    if (!pending.querySelector("li[data-request-id]")) {
      pending.replaceChildren(h("li.empty-row", t("walletadmin.none_pending")));
      pendingBefore = undefined;
      pendingMore.hidden = true;
    } else if (pendingBefore === undefined) {
      pendingBefore = fresh.at(-1)?.id;
      pendingMore.hidden = fresh.length < PENDING_PAGE;
    }
  }

  /** @param {any} r */
  async function pendingRow(r) {
    const who = await nameOf(r.user_id).catch(() => String(r.user_id));
    const row = requestRow(
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
    );
    row.dataset.requestId = String(r.id);
    return row;
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
    await refreshPending();
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

  /**
   * A statement line.
   * @param {any} line
   * @param {Currency} money
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
   * @param {number} userId
   * @param {HTMLElement} list
   * @param {HTMLElement} more
   */
  async function moreLines(userId, list, more) {
    const before = list.dataset.before;
    const reply = await app.api.request("GET", `/admin/wallets/${userId}/statement?before=${before}`);
    if (account.dataset.userId !== String(userId)) return; // another wallet was looked up
    list.append(...reply.lines.map((/** @type {any} */ line) => lineRow(line, reply.currency)));
    list.dataset.before = String(reply.lines.at(-1)?.transaction_id ?? before);
    more.hidden = reply.lines.length < STATEMENT_PAGE;
  }

  /** @param {number} userId */
  async function showAccount(userId) {
    const reply = await app.api.request("GET", `/admin/wallets/${userId}/statement`);
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
    more.addEventListener("click", () => moreLines(userId, list, more).catch(failed));
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
      list,
      more,
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

  let alive = true;
  let polling = false;
  async function poll() {
    if (!alive || polling || document.visibilityState !== "visible") return;
    polling = true;
    try {
      await refreshPending();
    } catch {
      // offline or the server restarting: the next look tries again
    } finally {
      polling = false;
    }
  }
  const timer = setInterval(poll, POLL_SECONDS * 1000);
  document.addEventListener("visibilitychange", poll);

  wallet(app)
    .then((mine) => {
      currency = mine.currency;
    })
    .catch(() => {})
    .finally(() => loadPending(false).catch(failed));
  return {
    destroy() {
      alive = false;
      clearInterval(timer);
      document.removeEventListener("visibilitychange", poll);
    },
  };
}
