"""The participants' server over real HTTP on 127.0.0.1: form posts, the join code, limits, escaping."""

from __future__ import annotations

import asyncio
import html
import http.cookiejar
import json
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import free_port

from cjmkit.room import RoomControl, RoomLog, RoomState, log_path, vote_items
from cjmkit.room.server import RoomServer
from cjmkit.store import load, open_map

PAGE_BUDGET = 100 * 1024


class Client:
    """A participant's browser without JavaScript: cookies, form posts, redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self, path: str, data: dict | None = None, headers: dict | None = None
    ) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def json(self, path: str, data: dict | None = None) -> tuple[int, dict]:
        status, text, _ = self.request(path, data, {"Accept": "application/json"})
        return status, json.loads(text)


@pytest.fixture
def served(sample_map: Path) -> Iterator[tuple[str, RoomServer, RoomControl]]:
    """A room server on a free loopback port (its own IOLoop in a thread) and the facilitator's control."""
    session = open_map(sample_map)
    control = RoomControl(session.editor, sample_map)
    control.open()
    room = RoomServer(sample_map)
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        room.listen(port, "127.0.0.1")
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield f"http://127.0.0.1:{port}/", room, control
    loop.call_soon_threadsafe(room.stop)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    session.close()


def joined(base: str, code: str) -> Client:
    client = Client(base)
    status, text, _ = client.request(f"?code={code}")
    assert status == 200 and 'id="note-form"' in text
    return client


def form_id(text: str) -> str:
    return re.search(r'name="id" value="([^"]+)"', text).group(1)


def test_a_participant_without_javascript_joins_adds_a_note_and_sees_it_waiting(served):
    base, _room, control = served
    journey = load(control.map_path)
    client = Client(base)
    status, text, _ = client.request("")
    assert status == 200 and "Type the join code" in text and "note-form" not in text
    status, text, _ = client.request("?code=WRONG1")
    assert status == 403 and "not right" in text
    status, text, headers = client.request(f"?code={control.state.code.lower()}")  # case does not matter
    assert status == 200 and "Add a sticky note" in text
    assert len(text.encode()) <= PAGE_BUDGET
    assert "nonce-" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    for stage in journey.stages:
        assert f">{stage.name}</option>" in text.replace("&amp;", "&")

    stage = journey.stages[2].id
    note = {
        "id": form_id(text),
        "kind": "opportunities",
        "text": "Send a <b>welcome</b> call",
        "stage": stage,
        "name": "Ana",
    }
    status, text, _ = client.request("note", note)
    assert status == 200 and "Sent ✓" in text  # 303 to the page, followed
    assert "Send a &lt;b&gt;welcome&lt;/b&gt; call · waiting" in text
    status, _, _ = client.request("note", note)  # the browser posts the same form again
    control.refresh()
    assert [(n.text, n.name, n.stage) for n in control.state.inbox()] == [
        ("Send a <b>welcome</b> call", "Ana", stage)
    ]


def test_a_refused_note_keeps_what_was_typed_and_says_why(served):
    base, _room, control = served
    client = joined(base, control.state.code)
    typed = "Forms & <fields> " * 29
    status, text, _ = client.request(
        "note", {"id": "n-abcdef12", "kind": "pain_points", "text": typed, "stage": "nowhere"}
    )
    assert status == 400 and "stage: choose one of the map" in text
    assert html.escape(typed.strip()) in text  # nothing typed is lost
    status, body = client.json(
        "note",
        {
            "id": "n-abcdef13",
            "kind": "pain_points",
            "text": "x" * 501,
            "stage": load(control.map_path).stages[0].id,
        },
    )
    assert status == 400 and body == {"ok": False, "error": "note: at most 500 characters, this is 501"}
    control.refresh()
    assert control.state.inbox() == []


def test_every_request_needs_the_join_code_and_the_room_s_host(served):
    base, _room, control = served
    stranger = Client(base)
    for path, data in (
        ("state", None),
        ("map", None),
        ("note", {"id": "n-abcdef12", "text": "x"}),
        ("votes", {"id": "v-1234567"}),
    ):
        status, _text, _ = stranger.request(path, data, {"Accept": "application/json"})
        assert status == 403, path
    client = joined(base, control.state.code)
    status, _, _ = client.request("state", headers={"Host": "evil.example:80"})
    assert status == 403  # DNS rebinding: another name for this address
    status, body = client.json("state")
    assert status == 200 and body["open"] is True
    status, _, _ = client.request(
        "note",
        {"id": "n-abcdef14", "kind": "touchpoint", "text": "x", "stage": "s"},
        {"Origin": "http://evil.example"},
    )
    assert status == 403
    status, text, _ = client.request("../../etc/passwd")
    assert status in (400, 404) and "root:" not in text


def test_a_closed_room_takes_nothing(served):
    base, _room, control = served
    client = joined(base, control.state.code)
    control.close()
    status, text, _ = client.request("")
    assert status == 200 and "The room is closed" in text and "note-form" not in text
    status, body = client.json(
        "note", {"id": "n-abcdef15", "kind": "pain_points", "text": "late", "stage": "x"}
    )
    assert status == 403 and "closed" in body["error"]
    control.open()
    status, body = client.json("state")
    assert body["open"] is True


