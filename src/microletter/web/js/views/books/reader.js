// @ts-check
/**
 * The reader: a chapter's text, where I am in it saved as I read (so my other devices
 * open at the same place), and at its end the next chapter. A paid chapter that is not
 * mine shows what it costs and the whole work's price. With auto-purchase on, reading on
 * buys the next chapter in the reading session (the payment password once, then up to the
 * spending limit), and stops with a note when the limit would be passed.
 */

import { h, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";
import { errorText } from "../contacts/request.js";
import { formatMoney } from "../money.js";
import { buyInSession, buyWithPassword, endSession, liveSession, openSession } from "./buying.js";

/** Progress is saved this long after the reader stops scrolling. */
const SAVE_DELAY_MS = 1500;

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} id
 * @param {string} number
 */
export function mountReader(app, root, id, number) {
  const work = Number(id);
  const chapter = Number(number);
  const { api } = app;
  const page = h("article.scroll.page.reader", { "aria-busy": "true" });
  const bar = topbar({ title: t("books.reader"), back: () => app.go(`books/${work}`) });
  root.append(bar, page);
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  let gone = false;

  async function load() {
    try {
      const c = await api.request("GET", `/books/works/${work}/chapters/${chapter}`);
      if (gone) return;
      showChapter(c);
      if (c.position) {
        // where I left it, on this device or another (progress is synced)
        const max = page.scrollHeight - page.clientHeight;
        page.scrollTop = Math.round((max * c.position) / 1000);
      } else save(0);
    } catch (err) {
      if (gone) return;
      const code = /** @type {any} */ (err)?.code;
      if (code === "books.chapter_locked") await locked(/** @type {any} */ (err).details);
      else page.replaceChildren(h("p.empty-row", errorText(err)));
    } finally {
      page.setAttribute("aria-busy", "false");
    }
  }

  /** @param {any} c */
  function showChapter(c) {
    bar.querySelector("h1")?.replaceChildren(c.title);
    const paragraphs = String(c.text)
      .split(/\n\s*\n/)
      .map((p) => h("p.reader-paragraph", p));
    const next =
      c.number < c.chapters
        ? h("a.btn.btn-primary.next-chapter", { href: `#/books/${work}/read/${c.number + 1}` }, t("books.next"))
        : null;
    page.replaceChildren(
      h("h2.reader-title", `${c.number}. ${c.title}`),
      h("div.reader-text", ...paragraphs),
      h(
        "footer.reader-end",
        next || h("p.reader-last", t("books.last_chapter")),
        c.offer.work_price != null && c.offer.next_chapter != null
          ? h("p.reader-offer", t("books.or_work", { price: formatMoney(c.offer.work_price, c.currency) }))
          : null,
      ),
    );
  }

  /**
   * The chapter is paid and not mine: auto-purchase in the session, or the offer.
   * @param {{price: number, work_price: number|null}} details
   */
  async function locked(details) {
    const view = await api.request("GET", `/books/works/${work}`);
    const settings = view.progress;
    if (settings?.auto_purchase) {
      let session = liveSession(work);
      if (!session && settings.spending_limit > 0) session = await openSession(app, work, settings.spending_limit);
      if (session) {
        try {
          await buyInSession(app, work, chapter, details.price, session);
          return load();
        } catch (err) {
          const code = /** @type {any} */ (err)?.code;
          if (code === "books.session_invalid") endSession(work);
          if (code !== "books.spending_limit_reached") toast(errorText(err), { kind: "error" });
          return offer(view, details, code === "books.spending_limit_reached");
        }
      }
    }
    offer(view, details, false);
  }

  /**
   * @param {any} view
   * @param {{price: number, work_price: number|null}} details
   * @param {boolean} limitReached
   */
  function offer(view, details, limitReached) {
    const money = (/** @type {number} */ n) => formatMoney(n, view.currency);
    const heading = view.chapters.find((/** @type {any} */ c) => c.number === chapter);
    bar.querySelector("h1")?.replaceChildren(view.work.title);
    page.replaceChildren(
      h(
        "section.reader-locked",
        h("h2.reader-title", heading ? `${chapter}. ${heading.title}` : view.work.title),
        limitReached ? h("p.limit-reached", { role: "status" }, t("books.limit_reached")) : null,
        h("p.locked-text", t("books.locked")),
        h(
          "button.btn.btn-primary.buy-chapter",
          { type: "button", onclick: () => buy(chapter, details.price) },
          t("books.buy_chapter", { price: money(details.price) }),
        ),
        details.work_price != null && !view.owns_work
          ? h(
              "button.btn.btn-plain.buy-work",
              { type: "button", onclick: () => buy(0, /** @type {number} */ (details.work_price)) },
              t("books.buy_work", { price: money(/** @type {number} */ (details.work_price)) }),
            )
          : null,
      ),
    );
  }

  /**
   * @param {number} which a chapter, or 0: the whole work
   * @param {number} price
   */
  async function buy(which, price) {
    try {
      const done = await buyWithPassword(app, work, which, price, t("books.buy_title"));
      if (done) load();
    } catch (err) {
      toast(errorText(err), { kind: "error" });
    }
  }

  /** @param {number} delay */
  function save(delay) {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const max = page.scrollHeight - page.clientHeight;
      const position = max > 0 ? Math.round((page.scrollTop / max) * 1000) : 0;
      api.request("PUT", `/books/shelf/${work}/progress`, { json: { chapter, position } }).catch(() => {}); // progress is best effort: the next save catches up
    }, delay);
  }

  page.addEventListener("scroll", () => save(SAVE_DELAY_MS), { passive: true });
  load();
  return {
    destroy() {
      gone = true;
      clearTimeout(timer);
    },
  };
}
