from django.core.management.base import BaseCommand

from reinforcement.services.web_push import vapid_keys_generate


class Command(BaseCommand):
    help = "Print a new VAPID key pair for Web Push, as environment settings."

    def handle(self, *args, **options):
        public, private = vapid_keys_generate()
        self.stdout.write(f"WEB_PUSH_VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"WEB_PUSH_VAPID_PRIVATE_KEY={private}")
