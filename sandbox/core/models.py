"""The sandbox store's data: several stores in one database, each a separate tenant.

Every row hangs off a `Store`. Order, customer and ticket ids are unique across the
database; order numbers are unique per store. Rows are created in date order by the
seed, so `-id` (`-number` for orders) is "newest first", which is what every list
endpoint returns.
"""

import hashlib
import hmac
import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models

from .versions import API_VERSION

APPLICATION_MODEL = "oauth2_provider.Application"


class Store(models.Model):
    subdomain = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=255)
    tagline = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3)
    timezone = models.CharField(max_length=64)
    language = models.CharField(max_length=8, default="en")
    country = models.CharField(max_length=2)
    tax_title = models.CharField(max_length=64, default="Tax")
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0"))
    prices_include_tax = models.BooleanField(default=False)
    tax_id = models.CharField(max_length=64, blank=True)
    contact_address = models.JSONField(default=dict)
    page_size = models.PositiveIntegerField(null=True, blank=True)
    # Requests per second per access token; None means SANDBOX_RATE_LIMIT_PER_SECOND.
    rate_limit_per_second = models.FloatField(null=True, blank=True)
    # Fault injection (see faults.py), switched through the control endpoint.
    faults = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.subdomain

    @property
    def network_domain(self) -> str:
        return f"{self.subdomain}{settings.SANDBOX_NETWORK_DOMAIN_SUFFIX}"

    @property
    def origin(self) -> str:
        return f"https://{self.network_domain}"

    def effective_page_size(self) -> int:
        return self.page_size or settings.SANDBOX_PAGE_SIZE

    def effective_rate_limit(self) -> float:
        if self.rate_limit_per_second is not None:
            return self.rate_limit_per_second
        return settings.SANDBOX_RATE_LIMIT_PER_SECOND


class StaffUserManager(BaseUserManager):
    def create_staff(self, *, store, email, first_name="", last_name="", is_owner=False):
        user = self.model(
            store=store,
            email=email,
            username=f"{store.subdomain}:{email}",
            first_name=first_name,
            last_name=last_name,
            is_owner=is_owner,
        )
        user.set_unusable_password()
        user.save()
        return user


class StaffUser(AbstractBaseUser):
    """A user of one store's dashboard. Tokens and grants belong to one of these."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="staff")
    username = models.CharField(max_length=200, unique=True)  # "<store>:<email>"
    email = models.EmailField()
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_owner = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = StaffUserManager()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["store", "email"], name="staff_unique_email_per_store")]

    def __str__(self):
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email


class AppSettings(models.Model):
    """What the sandbox knows about a partner app beyond django-oauth-toolkit's Application.

    The client secret is kept in clear (the Application has `hash_client_secret=False`)
    so that session tokens can be signed with it, as the platform does.
    """

    application = models.OneToOneField(APPLICATION_MODEL, on_delete=models.CASCADE, related_name="sandbox")
    app_url = models.URLField(max_length=500)


class Product(models.Model):
    """A product of the catalogue, as the platform (django-oscar underneath) structures it.

    `standalone` products are sold as they are; a `parent` groups its `child` variants
    and is never sold itself. Order lines point at a standalone product or a child.
    `price` is the price in the store's currency, as the store shows it (tax included
    when the store's prices include tax); `prices` holds it per currency.
    """

    STANDALONE, PARENT, CHILD = "standalone", "parent", "child"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    structure = models.CharField(max_length=16, default=STANDALONE)
    title = models.CharField(max_length=255)
    variant_title = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=64, blank=True)
    upc = models.CharField(max_length=64, null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    requires_shipping = models.BooleanField(default=True)
    track_stock = models.BooleanField(default=True)
    allow_backorders = models.BooleanField(default=False)
    is_public = models.BooleanField(default=True)
    slug = models.SlugField(max_length=255)
    date_created = models.DateTimeField(null=True, blank=True)
    date_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["store", "sku"])]

    @property
    def is_sellable(self) -> bool:
        return self.structure != self.PARENT


class ProductPrice(models.Model):
    """A product's price in one currency (`/products/{id}/prices/`)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    retail = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["product", "currency"], name="price_unique_currency")]


