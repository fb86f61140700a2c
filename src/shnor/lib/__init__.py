"""Helpers of pages and forms that import no app of shnor (the ground floor of docs/development.md):
reading a number from an address (`lookup`), answering 404 for what is out of scope, big selects
(`widgets`). Whatever layer a view or form lives in may use them."""
