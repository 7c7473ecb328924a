"""Files the Bot API sends and serves: sendPhoto, sendVoice and sendDocument take a
multipart upload (also as `attach://<name>`) or the file_id of a file the bot can see;
getFile and /file/bot<token>/<file_path> hand a bot what it may see. A file_id (and its
file_path) is the media id: the media room's rules decide who may fetch it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from microletter.actions import media as media_actions
from microletter.core.errors import MediaKindMismatch, MediaUnsupported, QuotaExceeded, TooLarge
from microletter.core.media import MEDIA_ID_RE, Media, MediaId, MediaKind
from microletter.telegram.actions import Bots
from microletter.telegram.errors import BotBadRequest
from microletter.telegram.objects import Json
from microletter.telegram.params import Params, Upload
from microletter.telegram.rules import Bot

MAX_UPLOAD = 50 * 1024 * 1024  # the Bot API's limit for a file a bot sends
MAX_DOWNLOAD = 20 * 1024 * 1024  # and for one getFile hands out


@dataclass(frozen=True, slots=True)
class Served:
    """What /file serves: a local file, or (object storage) a signed link to it."""

    media: Media
    path: Path | None
    url: str | None


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _upload_of(p: Params, field: str) -> Upload | str:
    """The upload a parameter names, or the file_id it holds."""
    found = p.files.get(field)
    if found is not None:
        return found
    raw = p.text(field) or ""
    if raw.startswith("attach://"):
        attached = p.files.get(raw.removeprefix("attach://"))
        if attached is None:
            raise BotBadRequest(f"can't find attached file {raw}")
        return attached
    if not raw:
        raise BotBadRequest(f"there is no {field} in the request")
    return raw


async def media_of(room: Bots, bot: Bot, p: Params, field: str, kind: MediaKind) -> MediaId:
    """The media id a send carries: a new upload of the bot's, or a file it can see."""
    found = _upload_of(p, field)
    if isinstance(found, Upload):
        if len(found.data) > MAX_UPLOAD:
            raise BotBadRequest("file is too big")
        try:
            media = await media_actions.upload(
                room.ctx, room.as_user(bot), kind, found.filename or field, _one(found.data),
                len(found.data),
            )  # fmt: skip
        except (MediaUnsupported, MediaKindMismatch) as exc:
            raise BotBadRequest(f"wrong file type: {exc.message}") from None
        except (TooLarge, QuotaExceeded):
            raise BotBadRequest("file is too big") from None
        return media.id
    if found.startswith(("http://", "https://")):
        raise BotBadRequest("wrong HTTP URL specified: this server does not fetch URLs")
    return (await visible(room, bot, found)).id


async def visible(room: Bots, bot: Bot, file_id: str) -> Media:
    if not MEDIA_ID_RE.fullmatch(file_id):
        raise BotBadRequest("wrong file identifier/HTTP URL specified")
    mid = MediaId(file_id)
    found = (await media_actions.visible_media(room.ctx, bot.id, [mid])).get(mid)
    if found is None:
        raise BotBadRequest("wrong file identifier/HTTP URL specified")
    return found


async def get_file(room: Bots, bot: Bot, file_id: str) -> Json:
    media = await visible(room, bot, file_id)
    found: Json = {"file_id": media.id, "file_unique_id": media.id, "file_size": media.size}
    if media.size > MAX_DOWNLOAD:
        raise BotBadRequest("file is too big")
    found["file_path"] = media.id
    return found


async def serve(room: Bots, bot: Bot, file_path: str) -> Served:
    media = await visible(room, bot, file_path.rsplit("/", 1)[-1])
    path = room.ctx.media.blobs.local_path(media.id)
    if path is not None:
        return Served(media, path, None)
    links, _ = await media_actions.links(room.ctx, room.as_user(bot), [media.id])
    return Served(media, None, links[media.id].url)