class Location(models.Model):
    """A fulfillment location (warehouse) of a store."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=128)
    address = models.JSONField(default=dict)
    accept_return = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]


class StockRecord(models.Model):
    """Stock of one sellable product at one location. `net_stock_level` is what can
    still be sold: in stock minus allocated to orders not yet shipped."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stockrecords")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="stockrecords")
    num_in_stock = models.IntegerField(default=0)
    num_allocated = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(default=5)
    date_created = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["product", "location"], name="stock_unique_location")]

    @property
    def net_stock_level(self) -> int:
        return self.num_in_stock - self.num_allocated


class Customer(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="customers")
    email = models.EmailField()
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    phone_number = models.CharField(max_length=64, null=True, blank=True)
    language = models.CharField(max_length=8, null=True, blank=True)
    user_type = models.CharField(max_length=16, default="customer")
    date_joined = models.DateTimeField()
    updated_at = models.DateTimeField()
    is_blocked = models.BooleanField(default=False)
    accepts_marketing = models.BooleanField(default=False)
    tags = models.JSONField(default=list, blank=True)
    ip = models.CharField(max_length=64, null=True, blank=True)
    user_agent = models.CharField(max_length=512, null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Kept up to date by the services that change orders.
    orders_count = models.PositiveIntegerField(default=0)
    total_spent = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["store", "email"])]

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class CustomerAddress(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    line1 = models.CharField(max_length=255)
    line2 = models.CharField(max_length=255, blank=True)
    line3 = models.CharField(max_length=255, blank=True)
    line4 = models.CharField(max_length=255)  # city
    state = models.CharField(max_length=255, blank=True)
    postcode = models.CharField(max_length=64, blank=True)
    country = models.CharField(max_length=2)
    phone_number = models.CharField(max_length=128, blank=True)
    notes = models.TextField(blank=True)
    is_default_for_billing = models.BooleanField(default=False)
    is_default_for_shipping = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]


class CustomerNote(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(StaffUser, null=True, blank=True, on_delete=models.SET_NULL)
    app = models.ForeignKey(APPLICATION_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    message = models.TextField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]


def tags_index(tags) -> str:
    """`Order.tags_index` of these (already distinct) tags: "|tag1|tag2|", or "" for none."""
    return "|" + "|".join(tags) + "|" if tags else ""


class Order(models.Model):
    FIRST_NUMBER = 100001  # a store's first order

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    number = models.PositiveIntegerField()
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    status = models.CharField(max_length=16, default="open")
    payment_status = models.CharField(max_length=24)
    fulfillment_status = models.CharField(max_length=24)
    delivery_status = models.CharField(max_length=24, blank=True)
    is_test = models.BooleanField(default=False)
    is_disputed = models.BooleanField(default=False)
    source = models.CharField(max_length=16, default="checkout")
    subscription_lifecycle = models.CharField(max_length=16, default="non-recurring")
    currency = models.CharField(max_length=3)
    date_placed = models.DateTimeField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    tags = models.JSONField(default=list, blank=True)
    # "|tag1|tag2|": lets the `tags` filter match one tag exactly with icontains.
    tags_index = models.CharField(max_length=500, blank=True, default="")
    shipping_method = models.CharField(max_length=100)
    shipping_code = models.CharField(max_length=100)
    shipping_excl_tax = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_tax = models.DecimalField(max_digits=12, decimal_places=2)
    total_discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    total_excl_tax = models.DecimalField(max_digits=12, decimal_places=2)
    total_tax = models.DecimalField(max_digits=12, decimal_places=2)
    total_incl_tax = models.DecimalField(max_digits=12, decimal_places=2)
    total_cost = models.DecimalField(max_digits=12, decimal_places=2)
    total_outstanding = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    total_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    payment_method = models.CharField(max_length=32, blank=True)
    coupon_code = models.CharField(max_length=64, blank=True)
    offer = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True)
    fulfillment_location_id = models.PositiveIntegerField(null=True, blank=True)
    billing_address = models.JSONField(null=True, blank=True)
    shipping_address = models.JSONField(null=True, blank=True)
    attribution = models.JSONField(default=dict, blank=True)
    transactions = models.JSONField(default=list, blank=True)
    refunds = models.JSONField(default=list, blank=True)
    fulfillments = models.JSONField(default=list, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Stock allocated to this order's lines (orders placed through the API once paid);
    # canceling it gives the stock back.
    stock_allocated = models.BooleanField(default=False)
    # Lower-cased number, customer name, email and phone: the `search_text` filter.
    search_blob = models.TextField(blank=True, default="")
    # Lower-cased shipping and billing address: the `address` filter.
    address_blob = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="order_unique_number_per_store")]
        indexes = [
            models.Index(fields=["store", "-number"]),
            models.Index(fields=["store", "date_placed"]),
        ]

    def set_tags(self, tags):
        seen = []
        for tag in tags:
            if tag is not None and str(tag) not in seen:
                seen.append(str(tag))
        self.tags = seen
        self.tags_index = tags_index(seen)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT)
    title = models.CharField(max_length=255)
    variant_title = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=64)
    quantity = models.PositiveIntegerField()
    refunded_quantity = models.PositiveIntegerField(default=0)
    unit_price_excl_tax = models.DecimalField(max_digits=12, decimal_places=2)
    unit_tax = models.DecimalField(max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2)
    total_discount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    requires_shipping = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]


