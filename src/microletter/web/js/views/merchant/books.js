// @ts-check
/**
 * A shop's serialized works, for its owner and clerks (`#/merchant/<shop id>/books`, and
 * one work at `#/merchant/<shop id>/books/<work id>`): the works with their sales, a new
 * work, a work's terms (title, author, description, the first N chapters free, the price
 * of a chapter and of the whole work), its chapters and the next one written and
 * published; and the shop's chapter and whole-work purchases, each refundable (before its
 * settlement from pending money, after it from the balance, as the server decides).
 * The server decides who may do what; this page only shows what it answers.
 */

import { confirmDialog, h, icon, toast } from "../../dom.js";
import { formatFull, t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { formatMoney, parseAmount } from "../money.js";
import { formatPlain } from "../books/work.js";

/** @typedef {import("../money.js").Currency} Currency */

const fail = (/** @type {unknown} */ err) => toast(errorText(err), { kind: "error" });

/**
 * The works of a shop, a new one, and the shop's purchases.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} id the shop's id, from the route
 * @returns {null}
 */
export function mountMerchantBooks(app, root, id) {
  const sid = Number(id);
  const works = h("ul.list.card-list.merchant-works", { "aria-label": t("mbooks.works") });
  const sales = h("ul.list.merchant-purchases", { "aria-label": t("mbooks.purchases") });
  const form = h("div.merchant-work-new");
  /** @type {Currency} */
  let currency = { code: "CNY", exponent: 2 }; // until the server says
  root.append(
    topbar({ title: t("mbooks.title"), back: () => app.go(`merchant/${sid}`) }),
    h(
      "div.scroll.page.merchant-books",
      works,
      h(
        "button.btn.btn-primary.new-work",
        { type: "button", onclick: () => form.replaceChildren(workForm(app, sid, null, currency, created)) },
        t("mbooks.new_work"),
      ),
      form,
      h("h3.list-title", t("mbooks.purchases")),
      sales,
    ),
  );

  /** @param {any} made */
  function created(made) {
    app.go(`merchant/${sid}/books/${made.id}`);
  }

  async function load() {
    const [found, bought, sold] = await Promise.all([
      app.api.request("GET", `/shops/${sid}/works`),
      app.api.request("GET", `/shops/${sid}/purchases`),
      salesOf(app, sid),
    ]);
    currency = found.currency;
    const rows = found.works.map((/** @type {any} */ w) => {
      const s = sold.get(w.id) || { count: 0, amount: 0 };
      return h(
        "li",
        h(
          "a.row.merchant-work",
          { href: `#/merchant/${sid}/books/${w.id}`, dataset: { work: String(w.id) } },
          icon("list", "row-icon"),
          h(
            "span.row-text",
            h("span.work-title", w.title),
            h("span.work-chapters", t("mbooks.chapter_count", { n: w.chapters })),
            h("span.work-sales", t("mbooks.sales", { count: s.count, amount: formatMoney(s.amount, found.currency) })),
          ),
          icon("chevron", "cell-chevron"),
        ),
      );
    });
    works.replaceChildren(...(rows.length ? rows : [h("li.list-empty", t("mbooks.no_works"))]));
    const titles = new Map(found.works.map((/** @type {any} */ w) => [w.id, w.title]));
    renderPurchases(app, sales, bought, titles, load);
  }

  load().catch(fail);
  return null;
}

/**
 * One work: its terms, its chapters, the next chapter, and its purchases.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} shop the shop's id, from the route
 * @param {string} id the work's id
 * @returns {null}
 */
export function mountMerchantWork(app, root, shop, id) {
  const sid = Number(shop);
  const wid = Number(id);
  const bar = topbar({ title: t("mbooks.work"), back: () => app.go(`merchant/${sid}/books`) });
  const terms = h("div.merchant-work-terms");
  const chapters = h("ul.list.card-list.merchant-chapters", { "aria-label": t("books.chapters") });
  const sales = h("ul.list.merchant-purchases", { "aria-label": t("mbooks.purchases") });
  const summary = h("p.merchant-work-sales");
  root.append(
    bar,
    h(
      "div.scroll.page.merchant-books",
      terms,
      h("h3.list-title", t("mbooks.sales_title")),
      summary,
      h("h3.list-title", t("books.chapters")),
      chapters,
      h("h3.list-title", t("mbooks.next_chapter")),
      chapterForm(app, wid, () => load().catch(fail)),
      h("h3.list-title", t("mbooks.purchases")),
      sales,
    ),
  );

  async function load() {
    const [view, bought, sold] = await Promise.all([
      app.api.request("GET", `/books/works/${wid}`),
      app.api.request("GET", `/shops/${sid}/purchases`),
      salesOf(app, sid),
    ]);
    const work = view.work;
    bar.querySelector("h1")?.replaceChildren(work.title);
    terms.replaceChildren(workForm(app, sid, work, view.currency, () => load().catch(fail)));
    const rows = view.chapters.map((/** @type {any} */ c) =>
      h(
        "li",
        h(
          "div.row.merchant-chapter", // not a link: the staff own no paid chapter, the reader would offer to sell it
          { dataset: { number: String(c.number) } },
          h(
            "span.row-text",
            h("span.chapter-title", `${c.number}. ${c.title}`),
            h("span.line-time", formatFull(c.published_at)),
          ),
          h("span.chapter-state", c.free ? t("books.free") : formatMoney(work.chapter_price, view.currency)),
        ),
      ),
    );
    chapters.replaceChildren(...(rows.length ? rows : [h("li.list-empty", t("mbooks.no_chapters"))]));
    const mine = { ...bought, purchases: bought.purchases.filter((/** @type {any} */ p) => p.work_id === wid) };
    const s = sold.get(wid) || { count: 0, amount: 0 };
    summary.replaceChildren(t("mbooks.sales", { count: s.count, amount: formatMoney(s.amount, view.currency) }));
    renderPurchases(app, sales, mine, new Map([[wid, work.title]]), load);
  }

  load().catch(fail);
  return null;
}

/**
 * Each work's purchases not refunded, counted by the server over all of them (the
 * purchases list is paged): how many and what they brought.
 * @param {import("../../app.js").App} app
 * @param {number} sid
 * @returns {Promise<Map<number, {count: number, amount: number}>>}
 */
async function salesOf(app, sid) {
  const reply = await app.api.request("GET", `/shops/${sid}/work_sales`);
  return new Map(reply.sales.map((/** @type {any} */ s) => [s.work_id, { count: s.purchases, amount: s.amount }]));
}

/**
 * The purchases as rows, each not yet refunded with a Refund button.
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} list
 * @param {{purchases: any[], currency: Currency}} reply
 * @param {Map<number, string>} titles
 * @param {() => Promise<void>} reload
 */
function renderPurchases(app, list, reply, titles, reload) {
  // open refund requests first: they wait for an answer
  const open = (/** @type {any} */ p) => (p.refund_request?.state === "open" ? 0 : 1);
  const ordered = [...reply.purchases].sort((a, b) => open(a) - open(b));
  const rows = ordered.map((p) => {
    const what = p.chapter ? t("mbooks.bought_chapter", { n: p.chapter }) : t("mbooks.bought_work");
    const asked = p.refund_request;
    return h(
      "li.merchant-purchase",
      { dataset: { purchase: String(p.id), status: p.status, request: asked ? asked.state : "" } },
      h(
        "div.row",
        h(
          "span.row-text",
          h("span.purchase-what", `${titles.get(p.work_id) || ""} · ${what}`),
          h("span.line-time", `${t(`mbooks.status_${p.status}`)} · ${formatFull(p.created_at)}`),
          asked
            ? h(
                "span.refund-request",
                t(`mbooks.request_${asked.state}`) + (asked.reason ? ` — “${asked.reason}”` : ""),
              )
            : "",
        ),
        h("span.line-amount", formatMoney(p.amount, reply.currency)),
      ),
      p.status === "refunded"
        ? ""
        : h(
            "div.dialog-actions",
            asked?.state === "open"
              ? h(
                  "button.btn.btn-plain.decline-refund",
                  { type: "button", onclick: () => decline(app, p).then(reload).catch(fail) },
                  t("mbooks.decline"),
                )
              : "",
            h(
              "button.btn.refund-purchase",
              { type: "button", onclick: () => refund(app, p, reply.currency).then(reload).catch(fail) },
              t("merchant.refund"),
            ),
          ),
    );
  });
  list.replaceChildren(...(rows.length ? rows : [h("li.list-empty", t("mbooks.no_purchases"))]));
}

/**
 * @param {import("../../app.js").App} app
 * @param {any} p
 * @param {Currency} currency
 */
async function refund(app, p, currency) {
  const text = t("mbooks.refund_confirm", { amount: formatMoney(p.amount, currency) });
  if (!(await confirmDialog(text, { ok: t("merchant.refund"), danger: true }))) return;
  await app.api.request("POST", `/books/purchases/${p.id}/refund`);
  toast(t("mbooks.refunded"));
}

/**
 * @param {import("../../app.js").App} app
 * @param {any} p
 */
async function decline(app, p) {
  if (!(await confirmDialog(t("mbooks.decline_confirm"), { ok: t("mbooks.decline") }))) return;
  await app.api.request("POST", `/books/purchases/${p.id}/refund_request/decline`);
  toast(t("mbooks.declined"));
}

/**
 * A work's terms as a form: a new work (`work` null) or changes to one.
 * @param {import("../../app.js").App} app
 * @param {number} sid
 * @param {any} work the work, or null
 * @param {Currency} currency its prices' currency
 * @param {(saved: any) => void} saved
 */
function workForm(app, sid, work, currency, saved) {
  const plain = (/** @type {number|null|undefined} */ n) => (n == null ? "" : formatPlain(n, currency.exponent));
  const field = (/** @type {string} */ cls, /** @type {string} */ label, /** @type {any} */ attrs) => {
    const input = h(`input.field.${cls}`, { "aria-label": label, ...attrs });
    return { input, row: h("label.field-label", label, input) };
  };
  const title = field("work-title-input", t("mbooks.f_title"), {
    maxLength: 300,
    value: work?.title || "",
    required: true,
  });
  const author = field("work-author", t("mbooks.f_author"), { maxLength: 300, value: work?.author || "" });
  const description = h("textarea.field.work-description", {
    maxLength: 4000,
    rows: 3,
    "aria-label": t("mbooks.f_description"),
  });
  description.value = work?.description || "";
  const free = field("work-free", t("mbooks.f_free"), {
    type: "number",
    min: 0,
    max: 100000,
    value: String(work?.free_chapters ?? 0),
  });
  const price = field("work-chapter-price", t("mbooks.f_chapter_price"), {
    inputMode: "decimal",
    placeholder: "0.20",
    value: plain(work?.chapter_price),
  });
  const whole = field("work-price", t("mbooks.f_work_price"), {
    inputMode: "decimal",
    placeholder: t("mbooks.optional"),
    value: plain(work?.work_price),
  });
  const error = h("p.field-error", { hidden: true });
  /** A typed amount: 0 for "0" or nothing (`blank`), minor units, or undefined if not an amount. */
  const amount = (/** @type {string} */ text, /** @type {number|null} */ blank) => {
    if (!text.trim()) return blank;
    if (/^\s*0+([.,]0*)?\s*$/.test(text)) return 0;
    return parseAmount(text, currency) ?? undefined;
  };
  return h(
    "form.merchant-work-form",
    {
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        const chapterPrice = amount(price.input.value, 0);
        const workPrice = amount(whole.input.value, null);
        if (chapterPrice === undefined || workPrice === undefined) {
          error.textContent = t("wallet.amount_invalid");
          error.hidden = false;
          return;
        }
        error.hidden = true;
        const json = {
          title: title.input.value.trim(),
          author: author.input.value.trim(),
          description: description.value.trim(),
          free_chapters: Number(free.input.value || 0),
          chapter_price: chapterPrice,
          work_price: workPrice,
        };
        try {
          const path = work ? `/shops/${sid}/works/${work.id}` : `/shops/${sid}/works`;
          const reply = await app.api.request(work ? "PUT" : "POST", path, { json });
          toast(t("books.saved"));
          saved(reply.work);
        } catch (err) {
          fail(err);
        }
      },
    },
    title.row,
    author.row,
    h("label.field-label", t("mbooks.f_description"), description),
    free.row,
    price.row,
    whole.row,
    error,
    h(
      "div.dialog-actions",
      h("button.btn.btn-primary.save-work", { type: "submit" }, work ? t("common.save") : t("mbooks.create")),
    ),
  );
}

