// @ts-check
/**
 * The JS bridge's rules, without the DOM or the API: which messages from a mini app's
 * frame are calls at all, which origins may make them (the app's JS-safe domains), which
 * calls a page may make after its wx.config, and the SDK's `errMsg` for each outcome.
 * views/miniapp.js runs the calls; the page's side is the server's jweixin script
 * (src/microletter/miniapps/jweixin.js). docs/miniapps.md lists every call and answer.
 */

/** A message larger than this (its JSON) is refused, not read. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** The calls this client carries out (the others answer "<api>:fail not supported"). */
export const SUPPORTED = new Set([
  "checkJsApi",
  "updateAppMessageShareData",
  "onMenuShareAppMessage",
  "updateTimelineShareData",
  "onMenuShareTimeline",
  "chooseImage",
  "previewImage",
  "uploadImage",
  "downloadImage",
  "getLocalImgData",
  "scanQRCode",
  "getNetworkType",
  "getLocation",
  "closeWindow",
  "chooseWXPay",
  "login",
  "getShareInfo",
  "getLaunchOptions",
  "setUserCloudStorage",
  "getUserCloudStorage",
  "removeUserCloudStorage",
  "getRank",
  "openRanking",
]);

/** Calls every page on a JS-safe domain may make, with or without wx.config (as on WeChat). */
export const OPEN = new Set([
  "checkJsApi",
  "closeWindow",
  "login",
  "getShareInfo",
  "getLaunchOptions",
  "setUserCloudStorage",
  "getUserCloudStorage",
  "removeUserCloudStorage",
  "getRank",
  "openRanking",
]);

/**
 * A call from a page: {id, api, args, url}.
 * @typedef {{id: number, api: string, args: Record<string, any>, url: string}} BridgeCall
 */

/**
 * The call in a message event's data, or why it is not one. `null`: not a bridge message
 * at all (other scripts of the page post messages too), ignored.
 * @param {unknown} data
 * @returns {{call: BridgeCall}|{id: number, error: string}|null}
 */
export function readCall(data) {
  if (!data || typeof data !== "object" || /** @type {any} */ (data).__jweixin !== 1) return null;
  const raw = /** @type {any} */ (data);
  if (typeof raw.id !== "number" || !Number.isSafeInteger(raw.id)) return null;
  let size;
  try {
    size = JSON.stringify(data).length;
  } catch {
    return { id: raw.id, error: "bridge:fail malformed message" };
  }
  const api = typeof raw.api === "string" && /^[A-Za-z]{1,64}$/.test(raw.api) ? raw.api : "bridge";
  if (size > MAX_MESSAGE_BYTES) return { id: raw.id, error: `${api}:fail message too large` };
  if (api === "bridge" || typeof raw.url !== "string") return { id: raw.id, error: "bridge:fail malformed message" };
  const args = raw.args && typeof raw.args === "object" && !Array.isArray(raw.args) ? raw.args : {};
  return { call: { id: raw.id, api, args, url: raw.url } };
}

/**
 * The JS-safe domain of an origin or URL: its host, with the port when not the scheme's
 * default (what the server's rules compare, miniapps/rules.py `domain_of`).
 * @param {string} url
 * @returns {string|null}
 */
export function domainOf(url) {
  try {
    const u = new URL(url);
    if (u.protocol !== "http:" && u.protocol !== "https:") return null;
    return u.host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * Whether a page at `origin` (from a message event, which the page cannot forge) may use
 * the bridge of an app with `domains`; and the URL it reports must be of that origin.
 * @param {string} origin
 * @param {string} url
 * @param {string[]} domains
 */
export function isJsSafe(origin, url, domains) {
  const domain = domainOf(origin);
  if (!domain || !domains.includes(domain)) return false;
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/**
 * Whether a call may go ahead, and the SDK's errMsg when not.
 * @param {string} api
 * @param {{state: "none"|"checking"|"ok"|"failed", granted: Set<string>}} config
 * @returns {string|null} null: go ahead
 */
export function refusal(api, config) {
  if (!SUPPORTED.has(api)) return `${api}:fail not supported`;
  if (OPEN.has(api)) return null;
  if (config.state === "none" || config.state === "checking") {
    return `${api}:fail, the permission value is offline verifying`;
  }
  if (config.state === "failed") return `${api}:fail, config failed`;
  return config.granted.has(api) ? null : `${api}:permission denied`;
}

/**
 * wx.config's errMsg for an error the server answered.
 * @param {string} code
 */
export function configError(code) {
  switch (code) {
    case "platform.js_signature_invalid":
      return "config:invalid signature";
    case "miniapp.page_not_js_safe":
      return "config:invalid url domain";
    case "miniapp.appid_mismatch":
      return "config:invalid appid";
    case "miniapp.js_api_list_invalid":
      return "config:invalid jsApiList";
    default:
      return `config:fail ${code}`;
  }
}

/**
 * The network type as WeChat names it.
 * @param {{type?: string, effectiveType?: string}|undefined} connection navigator.connection
 * @param {boolean} online
 */
export function networkType(connection, online) {
  if (!online) return "none";
  if (connection?.type === "wifi" || connection?.type === "ethernet") return "wifi";
  const effective = connection?.effectiveType;
  if (effective === "4g") return "4g";
  if (effective === "3g") return "3g";
  if (effective === "2g" || effective === "slow-2g") return "2g";
  return "wifi";
}

/**
 * The page a card's path opens: a path of the app's entry origin, or a URL on a JS-safe
 * domain (anything else opens the entry URL).
 * @param {{entry_url: string, domains: string[]}} app
 * @param {string|null} path
 */
export function pageUrl(app, path) {
  if (!path) return app.entry_url;
  if (path.startsWith("/") && !path.startsWith("//")) return new URL(path, app.entry_url).href;
  const domain = domainOf(path);
  return domain && app.domains.includes(domain) ? path : app.entry_url;
}
