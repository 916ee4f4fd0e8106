import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from matching.demo import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo program: the Global Enterprise Collaboration Program's call with OpenAI "
        "(220 applicants, two tracks, three rounds), part-way through the written review, with its pitch "
        "session at the Matching Day in San Francisco already scheduled; and a second program with six "
        "partners, 60 finalists and submitted rankings, ready for matching and its Matching Day in Seoul. "
        "Running it again changes nothing."
    )

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        try:
            result = demo_load(password=settings.MATCHDAY_DEMO_PASSWORD)
        except DomainError as error:
            raise CommandError(error.message) from error
        elapsed = time.perf_counter() - started

        if result.created:
            if result.counts:
                # A database loaded by an earlier version gets only the parts it lacked.
                verb = (
                    "Loaded the demo program"
                    if "startups.Application" in result.counts
                    else "Added to the demo program"
                )
                self.stdout.write(self.style.SUCCESS(f"{verb} “{result.program.name_en}”."))
                width = max(len(label) for label in result.counts)
                for label, count in result.counts.items():
                    self.stdout.write(f"  {label:<{width}}  {count:>6}")
                self.stdout.write(f"  {'rows in all':<{width}}  {sum(result.counts.values()):>6}")
            if result.second_counts:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Loaded the second demo program “{result.second_program.name_en}” "
                        f"({result.second_program.slug}): {sum(result.second_counts.values())} rows, "
                        "ready to run the matching and to schedule its Matching Day."
                    )
                )
        else:
            self.stdout.write(
                f"The demo program “{result.program.name_en}” ({result.program.slug}) is already loaded; "
                "nothing changed."
            )
        self.stdout.write(f"Took {elapsed:.1f} s.")
        self.stdout.write(
            f"Open call for applicants to try: /programs/{result.open_call.slug}/ "
            f"(closes {result.open_call.closes_at.astimezone(ZoneInfo(result.open_call.time_zone)):%Y-%m-%d %H:%M %Z})."
        )

        self.stdout.write("")
        self.stdout.write(
            f"Demo logins (sign in at /accounts/login/; password for every one: {settings.MATCHDAY_DEMO_PASSWORD}):"
        )
        header = ("role", "e-mail", "starts at")
        role_width = max(len(header[0]), *(len(login.role) for login, _ in result.logins))
        email_width = max(len(header[1]), *(len(login.email) for login, _ in result.logins))
        self.stdout.write(f"  {header[0]:<{role_width}}  {header[1]:<{email_width}}  {header[2]}")
        for login, works in result.logins:
            line = f"  {login.role:<{role_width}}  {login.email:<{email_width}}  {login.start}"
            if not works:
                line = self.style.WARNING(f"{line}  (password changed since the demo was loaded)")
            self.stdout.write(line)
