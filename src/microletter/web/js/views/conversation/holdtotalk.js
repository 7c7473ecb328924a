// @ts-check
/**
 * Hold to talk: the composer's voice button and the overlay shown while recording. Press
 * (pointer, or Space/Enter) starts recording, release sends, sliding up past a threshold
 * (or Escape, or the pointer being taken away) cancels. It hands a finished recording to
 * its caller and never sends anything itself.
 */

import { h, icon, toast } from "../../dom.js";
import { formatDuration, t } from "../../i18n.js";
import { MAX_MS, MIN_MS, startRecording, waveformOf } from "../../voice.js";
import { player } from "../bubbles.js";

/** How far (px) the finger slides up before releasing cancels. */
const CANCEL_DISTANCE = 70;

/**
 * @typedef {Awaited<ReturnType<typeof startRecording>>} Recording
 * @typedef {{startY: number, cancel: boolean, recording: Recording|null, released: boolean,
 *   timer: ReturnType<typeof setInterval>|null}} Hold
 * @typedef {{blob: Blob, name: string, local: {duration_ms: number, waveform: number[]|null}}} VoiceNote
 */

/**
 * The hold-to-talk button and its overlay.
 * @param {(note: VoiceNote) => void} onRecorded called with each recording long enough to send
 * @returns {{button: HTMLElement, overlay: HTMLElement, cancel: () => void}} `cancel` ends a
 *   recording in progress without sending it (the screen is going away)
 */
export function holdToTalk(onRecorded) {
  const button = h(
    "button.hold-to-talk",
    { type: "button", hidden: true, "aria-label": t("voice.hold_label") },
    t("voice.hold"),
  );
  const overlay = h("div.voice-overlay", { hidden: true, role: "status", "aria-live": "assertive" });
  /** @type {Hold|null} */
  let rec = null;

  function showOverlay() {
    const ms = rec?.recording ? performance.now() - rec.recording.startedAt : 0;
    overlay.dataset.ms = String(Math.round(ms));
    overlay.classList.toggle("cancel", Boolean(rec?.cancel));
    overlay.replaceChildren(
      h(
        "div.voice-card",
        h("div.voice-level", icon(rec?.cancel ? "close" : "mic")),
        h("div.voice-time", formatDuration(ms)),
        h("div.voice-hint", t(rec?.cancel ? "voice.release_to_cancel" : "voice.slide_to_cancel")),
      ),
    );
  }

  /** @param {number} y where the press started (to measure the slide) */
  async function begin(y) {
    if (rec) return;
    player.stop();
    /** @type {Hold} */
    const current = { startY: y, cancel: false, recording: null, released: false, timer: null };
    rec = current;
    button.classList.add("holding");
    button.textContent = t("voice.release");
    overlay.hidden = false;
    showOverlay();
    try {
      current.recording = await startRecording({
        onLevel: (level) => overlay.style.setProperty("--level", level.toFixed(2)),
        onLimit: () => end(false),
      });
    } catch (err) {
      console.warn("mic", err);
      toast(t("voice.no_mic"), { kind: "error" });
      reset();
      return;
    }
    if (current.released) {
      current.recording.cancel();
      reset();
      return;
    }
    current.timer = setInterval(showOverlay, 100);
  }

  function reset() {
    if (rec?.timer) clearInterval(rec.timer);
    rec = null;
    overlay.hidden = true;
    button.classList.remove("holding");
    button.textContent = t("voice.hold");
  }

  /** @param {boolean} cancel true to throw the recording away */
  async function end(cancel) {
    if (!rec) return;
    const current = rec;
    current.released = true;
    if (!current.recording) return; // still starting: it cancels itself
    reset();
    if (cancel || current.cancel) {
      current.recording.cancel();
      return;
    }
    const { blob, duration_ms: duration } = await current.recording.stop();
    if (duration < MIN_MS) {
      toast(t("voice.too_short"));
      return;
    }
    const waveform = await waveformOf(blob);
    const ext = blob.type.includes("ogg") ? "ogg" : blob.type.includes("mp4") ? "m4a" : "webm";
    onRecorded({ blob, name: `voice.${ext}`, local: { duration_ms: Math.min(duration, MAX_MS), waveform } });
  }

  button.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    button.setPointerCapture?.(e.pointerId);
    begin(e.clientY);
  });
  button.addEventListener("pointermove", (e) => {
    if (!rec) return;
    const cancel = rec.startY - e.clientY > CANCEL_DISTANCE;
    if (cancel !== rec.cancel) {
      rec.cancel = cancel;
      showOverlay();
    }
  });
  button.addEventListener("pointerup", () => end(false));
  button.addEventListener("pointercancel", () => end(true));
  button.addEventListener("contextmenu", (e) => e.preventDefault());
  button.addEventListener("keydown", (e) => {
    if ((e.key === " " || e.key === "Enter") && !e.repeat) {
      e.preventDefault();
      begin(0);
    } else if (e.key === "Escape" && rec) {
      end(true);
    }
  });
  button.addEventListener("keyup", (e) => {
    if (e.key === " " || e.key === "Enter") end(false);
  });

  return {
    button,
    overlay,
    cancel() {
      if (rec) end(true);
    },
  };
}
