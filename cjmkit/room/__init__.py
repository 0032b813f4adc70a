"""A workshop room: participants add notes and dot-vote from their phones into the live map.

- :mod:`cjmkit.room.log`: the append-only, fsync'd ``NAME.room.jsonl`` beside the map.
- :mod:`cjmkit.room.state`: the room's state (inbox, voting rounds, timer) rebuilt from the log,
  and the checks of what participants send.
- :mod:`cjmkit.room.facilitator`: :class:`RoomControl`, what the facilitator's board does
  (accept a note as one undoable edit, hide, merge, rounds, reveal, timer, open and close).
- :mod:`cjmkit.room.server`: the participants' page and endpoints (plain HTTP, no kernel),
  run inside ``cjmkit workshop``.
"""

from cjmkit.room.facilitator import RoomControl, new_join_code
from cjmkit.room.log import RoomLog, RoomLogFull, log_path
from cjmkit.room.state import InboxNote, RoomInputError, RoomState, Round, VoteItem, vote_items

__all__ = [
    "InboxNote",
    "RoomControl",
    "RoomInputError",
    "RoomLog",
    "RoomLogFull",
    "RoomState",
    "Round",
    "VoteItem",
    "log_path",
    "new_join_code",
    "vote_items",
]
