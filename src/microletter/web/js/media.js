/**
 * Media on screen: short-lived signed URLs fetched in batches and renewed before they
 * expire, and local object URLs for files this device just sent (so its own pictures
 * show at once). Also reads the size of picked images for their placeholders.
 */

const MARGIN = 30000; // renew a URL this long before it expires

export class MediaUrls {
  /** @param {import("./api.js").Api} api */
  constructor(api) {
    this.api = api;
    /** @type {Map<number, {url: string, thumbnail_url: string|null, expires_at: number}>} */
    this.cache = new Map();
    /** @type {Map<number, string>} */
    this.local = new Map();
    this.wanted = new Map(); // id → [resolve, reject][]
    this.timer = null;
  }

  /** Remember a local copy of media this device uploaded. */
  primeLocal(id, blob) {
    if (blob && !this.local.has(id)) this.local.set(id, URL.createObjectURL(blob));
  }

  /** @returns {string|undefined} a local object URL for media sent from here */
  localUrl(id) {
    return this.local.get(id);
  }

  /**
   * The signed URLs of one media item (batched with others asked for in the same moment).
   * @param {number} id
   * @returns {Promise<{url: string, thumbnail_url: string|null, expires_at: number}>}
   */
  get(id) {
    const hit = this.cache.get(id);
    if (hit && hit.expires_at - MARGIN > Date.now()) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const list = this.wanted.get(id) || [];
      list.push([resolve, reject]);
      this.wanted.set(id, list);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.fetchBatch(), 10);
    });
  }

  async fetchBatch() {
    const batch = new Map([...this.wanted].slice(0, 100));
    for (const id of batch.keys()) this.wanted.delete(id);
    if (this.wanted.size) this.timer = setTimeout(() => this.fetchBatch(), 0);
    try {
      const { urls } = await this.api.mediaUrls([...batch.keys()]);
      for (const [id, waiters] of batch) {
        const found = urls[String(id)];
        if (found) this.cache.set(id, found);
        for (const [resolve, reject] of waiters) (found ? resolve(found) : reject(new Error("no url")));
      }
    } catch (err) {
      for (const waiters of batch.values()) for (const [, reject] of waiters) reject(err);
    }
  }
}

/**
 * Width and height of a picked image, for a placeholder of the right shape.
 * @param {Blob} blob
 * @returns {Promise<{width: number, height: number}|null>}
 */
export async function imageSize(blob) {
  try {
    const bitmap = await createImageBitmap(blob);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size;
  } catch {
    return null;
  }
}

/**
 * The size a picture is shown at in a bubble: at most 200×200 CSS pixels (landscape) or
 * 140×200 (portrait), at least 60 on its short side.
 * @param {number} [width]
 * @param {number} [height]
 */
export function bubbleSize(width, height) {
  if (!width || !height) return { width: 160, height: 160 };
  const maxW = width >= height ? 200 : 140;
  const maxH = 200;
  const scale = Math.min(maxW / width, maxH / height, 1);
  return {
    width: Math.max(60, Math.round(width * scale)),
    height: Math.max(60, Math.round(height * scale)),
  };
}
