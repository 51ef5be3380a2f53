import factory
from django.contrib.auth import get_user_model

from storeapi.models import Membership, Store
from storeapi.roles import Role

PASSWORD = "correct horse battery staple"


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"operator{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    subdomain = factory.Sequence(lambda n: f"store{n}")
    name = factory.Sequence(lambda n: f"Store {n}")
    currency = "USD"
    timezone = "America/New_York"
    status = Store.Status.CONNECTED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    operator = factory.SubFactory(OperatorFactory)
    store = factory.SubFactory(StoreFactory)
    role = Role.VIEWER


def sign_in_with_password(client, operator, password: str = PASSWORD):
    """Sign in through allauth's form, as a person does: allauth records the password
    in the session (the Django admin asks for it otherwise; `force_login` records none)."""
    from django.urls import reverse

    response = client.post(reverse("account_login"), {"login": operator.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client
