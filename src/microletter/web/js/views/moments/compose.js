// @ts-check
/**
 * Compose a Moments post: text, up to 9 pictures or one video of at most 30 s (uploaded
 * as they are picked; the server checks, and transcodes the video), a location, and who may see it: all friends, only me, only or all except
 * some tags and people (people also from a group's members; the server keeps only my
 * contacts). The audience of tags and people is fixed when the post is made.
 */

import { h, icon, toast } from "../../dom.js";
import { t } from "../../i18n.js";
import { topbar, userAvatar } from "../../common.js";

const MAX_IMAGES = 9;
const MAX_TEXT = 2000;

/** @typedef {import("../../app.js").App} App */
/** @typedef {{id: string, url: string}} Picked an uploaded file and a local URL to show it */

/**
 * A removable thumbnail in the grid.
 * @param {Node} preview @param {string} label @param {() => void} remove @param {string} [extra] class
 */
function thumb(preview, label, remove, extra = "") {
  return h(
    `span.compose-thumb${extra}`,
    preview,
    h("button.icon-btn.compose-remove", { type: "button", "aria-label": label, onclick: remove }, icon("close")),
  );
}

/**
 * The pictures (up to 9) or the one video of a post, uploaded as they are picked.
 * @param {App} app
 */
function mediaGrid(app) {
  const { api } = app;
  /** @type {Picked[]} */
  const images = [];
  /** @type {Picked|null} */
  let video = null;
  let uploading = 0;
  const grid = h("div.moment-grid.compose-grid");
  const picker = h("input.compose-file", {
    type: "file",
    accept: "image/*",
    multiple: true,
    "aria-label": t("moments.add_pictures"),
    hidden: true,
  });
  const videoPicker = h("input.compose-video-file", {
    type: "file",
    accept: "video/*",
    "aria-label": t("moments.add_video"),
    hidden: true,
  });
  const add = h(
    "button.compose-add",
    { type: "button", "aria-label": t("moments.add_pictures"), onclick: () => picker.click() },
    icon("plus"),
  );
  const addVideo = h(
    "button.compose-add.compose-add-video",
    { type: "button", "aria-label": t("moments.add_video"), onclick: () => videoPicker.click() },
    icon("video"),
  );

  function draw() {
    if (video) {
      const clip = h("video", { src: video.url, muted: true, playsInline: true, preload: "metadata" });
      grid.replaceChildren(thumb(clip, t("moments.remove_video"), () => ((video = null), draw()), ".compose-video"));
      return;
    }
    const picture = (/** @type {Picked} */ m) =>
      thumb(h("img", { src: m.url, alt: t("moments.picture") }), t("moments.remove_picture"), () => {
        images.splice(images.indexOf(m), 1);
        draw();
      });
    grid.replaceChildren(...images.map(picture), images.length < MAX_IMAGES ? add : "", images.length ? "" : addVideo);
  }

  videoPicker.addEventListener("change", async () => {
    const file = videoPicker.files?.[0];
    videoPicker.value = "";
    if (!file) return;
    uploading += 1;
    addVideo.disabled = true; // the server transcodes it: a few seconds
    addVideo.setAttribute("aria-busy", "true");
    try {
      const { media } = await api.uploadMomentVideo(file, file.name);
      video = { id: media.id, url: URL.createObjectURL(file) };
      draw();
    } catch (err) {
      const code = /** @type {any} */ (err)?.code;
      toast(t(code === "media.too_long" ? "moments.video_too_long" : "moments.video_failed"), { kind: "error" });
    } finally {
      uploading -= 1;
      addVideo.disabled = false;
      addVideo.removeAttribute("aria-busy");
    }
  });

  picker.addEventListener("change", async () => {
    const files = [...(picker.files || [])].slice(0, MAX_IMAGES - images.length);
    picker.value = "";
    uploading += files.length;
    for (const file of files) {
      try {
        const { media } = await api.uploadMedia(file, "image", file.name);
        images.push({ id: media.id, url: URL.createObjectURL(file) });
        draw();
      } catch {
        toast(t("moments.upload_failed"), { kind: "error" });
      } finally {
        uploading -= 1;
      }
    }
  });

  draw();
  return {
    elements: [grid, picker, videoPicker],
    busy: () => uploading > 0,
    images: () => images.map((m) => m.id),
    video: () => video?.id ?? null,
  };
}

/**
 * "Who can see it": all friends, only me, or only / all except some tags and people
 * (ticked one by one, or a group's members at once; only contacts can be in an audience).
 * @param {App} app
 */
