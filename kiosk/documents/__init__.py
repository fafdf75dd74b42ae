"""Printable documents (PDF): the notice for parents, release and police handover receipts."""
