from django.utils.functional import SimpleLazyObject


def job_notices(request):
    """`job_notice` for the notice area of base.html: queried only when a full page
    renders it (one small query), never for htmx partials."""
    user = getattr(request, "user", None)
    if user is None or getattr(request, "htmx", False):
        return {}

    def load():
        from .jobs.selectors import job_notices_take

        return job_notices_take(operator=user)

    return {"job_notice": SimpleLazyObject(load)}


def payment_notices(request):
    """`payment_notice` for the notice area of base.html: payment links of the
    operator's phone orders that were paid or failed. Queried only when a full page
    renders it (one small query), never for htmx partials."""
    user = getattr(request, "user", None)
    if user is None or getattr(request, "htmx", False):
        return {}

    def load():
        from .selectors.phone_orders import phone_order_notices_take

        return phone_order_notices_take(operator=user)

    return {"payment_notice": SimpleLazyObject(load)}
