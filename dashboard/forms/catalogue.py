"""Filters of the catalogue pages (read only: the catalogue is not edited here)."""

from __future__ import annotations

from django import forms

from .fields import ChoicesDropdown, ValuesField, ValuesInput
from .filters import YES_NO_ANY, FilterForm


class ProductFilterForm(FilterForm):
    """A store's products: the platform's `products/` filters that mean something without
    the store's own ids (`category` and `range` are ids of lists Storedesk cannot read)."""

    title = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Words of the title"}),
    )
    sku = ValuesField(
        label="SKU",
        required=False,
        max_length=500,
        widget=ValuesInput(attrs={"placeholder": "SD-HEADLAMP-3-022"}),
        help_text="Comma separated; whole SKUs, any case.",
    )
    is_public = forms.ChoiceField(label="Public", required=False, choices=YES_NO_ANY)
    is_gift_card = forms.ChoiceField(label="Gift card", required=False, choices=YES_NO_ANY)


class CatalogueSearchForm(forms.Form):
    """`/products/`: a SKU or words of a title, in every store (or the chosen ones)."""

    q = forms.CharField(
        label="SKU or title",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": "SD-ORGANICCOT-008, rain jacket", "autofocus": True}
        ),
    )

    def __init__(self, *args, store_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stores"] = forms.MultipleChoiceField(
            label="Stores", required=False, choices=list(store_choices), widget=ChoicesDropdown
        )

    def query(self) -> str:
        if not self.is_valid():
            return ""
        return " ".join(self.cleaned_data["q"].split())

    def selected_stores(self) -> list[str]:
        if not self.is_bound:
            return []
        self.is_valid()
        return [] if "stores" in self.errors else list(self.cleaned_data.get("stores") or [])


LEVEL_CHOICES = [("", "Low and out"), ("out_of_stock", "Out of stock"), ("low_stock", "Low")]


class LowStockFilterForm(forms.Form):
    stores = forms.MultipleChoiceField(label="Stores", required=False, choices=(), widget=ChoicesDropdown)
    level = forms.ChoiceField(label="Stock", required=False, choices=LEVEL_CHOICES)

    def __init__(self, *args, store_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stores"].choices = list(store_choices)

    def value(self, name: str):
        if not self.is_bound:
            return None
        self.is_valid()
        return None if name in self.errors else self.cleaned_data.get(name)
