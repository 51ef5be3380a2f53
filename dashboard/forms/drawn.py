"""What an edit form was drawn from, carried by the form itself.

An edit form that holds several fields of a store object (a ticket's status, priority,
assignee and tags) is drawn from the object as Storedesk had it then. By the time the
operator changes one field, the store, a colleague or the operator's own reply may have
changed another. Sending every field back would undo those changes; comparing the
form with the store's object *now* would blame the operator for them. So the form
carries, in one signed hidden field, the values it was drawn with and the object's
`updated_at` then: what the operator changed is what differs from that, and what
changed meanwhile is what differs between that and the store's object now
(`dashboard.services.edits`).

Signed so that a form out of date or tampered with is refused plainly ("reload")
rather than compared against values nobody drew; the values are not secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core import signing

SALT = "dashboard.forms.drawn"
OUT_OF_DATE = "This form is out of date. Reload the page and make your change again."


@dataclass(frozen=True)
class Drawn:
    kind: str  # "ticket", ...
    object_id: str
    values: dict  # the editable fields as the store showed them when the form was drawn
    version: str | None  # the object's `updated_at` then

    def as_object(self) -> dict:
        """The object as the form showed it: its edited fields and `updated_at`."""
        return {**self.values, "updated_at": self.version}

    def token(self) -> str:
        payload = {"k": self.kind, "id": self.object_id, "v": self.values, "at": self.version}
        return signing.dumps(payload, salt=SALT, compress=True)

    @classmethod
    def from_token(cls, token: str, *, kind: str) -> Drawn | None:
        """The Drawn a `token()` of `kind` holds, or None."""
        try:
            payload = signing.loads(token, salt=SALT)
        except signing.BadSignature:
            return None
        if not isinstance(payload, dict) or payload.get("k") != kind or not isinstance(payload.get("v"), dict):
            return None
        version = payload.get("at")
        return cls(
            kind=kind,
            object_id=str(payload.get("id")),
            values=payload["v"],
            version=version if isinstance(version, str) else None,
        )


class DrawnField(forms.CharField):
    """The hidden field holding a form's Drawn; cleaned to a `Drawn`."""

    widget = forms.HiddenInput
    default_error_messages = {"required": OUT_OF_DATE, "invalid": OUT_OF_DATE}

    # A few hundred characters in practice; anything far longer was not drawn here.
    longest = 8000

    def __init__(self, *, kind: str, **kwargs):
        super().__init__(**kwargs)
        self.kind = kind

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        drawn = Drawn.from_token(text, kind=self.kind) if len(text) <= self.longest else None
        if drawn is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return drawn
