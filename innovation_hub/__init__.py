"""Innovation Hub: the software of a provincial startup and innovation centre."""

import os

# Piccolo finds its engine through this module; set it before any table is used.
os.environ.setdefault("PICCOLO_CONF", "innovation_hub.piccolo_conf")
