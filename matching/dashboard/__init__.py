"""The staff home (programs by stage) and each program's dashboard, served by the admin site."""
