from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the demo operator, or reset its password (used by `make demo`)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *, email, password, **options):
        Operator = get_user_model()
        operator = Operator.objects.filter(email__iexact=email).first()
        if operator is None:
            operator = Operator.objects.create_superuser(email=email, password=password)
            verb = "Created"
        else:
            operator.set_password(password)
            operator.is_active = True
            operator.save()
            verb = "Updated"
        EmailAddress.objects.update_or_create(
            user=operator, email=operator.email, defaults={"verified": True, "primary": True}
        )
        self.stdout.write(f"{verb} the demo operator {operator.email}.")
