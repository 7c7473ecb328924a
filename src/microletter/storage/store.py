"""The Store: the core's operations, each one unit of work on the database (ops.py).

Adding an operation: write the unit of work in its area's module (one function for both
backends), declare it here in one line, and add its method to ports.Store."""

from __future__ import annotations

from microletter.storage import accounts as _accounts
from microletter.storage import channels as _channels
from microletter.storage import contacts as _contacts
from microletter.storage import conversations as _conversations
from microletter.storage import invites as _invites
from microletter.storage import media as _media
from microletter.storage import messages as _messages
from microletter.storage import moderation as _moderation
from microletter.storage import notes as _notes
from microletter.storage import retention as _retention
from microletter.storage import streams as _streams
from microletter.storage import sync as _sync
from microletter.storage.ops import Facade, reads, writes, writes_value

# The modules are imported under other names: in a class body, `contacts = ...` would
# hide the module `contacts` from the lines below it.


class Store(Facade):
    @property
    def epoch(self) -> str:
        return self.db.epoch

    async def ping(self) -> None:
        await self.db.ping()

    async def close(self) -> None:
        await self.db.close()

    # accounts and devices
    create_user = writes_value(_accounts.create_user)
    credentials = reads(_accounts.credentials)
    create_device = writes_value(_accounts.create_device)
    device_for_token = reads(_accounts.device_for_token)
    devices = reads(_accounts.devices)
    revoke_device = writes_value(_accounts.revoke_device)
    touch_device = writes_value(_accounts.touch_device)
    read_streams = writes_value(_accounts.read_streams)
    user = reads(_accounts.user)
    user_by_name = reads(_accounts.user_by_name)
    update_profile = writes(_accounts.update_profile)
    change_password = writes_value(_accounts.change_password)
    password_hash = reads(_accounts.password_hash)
    privacy = reads(_accounts.privacy)
    set_privacy = writes_value(_accounts.set_privacy)

    # moderation
    suspend_user = writes_value(_moderation.suspend_user)
    unsuspend_user = writes_value(_moderation.unsuspend_user)
    suspension = reads(_moderation.suspension)

    # contacts
    request_contact = writes(_contacts.request_contact)
    answer_request = writes(_contacts.answer_request)
    refuse_requests = writes(_contacts.refuse_requests)
    remove_contact = writes(_contacts.remove_contact)
    set_remark = writes(_contacts.set_remark)
    block = writes(_contacts.block)
    unblock = writes(_contacts.unblock)
    contacts = reads(_contacts.contacts)
    requests = reads(_contacts.requests)
    blocks = reads(_contacts.blocks)

    # conversations
    create_group = writes(_conversations.create_group)
    open_direct = writes(_conversations.open_direct)
    update_group = writes(_conversations.update_group)
    add_members = writes(_conversations.add_members)
    remove_member = writes(_conversations.remove_member)
    leave = writes(_conversations.leave)
    set_role = writes(_conversations.set_role)
    transfer_owner = writes(_conversations.transfer_owner)
    set_muted = writes(_conversations.set_muted)
    set_chat_state = writes(_conversations.set_chat_state)
    delete_chat = writes(_conversations.delete_chat)
    clear_history = writes(_conversations.clear_history)
    conversations = reads(_conversations.conversations_of)
    saved_groups = reads(_conversations.saved_groups)
    conversation = reads(_conversations.conversation_view)
    members = reads(_conversations.members_of)
    member_ids = reads(_conversations.member_ids_of)

    # group invites
    create_invite = writes_value(_invites.create_invite)
    revoke_invite = writes_value(_invites.revoke_invite)
    set_invite_approval = writes_value(_invites.set_invite_approval)
    invite_preview = reads(_invites.preview)
    join_by_invite = writes(_invites.join)
    answer_join = writes(_invites.answer_join)
    join_requests = reads(_invites.join_requests)

    # messages
    post_message = writes(_messages.post_message)
    recall_message = writes(_messages.recall_message)
    edit_message = writes(_messages.edit_message)
    mark_read = writes(_messages.mark_read)
    hide_messages = writes(_messages.hide_messages)
    history = reads(_messages.history)
    message = reads(_messages.message)
    notes = reads(_notes.notes_between)

    # media
    save_media = writes_value(_media.save_media)
    record_blob = writes_value(_media.record_blob)
    media_usage = reads(_media.media_usage)
    visible_media = reads(_media.visible_media)

    # the media collector
    expire_uploads = writes_value(_retention.expire_uploads)
    collect_media = writes_value(_retention.collect_media)
    media_trash = reads(_retention.media_trash)
    forget_trash = writes_value(_retention.forget_trash)
    media_totals = reads(_retention.media_totals)

    # sync
    log_head = reads(_sync.log_head)
    read_log = reads(_sync.read_log)
    snapshot = reads(_sync.snapshot)

    # large groups' streams, as members read them
    streams = reads(_streams.streams)
    stream_page = reads(_streams.page)

    # broadcast channels, as followers see them
    channels = reads(_channels.channels)
    channel_posts = reads(_channels.posts)
    mark_channel_read = writes_value(_channels.mark_read)
