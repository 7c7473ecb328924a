// @ts-check
/**
 * A shop's money, for its owner and clerks (`#/merchant/<shop id>`): pending money (paid
 * orders not yet settled) and the settled balance, with withdrawals through the wallet's
 * provider; the credit line (its limit, the fixed fee shown before a draw, what is owed,
 * draw and repay); the return requests to confirm (a covered one's claim is then paid
 * from the cover pool) and to refund; and the statement of the balance or of pending.
 * The server decides who may do what; this page only shows what it answers.
 */

import { confirmDialog, h, icon, toast } from "../../dom.js";
import { formatFull, t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { askAmount } from "../funding.js";
import { askPayment, formatMoney } from "../money.js";

/** @typedef {import("../money.js").Currency} Currency */

/**
 * @typedef {object} Finance one shop's money page
 * @property {import("../../app.js").App} app
 * @property {number} sid the shop
 * @property {Currency} currency as the server last said
 * @property {"balance"|"pending"} which the statement shown
 * @property {HTMLElement} money
 * @property {HTMLElement} credit
 * @property {HTMLElement} returns
 * @property {HTMLElement} lines
 * @property {HTMLElement} tabs
 */

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} id the shop's id, from the route
 * @returns {null}
 */
export function mountFinance(app, root, id) {
  /** @type {Finance} */
  const fin = {
    app,
    sid: Number(id),
    currency: { code: "CNY", exponent: 2 },
    which: "balance",
    money: h("div.wallet-card.merchant-money"),
    credit: h("div.merchant-credit"),
    returns: h("ul.list.merchant-returns", { "aria-label": t("merchant.returns") }),
    lines: h("ul.list.merchant-statement", { "aria-label": t("merchant.statement") }),
    tabs: h("div.merchant-tabs", { role: "group", "aria-label": t("merchant.statement") }),
  };
  root.append(
    topbar({ title: t("merchant.title"), back: () => app.go("me") }),
    h(
      "div.scroll.page.wallet-page.merchant-page",
      fin.money,
      h(
        "a.row.merchant-books-link",
        { href: `#/merchant/${id}/books` },
        h("span.row-text", t("mbooks.title")),
        icon("chevron", "cell-chevron"),
      ),
      h("h3.list-title", t("merchant.credit")),
      fin.credit,
      h("h3.list-title", t("merchant.returns")),
      fin.returns,
      h("h3.list-title", t("merchant.statement")),
      fin.tabs,
      fin.lines,
    ),
  );
  load(fin).catch(fail);
  return null;
}

const fail = (/** @type {unknown} */ err) => toast(errorText(err), { kind: "error" });
const key = () => crypto.randomUUID();

/** @param {Finance} fin */
async function load(fin) {
  const f = await fin.app.api.request("GET", `/merchant/shops/${fin.sid}`);
  fin.currency = f.currency;
  renderMoney(fin, f);
  renderCredit(fin, f.credit);
  await Promise.all([loadReturns(fin), loadStatement(fin)]);
}

/** @param {Finance} fin @param {any} f */
function renderMoney(fin, f) {
  fin.money.replaceChildren(
    h("span.wallet-label", t("merchant.balance")),
    h("span.wallet-balance.merchant-balance", formatMoney(f.balance, fin.currency)),
    h("span.merchant-pending", t("merchant.pending", { amount: formatMoney(f.pending, fin.currency) })),
    h("span.merchant-terms", t("merchant.settle_after", { days: f.terms.settle_after_days })),
    h(
      "div.wallet-actions",
      h("button.btn.merchant-withdraw", { type: "button", onclick: () => withdraw(fin) }, t("merchant.withdraw")),
    ),
  );
}

/** @param {Finance} fin @param {any} c the credit line */
function renderCredit(fin, c) {
  const rows = [
    [t("merchant.credit_sales"), formatMoney(c.sales_90d, fin.currency)],
    [t("merchant.credit_limit"), formatMoney(c.limit, fin.currency)],
    [t("merchant.credit_fee"), formatMoney(c.fee, fin.currency)],
    [t("merchant.credit_owed"), formatMoney(c.owed, fin.currency)],
  ];
  fin.credit.replaceChildren(
    h("dl.merchant-credit-terms", ...rows.flatMap(([label, value]) => [h("dt", label), h("dd", value)])),
    h(
      "p.merchant-credit-state",
      { dataset: { open: String(c.open) } },
      c.open ? t("merchant.credit_open") : t("merchant.credit_drawn"),
    ),
    h(
      "div.dialog-actions",
      c.open && c.limit > 0
        ? h("button.btn.btn-primary.merchant-draw", { type: "button", onclick: () => draw(fin, c) }, t("merchant.draw"))
        : "",
      c.owed > 0
        ? h("button.btn.merchant-repay", { type: "button", onclick: () => repay(fin, c) }, t("merchant.repay"))
        : "",
    ),
  );
}

/** @param {Finance} fin @param {any} c */
async function draw(fin, c) {
  const asked = await askAmount({
    title: t("merchant.draw"),
    action: t("merchant.next"),
    currency: fin.currency,
    cls: "merchant-draw-sheet",
  });
  if (!asked) return;
  if (asked.amount > c.limit) {
    toast(t("merchant.over_limit", { limit: formatMoney(c.limit, fin.currency) }), { kind: "error" });
    return;
  }
  const owes = formatMoney(asked.amount + c.fee, fin.currency);
  const text = t("merchant.draw_confirm", {
    amount: formatMoney(asked.amount, fin.currency),
    fee: formatMoney(c.fee, fin.currency),
    owes,
  });
  if (!(await confirmDialog(text, { ok: t("merchant.draw") }))) return;
  try {
    await fin.app.api.request("POST", `/merchant/shops/${fin.sid}/credit/draw`, {
      json: { amount: asked.amount, idempotency_key: key() },
    });
    toast(t("merchant.drawn"));
  } catch (err) {
    fail(err);
  }
  await load(fin);
}

