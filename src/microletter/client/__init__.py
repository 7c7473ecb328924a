"""The Python SDK: an async client for the REST API and the realtime protocol."""

from microletter.client.realtime import Realtime
from microletter.client.rest import ApiError, Client, new_client_msg_id

__all__ = ["ApiError", "Client", "Realtime", "new_client_msg_id"]
