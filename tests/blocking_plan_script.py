"""Scripted replies for the Ctrl-C test of a blocked planning call
(``scripted:tests.blocking_plan_script:script``): the Architect's call blocks its worker thread
for 120 s, as a synchronous HTTP read from a slow local server does."""

import time

from tests.scripted import Script, plan


def _slow_plan(request):
    time.sleep(120)
    return plan(("a", "coder"))


script = Script(classification={"agent": "architect", "is_atomic": False, "confidence": "high"},
                plans=[_slow_plan])