function audienceChooser(app) {
  const { api, store } = app;
  const select = h(
    "select.field.compose-audience",
    { "aria-label": t("moments.who_can_see") },
    ["all", "private", "only", "except"].map((a) => h("option", { value: a }, t(`moments.audience_${a}`))),
  );
  const chooser = h("fieldset.compose-people", { hidden: true }, h("legend", t("moments.pick_people")));
  const tick = (
    /** @type {"tag"|"user"} */ name,
    /** @type {number} */ id,
    /** @type {Node} */ mark,
    /** @type {string} */ label,
  ) => h("label.pick-row", h("input", { type: "checkbox", name, value: String(id) }), mark, label);

  /** A group picker that ticks the group's members who are my contacts. @param {any[]} groups */
  function fromGroup(groups) {
    const pick = h(
      "select.field.compose-group",
      { "aria-label": t("moments.from_group") },
      h("option", { value: "" }, t("moments.from_group")),
      groups.map((v) => h("option", { value: String(v.conversation.id) }, v.conversation.name || t("group.unnamed"))),
    );
    pick.addEventListener("change", async () => {
      if (!pick.value) return;
      try {
        const { members } = await api.members(Number(pick.value));
        for (const m of members) {
          const box = /** @type {HTMLInputElement|null} */ (
            chooser.querySelector(`input[name=user][value="${m.user.id}"]`)
          );
          if (box) box.checked = true;
        }
      } catch {
        toast(t("moments.failed"), { kind: "error" });
      }
    });
    return pick;
  }

  async function draw() {
    const wanted = select.value === "only" || select.value === "except";
    chooser.hidden = !wanted;
    if (!wanted || chooser.querySelector("label")) return; // drawn once
    let tags = [];
    try {
      tags = (await api.tags()).tags;
    } catch {
      /* people alone, then */
    }
    const contacts = [...store.contacts.values()].sort((a, b) =>
      store.nameOf(a.user.id).localeCompare(store.nameOf(b.user.id)),
    );
    const groups = [...store.conversations.values()].filter((v) => v.conversation.kind === "group");
    chooser.append(
      groups.length ? fromGroup(groups) : "",
      ...tags.map((tag) => tick("tag", tag.id, icon("list"), tag.name)),
      ...contacts.map((c) => tick("user", c.user.id, userAvatar(store, c.user.id, 28), store.nameOf(c.user.id))),
    );
  }
  select.addEventListener("change", draw);

  /** @param {"tag"|"user"} name */
  const ticked = (name) =>
    [...chooser.querySelectorAll(`input[name=${name}]:checked`)].map((i) =>
      Number(/** @type {HTMLInputElement} */ (i).value),
    );
  return { select, chooser, value: () => select.value, ticked };
}

/**
 * @param {App} app
 * @param {HTMLElement} root
 */
export function mountCompose(app, root) {
  const text = h("textarea.field.compose-text", {
    rows: 5,
    maxLength: MAX_TEXT,
    placeholder: t("moments.say"),
    "aria-label": t("moments.say"),
  });
  const media = mediaGrid(app);
  const location = h("input.field.compose-location", {
    maxLength: 100,
    placeholder: t("moments.location"),
    "aria-label": t("moments.location"),
  });
  const audience = audienceChooser(app);
  const send = h("button.btn.btn-primary.compose-send", { type: "button" }, t("moments.post"));

  send.addEventListener("click", async () => {
    if (media.busy()) return toast(t("moments.wait_uploads"));
    send.disabled = true;
    try {
      await app.api.createPost({
        text: text.value,
        images: media.images(),
        video: media.video(),
        location: location.value.trim() || null,
        audience: audience.value(),
        tags: audience.ticked("tag"),
        users: audience.ticked("user"),
      });
      app.go("moments");
    } catch (err) {
      const code = /** @type {any} */ (err)?.code || "internal";
      const key = `error.${code}`;
      toast(t(key) === key ? t("moments.post_failed") : t(key), { kind: "error" });
    } finally {
      send.disabled = false;
    }
  });

  root.append(
    topbar({ title: t("moments.new"), back: () => app.go("moments"), actions: [send] }),
    h(
      "div.scroll.page.compose",
      text,
      ...media.elements,
      h("label.compose-row", icon("pin"), location),
      h("label.compose-row", icon("contacts"), h("span", t("moments.who_can_see")), audience.select),
      audience.chooser,
    ),
  );
  return {};
}
