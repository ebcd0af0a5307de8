"""Trademark-registration guidance."""
