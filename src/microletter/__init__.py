"""microletter: a self-hostable messaging super-app (chat, contacts, groups, open platform)."""

__version__ = "0.1.0"
API_VERSION = 40  # bumped on every change to the REST API; see CHANGELOG.md
PROTOCOL_VERSION = 1  # the realtime protocol (docs/protocol.md)
# Its revision: frames added within version 1, which a client may use when `ready.revision`
# is at least their revision (2: open_red_packet; 3: streams of large groups).
PROTOCOL_REVISION = 3
