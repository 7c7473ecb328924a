"""Red packets' facade, on the one database (built in app.py); the units of work are in
packets.py."""

from __future__ import annotations

from microletter.redpackets.store import packets
from microletter.storage import Facade, reads, writes

__all__ = ["RedPacketStore"]


class RedPacketStore(Facade):
    send_packet = writes(packets.send_packet)
    look = reads(packets.look)
    look_each = reads(packets.look_each)
    open_packet = writes(packets.open_packet)
    find_packet = reads(packets.find_packet)
    look_many = reads(packets.look_many)
    open_many = writes(packets.open_many)
    open_together = writes(packets.open_together)
