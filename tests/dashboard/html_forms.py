"""The forms of a page as a browser would submit them: what tests post back, as drawn."""

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self, within: str | None):
        super().__init__(convert_charrefs=True)
        self.within = within
        self.depth = 0 if within else 1  # > 0: inside the element with id `within`
        self.forms: list[dict] = []
        self.form: dict | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.within:
            if self.depth:
                self.depth += tag not in VOID
            elif attrs.get("id") == self.within:
                self.depth = 1
            if not self.depth:
                return
        if tag == "form":
            self.form = {"_action": attrs.get("action") or ""}
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            if attrs.get("type") in ("submit", "button"):
                return
            self.form[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.form[self.select] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs.get("name")
            self.form[self.textarea] = ""

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)  # `<input ... />`: no end tag to count

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if self.within and self.depth:
            self.depth -= 1
            if not self.depth:
                self.form = None
                return
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.form is not None and self.textarea:
            self.form[self.textarea] += data


VOID = {"input", "br", "img", "hr", "meta", "link", "source", "col", "area", "base", "wbr", "embed", "track"}


def forms_of(html: str, within: str | None = None) -> list[dict]:
    """Each form's fields as submitted (selected options, checked boxes, hidden inputs;
    no buttons), in page order, optionally only those inside the element `#within`.
    `_action` is the form's action."""
    parser = _Forms(within)
    parser.feed(html)
    return parser.forms
