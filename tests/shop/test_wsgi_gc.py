"""gunicorn's application freezes what start-up made (shop/wsgi.py): a full garbage collection
in a web process then walks only what requests left behind, instead of the 200,000 objects of
Django, the apps and every view module (a 100-200 ms stop of the request in hand). Checked in
a fresh interpreter, as a gunicorn worker imports it (importing it here would freeze the test
run's own objects)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import gc, json, sys
import shop.wsgi
frozen = gc.get_freeze_count()
gc.collect()
print(json.dumps({
    "frozen": frozen,
    "views_loaded": "chat.channels.views" in sys.modules and "catalog.views" in sys.modules,
    "tracked_after_start_up": len(gc.get_objects()),
}))
"""


def test_the_wsgi_application_freezes_the_objects_of_start_up_after_loading_the_urlconf():
    # when: a process imports the application, as a gunicorn worker does
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shop.settings", "LOG_LEVEL": "ERROR"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])

    # then: the view modules were imported before the freeze, and the collector no longer
    # tracks start-up's objects (only what was made since)
    assert figures["views_loaded"]
    assert figures["frozen"] > 50_000
    assert figures["tracked_after_start_up"] < figures["frozen"] / 10
