from django.core.management.base import BaseCommand

from crm.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create the demo operator and two demo businesses with live numbers (idempotent)."

    def handle(self, *args, **options):
        logins = seed_demo()
        for who, email in logins.items():
            self.stdout.write(f"{who}: {email} / {DEMO_PASSWORD}")
