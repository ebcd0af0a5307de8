"""Tests of the whole application: routes, access, the API document, the server and CLI."""