def test_a_participant_sending_too_fast_is_slowed_down(served):
    base, _room, control = served
    client = joined(base, control.state.code)
    stage = load(control.map_path).stages[0].id
    answers = [
        client.json(
            "note", {"id": f"n-burst{n:04d}", "kind": "pain_points", "text": f"n{n}", "stage": stage}
        )[0]
        for n in range(14)
    ]
    assert answers.count(200) >= 10 and 429 in answers
    control.refresh()
    assert len(control.state.inbox()) == answers.count(200)


def test_voting_without_javascript_and_tallies_hidden_until_revealed(served):
    base, _room, control = served
    journey = control.editor.journey
    round_ = control.start_round(vote_items(journey)[:3], budget=4)
    keys = [item.key for item in round_.items]
    ana, ben = joined(base, control.state.code), joined(base, control.state.code)
    _, text, _ = ana.request("")
    assert "Vote: you have 4 dots" in text and f'name="dot:{keys[0]}"' in text
    status, text, _ = ana.request(
        "votes",
        {
            "id": form_id(text.split('id="vote-form"')[1]),
            "round": round_.id,
            f"dot:{keys[0]}": "3",
            f"dot:{keys[1]}": "1",
        },
    )
    assert status == 200 and "Votes saved ✓" in text
    status, body = ben.json(
        "votes", {"id": "v-ben00001", "round": round_.id, f"dot:{keys[0]}": "3", f"dot:{keys[1]}": "2"}
    )
    assert status == 400 and "you have 4 dots, these are 5" in body["error"]
    status, body = ben.json("votes", {"id": "v-ben00002", "round": round_.id, f"dot:{keys[2]}": "2"})
    assert status == 200
    _, state = ben.json("state")
    assert state["round"]["mine"] == {keys[2]: 2} and state["round"]["tallies"] is None  # anonymous, hidden
    assert control.reveal() == {keys[0]: 3, keys[1]: 1, keys[2]: 2}
    _, state = ben.json("state")
    assert state["round"]["tallies"] == {keys[0]: 3, keys[1]: 1, keys[2]: 2}
    control.end_round()
    status, body = ana.json("votes", {"id": "v-ana00009", "round": round_.id, f"dot:{keys[0]}": "1"})
    assert status == 400 and "closed" in body["error"]


def test_timer_and_the_map_picture(served):
    base, _room, control = served
    client = joined(base, control.state.code)
    control.start_timer(90)
    _, state = client.json("state")
    assert 88 <= state["timer"] <= 90
    _, text, _ = client.request("")
    assert "Time left 1:" in text
    status, text, headers = client.request("map")
    assert status == 200 and control.editor.journey.title in text and "Bokeh" in text
    assert (
        "unsafe-eval" in headers["Content-Security-Policy"]
        and "connect-src 'none'" in headers["Content-Security-Policy"]
    )


def test_hostile_text_is_escaped_everywhere(served, sample_map):
    base, room, control = served
    hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    with open_map(sample_map) as other:
        other.editor.set_journey(title=hostile)
        other.editor.add("stages", {"name": hostile})
    client = joined(base, control.state.code)
    stage = room.journey().stages[-1].id
    status, _body = client.json(
        "note", {"id": "n-hostile01", "kind": "touchpoint", "text": hostile, "stage": stage, "name": hostile}
    )
    assert status == 200
    _, text, _ = client.request("")
    assert "<script>alert" not in text and "<img src=x" not in text
    assert text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # title, stage, my note


def test_the_state_is_rebuilt_by_a_new_server_after_a_restart(served, sample_map):
    base, _room, control = served
    client = joined(base, control.state.code)
    stage = load(sample_map).stages[0].id
    for n in range(3):
        assert (
            client.json(
                "note", {"id": f"n-restart{n}", "kind": "pain_points", "text": f"t{n}", "stage": stage}
            )[0]
            == 200
        )
    fresh = RoomState()
    fresh.apply_all(RoomLog(log_path(sample_map)).read_new())
    assert [n.text for n in fresh.inbox()] == ["t0", "t1", "t2"] and fresh.open


@pytest.mark.slow
def test_cjmkit_workshop_room_serves_participants_beside_the_board(sample_map):
    import subprocess
    import time

    from support import cjmkit_command, running_server

    port, room_port = free_port(), free_port()
    args = cjmkit_command(
        "workshop", str(sample_map), "--port", str(port), "--room", "127.0.0.1", "--room-port", str(room_port)
    )
    with running_server(args, room_port, path="/state"):
        state = RoomState()
        state.apply_all(RoomLog(log_path(sample_map)).read_new())
        assert state.open and state.code
        client = joined(f"http://127.0.0.1:{room_port}/", state.code)
        assert client.json("state")[1]["title"] == load(sample_map).title
        # the join code opens nothing on the board's server
        board = Client(f"http://127.0.0.1:{port}/")
        deadline = time.monotonic() + 60
        while board.request("")[0] >= 500 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert board.request(f"note?code={state.code}", {"id": "n-board001", "text": "x"})[0] in (
            403,
            404,
            405,
        )
    same = subprocess.run(
        cjmkit_command("workshop", str(sample_map), "--port", str(port), "--room-port", str(port)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert same.returncode == 2 and "must differ" in same.stderr and "Traceback" not in same.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        refused = subprocess.run(
            cjmkit_command(
                "workshop",
                str(sample_map),
                "--port",
                str(port),
                "--room",
                "127.0.0.1",
                "--room-port",
                str(taken),
            ),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert refused.returncode == 2 and "choose another port with --room-port" in refused.stderr
    assert "Traceback" not in refused.stderr