/** @param {Finance} fin @param {any} c */
async function repay(fin, c) {
  const text = t("merchant.repay_confirm", { amount: formatMoney(c.owed, fin.currency) });
  if (!(await confirmDialog(text, { ok: t("merchant.repay") }))) return;
  try {
    await fin.app.api.request("POST", `/merchant/shops/${fin.sid}/credit/repay`, { json: { idempotency_key: key() } });
    toast(t("merchant.repaid"));
  } catch (err) {
    fail(err);
  }
  await load(fin);
}

/** @param {Finance} fin */
async function withdraw(fin) {
  const asked = await askAmount({ title: t("merchant.withdraw"), action: t("merchant.next"), currency: fin.currency });
  if (!asked) return;
  const token = await askPayment(
    fin.app,
    t("merchant.withdraw_amount", { amount: formatMoney(asked.amount, fin.currency) }),
  );
  if (!token) return;
  try {
    await fin.app.api.request("POST", `/merchant/shops/${fin.sid}/withdrawals`, {
      json: { amount: asked.amount, idempotency_key: key(), payment_token: token },
    });
    toast(t("merchant.withdrawn"));
  } catch (err) {
    fail(err);
  }
  await load(fin);
}

/** @param {Finance} fin */
async function loadReturns(fin) {
  const [asked, back, claims] = await Promise.all([
    fin.app.api.request("GET", `/shops/${fin.sid}/orders?status=return_requested`),
    fin.app.api.request("GET", `/shops/${fin.sid}/orders?status=returned`),
    fin.app.api.request("GET", `/merchant/shops/${fin.sid}/claims`),
  ]);
  /** @type {Map<number, any>} */
  const claimOf = new Map(claims.claims.map((/** @type {any} */ c) => [c.order_id, c]));
  const rows = [...asked.orders, ...back.orders].map((/** @type {any} */ o) => returnRow(fin, o, claimOf.get(o.id)));
  fin.returns.replaceChildren(...(rows.length ? rows : [h("li.list-empty", t("merchant.no_returns"))]));
}

/**
 * @param {Finance} fin
 * @param {any} o an order
 * @param {any} claim its claim, if any
 */
function returnRow(fin, o, claim) {
  const requested = o.status === "return_requested";
  const names = o.lines.map((/** @type {any} */ x) => `${x.name} × ${x.quantity}`).join(", ");
  return h(
    "li.merchant-return",
    { dataset: { order: String(o.id), status: o.status } },
    h(
      "div.row",
      h(
        "span.row-text",
        h("span.return-items", names),
        h("span.line-time", t(`merchant.status_${o.status}`)),
        o.cover_premium ? h("span.return-covered", t("merchant.covered")) : "",
        claim
          ? h(
              "span.return-claim",
              t(`merchant.claim_${claim.status}`, { amount: formatMoney(claim.amount, fin.currency) }),
            )
          : "",
      ),
      h("span.line-amount", formatMoney(o.total, fin.currency)),
    ),
    h(
      "div.dialog-actions",
      requested
        ? h(
            "button.btn.btn-primary.confirm-return",
            { type: "button", onclick: () => act(fin, o.id, "confirm_return") },
            t("merchant.confirm_return"),
          )
        : h(
            "button.btn.refund-return",
            { type: "button", onclick: () => act(fin, o.id, "refund") },
            t("merchant.refund"),
          ),
    ),
  );
}

/**
 * @param {Finance} fin
 * @param {number} oid
 * @param {string} action
 */
async function act(fin, oid, action) {
  try {
    await fin.app.api.request("POST", `/shop/orders/${oid}/${action}`);
  } catch (err) {
    fail(err);
  }
  await load(fin);
}

/** @param {Finance} fin */
async function loadStatement(fin) {
  fin.tabs.replaceChildren(
    .../** @type {const} */ (["balance", "pending"]).map((name) =>
      h(
        `button.btn.btn-plain.merchant-tab${name === fin.which ? ".active" : ""}`,
        {
          type: "button",
          "aria-pressed": String(name === fin.which),
          onclick: () => {
            fin.which = name;
            loadStatement(fin).catch(fail);
          },
        },
        t(`merchant.account_${name}`),
      ),
    ),
  );
  const reply = await fin.app.api.request("GET", `/merchant/shops/${fin.sid}/statement?account=${fin.which}`);
  const rows = reply.lines.map((/** @type {any} */ x) =>
    h(
      "li.merchant-line",
      h(
        "div.row",
        h("span.row-text", h("span.line-kind", kindText(x.kind)), h("span.line-time", formatFull(x.created_at))),
        h(
          `span.line-amount${x.amount > 0 ? ".in" : ""}`,
          (x.amount > 0 ? "+" : "") + formatMoney(x.amount, fin.currency),
        ),
      ),
    ),
  );
  fin.lines.replaceChildren(...(rows.length ? rows : [h("li.list-empty", t("wallet.empty"))]));
}

/**
 * A ledger kind as words: the merchant's own kinds, the wallet's, or the kind itself.
 * @param {string} kind
 */
function kindText(kind) {
  const name = kind.replace(/\./g, "_");
  for (const key of [`merchant.kind_${name}`, `wallet.kind_${name}`]) {
    const text = t(key);
    if (text !== key) return text;
  }
  return kind;
}
