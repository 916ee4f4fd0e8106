"""Runners for round jobs: assignment and computing results."""
