// @ts-check
/**
 * My stickers: the list the server keeps in my order (GET /api/v1/stickers), fetched
 * once when first wanted and again whenever a `collection` event says they changed (on
 * this device or another), and the changes (save, remove, reorder) that the server answers
 * with the new list. One per app, found with stickersOf(app), so the composer's panel and
 * the image viewer share it without the shell knowing about it.
 */

/** @typedef {{id: string, kind: string, width?: number|null, height?: number|null, [key: string]: any}} Sticker a Media */

export class Stickers extends EventTarget {
  /**
   * @param {import("./api.js").Api} api
   * @param {import("./store.js").Store} store
   */
  constructor(api, store) {
    super();
    this.api = api;
    this.userId = store.me?.id;
    /** @type {Sticker[]} */
    this.list = [];
    this.loaded = false;
    /** @type {Promise<void>|null} */
    this.loading = null;
    store.subscribe((topics) => {
      if (topics.has("collection:stickers") && this.loaded) this.load(true);
    });
  }

  /**
   * Fetch the list (once, unless `again`).
   * @param {boolean} [again]
   */
  load(again = false) {
    if (this.loading && !again) return this.loading;
    this.loading = this.api.stickers().then(
      ({ stickers }) => this.set(stickers),
      (err) => {
        this.loading = null; // try again next time it is wanted
        throw err;
      },
    );
    return this.loading;
  }

  /** @param {Sticker[]} stickers */
  set(stickers) {
    this.list = stickers;
    this.loaded = true;
    this.dispatchEvent(new CustomEvent("change"));
  }

  /** Save an image I can see as a sticker (last in my order). @param {string} mediaId */
  async add(mediaId) {
    const { stickers } = await this.api.addSticker(mediaId);
    this.set(stickers);
  }

  /** @param {string} mediaId */
  async remove(mediaId) {
    await this.api.removeSticker(mediaId);
    this.set(this.list.filter((s) => s.id !== mediaId));
  }

  /**
   * Move one sticker by `by` places (−1: earlier).
   * @param {string} mediaId
   * @param {number} by
   */
  async move(mediaId, by) {
    const ids = this.list.map((s) => s.id);
    const from = ids.indexOf(mediaId);
    const to = Math.max(0, Math.min(ids.length - 1, from + by));
    if (from < 0 || from === to) return;
    ids.splice(to, 0, ...ids.splice(from, 1));
    const { stickers } = await this.api.reorderStickers(ids);
    this.set(stickers);
  }
}

/** @type {WeakMap<object, Stickers>} */
const perApp = new WeakMap();

/**
 * The stickers of the signed-in user of this app.
 * @param {{api: import("./api.js").Api, store: import("./store.js").Store}} app
 * @returns {Stickers}
 */
export function stickersOf(app) {
  let stickers = perApp.get(app);
  // A new one after a log-in as someone else: their stickers are not mine.
  if (!stickers || stickers.userId !== app.store.me?.id) {
    perApp.set(app, (stickers = new Stickers(app.api, app.store)));
  }
  return stickers;
}
