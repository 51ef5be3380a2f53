"""What several browser tests need."""

# A function, not an expression: Playwright polls an expression with eval(), which the
# page's Content-Security-Policy (no 'unsafe-eval') refuses once the first check fails.
HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"


def htmx_settled(page) -> None:
    """Wait until htmx has finished its requests and swaps. New content is live only
    once settled (htmx binds its triggers then, about 20 ms after the swap): a change
    made to a just-swapped form before that would be lost, as a person never could."""
    page.wait_for_function(HTMX_IDLE)
