// @ts-check
/**
 * QR codes in the browser, the same in every one: drawing a code (an SVG image), and
 * reading one from a picture or from the camera, with the vendored, pinned `qr` library
 * (vendor/qr/, docs/ARCHITECTURE.md says how to update it) rather than `BarcodeDetector`,
 * which Safari, Firefox and many Chromium builds lack. Reading never sends anything
 * anywhere; what a code names is links.js's business.
 */

import { encodeQR } from "../vendor/qr/index.js";
import { decodeQR } from "../vendor/qr/decode.js";

/** Pictures are searched at these sizes (longest side), small first: faster, and a big photo's noise hides less. */
const PICTURE_SIDES = [1024, 2048];
/** Camera frames are searched at this size (longest side) ... */
const FRAME_SIDE = 720;
/** ... this often. */
const LOOK_EVERY_MS = 200;

/**
 * An image of a QR code for `text` (black on white, with its quiet zone), for an <img>.
 * @param {string} text
 * @returns {string} a data: URL of an SVG image
 */
export function qrImageUrl(text) {
  const svg = encodeQR(text, "svg", { ecc: "medium", border: 4, optimize: true });
  // White behind the modules, also in dark mode (a scanner needs dark on light).
  const onWhite = svg.replace(/^<svg([^>]*)>/, '<svg$1><rect width="100%" height="100%" fill="#fff"/>');
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(onWhite)}`;
}

/**
 * The text of the QR code in these pixels, or null when none is found.
 * @param {ImageData} pixels
 * @returns {string|null}
 */
export function decodePixels(pixels) {
  try {
    return decodeQR({ width: pixels.width, height: pixels.height, data: pixels.data });
  } catch {
    return null; // no code (or not a readable one) in this picture
  }
}

/**
 * Draw `source` scaled to at most `side` pixels on its longest side, and read its pixels.
 * @param {CanvasImageSource} source
 * @param {number} width the source's own width
 * @param {number} height the source's own height
 * @param {number} side
 * @param {HTMLCanvasElement} [canvas] reused between camera frames
 * @returns {ImageData}
 */
function pixelsOf(source, width, height, side, canvas = document.createElement("canvas")) {
  const scale = Math.min(1, side / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const g = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d", { willReadFrequently: true }));
  g.drawImage(source, 0, 0, canvas.width, canvas.height);
  return g.getImageData(0, 0, canvas.width, canvas.height);
}

/**
 * The text of the QR code in a picture (a photo, a screenshot, a saved code), or null.
 * @param {Blob} file
 * @returns {Promise<string|null>}
 */
export async function decodePicture(file) {
  /** @type {ImageBitmap} */
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null; // not a picture the browser can read
  }
  try {
    for (const side of PICTURE_SIDES) {
      const text = decodePixels(pixelsOf(bitmap, bitmap.width, bitmap.height, side));
      if (text !== null) return text;
      if (Math.max(bitmap.width, bitmap.height) <= side) break; // no bigger size to try
    }
    return null;
  } finally {
    bitmap.close();
  }
}

/** @returns {boolean} whether this browser can film here (a secure context with a camera API) */
export function canUseCamera() {
  return Boolean(window.isSecureContext && navigator.mediaDevices?.getUserMedia);
}

/**
 * Film with the back camera into `video` and look for a code in the frames until one is
 * found (`onCode`, once) or `stop()` is called. Rejects when there is no camera or the
 * person said no.
 * @param {HTMLVideoElement} video
 * @param {(text: string) => void} onCode
 * @returns {Promise<{stop: () => void}>}
 */
export async function startCamera(video, onCode) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  await video.play().catch(() => {}); // autoplay rules: a muted video plays
  const canvas = document.createElement("canvas");
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  let stopped = false;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  };
  const look = () => {
    if (stopped) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const text = decodePixels(pixelsOf(video, video.videoWidth, video.videoHeight, FRAME_SIDE, canvas));
      if (text !== null) {
        stop();
        onCode(text);
        return;
      }
    }
    timer = setTimeout(look, LOOK_EVERY_MS);
  };
  look();
  return { stop };
}
