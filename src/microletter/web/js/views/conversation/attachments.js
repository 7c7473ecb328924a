// @ts-check
/**
 * Pictures and files into a conversation: queueing one in the outbox (with its local size,
 * so its bubble has the right shape before the upload ends), and the drop zone that takes
 * files dragged onto the screen. The outbox uploads and sends; nothing here talks to the server.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { imageSize, videoFacts } from "../../media.js";

/** The largest file the server takes (MICROLETTER_MAX_FILE_BYTES' default). */
const MAX_FILE = 100 * 1000 * 1000;
/** The largest video upload (MICROLETTER_MAX_VIDEO_BYTES' default, 64 MiB). */
const MAX_VIDEO = 64 * 1024 * 1024;
/** The longest video message (MICROLETTER_MAX_VIDEO_SECONDS' default); the server checks too. */
export const MAX_VIDEO_SECONDS = 60;
const IMAGE_TYPES = /^image\/(jpeg|png|gif|webp|heic|heif|avif)$/;
const VIDEO_TYPES = /^video\//;

/**
 * Queue a picked, pasted or dropped file: as a picture or a video when its type is one,
 * else as a file.
 * @param {import("../../outbox.js").Outbox} outbox
 * @param {number} cid
 * @param {File} file
 * @param {"image"|"file"|"video"} [forced] the kind whatever the type (the "send file" button)
 * @returns {Promise<boolean>} whether it was queued (false: too large or too long, and the user was told)
 */
export async function sendFile(outbox, cid, file, forced) {
  if (file.size > MAX_FILE) {
    toast(t("chat.file_too_large", { max: "100 MB" }), { kind: "error" });
    return false;
  }
  const kind = forced || (IMAGE_TYPES.test(file.type) ? "image" : VIDEO_TYPES.test(file.type) ? "video" : "file");
  if (kind === "video") return sendVideo(outbox, cid, file);
  const local = kind === "image" ? await imageSize(file) : null;
  outbox.add(cid, { kind, blob: file, name: file.name || kind, local: local || undefined });
  return true;
}

/**
 * Queue a video, recorded or picked, with its local size and duration (so its bubble has
 * its shape and length before the upload ends). One longer than a video message may be,
 * or larger than the server takes, is refused here, before any byte is sent; a recording
 * whose length the browser cannot tell (a fresh MediaRecorder WebM) is left to the server.
 * @param {import("../../outbox.js").Outbox} outbox
 * @param {number} cid
 * @param {Blob} blob
 * @param {string} [name]
 */
export async function sendVideo(outbox, cid, blob, name) {
  if (blob.size > MAX_VIDEO) {
    toast(t("chat.file_too_large", { max: "64 MB" }), { kind: "error" });
    return false;
  }
  const local = await videoFacts(blob);
  if (local && local.duration_ms > (MAX_VIDEO_SECONDS + 1) * 1000) {
    toast(t("composer.video_too_long", { max: MAX_VIDEO_SECONDS }), { kind: "error" });
    return false;
  }
  const file = /** @type {File} */ (blob);
  const fileName = name || file.name || `video-${Date.now()}.webm`;
  outbox.add(cid, { kind: "video", blob, name: fileName, local: local || undefined });
  return true;
}

/**
 * Let files be dropped on `screen`: a hint shows while files are dragged over it.
 * @param {HTMLElement} screen
 * @param {(files: File[]) => void} onFiles
 * @returns {HTMLElement} the hint, for the caller to place
 */
export function dropZone(screen, onFiles) {
  const hint = h("div.drop-hint", { hidden: true }, icon("image"), h("p", t("chat.drop_here")));
  // dragenter and dragleave fire for every child crossed: count them, hide at zero.
  let depth = 0;
  screen.addEventListener("dragenter", (e) => {
    if (![...(e.dataTransfer?.types || [])].includes("Files")) return;
    depth += 1;
    hint.hidden = false;
  });
  screen.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (!depth) hint.hidden = true;
  });
  screen.addEventListener("dragover", (e) => e.preventDefault());
  screen.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    hint.hidden = true;
    onFiles([...(e.dataTransfer?.files || [])]);
  });
  return hint;
}
