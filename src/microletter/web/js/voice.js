// @ts-check
/**
 * Voice notes: recording with MediaRecorder (Opus where the browser has it), up to
 * 60 seconds, with a live level meter; and a waveform computed from a recording for the
 * bubble shown before the server's own analysis arrives.
 */

export const MAX_MS = 60000;
export const MIN_MS = 1000;
const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4;codecs=opus", "audio/webm", "audio/mp4"];

/** @returns {boolean} whether this browser can record */
export function canRecord() {
  // mediaDevices is missing outside secure contexts, whatever the type declarations say.
  return typeof navigator.mediaDevices?.getUserMedia === "function" && "MediaRecorder" in window;
}

/**
 * Start recording from the microphone.
 * @param {{onLevel?: (level: number) => void, onLimit?: () => void}} [o]
 * @returns {Promise<{stop: () => Promise<{blob: Blob, duration_ms: number}>, cancel: () => void, startedAt: number}>}
 */
export async function startRecording({ onLevel, onLimit } = {}) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true },
  });
  const mimeType = TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
  const recorder = new MediaRecorder(stream, mimeType ? { mimeType, audioBitsPerSecond: 32000 } : undefined);
  const chunks = [];
  recorder.ondataavailable = (e) => e.data.size && chunks.push(e.data);
  const audio = new AudioContext();
  const source = audio.createMediaStreamSource(stream);
  const analyser = audio.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  const samples = new Uint8Array(analyser.fftSize);
  let raf = 0;
  const tick = () => {
    analyser.getByteTimeDomainData(samples);
    let peak = 0;
    for (const s of samples) peak = Math.max(peak, Math.abs(s - 128));
    onLevel?.(peak / 128);
    raf = requestAnimationFrame(tick);
  };
  tick();
  const startedAt = performance.now();
  recorder.start(250);
  const limit = setTimeout(() => onLimit?.(), MAX_MS);
  const release = () => {
    clearTimeout(limit);
    cancelAnimationFrame(raf);
    stream.getTracks().forEach((track) => track.stop());
    audio.close().catch(() => {});
  };
  return {
    startedAt,
    stop: () =>
      new Promise((resolve) => {
        const duration = Math.min(MAX_MS, performance.now() - startedAt);
        recorder.onstop = () => {
          release();
          resolve({
            blob: new Blob(chunks, { type: recorder.mimeType || mimeType || "audio/webm" }),
            duration_ms: Math.round(duration),
          });
        };
        recorder.stop();
      }),
    cancel: () => {
      recorder.onstop = release;
      if (recorder.state !== "inactive") recorder.stop();
      else release();
    },
  };
}

/**
 * A 64-point waveform (0..255) of a recording, as the server describes voice media.
 * @param {Blob} blob
 * @returns {Promise<number[]|null>}
 */
export async function waveformOf(blob) {
  try {
    const ctx = new OfflineAudioContext(1, 1, 48000);
    const buffer = await ctx.decodeAudioData(await blob.arrayBuffer());
    const data = buffer.getChannelData(0);
    const points = 64;
    const step = Math.max(1, Math.floor(data.length / points));
    const out = [];
    for (let i = 0; i < points; i++) {
      let peak = 0;
      for (let j = i * step; j < Math.min(data.length, (i + 1) * step); j++) peak = Math.max(peak, Math.abs(data[j]));
      out.push(Math.round(Math.min(1, peak) * 255));
    }
    return out;
  } catch {
    return null;
  }
}
