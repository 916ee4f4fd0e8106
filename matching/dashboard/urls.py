"""The dashboard's addresses under /admin/, added by `core.admin_site.MatchdayAdminSite.get_urls`."""


def admin_urls(site) -> list:
    return []


def staff_home_context(request) -> dict:
    return {}
