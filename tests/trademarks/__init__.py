"""Tests of trademarks."""
