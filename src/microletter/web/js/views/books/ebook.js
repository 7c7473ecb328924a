// @ts-check
/**
 * The reader for a bought e-book (`#/books/ebook/<product id>`): a PDF is drawn page by
 * page on a canvas by pdf.js (vendored in web/vendor/pdfjs-dist/, loaded only here), so it
 * opens in the app under the shell's own Content-Security-Policy: no frame, no plugin,
 * no `frame-src` for media (docs/SECURITY.md, "E-books"). A file pdf.js cannot read, an
 * EPUB (no browser shows one) or any other file is offered as a download instead; a PDF
 * can always be downloaded too, for the reader's own viewer.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar } from "../../common.js";

/** pdf.js, as published (the module and its worker), beside this version's files. */
const PDFJS = new URL("../../../vendor/pdfjs-dist/pdf.min.js", import.meta.url).href;
const PDFJS_WORKER = new URL("../../../vendor/pdfjs-dist/pdf.worker.min.js", import.meta.url).href;
/** Pages are drawn at most this many device pixels wide (a phone's width × 3, a tablet's × 2). */
const MAX_PIXELS = 2400;

/**
 * The few pieces of pdf.js used here (its types are not vendored: the module is imported by
 * a URL that tsc does not follow).
 * @typedef {{width: number, height: number}} Viewport
 * @typedef {{getViewport(o: {scale: number}): Viewport,
 *   render(o: {canvasContext: CanvasRenderingContext2D, canvas: HTMLCanvasElement, viewport: Viewport}): {promise: Promise<void>},
 *   cleanup(): void}} PdfPage
 * @typedef {{numPages: number, getPage(n: number): Promise<PdfPage>, destroy(): Promise<void>}} PdfDocument
 * @typedef {{GlobalWorkerOptions: {workerSrc: string},
 *   getDocument(o: {data: Uint8Array, isEvalSupported: boolean, useSystemFonts: boolean}): {promise: Promise<PdfDocument>}}} PdfJs
 */

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 * @param {string} id the product's id
 */
export function mountEbook(app, root, id) {
  const product = Number(id);
  const page = h("div.scroll.page.ebook-reader", { "aria-busy": "true" });
  const save = h(
    "button.icon-btn.ebook-download",
    { type: "button", "aria-label": t("books.download"), disabled: true },
    icon("download"),
  );
  const bar = topbar({ title: t("books.ebooks"), back: () => app.go("books"), actions: [save] });
  root.append(bar, page);
  /** @type {PdfDocument|null} */
  let doc = null;
  let gone = false;

  async function load() {
    try {
      const found = (await app.api.request("GET", "/books/ebooks")).ebooks.find(
        (/** @type {any} */ e) => e.product_id === product,
      );
      if (!found) throw new Error("not mine");
      bar.querySelector("h1")?.replaceChildren(found.name);
      const blob = await fetchFile(app, found.file.id);
      const name = found.file.name || found.name;
      save.disabled = false;
      save.addEventListener("click", () => download(blob, name));
      if (found.format === "pdf") await showPdf(blob, name);
      else offerDownload(blob, name, t(found.format === "epub" ? "books.epub_download" : "books.file_download"));
    } catch {
      if (!gone) page.replaceChildren(h("p.empty-row", t("books.failed")));
    } finally {
      page.setAttribute("aria-busy", "false");
    }
  }

  /**
   * @param {Blob} blob
   * @param {string} name
   */
  async function showPdf(blob, name) {
    try {
      const pdfjs = /** @type {PdfJs} */ (await import(PDFJS));
      pdfjs.GlobalWorkerOptions.workerSrc = PDFJS_WORKER;
      const data = new Uint8Array(await blob.arrayBuffer());
      // no eval (the shell's CSP forbids it; pdf.js then interprets fonts' programs)
      doc = await pdfjs.getDocument({ data, isEvalSupported: false, useSystemFonts: true }).promise;
    } catch {
      if (!gone) offerDownload(blob, name, t("books.pdf_unreadable"));
      return;
    }
    if (gone) return doc.destroy();
    const pdf = doc;
    let at = 1;
    const canvas = h("canvas.ebook-page");
    const where = h("span.ebook-where", { "aria-live": "polite" });
    const prev = h(
      "button.btn.btn-plain.ebook-prev",
      { type: "button", onclick: () => go(at - 1) },
      t("books.prev_page"),
    );
    const next = h(
      "button.btn.btn-plain.ebook-next",
      { type: "button", onclick: () => go(at + 1) },
      t("books.next_page"),
    );
    page.replaceChildren(h("div.ebook-canvas", canvas), h("nav.ebook-nav", prev, where, next));
    /** @param {number} n */
    async function go(n) {
      if (n < 1 || n > pdf.numPages) return;
      at = n;
      const label = t("books.page_of", { n, total: pdf.numPages });
      where.textContent = label;
      prev.disabled = n <= 1;
      next.disabled = n >= pdf.numPages;
      const p = await pdf.getPage(n);
      if (gone) return;
      const base = p.getViewport({ scale: 1 });
      const wide = Math.min(page.clientWidth || 360, 1000) * (window.devicePixelRatio || 1);
      const viewport = p.getViewport({ scale: Math.min(wide, MAX_PIXELS) / base.width });
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.setAttribute("aria-label", label);
      const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
      await p.render({ canvasContext: ctx, canvas, viewport }).promise;
      canvas.dataset.page = String(n);
      p.cleanup();
      page.scrollTop = 0;
    }
    await go(1).catch(() => toast(t("books.failed"), { kind: "error" }));
  }

  /**
   * @param {Blob} blob
   * @param {string} name
   * @param {string} why
   */
  function offerDownload(blob, name, why) {
    page.replaceChildren(
      h(
        "section.ebook-download-only",
        h("p.ebook-why", why),
        h(
          "button.btn.btn-primary.ebook-save",
          { type: "button", onclick: () => download(blob, name) },
          t("books.download"),
        ),
      ),
    );
  }

  load();
  return {
    destroy() {
      gone = true;
      doc?.destroy();
    },
  };
}

/**
 * The file's bytes, through the media room's signed link (only its buyers get one).
 * @param {import("../../app.js").App} app
 * @param {string} media
 * @returns {Promise<Blob>}
 */
export async function fetchFile(app, media) {
  const { urls } = await app.api.request("POST", "/media/urls", { json: { ids: [media] } });
  const link = urls[media];
  if (!link) throw new Error("denied");
  const response = await fetch(link.url);
  if (!response.ok) throw new Error(`media ${response.status}`);
  return response.blob();
}

/**
 * Save a file to the device.
 * @param {Blob} blob
 * @param {string} name
 */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  h("a", { href: url, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
