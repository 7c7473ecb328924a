"""Changing one's password (issue 14): the current password proves it is you, and the
other devices can be logged out at once; on both backends."""

from __future__ import annotations

from tests.conftest import PASSWORD, MakeClient
from tests.support.rest import fails

NEW = "a much better passphrase"


async def test_a_new_password_logs_the_other_devices_out_when_asked(clients: MakeClient) -> None:
    laptop = await clients("alice")
    phone = await clients()
    await phone.login("alice", PASSWORD)
    phone_device = (await phone.devices())["current"]

    logged_out = await laptop.change_password(PASSWORD, NEW, log_out_others=True)

    assert logged_out == [phone_device]
    await fails(phone.me(), "auth.invalid_token", 401)
    assert (await laptop.me())["username"] == "alice"  # this device stays
    await fails((await clients()).login("alice", PASSWORD), "auth.bad_credentials", 401)
    again = await clients()
    await again.login("alice", NEW)


async def test_the_current_password_must_be_right_and_the_new_one_strong(
    clients: MakeClient,
) -> None:
    alice = await clients("alice")
    phone = await clients()
    await phone.login("alice", PASSWORD)
    await fails(alice.change_password("not it", NEW), "auth.bad_credentials", 401)
    await fails(alice.change_password(PASSWORD, "short"), "user.password_too_weak", 400)
    assert await alice.change_password(PASSWORD, NEW) == []  # others stay logged in
    assert (await phone.me())["username"] == "alice"
