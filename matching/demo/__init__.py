"""The demo program: the Ministry of SMEs and Startups' 2023–24 call with OpenAI, part-way through
its first round. `demo_load` writes it; `content` holds its text, `plan` the generated applicants."""

from matching.demo.content import PROGRAM, STAFF_EMAIL
from matching.demo.load import DemoLoad, demo_load

DEMO_PROGRAM_SLUG = PROGRAM["slug"]

__all__ = ["DEMO_PROGRAM_SLUG", "STAFF_EMAIL", "DemoLoad", "demo_load"]
