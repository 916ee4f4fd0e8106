"""The wording the project ships for every event and language, in `default_messages/`.

Each file is `<event>.<language>.txt`: the subject on the first line, a blank line, then the body.
The database copies (`MessageTemplate`) start from these and are what staff edit.
"""

from functools import cache
from pathlib import Path

DEFAULTS_DIR = Path(__file__).resolve().parent / "default_messages"


@cache
def default_template(event: str, language: str) -> tuple[str, str]:
    """(subject, body) shipped for `event` in `language`; FileNotFoundError if there is none."""
    text = (DEFAULTS_DIR / f"{event}.{language}.txt").read_text(encoding="utf-8")
    subject, _blank, body = text.partition("\n\n")
    return subject.strip(), body.strip() + "\n"