class Transaction(models.Model):
    """One payment transaction, as `/transactions/` lists it.

    The order's `transactions` JSON is the source (the order representation embeds it);
    these rows index it (`services.transactions_sync` keeps them in step) so that the
    list can be filtered and paginated. Ids are the ids in that JSON.
    """

    id = models.BigIntegerField(primary_key=True)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="transactions")
    order = models.ForeignKey("Order", null=True, blank=True, on_delete=models.CASCADE, related_name="transaction_rows")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    type = models.CharField(max_length=16)
    status = models.CharField(max_length=16, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    payment_method = models.CharField(max_length=32, blank=True)
    gateway_id = models.IntegerField(null=True, blank=True)
    is_external = models.BooleanField(default=False)
    is_test = models.BooleanField(default=False)
    is_3ds = models.BooleanField(default=False)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    auth_code = models.CharField(max_length=32, null=True, blank=True)
    bankcard_first_six = models.CharField(max_length=6, null=True, blank=True)
    bankcard_last_four = models.CharField(max_length=4, null=True, blank=True)
    date_created = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["store", "-id"]), models.Index(fields=["store", "date_created"])]

    @property
    def record(self) -> dict:
        """This transaction in its order's `transactions` JSON."""
        for record in (self.order.transactions if self.order_id else None) or []:
            if record.get("id") == self.id:
                return record
        return {}


class PaymentSession(models.Model):
    """A redirect payment (PayPal and the like) waiting for the buyer.

    Created with the order; `payment_complete_url` is the sandbox's page for `token`,
    where the buyer approves or cancels. The outcome is then POSTed, form-encoded as
    `response=<json>`, to `return_url` (the order when paid, `{}` when not).
    """

    PENDING, APPROVED, CANCELED = "pending", "approved", "canceled"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="payment_sessions")
    order = models.ForeignKey("Order", on_delete=models.CASCADE, related_name="payment_sessions")
    token = models.CharField(max_length=64, unique=True)
    payment_method = models.CharField(max_length=32)
    return_url = models.URLField(max_length=1000)
    status = models.CharField(max_length=16, default=PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    postback_status = models.PositiveIntegerField(null=True, blank=True)
    postback_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)


