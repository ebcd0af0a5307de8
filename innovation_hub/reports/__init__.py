"""Reports: the half-year figures the department files, shared by the page, exports and API."""