/**
 * The next chapter: its title and text, published at once (readers are told).
 * @param {import("../../app.js").App} app
 * @param {number} wid
 * @param {() => void} published
 */
function chapterForm(app, wid, published) {
  const title = h("input.field.chapter-title-input", {
    maxLength: 300,
    required: true,
    "aria-label": t("mbooks.f_chapter_title"),
  });
  const text = h("textarea.field.chapter-text", {
    rows: 10,
    maxLength: 100000,
    required: true,
    "aria-label": t("mbooks.f_text"),
  });
  return h(
    "form.merchant-chapter-form",
    {
      onsubmit: async (/** @type {Event} */ e) => {
        e.preventDefault();
        if (!(await confirmDialog(t("mbooks.publish_confirm"), { ok: t("mbooks.publish") }))) return;
        try {
          const reply = await app.api.request("POST", `/books/works/${wid}/chapters`, {
            json: { title: title.value.trim(), text: text.value },
          });
          title.value = "";
          text.value = "";
          toast(t("mbooks.published", { n: reply.chapter.number }));
          published();
        } catch (err) {
          fail(err);
        }
      },
    },
    h("label.field-label", t("mbooks.f_chapter_title"), title),
    h("label.field-label", t("mbooks.f_text"), text),
    h("p.hint", t("mbooks.text_hint")),
    h("div.dialog-actions", h("button.btn.btn-primary.publish-chapter", { type: "submit" }, t("mbooks.publish"))),
  );
}
