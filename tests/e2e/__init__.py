"""Browser journeys: Playwright drives Debian's Chromium against the real app on a loopback port.

Run them with `make e2e` (`.venv/bin/pytest tests/e2e`); plain `.venv/bin/pytest` runs them too.

How a run goes (tests/e2e/conftest.py):
- localstripe starts on a free loopback port, then the app: `innovation-hub demo` loads the demo
  accounts and data into the run's own SQLite file (also when HUB_TEST_POSTGRES_URL is set),
  `tests/e2e/seed.py` adds what the journeys need on top (a study corner open every day, so a
  desk can be booked a few minutes ahead and checked in at any hour, and an enterprise that has
  not applied yet), and `innovation-hub serve` runs it with its jobs: the outbox writes emails as
  .eml files into the run's mail directory, where the journeys read the links. Both processes
  are stopped after the last journey.
- Chromium is /usr/bin/chromium, headless; Playwright never downloads a browser.
- The journeys, one test each: a student registers, confirms the email and books a desk with
  the keyboard alone, then checks in (on a Vietnamese public holiday the centre is closed, and the
  journey checks that the page says so instead); a startup pays for a room and finds it in its
  iCal feed (see test_startup_payment.py for the one step localstripe's Stripe.js cannot do); a
  teacher asks for a research visit and staff approve it; an enterprise applies to the support
  programme and staff decide.
- Every key page gets an axe-core check (node_modules/axe-core): a serious or critical violation
  fails the journey. The end of the run prints one line per page with its violations by impact,
  and writes the details to tests/artifacts/e2e/axe.txt.
- Full-page screenshots go to tests/artifacts/e2e/<page>.png (1280 wide) and <page>-phone.png
  (390 wide; a page wider than the phone fails); a failed journey leaves FAILED-<test>.png.
"""
