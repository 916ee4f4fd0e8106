"""The demo programs: the Ministry of SMEs and Startups' 2023–24 call with OpenAI, part-way through
its first round, with its pitch session at the Matching Day in San Francisco already scheduled
(`matching_day`); and a second program with six fictional partners, its selection final, ready for
matching and for its Matching Day in Seoul (`partnering`). `demo_load` writes them; `content` holds
the OpenAI program's text, `plan` its generated applicants."""

from matching.demo.content import PROGRAM, STAFF_EMAIL
from matching.demo.load import DemoLoad, demo_load

DEMO_PROGRAM_SLUG = PROGRAM["slug"]

__all__ = ["DEMO_PROGRAM_SLUG", "STAFF_EMAIL", "DemoLoad", "demo_load"]
