"""Print the current sign-in code of the demo staff account (demo accounts only)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.demo import demo_totp_code
from core.errors import DomainError
from matching.demo import STAFF_EMAIL


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account (the demo staff account unless --email is given)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", default=STAFF_EMAIL, help="A demo account's e-mail address.")

    def handle(self, *args, email: str, **options) -> None:
        try:
            code = demo_totp_code(email=email)
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(code)
