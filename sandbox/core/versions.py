"""The Admin API versions the sandbox knows (the `X-29Next-Api-Version` header, a webhook's
`api_version`)."""

# The version the sandbox implements (sandbox/openapi/admin-api-2024-04-01.yaml): what it
# answers with, and what a request or webhook without a version gets.
API_VERSION = "2024-04-01"
# Versions the platform accepts; the sandbox answers all of them with API_VERSION's shapes.
KNOWN_VERSIONS = (API_VERSION, "2023-02-10", "unstable")
