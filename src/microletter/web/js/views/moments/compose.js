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

/**
 * @param {import("../../app.js").App} app
 * @param {HTMLElement} root
 */
export function mountCompose(app, root) {
  const { api, store } = app;
  /** @type {{id: string, url: string}[]} */
  const images = [];
  /** @type {{id: string, url: string}|null} */
  let video = null;
  let uploading = 0;
  const text = h("textarea.field.compose-text", {
    rows: 5,
    maxLength: MAX_TEXT,
    placeholder: t("moments.say"),
    "aria-label": t("moments.say"),
  });
  const grid = h("div.moment-grid.compose-grid");
  const picker = h("input.compose-file", {
    type: "file",
    accept: "image/*",
    multiple: true,
    "aria-label": t("moments.add_pictures"),
    hidden: true,
  });
  const add = h(
    "button.compose-add",
    { type: "button", "aria-label": t("moments.add_pictures"), onclick: () => picker.click() },
    icon("plus"),
  );
  const videoPicker = h("input.compose-video-file", {
    type: "file",
    accept: "video/*",
    "aria-label": t("moments.add_video"),
    hidden: true,
  });
  const addVideo = h(
    "button.compose-add.compose-add-video",
    { type: "button", "aria-label": t("moments.add_video"), onclick: () => videoPicker.click() },
    icon("video"),
  );
  const location = h("input.field.compose-location", {
    maxLength: 100,
    placeholder: t("moments.location"),
    "aria-label": t("moments.location"),
  });
  const audience = h(
    "select.field.compose-audience",
    { "aria-label": t("moments.who_can_see") },
    ["all", "private", "only", "except"].map((a) => h("option", { value: a }, t(`moments.audience_${a}`))),
  );
  const chooser = h("fieldset.compose-people", { hidden: true }, h("legend", t("moments.pick_people")));
  const send = h("button.btn.btn-primary.compose-send", { type: "button" }, t("moments.post"));

  function drawGrid() {
    if (video) {
      const shown = /** @type {{id: string, url: string}} */ (video);
      grid.replaceChildren(
        h(
          "span.compose-thumb.compose-video",
          h("video", { src: shown.url, muted: true, playsInline: true, preload: "metadata" }),
          h(
            "button.icon-btn.compose-remove",
            {
              type: "button",
              "aria-label": t("moments.remove_video"),
              onclick: () => ((video = null), drawGrid()),
            },
            icon("close"),
          ),
        ),
      );
      return;
    }
    grid.replaceChildren(
      ...images.map((m) =>
        h(
          "span.compose-thumb",
          h("img", { src: m.url, alt: t("moments.picture") }),
          h(
            "button.icon-btn.compose-remove",
            {
              type: "button",
              "aria-label": t("moments.remove_picture"),
              onclick: () => (images.splice(images.indexOf(m), 1), drawGrid()),
            },
            icon("close"),
          ),
        ),
      ),
      images.length < MAX_IMAGES ? add : "",
      images.length ? "" : addVideo,
    );
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
      drawGrid();
    } catch (err) {
      const code = /** @type {any} */ (err)?.code;
      toast(t(code === "media.too_long" ? "moments.video_too_long" : "moments.video_failed"), {
        kind: "error",
      });
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
        drawGrid();
      } catch {
        toast(t("moments.upload_failed"), { kind: "error" });
      } finally {
        uploading -= 1;
      }
    }
  });

  /** Tags and contacts to tick, for an only/except audience. */
  async function drawChooser() {
    const wanted = audience.value === "only" || audience.value === "except";
    chooser.hidden = !wanted;
    if (!wanted || chooser.querySelector("label")) return;
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
    const fromGroup = h(
      "select.field.compose-group",
      { "aria-label": t("moments.from_group") },
      h("option", { value: "" }, t("moments.from_group")),
      groups.map((v) => h("option", { value: String(v.conversation.id) }, v.conversation.name || t("group.unnamed"))),
    );
    // Tick the group's members who are my contacts (only contacts can be in an audience).
    fromGroup.addEventListener("change", async () => {
      if (!fromGroup.value) return;
      try {
        const { members } = await api.members(Number(fromGroup.value));
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
    chooser.append(
      groups.length ? fromGroup : "",
      ...tags.map((tag) =>
        h(
          "label.pick-row",
          h("input", { type: "checkbox", name: "tag", value: String(tag.id) }),
          icon("list"),
          tag.name,
        ),
      ),
      ...contacts.map((c) =>
        h(
          "label.pick-row",
          h("input", { type: "checkbox", name: "user", value: String(c.user.id) }),
          userAvatar(store, c.user.id, 28),
          store.nameOf(c.user.id),
        ),
      ),
    );
  }
  audience.addEventListener("change", drawChooser);

  send.addEventListener("click", async () => {
    if (uploading) return toast(t("moments.wait_uploads"));
    /** @param {string} name */
    const ticked = (name) =>
      [...chooser.querySelectorAll(`input[name=${name}]:checked`)].map((i) =>
        Number(/** @type {HTMLInputElement} */ (i).value),
      );
    send.disabled = true;
    try {
      await api.createPost({
        text: text.value,
        images: images.map((m) => m.id),
        video: video?.id ?? null,
        location: location.value.trim() || null,
        audience: audience.value,
        tags: ticked("tag"),
        users: ticked("user"),
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

  drawGrid();
  root.append(
    topbar({ title: t("moments.new"), back: () => app.go("moments"), actions: [send] }),
    h(
      "div.scroll.page.compose",
      text,
      grid,
      picker,
      videoPicker,
      h("label.compose-row", icon("pin"), location),
      h("label.compose-row", icon("contacts"), h("span", t("moments.who_can_see")), audience),
      chooser,
    ),
  );
  return {};
}
