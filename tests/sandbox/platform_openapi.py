"""The official Admin API document (2024-04-01), loaded for contract tests.

`sandbox/openapi/admin-api-2024-04-01.yaml` is a verbatim copy of the published
document (`../shared/platform/`), kept in the repository so that CI has it;
`test_contract.py` checks the copy is unchanged when the shared one is reachable.

Three things are read into it in memory, each the document's own intent:

1. It is OpenAPI 3.1 but marks 79 schemas with the OpenAPI 3.0 keyword `nullable: true`
   (drf-spectacular output), which 3.1 validators ignore. The lists' `next`/`previous`,
   for one, are null on the last page, as the platform documents. `nullable: true` is
   turned into the 3.1 form (`type: [..., "null"]`).
2. It documents no error responses. Every operation gets a `default` response in the
   platform's error shape (DRF): `{"detail": "..."}`, or field errors
   `{"field": ["message", ...]}` (nested serializers nest them), so error responses are validated too.
3. `GET /users/{id}/orders/` is documented as one `UserOrderInline` object although it
   is "a list of orders in an existing customer" (an unpaginated DRF action); the
   sandbox answers a JSON array, validated item by item against `UserOrderInline`.

4. Query parameters (or their list items) typed `[string, "null"]` (`sku`, `funnels`,
   `sources`, `agents` of /orders/, `language` of /users/) are read as `string`: a query
   string has no null, and openapi-core 0.23 cannot cast the two-type form. Only our
   requests' parameters are checked with these; responses are untouched by it.

The document also names one schema `'Product '` (trailing space): it is loaded with
the document check off (`Config(spec_validator_cls=None)`).
"""

import copy
import functools
from pathlib import Path
from urllib.parse import urlparse

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DOCUMENT = BASE_DIR / "sandbox" / "openapi" / "admin-api-2024-04-01.yaml"
SHARED_CANDIDATES = [
    BASE_DIR.parent / "shared" / "platform" / "admin-api-2024-04-01.yaml",
    BASE_DIR.parent.parent / "shared" / "platform" / "admin-api-2024-04-01.yaml",
]

ERROR_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "required": ["detail"],
            "properties": {"detail": {"type": "string"}},
            "additionalProperties": False,
        },
        {
            "type": "object",
            "minProperties": 1,
            "not": {"required": ["detail"], "properties": {"detail": {"type": "string"}}},
            # DRF: a list of messages, or the nested errors of a nested serializer.
            "additionalProperties": {"type": ["array", "object"], "minItems": 1, "minProperties": 1},
        },
    ]
}


@functools.cache
def raw_document() -> dict:
    with DOCUMENT.open("rb") as fh:
        return yaml.load(fh, Loader=yaml.CSafeLoader)


def _honour_nullable(node):
    if isinstance(node, dict):
        if node.get("nullable") is True:
            node.pop("nullable")
            kind = node.get("type")
            if isinstance(kind, str):
                node["type"] = [kind, "null"]
            elif isinstance(kind, list):
                if "null" not in kind:
                    kind.append("null")
            else:
                inner = dict(node)
                node.clear()
                node["oneOf"] = [inner, {"type": "null"}]
        for value in list(node.values()):
            _honour_nullable(value)
    elif isinstance(node, list):
        for value in node:
            _honour_nullable(value)


@functools.cache
def document() -> dict:
    spec = copy.deepcopy(raw_document())
    _honour_nullable(spec)
    user_orders = spec["paths"]["/users/{id}/orders/"]["get"]["responses"]["200"]["content"]["application/json"]
    user_orders["schema"] = {"type": "array", "items": {"$ref": "#/components/schemas/UserOrderInline"}}
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                for parameter in operation.get("parameters", []):
                    schema = parameter.get("schema", {})
                    for node in (schema, schema.get("items", {})):
                        if parameter["in"] == "query" and isinstance(node.get("type"), list):
                            node["type"] = next(t for t in node["type"] if t != "null")
                            if "enum" in node:
                                node["enum"] = [v for v in node["enum"] if v is not None]
                operation["responses"].setdefault(
                    "default",
                    {"description": "An error", "content": {"application/json": {"schema": ERROR_SCHEMA}}},
                )
    return spec


@functools.cache
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(document(), config=Config(spec_validator_cls=None))


class PlatformRequest(RequestsOpenAPIRequest):
    """A request to the sandbox, seen as the same request to the platform.

    `http://127.0.0.1:PORT/acme/api/admin/orders/` is `https://acme.29next.store/api/admin/orders/`.
    """

    @property
    def host_url(self) -> str:
        return f"https://{self._url_parsed.path.split('/')[1]}.29next.store"

    @property
    def path(self) -> str:
        return "/" + self._url_parsed.path.split("/", 2)[2]


def operation_id(method: str, url: str) -> str:
    """The document's operationId for a sandbox URL."""
    path = "/" + urlparse(url).path.split("/", 4)[4]
    spec = document()
    for template, item in spec["paths"].items():
        parts, candidate = template.strip("/").split("/"), path.strip("/").split("/")
        if len(parts) == len(candidate) and all(
            p == c or (p.startswith("{") and p.endswith("}")) for p, c in zip(parts, candidate, strict=True)
        ):
            operation = item.get(method.lower())
            if operation:
                return operation["operationId"]
    raise KeyError(f"{method} {path} is not in the document")
