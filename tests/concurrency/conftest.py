"""The race tests' trial counts, listed at the end of every run (CI logs show them without `-s`)."""

import pytest

_reports: list[str] = []


@pytest.fixture
def race_report():
    """`race_report(line)` lists `line` in the run's summary."""
    return _reports.append


def pytest_terminal_summary(terminalreporter):
    if _reports:
        terminalreporter.section("concurrency trials (PostgreSQL, real threads)")
        for line in _reports:
            terminalreporter.write_line(line)
