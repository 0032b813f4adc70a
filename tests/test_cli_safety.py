"""The command line facing a hostile map or folder: nothing it prints can drive the terminal."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support import SAMPLE_MAP, cjmkit_command

from cjmkit.cli import main, printable
from cjmkit.store import load, save

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b31m\r\x08\u202eevil"


def test_printable_drops_control_characters_and_keeps_text() -> None:
    assert printable(ESCAPES) == "]0;pwned[2J[31mred31mevil"
    assert printable("Café ✓ 東京\tcol\nnext") == "Café ✓ 東京\tcol\nnext"


@pytest.fixture
def hostile_map(tmp_path: Path) -> Path:
    journey = load(SAMPLE_MAP)
    journey.title = f"Title {ESCAPES}"
    journey.personas[0].name = f"Maya {ESCAPES}"
    path = tmp_path / "hostile.cjm.json"
    save(journey, path, force=True)
    return path


@pytest.mark.parametrize("command", [["info"], ["validate"], ["history"], ["kpi", "status"]])
def test_commands_print_map_text_without_escape_codes(
    hostile_map: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*command, str(hostile_map)])
    out, err = capsys.readouterr()
    assert code in (0, 1)
    assert "\x1b" not in out + err and "\x07" not in out + err and "\r" not in out + err
    if command == ["info"]:
        assert "Title ]0;pwned" in out


def test_an_error_naming_a_hostile_file_prints_no_escape_codes(tmp_path: Path) -> None:
    name = tmp_path / "bad\x1b[2Jname.cjm.json"
    name.write_text("{", encoding="utf-8")
    result = subprocess.run(cjmkit_command("info", str(name)), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "\x1b" not in result.stderr and "bad[2Jname" in result.stderr


def test_the_workshop_start_lines_print_the_title_without_escape_codes(
    hostile_map: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cjmkit.serve

    def fake_serve(folder, *, intro, token, **kwargs) -> int:  # prints what serve prints, serves nothing
        print(cjmkit.serve.listening_message("127.0.0.1", kwargs["port"], token=token))
        print(intro)
        return 0

    monkeypatch.setattr(cjmkit.serve, "serve", fake_serve)
    monkeypatch.setenv("CJMKIT_TOKEN", "T")
    monkeypatch.setenv("CJMKIT_MAP", "")  # the command sets it: put it back afterwards
    assert main(["workshop", str(hostile_map), "--port", "8999"]) == 0
    out = capsys.readouterr().out
    assert "Workshop on “Title ]0;pwned" in out and "?token=T" in out and "\x1b" not in out


def test_a_revision_of_thousands_of_digits_is_a_sentence_not_an_unexpected_error(tmp_path: Path) -> None:
    path = tmp_path / "huge.cjm.json"
    text = SAMPLE_MAP.read_text(encoding="utf-8")
    path.write_text(text.replace('"revision": ', '"revision": ' + "9" * 5000, 1), encoding="utf-8")
    for command in (["history", str(path)], ["info", str(path)], ["validate", str(path)]):
        result = subprocess.run(cjmkit_command(*command), capture_output=True, text=True, timeout=60)
        assert result.returncode in (0, 2), (command, result.stderr)
        assert "unexpected error" not in result.stderr and "Traceback" not in result.stderr
    assert "not valid JSON" in result.stderr  # validate names what is wrong
