"""Writes: plain functions that change something in a store or in Storedesk.

Every service records what it did in the audit log (`dashboard.audit.audit_record`)
once the change has succeeded.
"""