class OrderNote(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(StaffUser, null=True, blank=True, on_delete=models.SET_NULL)
    app = models.ForeignKey(APPLICATION_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    message = models.TextField()
    date_created = models.DateTimeField()
    date_updated = models.DateTimeField()

    class Meta:
        ordering = ["-id"]


class TicketType(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["-id"]


class TicketTag(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="ticket_tags")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="ticket_tag_unique_per_store")]


class Ticket(models.Model):
    STATUSES = ["new", "open", "pending", "solved", "closed"]
    PRIORITIES = ["high", "medium", "low"]
    CHANNELS = ["customer_account", "dashboard", "email", "api", "follow_up"]

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="tickets")
    subject = models.CharField(max_length=255)
    status = models.CharField(max_length=16, default="new")
    priority = models.CharField(max_length=16, default="medium")
    channel = models.CharField(max_length=24, default="email")
    requester = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    from_email = models.EmailField(null=True, blank=True)
    assignee = models.ForeignKey(StaffUser, null=True, blank=True, on_delete=models.SET_NULL)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    ticket_type = models.ForeignKey(TicketType, null=True, blank=True, on_delete=models.SET_NULL)
    tags = models.ManyToManyField(TicketTag, blank=True, related_name="tickets")
    products = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["store", "-id"])]


class TicketComment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(StaffUser, null=True, blank=True, on_delete=models.SET_NULL)
    from_email = models.EmailField(null=True, blank=True)
    body = models.TextField(null=True, blank=True)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


# The platform's webhook events, numbered: the `events` filter of /webhooks/ takes these ids.
WEBHOOK_EVENTS = [
    "app.uninstalled",
    "cart.abandoned",
    "customer.created",
    "customer.updated",
    "dispute.created",
    "dispute.updated",
    "export.created",
    "fulfillment.created",
    "fulfillment.updated",
    "gateway.created",
    "gateway.updated",
    "order.created",
    "order.updated",
    "product.created",
    "product.deleted",
    "product.updated",
    "store.updated",
    "subscription.created",
    "subscription.updated",
    "ticket.created",
    "ticket.updated",
    "transaction.created",
    "transaction.updated",
]


class Webhook(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="webhooks")
    app = models.ForeignKey(APPLICATION_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=255, null=True, blank=True)
    target = models.URLField(max_length=255)
    events = models.JSONField(default=list)
    api_version = models.CharField(max_length=16, null=True, blank=True, default=API_VERSION)
    secret_key = models.CharField(max_length=255, null=True, blank=True)
    active = models.BooleanField(default=True)
    warning_count = models.PositiveIntegerField(default=0)
    next_check_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def sign(self, body: bytes) -> str:
        return hmac.new((self.secret_key or "").encode(), body, hashlib.sha256).hexdigest()

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)


class WebhookDelivery(models.Model):
    """One event sent to one webhook: retried with backoff until delivered or given up."""

    PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="deliveries")
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=64)
    target = models.URLField(max_length=255)
    payload = models.TextField()  # the exact body sent (and signed)
    status = models.CharField(max_length=16, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    signature = models.CharField(max_length=64)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]


EXPORT_TYPES = {
    "order_list": "Orders",
    "order_line_items": "Order Line Items",
    "customer_list": "Customers",
    "transaction_list": "Transactions",
    "dispute_list": "Disputes",
    "subscription_list": "Subscriptions",
    "subscription_line_items": "Subscription Line Items",
    "open_cart_list": "Open Carts",
    "open_cart_line_items": "Open Cart Line Items",
    "return_list": "Returns",
    "return_line_items": "Return Line Items",
    "fulfillment_list": "Fulfillments",
    "fulfillment_line_items": "Fulfillment Line Items",
}


class Export(models.Model):
    PENDING, AVAILABLE = "pending", "available"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="exports")
    app = models.ForeignKey(APPLICATION_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    type = models.CharField(max_length=32)
    date_from = models.DateTimeField(null=True, blank=True)
    date_to = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, default=PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField()
    content = models.TextField(blank=True)
    row_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
