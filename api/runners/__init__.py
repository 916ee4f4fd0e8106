"""The job runners, one per `Job.Kind` (see `api.jobs`); each calls the same service the admin uses.
Importing this package registers them all."""

import api.runners.matching  # noqa: F401 — matching.run
from api.runners import exports, meetings, rounds  # noqa: F401
