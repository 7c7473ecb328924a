"""REST: register, log in and out, devices, profile, user lookup."""

from __future__ import annotations

import io

from aiohttp import web

from microletter.actions import accounts
from microletter.core.errors import (
    AccountSuspended,
    BadCredentials,
    DeviceNotFound,
    InvalidInput,
    InvisibleCharacters,
    MediaKindMismatch,
    MediaNotFound,
    NotOperator,
    PasswordTooWeak,
    SetupTokenInvalid,
    UsernameReserved,
    UsernameTaken,
    UserNotFound,
)
from microletter.core.ids import DeviceId, UserId
from microletter.gateway.api import Call, Router
from microletter.gateway.wire import (
    DevicesReply,
    LoginBody,
    OperatorSetupBody,
    PasswordBody,
    PasswordReply,
    ProfilePatch,
    RegisterBody,
    SessionReply,
    UserReply,
)

router = Router("/api/v1", tags=["accounts"])


@router.post(
    "/accounts",
    status=201,
    auth=False,
    rate="auth",
    errors=[UsernameTaken, UsernameReserved, InvisibleCharacters],
)
async def register(call: Call, body: RegisterBody) -> SessionReply:
    """Create an account and log its first device in.

    Usernames are 3-32 characters of a-z, 0-9 and _; passwords at least 8 characters.
    The operators' usernames (MICROLETTER_OPERATORS) are reserved: 409
    `user.username_reserved`. The reply's token is shown once: send it as
    `Authorization: Bearer <token>`."""
    s = await accounts.register(
        call.ctx, body.username, body.password, body.display_name, body.locale, body.device_name
    )
    return SessionReply(s.user, s.device, s.token)


@router.post(
    "/setup/operator",
    status=201,
    auth=False,
    rate="auth",
    errors=[SetupTokenInvalid, NotOperator, UsernameTaken],
)
async def setup_operator(call: Call, body: OperatorSetupBody) -> SessionReply:
    """Create an operator's account with the setup link's one-time token.

    While a username listed in MICROLETTER_OPERATORS has no account, `microletter serve`
    prints a link `.../#/setup/<token>`; the web client opens it and sends the token
    here with one of those usernames. The token works once (403
    `admin.setup_token_invalid` after); a refused username or password does not use it up."""
    s = await accounts.register_operator(
        call.ctx,
        body.token,
        body.username,
        body.password,
        body.display_name,
        body.locale,
        body.device_name,
    )
    return SessionReply(s.user, s.device, s.token)


@router.post(
    "/sessions", status=201, auth=False, rate="auth", errors=[BadCredentials, AccountSuspended]
)
async def login(call: Call, body: LoginBody) -> SessionReply:
    """Log in: every login is a new device with its own token.

    A wrong password and an unknown username give the same error after the same time.
    A suspended account (the right password) answers 403 `account.suspended`."""
    s = await accounts.login(call.ctx, body.username, body.password, body.device_name)
    return SessionReply(s.user, s.device, s.token)


@router.delete("/sessions/current")
async def logout(call: Call) -> None:
    """Log this device out: its token stops working and its sockets close."""
    await accounts.logout(call.ctx, call.me)


@router.get("/me", rate=None)
async def get_me(call: Call) -> UserReply:
    """Your profile."""
    return UserReply(await accounts.me(call.ctx, call.me))


@router.patch("/me", errors=[InvalidInput, MediaNotFound, MediaKindMismatch])
async def update_me(call: Call, body: ProfilePatch) -> UserReply:
    """Change your display name, language or avatar. Your contacts see the change.

    `avatar` is the id of an image you uploaded; profile pictures are public (GET
    /avatars/{user_id})."""
    user = await accounts.update_profile(
        call.ctx, call.me, body.display_name, body.locale, body.avatar
    )
    return UserReply(user)


def user_link(call: Call, username: str) -> str:
    """The link a person's "add me" code carries: it opens their profile in the web client."""
    return call.link(f"/u/{username}")


@router.get("/me/qr.svg", rate=None)
async def my_qr_code(call: Call) -> web.Response:
    """Your "add me" QR code, as an SVG image.

    It encodes the link `https://<server>/u/<username>` (this server as you reached it),
    which opens your profile in the web client, also from a phone's own camera app.
    Clients still read the older `microletter:user:<username>` codes."""
    user = await accounts.me(call.ctx, call.me)
    return web.Response(
        body=qr_svg(user_link(call, user.username)),
        content_type="image/svg+xml",
        headers={"Cache-Control": "private, no-cache"},
    )


def qr_svg(payload: str) -> bytes:
    """A scalable QR code (black on white, with its quiet zone) for `payload`."""
    import segno  # on first use: no QR code is drawn at start (tests/unit/test_coldstart.py)

    out = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(
        out, kind="svg", border=4, xmldecl=False, omitsize=True, title="QR code"
    )
    return out.getvalue()


@router.post("/me/password", rate="auth", errors=[BadCredentials, PasswordTooWeak])
async def change_password(call: Call, body: PasswordBody) -> PasswordReply:
    """Change your password: the current one proves it is you. With `log_out_others`,
    every other device of yours is logged out at once (their connections close)."""
    revoked = await accounts.change_password(
        call.ctx,
        call.me,
        body.old_password,
        body.new_password,
        log_out_others=body.log_out_others,
    )
    return PasswordReply([int(d) for d in revoked])


@router.get("/me/devices", rate=None)
async def list_devices(call: Call) -> DevicesReply:
    """Your logged-in devices; `current` is the one asking."""
    devices = await accounts.devices(call.ctx, call.me)
    return DevicesReply(devices, call.me.device_id)


@router.delete("/me/devices/{device_id}", errors=[DeviceNotFound])
async def revoke_device(call: Call, device_id: int) -> None:
    """Log one of your devices out remotely."""
    await accounts.revoke_device(call.ctx, call.me, DeviceId(device_id))


@router.get("/users/{username}", errors=[UserNotFound])
async def find_user(call: Call, username: str) -> UserReply:
    """Find a person by exact username."""
    user = await accounts.find_user(call.ctx, username)
    if user is None:
        raise UserNotFound(username=username)
    return UserReply(user)


@router.get("/users/by-id/{user_id}", errors=[UserNotFound])
async def get_user(call: Call, user_id: int) -> UserReply:
    """A person's public profile by id."""
    return UserReply(await accounts.profile(call.ctx, UserId(user_id)))
