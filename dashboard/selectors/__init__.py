"""Reads: plain functions that ask a store (through StoreClient) or the database.

Each takes keyword-only arguments and returns plain data; store errors
(`storeapi.errors.StoreAPIError`) pass through to the view, which shows them in the
part of the page that needed the data.
"""
