"""Core subcommands: ``new``, ``validate``, ``schema``, ``info``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cjmkit import store, templates, trust
from cjmkit.errors import CjmError, InvalidJourney, StorageError
from cjmkit.model import Journey, json_schema, slugify
from cjmkit.summary import counts, summary


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``new``, ``validate``, ``schema`` and ``info`` to the command line."""
    new = subparsers.add_parser("new", help="create a map from a template")
    new.add_argument("name", help="the map's name or path (NAME or NAME.cjm.json)")
    new.add_argument(
        "--template",
        "-t",
        default="support-to-care",
        help="template to start from (default: support-to-care; see --list)",
    )
    new.add_argument("--title", help="the map's title (default: the name)")
    new.add_argument("--list", action="store_true", help="list the templates and exit")
    new.set_defaults(func=cmd_new)

    validate = subparsers.add_parser("validate", help="check maps; exit 2 listing every problem")
    validate.add_argument("maps", nargs="+", type=Path, metavar="MAP")
    validate.set_defaults(func=cmd_validate)

    schema = subparsers.add_parser("schema", help="print the JSON Schema of the map format")
    schema.set_defaults(func=cmd_schema)

    info = subparsers.add_parser("info", help="print a readable summary of a map")
    info.add_argument("map", type=Path, metavar="MAP")
    info.set_defaults(func=cmd_info)


def map_path(name: str) -> Path:
    """Turn ``acme`` or ``acme.cjm.json`` or ``maps/acme.cjm.json`` into a map path."""
    path = Path(name)
    return path if path.name.endswith(store.SUFFIX) else path.with_name(path.name + store.SUFFIX)


def cmd_new(args: argparse.Namespace) -> int:
    """``cjmkit new NAME --template T``: write a new map from a template."""
    if args.list:
        for info in templates.list_templates():
            print(f"{info.name:22} {info.title}: {info.description}")
        return 0
    path = map_path(args.name)
    if path.exists():
        raise StorageError(f"{path} already exists: choose another name or remove it first")
    if not path.parent.is_dir():
        raise StorageError(f"cannot create {path}: the folder {path.parent} does not exist")
    stem = path.name.removesuffix(store.SUFFIX)
    title = args.title or stem.replace("-", " ").replace("_", " ").strip().capitalize() or stem
    journey = templates.new_journey(args.template, title, journey_id=slugify(stem) or None)
    store.save(journey, path)
    print(f"Created {path} from the {args.template!r} template: {counts(journey)}.")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``cjmkit validate MAP...``: 0 when every map is valid, else 2 with every problem listed."""
    failed = 0
    for path in args.maps:
        try:
            journey = store.load(path)
        except InvalidJourney as error:
            failed += 1
            print(f"{path}: {len(error.problems)} problem(s):", file=sys.stderr)
            for problem in error.problems:
                print(f"  - {problem}", file=sys.stderr)
        except CjmError as error:
            failed += 1
            print(str(error) if str(path) in str(error) else f"{path}: {error}", file=sys.stderr)
        else:
            print(f"{path}: valid ({counts(journey)})")
            for line in _source_lines(journey):
                print(f"  {line}")
    return 2 if failed else 0


def _source_lines(journey: Journey) -> list[str]:
    """Every source stored in the map, in full (``info`` and ``validate`` show them)."""
    entries = trust.stored_sources(journey)
    if not entries:
        return []
    lines = [f"Stored sources ({len(entries)}; they run only with 'cjmkit kpi refresh'):"]
    for entry in entries:
        described = trust.describe(entry)
        lines.append(f"  - {described[0]}")
        lines.extend(f"    {line}" for line in described[1:])
    return lines


def cmd_schema(args: argparse.Namespace) -> int:
    """``cjmkit schema``: print the JSON Schema generated from the model."""
    json.dump(json_schema(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """``cjmkit info MAP``: print a readable summary."""
    journey = store.load(args.map)
    print(summary(journey))
    for line in _source_lines(journey):
        print(line)
    return 0
