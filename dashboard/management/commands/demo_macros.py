"""The demo's macros, so that the ticket page's picker and the Macros page show some.

    python manage.py demo_macros --email demo@example.com

All-stores macros of the demo operator (an owner of the demo's stores once they are
connected, so they are offered there). Safe to run again: a macro of that name and
author is left as it is.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dashboard.models import Macro

DEMO_MACROS = [
    {
        "name": "Where is my order",
        "kind": Macro.Kind.PUBLIC,
        "body": (
            "Hi {{ customer.first_name }},\n\n"
            "thank you for your patience. Your order {{ order.number }} is {{ order.status }}; "
            "you can follow it here: {{ order.tracking_url }}\n\n"
            "Best regards,\n{{ operator.name }}\n{{ store.name }}"
        ),
        "status": "pending",
        "tags": ["shipping"],
    },
    {
        "name": "Refund issued",
        "kind": Macro.Kind.PUBLIC,
        "body": (
            "Hi {{ customer.first_name }},\n\n"
            "we have refunded your order {{ order.number }}. Depending on your bank, the money "
            "is back on your account within 5 to 10 working days.\n\n"
            "{{ operator.name }}, {{ store.name }}"
        ),
        "status": "solved",
        "tags": ["refund"],
    },
    {
        "name": "Escalate to billing",
        "kind": Macro.Kind.INTERNAL,
        "body": (
            "Billing: please check the payment of order {{ order.number }} ({{ customer.email }}).\n"
            "— {{ operator.name }}"
        ),
        "priority": "high",
        "tags": ["billing"],
    },
]


class Command(BaseCommand):
    help = "Create the demo's macros for the demo operator (used by `make demo`)."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="the demo operator's e-mail address")

    def handle(self, *, email, **options):
        operator = get_user_model().objects.filter(email__iexact=email).first()
        if operator is None:
            raise CommandError(f"No operator with the e-mail address {email}.")
        created = 0
        for fields in DEMO_MACROS:
            _, made = Macro.objects.get_or_create(
                author=operator,
                name=fields["name"],
                store=None,
                defaults={**fields, "author_name": operator.get_full_name()},
            )
            created += made
        self.stdout.write(f"{created} demo macro{'s' if created != 1 else ''} created for {operator.email}.")
