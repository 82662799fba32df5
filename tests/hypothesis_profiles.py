"""Hypothesis profiles: "ci" (thorough, selected when CI is set) and "dev" (quick).

Import this module from property tests; it registers both profiles and loads
"ci" when the ``CI`` environment variable is set, else "dev" (or the profile
named by ``HYPOTHESIS_PROFILE``).
"""

from __future__ import annotations

import os

from hypothesis import settings

CI_EXAMPLES = 1000
DEV_EXAMPLES = 100

# No deadline: a loaded CI machine must not turn slowness into failures.
settings.register_profile(
    "ci", max_examples=CI_EXAMPLES, deadline=None, derandomize=False
)
settings.register_profile("dev", max_examples=DEV_EXAMPLES, deadline=None)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or (
    "ci" if os.environ.get("CI", "").lower() not in ("", "0", "false") else "dev"
)
settings.load_profile(PROFILE)
