// @ts-check
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
    /** @type {Map<string, {url: string, thumbnail_url: string|null, expires_at: number}>} media id (sha256 hex) → URLs */
    this.cache = new Map();
    /** @type {Map<string, string>} */
    this.local = new Map();
    this.wanted = new Map(); // id → [resolve, reject][]
    /** @type {ReturnType<typeof setTimeout>|undefined} */
    this.timer = undefined;
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
   * @param {string} id
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
        for (const [resolve, reject] of waiters) found ? resolve(found) : reject(new Error("no url"));
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
 * Width, height and duration of a picked or recorded video, read by the browser from its
 * metadata (null when it cannot tell, or the duration is unknown, as in a MediaRecorder
 * WebM that was never seeked).
 * @param {Blob} blob
 * @returns {Promise<{width: number, height: number, duration_ms: number}|null>}
 */
export function videoFacts(blob) {
  const url = URL.createObjectURL(blob);
  const video = document.createElement("video");
  video.preload = "metadata";
  video.muted = true;
  return new Promise((resolve) => {
    const done = (/** @type {{width: number, height: number, duration_ms: number}|null} */ facts) => {
      clearTimeout(timer);
      video.removeAttribute("src");
      URL.revokeObjectURL(url);
      resolve(facts);
    };
    const timer = setTimeout(() => done(null), 3000);
    video.onloadedmetadata = () => {
      const seconds = video.duration;
      if (!Number.isFinite(seconds)) done(null);
      else done({ width: video.videoWidth, height: video.videoHeight, duration_ms: Math.round(seconds * 1000) });
    };
    video.onerror = () => done(null);
    video.src = url;
  });
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

/**
 * Groups' avatars, drawn on the server (a grid of the first members' pictures) and fetched
 * with the token, so they become object URLs. One per group, fetched again when its member
 * count changes or someone's picture changed (`forget`); the server's ETag makes a refetch
 * of an unchanged one cheap.
 */
export class GroupAvatars {
  /** @param {import("./api.js").Api} api */
  constructor(api) {
    this.api = api;
    /** @type {Map<number, {count: number, url: Promise<string|null>}>} */
    this.cache = new Map();
  }

  /**
   * The object URL of a group's avatar (null when it cannot be had, e.g. offline).
   * @param {number} cid
   * @param {number} count its member count now
   * @returns {Promise<string|null>}
   */
  get(cid, count) {
    const hit = this.cache.get(cid);
    if (hit && hit.count === count) return hit.url;
    const url = this.api
      .groupAvatar(cid)
      .then((blob) => URL.createObjectURL(blob))
      .catch(() => {
        this.cache.delete(cid); // try again next time
        return null;
      });
    this.cache.set(cid, { count, url });
    return url;
  }

  /** Someone's picture changed: every group avatar is fetched again (revalidated). */
  forget() {
    this.cache.clear();
  }
}
