// @ts-check
/**
 * A mini app's voice calls (wx.startRecord, stopRecord, playVoice, pauseVoice, stopVoice,
 * uploadVoice, downloadVoice and the onVoiceRecordEnd / onVoicePlayEnd events), carried
 * out in the client: the microphone is this window's, asked for with the person's consent
 * (once per app run) and never the frame's (its sandbox has no `allow="microphone"`).
 * While it records, an indicator over the page shows the time and level, with Stop and
 * Cancel. Recordings and downloads are kept here by localId, as the page's pictures are;
 * the page only ever holds the localId. views/miniapp.js routes the calls here after the
 * bridge's checks (miniapps/bridge.js); docs/miniapps.md lists the answers.
 */

import { confirmDialog, h, icon, toast } from "../dom.js";
import { formatDuration, t } from "../i18n.js";
import { MAX_MS, MIN_MS, canRecord, startRecording } from "../voice.js";

/** The calls this module carries out. */
export const VOICE_APIS = new Set([
  "startRecord",
  "stopRecord",
  "onVoiceRecordEnd",
  "playVoice",
  "pauseVoice",
  "stopVoice",
  "onVoicePlayEnd",
  "uploadVoice",
  "downloadVoice",
]);

/**
 * @typedef {import("../app.js").App} App
 * @typedef {Awaited<ReturnType<typeof startRecording>>} Recording
 * @typedef {{blob: Blob, duration_ms: number|null}} Voice
 * @typedef {{localId: string}|{cancelled: true}} Ended how a recording the page did not stop ended
 */

/**
 * The file name an upload of `blob` goes by (the server judges the bytes, not the name).
 * @param {Blob} blob
 */
function fileName(blob) {
  return `voice.${blob.type.includes("ogg") ? "ogg" : blob.type.includes("mp4") ? "m4a" : "webm"}`;
}

/** One app run's recorder, recordings and player. */
export class PageVoice {
  /**
   * @param {App} app
   * @param {{id: number, name: string}} miniapp
   * @param {HTMLElement} host where the recording indicator goes (over the page's frame)
   * @param {(event: string, result: Record<string, any>) => void} emit sends an event to the page
   */
  constructor(app, miniapp, host, emit) {
    this.app = app;
    this.miniapp = miniapp;
    this.host = host;
    this.emit = emit;
    /** @type {Map<string, Voice>} */
    this.voices = new Map();
    /** @type {{recording: Recording, timer: ReturnType<typeof setInterval>, panel: HTMLElement}|null} */
    this.recording = null;
    this.starting = false;
    /** @type {Ended|null} a recording the person (or the 60 s limit) ended: the next stopRecord's answer */
    this.ended = null;
    this.micAllowed = false;
    /** @type {Set<string>} the events the page listens for (onVoiceRecordEnd, onVoicePlayEnd) */
    this.listening = new Set();
    /** @type {{localId: string, audio: HTMLAudioElement, url: string}|null} */
    this.playing = null;
  }

  /** The app is closing: drop the recording, stop the sound, free the recordings. */
  stop() {
    this.recording?.recording.cancel();
    this.hideIndicator();
    this.stopPlaying();
    this.voices.clear();
  }

  /**
   * Carry out one voice call; throws {errMsg} for the SDK's fail and cancel.
   * @param {string} api
   * @param {Record<string, any>} args
   * @returns {Promise<Record<string, any>>}
   */
  async run(api, args) {
    switch (api) {
      case "startRecord":
        return this.startRecord();
      case "stopRecord":
        return this.stopRecord();
      case "onVoiceRecordEnd":
      case "onVoicePlayEnd":
        this.listening.add(api);
        return {};
      case "playVoice":
        return this.play(this.voice(api, args.localId), String(args.localId));
      case "pauseVoice":
        this.voice(api, args.localId);
        if (this.playing?.localId !== String(args.localId) || this.playing.audio.paused) {
          throw { errMsg: "pauseVoice:fail not playing" };
        }
        this.playing.audio.pause();
        return {};
      case "stopVoice":
        this.voice(api, args.localId);
        if (this.playing?.localId === String(args.localId)) this.stopPlaying();
        return {};
      case "uploadVoice":
        return this.upload(this.voice(api, args.localId), Number(args.isShowProgressTips ?? 1) !== 0);
      case "downloadVoice":
        return this.download(String(args.serverId ?? ""), Number(args.isShowProgressTips ?? 1) !== 0);
      default:
        throw { errMsg: `${api}:fail not supported` };
    }
  }

  /**
   * @param {string} api
   * @param {unknown} localId
   */
  voice(api, localId) {
    const found = this.voices.get(String(localId));
    if (!found) throw { errMsg: `${api}:fail invalid localId` };
    return found;
  }

  /** @param {Blob} blob @param {number|null} duration_ms */
  keep(blob, duration_ms) {
    const localId = `wxLocalResource://voice-${crypto.randomUUID()}`;
    this.voices.set(localId, { blob, duration_ms });
    return localId;
  }

  async startRecord() {
    if (this.recording || this.starting) throw { errMsg: "startRecord:fail already recording" };
    if (!canRecord()) throw { errMsg: "startRecord:fail no microphone" };
    this.starting = true;
    try {
      if (!this.micAllowed) {
        this.micAllowed = await confirmDialog(t("miniapp.mic_ask", { name: this.miniapp.name }), {
          ok: t("miniapp.allow"),
        });
        if (!this.micAllowed) throw { errMsg: "startRecord:fail auth deny" };
      }
      this.stopPlaying();
      let recording;
      try {
        recording = await startRecording({
          onLevel: (level) => this.recording?.panel.style.setProperty("--level", level.toFixed(2)),
          onLimit: () => this.finish(), // WeChat stops at 60 s and tells the page
        });
      } catch (err) {
        const name = /** @type {{name?: string}} */ (err).name;
        throw { errMsg: `startRecord:fail ${name === "NotAllowedError" ? "auth deny" : "no microphone"}` };
      }
      this.ended = null;
      this.showIndicator(recording);
      return {};
    } finally {
      this.starting = false;
    }
  }

