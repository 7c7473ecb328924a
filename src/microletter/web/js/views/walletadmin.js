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
 * This module puts the two parts together: walletadmin/pending.js (the waiting list) and
 * walletadmin/account.js (a user's wallet).
 */

import { h, toast } from "../dom.js";
import { t } from "../i18n.js";
import { topbar } from "../common.js";
import { errorText } from "./contacts/request.js";
import { wallet } from "./money.js";
import { accountPanel } from "./walletadmin/account.js";
import { pendingList } from "./walletadmin/pending.js";

export { PENDING_PAGE } from "./walletadmin/pending.js";

/** Seconds between two looks at the waiting list while it is shown. */
const POLL_SECONDS = 4;

/**
 * @param {import("../app.js").App} app
 * @param {HTMLElement} root
 * @returns {import("../app.js").View}
 */
export function mountWalletAdmin(app, root) {
  /** @type {import("./walletadmin/pending.js").Admin} */
  const admin = {
    app,
    currency: { code: "CNY", exponent: 2 },
    names: new Map(),
    failed: (err) => toast(errorText(err), { kind: "error" }),
  };
  const account = accountPanel(admin);
  const pending = pendingList(admin, async (userId) => {
    const shown = account.el.dataset.userId;
    if (shown && Number(shown) === userId) await account.show(userId);
  });
  const username = h("input.field.admin-username", {
    placeholder: t("walletadmin.username"),
    "aria-label": t("walletadmin.username"),
    autocapitalize: "off",
    autocomplete: "off",
  });
  const onsubmit = (/** @type {Event} */ e) => {
    e.preventDefault();
    const name = username.value.trim().toLowerCase();
    if (name) account.lookUp(name);
  };
  root.append(
    topbar({ title: t("walletadmin.title"), back: () => app.go("me") }),
    h(
      "div.scroll.page.wallet-page.wallet-admin",
      h("h3.list-title", t("walletadmin.pending")),
      pending.list,
      pending.more,
      h("h3.list-title", t("walletadmin.wallets")),
      h(
        "form.admin-lookup",
        { onsubmit },
        username,
        h("button.btn.btn-primary.admin-find", { type: "submit" }, t("walletadmin.find")),
      ),
      account.el,
    ),
  );

  let alive = true;
  let polling = false;
  async function poll() {
    if (!alive || polling || document.visibilityState !== "visible") return;
    polling = true;
    try {
      await pending.refresh();
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
      admin.currency = mine.currency;
    })
    .catch(() => {})
    .finally(() => pending.load(false).catch(admin.failed));
  return {
    destroy() {
      alive = false;
      clearInterval(timer);
      document.removeEventListener("visibilitychange", poll);
    },
  };
}
