"""Applicant pages: the startup profile and the application, from first draft to withdrawal."""
