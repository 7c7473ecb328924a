// @ts-check
/**
 * Every string the user sees comes from a locale file (../locales/<tag>.json); this module
 * picks the locale (the saved choice, else the browser's languages), translates keys and
 * formats times and dates for the locale. It does no DOM work besides <html lang>.
 */

/** The locales we ship, complete (scripts/check-locales keeps them so). */
export const LOCALES = ["en", "zh-CN", "ja", "ko", "es", "ar"];
/** Languages written right to left: the document's `dir` follows the locale. */
const RTL = new Set(["ar"]);
const KEY = "ml.locale";
let strings = {};
let fallback = {};
let current = "en";

/**
 * The best shipped locale for a list of BCP 47 tags (navigator.languages, say).
 * @param {readonly string[]} wanted
 * @returns {string}
 */
export function pickLocale(wanted) {
  for (const tag of wanted || []) {
    const lower = tag.toLowerCase();
    if (lower.startsWith("zh")) return "zh-CN";
    const primary = lower.split("-")[0];
    if (LOCALES.includes(primary)) return primary;
  }
  return "en";
}

async function fetchLocale(tag) {
  const response = await fetch(new URL(`../locales/${tag}.json`, import.meta.url));
  if (!response.ok) throw new Error(`locale ${tag}: ${response.status}`);
  return response.json();
}

/**
 * Load a locale (the saved choice when none is given) and make it current.
 * @param {string} [tag]
 * @returns {Promise<string>} the locale now in use
 */
export async function loadLocale(tag) {
  const chosen = tag || localStorage.getItem(KEY) || pickLocale(navigator.languages || [navigator.language]);
  current = LOCALES.includes(chosen) ? chosen : "en";
  if (!Object.keys(fallback).length) fallback = await fetchLocale("en");
  strings = current === "en" ? fallback : await fetchLocale(current);
  document.documentElement.lang = current;
  document.documentElement.dir = RTL.has(current) ? "rtl" : "ltr";
  return current;
}

/**
 * Remember the user's choice of language (used on the next start and now).
 * @param {string} tag
 */
export async function chooseLocale(tag) {
  localStorage.setItem(KEY, tag);
  return loadLocale(tag);
}

/** @returns {string} the current locale tag */
export function locale() {
  return current;
}

/**
 * The string for `key`, with `{name}` placeholders filled from `vars` (each as String()).
 * A key missing from the locale falls back to English (scripts/check-locales keeps that
 * from happening in what we ship); one missing from English too shows itself, so it is
 * noticed, never a blank.
 * @param {string} key
 * @param {Record<string, unknown>} [vars]
 * @returns {string}
 */
export function t(key, vars) {
  let text = strings[key] ?? fallback[key] ?? key;
  if (vars) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return text;
}

/**
 * Whether a key exists (in the locale or in English).
 * @param {string} key
 */
export function hasKey(key) {
  return key in strings || key in fallback;
}

/**
 * Like t(), picking `key.one` or `key.other` by count (Intl.PluralRules).
 * @param {string} key
 * @param {number} count
 * @param {Record<string, unknown>} [vars]
 */
export function tn(key, count, vars = {}) {
  const form = new Intl.PluralRules(current).select(count);
  const full = `${key}.${form}`;
  return t(full in strings || full in fallback ? full : `${key}.other`, { count, ...vars });
}

const DAY = 86400000;
function startOfDay(ms) {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** @param {number} ms @returns {string} hours and minutes, e.g. 14:05 or 下午2:05 */
export function formatClock(ms) {
  return new Intl.DateTimeFormat(current, { hour: "numeric", minute: "2-digit" }).format(ms);
}

/**
 * A short time for the chat list: the clock today, "Yesterday", a weekday this week,
 * else a date.
 * @param {number} ms
 * @param {number} [now]
 */
export function formatListTime(ms, now = Date.now()) {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / DAY);
  if (days <= 0) return formatClock(ms);
  if (days === 1) return t("time.yesterday");
  if (days < 7) return new Intl.DateTimeFormat(current, { weekday: "long" }).format(ms);
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(
    current,
    sameYear ? { month: "numeric", day: "numeric" } : { year: "numeric", month: "numeric", day: "numeric" },
  ).format(ms);
}

/**
 * The label of a day separator in a conversation ("Today", "Yesterday", a weekday, a date).
 * @param {number} ms
 * @param {number} [now]
 */
export function formatDay(ms, now = Date.now()) {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / DAY);
  if (days <= 0) return t("time.today");
  if (days === 1) return t("time.yesterday");
  if (days < 7) return new Intl.DateTimeFormat(current, { weekday: "long" }).format(ms);
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return new Intl.DateTimeFormat(
    current,
    sameYear ? { month: "long", day: "numeric", weekday: "short" } : { dateStyle: "long" },
  ).format(ms);
}

/**
 * The label of a time separator between messages: the clock today, else "Yesterday", a
 * weekday or a date, then the clock ("Yesterday 09:10").
 * @param {number} ms
 * @param {number} [now]
 */
export function formatStamp(ms, now = Date.now()) {
  const days = Math.round((startOfDay(now) - startOfDay(ms)) / DAY);
  if (days <= 0) return formatClock(ms);
  return t("time.day_and_clock", { day: formatDay(ms, now), clock: formatClock(ms) });
}

/** @param {number} ms @returns {string} date and time in full, for tooltips */
export function formatFull(ms) {
  return new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "short" }).format(ms);
}

/** @param {number} bytes @returns {string} a file size, e.g. 1.4 MB */
export function formatSize(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat(current, { maximumFractionDigits: digits }).format(value)} ${units[unit]}`;
}

/** @param {number} ms @returns {string} a duration, e.g. 0:07 or 7″ */
export function formatDuration(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/**
 * How long ago, in words: "just now", "2 hours ago", "3 days ago", else a date.
 * @param {number} ms
 * @param {number} [now]
 */
export function formatAgo(ms, now = Date.now()) {
  const minutes = Math.floor((now - ms) / 60000);
  if (minutes < 1) return t("time.just_now");
  const rtf = new Intl.RelativeTimeFormat(current, { numeric: "always" });
  if (minutes < 60) return rtf.format(-minutes, "minute");
  if (minutes < 24 * 60) return rtf.format(-Math.floor(minutes / 60), "hour");
  if (minutes < 7 * 24 * 60) return rtf.format(-Math.floor(minutes / 1440), "day");
  return formatListTime(ms, now);
}