  async stopRecord() {
    if (!this.recording) {
      const ended = this.ended;
      this.ended = null;
      if (ended && "localId" in ended) return { localId: ended.localId };
      if (ended) throw { errMsg: "stopRecord:cancel" };
      throw { errMsg: "stopRecord:fail not recording" };
    }
    const { recording } = this.recording;
    this.hideIndicator();
    const { blob, duration_ms } = await recording.stop();
    if (duration_ms < MIN_MS) throw { errMsg: "stopRecord:fail too short" };
    return { localId: this.keep(blob, Math.min(duration_ms, MAX_MS)) };
  }

  /**
   * The person pressed Stop, or the 60 s ran out: the recording is kept, the page hears
   * onVoiceRecordEnd, and its next stopRecord gets the same localId.
   */
  async finish() {
    if (!this.recording) return;
    const { recording } = this.recording;
    this.hideIndicator();
    const { blob, duration_ms } = await recording.stop();
    if (duration_ms < MIN_MS) {
      this.ended = { cancelled: true };
      toast(t("miniapp.record_too_short"));
      return;
    }
    const localId = this.keep(blob, Math.min(duration_ms, MAX_MS));
    this.ended = { localId };
    if (this.listening.has("onVoiceRecordEnd")) {
      this.emit("onVoiceRecordEnd", { localId, errMsg: "onVoiceRecordEnd:ok" });
    }
  }

  /** The person pressed Cancel: nothing is kept; the page's stopRecord gets `cancel`. */
  cancel() {
    if (!this.recording) return;
    this.recording.recording.cancel();
    this.hideIndicator();
    this.ended = { cancelled: true };
  }

  /** @param {Recording} recording */
  showIndicator(recording) {
    const time = h("span.miniapp-rec-time", formatDuration(0));
    const panel = h(
      "div.miniapp-recording#miniapp-recording",
      { role: "status", "aria-label": t("miniapp.recording", { name: this.miniapp.name }) },
      h("span.miniapp-rec-level", icon("mic")),
      h("span.miniapp-rec-text", t("miniapp.recording", { name: this.miniapp.name })),
      time,
      h(
        "button.btn.btn-primary.miniapp-rec-stop#miniapp-rec-stop",
        { type: "button", onclick: () => this.finish() },
        t("miniapp.record_stop"),
      ),
      h(
        "button.btn.btn-plain.miniapp-rec-cancel#miniapp-rec-cancel",
        { type: "button", onclick: () => this.cancel() },
        t("common.cancel"),
      ),
    );
    const timer = setInterval(() => {
      const ms = performance.now() - recording.startedAt;
      panel.dataset.ms = String(Math.round(ms));
      time.textContent = formatDuration(ms);
    }, 200);
    this.recording = { recording, timer, panel };
    this.host.append(panel);
  }

  hideIndicator() {
    if (!this.recording) return;
    clearInterval(this.recording.timer);
    this.recording.panel.remove();
    this.recording = null;
  }

  /**
   * Play (or, when paused, resume) a recording in this window.
   * @param {Voice} voice
   * @param {string} localId
   */
  async play(voice, localId) {
    if (this.playing?.localId !== localId) {
      this.stopPlaying();
      const url = URL.createObjectURL(voice.blob);
      const audio = new Audio(url);
      audio.addEventListener("ended", () => {
        if (this.playing?.audio !== audio) return;
        this.stopPlaying();
        if (this.listening.has("onVoicePlayEnd")) {
          this.emit("onVoicePlayEnd", { localId, errMsg: "onVoicePlayEnd:ok" });
        }
      });
      this.playing = { localId, audio, url };
    }
    try {
      await this.playing.audio.play();
    } catch (err) {
      this.stopPlaying();
      throw { errMsg: `playVoice:fail ${/** @type {{name?: string}} */ (err).name || "cannot play"}` };
    }
    return {};
  }

  stopPlaying() {
    if (!this.playing) return;
    this.playing.audio.pause();
    URL.revokeObjectURL(this.playing.url);
    this.playing = null;
  }

  /**
   * Upload as the person (POST /api/v1/media, kind voice: the server's 60 s and size
   * limits apply), then let the app's account fetch it by its serverId (media/get).
   * @param {Voice} voice
   * @param {boolean} tips
   */
  async upload(voice, tips) {
    if (tips) toast(t("miniapp.voice_uploading"));
    const { media } = await this.app.api.uploadMedia(voice.blob, "voice", fileName(voice.blob));
    const { server_id } = await this.app.api.request("POST", `/miniapps/${this.miniapp.id}/uploads`, {
      json: { media_id: media.id, kind: "voice" },
    });
    return { serverId: server_id };
  }

  /**
   * A recording the app's account uploaded (/cgi-bin/media/upload, type voice), as a localId.
   * @param {string} serverId
   * @param {boolean} tips
   */
  async download(serverId, tips) {
    if (!/^[\w-]{1,128}$/.test(serverId)) throw { errMsg: "downloadVoice:fail invalid serverId" };
    if (tips) toast(t("miniapp.voice_downloading"));
    const blob = await this.app.api.request("GET", `/miniapps/${this.miniapp.id}/downloads/${serverId}?kind=voice`, {
      blob: true,
    });
    return { localId: this.keep(blob, null) };
  }
}
