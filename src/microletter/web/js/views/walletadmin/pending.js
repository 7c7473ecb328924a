// @ts-check
/**
 * The operators' waiting list of top-ups and withdrawals (views/walletadmin.js): a page at
 * a time ("More"), each row approved or rejected with a reason for the audit log, and
 * brought up to date in place by `refresh` (new requests at the top, those decided
 * meanwhile gone) without losing the pages shown.
 */

import { h, promptDialog, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { errorText } from "../contacts/request.js";
import { requestRow } from "../funding.js";

/** Requests per page of the waiting list. */
export const PENDING_PAGE = 20;

/**
 * @typedef {object} Admin what the page's two parts share
 * @property {import("../../app.js").App} app
 * @property {import("../money.js").Currency} currency the wallets' currency, as last told
 * @property {Map<number, string>} names usernames by id, asked once
 * @property {(err: unknown) => void} failed toast an error
 */

/**
 * @typedef {object} Pending one waiting list
 * @property {Admin} admin
 * @property {HTMLElement} list
 * @property {HTMLElement} more
 * @property {number|undefined} before the oldest request shown (the next page is older)
 * @property {(userId: number) => Promise<void>} decided a request of this user was decided
 */

/**
 * @param {Admin} admin
 * @param {(userId: number) => Promise<void>} decided called after a decision, with the request's user
 * @returns {{list: HTMLElement, more: HTMLElement, load: (next: boolean) => Promise<void>, refresh: () => Promise<void>}}
 */
export function pendingList(admin, decided) {
  const list = h("ul.list.admin-requests", { "aria-label": t("walletadmin.pending"), "aria-live": "polite" });
  const more = h(
    "button.btn.btn-plain.admin-requests-more",
    { type: "button", hidden: true, onclick: () => loadPending(p, true).catch(admin.failed) },
    t("wallet.more"),
  );
  /** @type {Pending} */
  const p = { admin, list, more, before: undefined, decided };
  return { list, more, load: (next) => loadPending(p, next), refresh: () => refreshPending(p) };
}

/**
 * The waiting list's first page again (`next` false), or the page after what is shown.
 * @param {Pending} p
 * @param {boolean} next
 */
async function loadPending(p, next) {
  const q = next && p.before ? `&before=${p.before}` : "";
  const reply = await p.admin.app.api.request(
    "GET",
    `/admin/wallet/funding-requests?status=pending&limit=${PENDING_PAGE}${q}`,
  );
  p.admin.currency = reply.currency;
  const rows = await Promise.all(reply.requests.map((/** @type {any} */ r) => pendingRow(p, r)));
  if (next) p.list.append(...rows);
  else p.list.replaceChildren(...rows);
  if (!p.list.querySelector("li[data-request-id]")) {
    p.list.replaceChildren(h("li.empty-row", t("walletadmin.none_pending")));
  }
  if (!next) p.before = undefined;
  if (reply.requests.length) p.before = reply.requests.at(-1).id;
  p.more.hidden = reply.requests.length < PENDING_PAGE;
}

/**
 * Bring the waiting list up to date without losing the pages shown: new requests at
 * the top, and those decided since (by anyone) gone, as far as one look reaches (the
 * rows shown, up to the server's largest page of 100).
 * @param {Pending} p
 */
async function refreshPending(p) {
  const { list } = p;
  /** @type {HTMLElement[]} */
  const shown = [...list.querySelectorAll("li[data-request-id]")].map((li) => /** @type {HTMLElement} */ (li));
  const limit = Math.min(100, Math.max(PENDING_PAGE, shown.length + 1));
  const reply = await p.admin.app.api.request("GET", `/admin/wallet/funding-requests?status=pending&limit=${limit}`);
  p.admin.currency = reply.currency;
  /** @type {any[]} */
  const fresh = reply.requests;
  const have = new Set(shown.map((li) => Number(li.dataset.requestId)));
  const gone = dropDecided(shown, fresh, fresh.length === limit);
  const newer = fresh.filter((r) => !have.has(r.id));
  if (!newer.length && !gone) return;
  const rows = await Promise.all(newer.map((r) => pendingRow(p, r)));
  list.querySelector("li.empty-row")?.remove();
  // each new request before the first shown one that is older than it (newest first)
  for (const [i, row] of rows.entries()) {
    const id = newer[i].id;
    const after = [...list.querySelectorAll("li[data-request-id]")].find(
      (li) => Number(/** @type {HTMLElement} */ (li).dataset.requestId) < id,
    );
    list.insertBefore(row, after || null);
  }
  if (!list.querySelector("li[data-request-id]")) {
    list.replaceChildren(h("li.empty-row", t("walletadmin.none_pending")));
    p.before = undefined;
    p.more.hidden = true;
  } else if (p.before === undefined) {
    p.before = fresh.at(-1)?.id;
    p.more.hidden = fresh.length < PENDING_PAGE;
  }
}

/**
 * Remove the rows shown that are no longer waiting, as far as the fresh page reaches
 * (`full`: it may end before the oldest row shown). Returns how many went.
 * @param {HTMLElement[]} shown @param {any[]} fresh @param {boolean} full
 */
function dropDecided(shown, fresh, full) {
  const ids = new Set(fresh.map((r) => r.id));
  const oldest = fresh.at(-1)?.id ?? Infinity;
  let gone = 0;
  for (const li of shown) {
    const id = Number(li.dataset.requestId);
    if (!ids.has(id) && (!full || id >= oldest)) {
      li.remove(); // decided meanwhile
      gone += 1;
    }
  }
  return gone;
}

/** @param {Admin} admin @param {number} id */
async function nameOf(admin, id) {
  if (!admin.names.has(id)) {
    const standing = await admin.app.api.request("GET", `/admin/users/by-id/${id}`);
    admin.names.set(id, standing.user.username);
  }
  return admin.names.get(id) || String(id);
}

/** @param {Pending} p @param {any} r */
async function pendingRow(p, r) {
  const who = await nameOf(p.admin, r.user_id).catch(() => String(r.user_id));
  const button = (/** @type {boolean} */ approve) =>
    h(
      `button.btn.${approve ? "btn-primary.funding-approve" : "btn-plain.funding-reject"}`,
      { type: "button", onclick: () => decide(p, r, approve) },
      t(approve ? "walletadmin.approve" : "walletadmin.reject"),
    );
  const foot = h(
    "div.admin-request-foot",
    h("span.admin-who", who),
    h("span.admin-buttons", button(false), button(true)),
  );
  const row = requestRow(r, p.admin.currency, foot);
  row.dataset.requestId = String(r.id);
  return row;
}

/**
 * @param {Pending} p
 * @param {any} request
 * @param {boolean} approve
 */
async function decide(p, request, approve) {
  const reason = await promptDialog({
    title: t(approve ? "walletadmin.approve_why" : "walletadmin.reject_why"),
    maxLength: 500,
  });
  if (!reason?.trim()) return;
  try {
    const path = `/admin/wallet/funding-requests/${request.id}/${approve ? "approve" : "reject"}`;
    await p.admin.app.api.request("POST", path, {
      json: { reason: reason.trim(), idempotency_key: crypto.randomUUID() },
    });
    toast(t(approve ? "walletadmin.approved" : "walletadmin.rejected"));
  } catch (err) {
    toast(errorText(err), { kind: "error" });
  }
  await refreshPending(p);
  await p.decided(request.user_id);
}
