"""Shared plumbing. Nothing in here imports a domain package."""
