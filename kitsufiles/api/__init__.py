"""Zou-style HTTP plumbing shared by every app: JSON rendering, errors, auth, CRUD resources."""
