"""``make probe-paynow``: does a PayNow API behave as the emulator's house decisions say?

Each probe (``paynow_probe.probes``) checks one decision of ``paynow_emulator.decisions`` against a
target and the command prints a table: what the API answered and whether it agrees.
"""

import importlib.util
import sys
from pathlib import Path

# The probe uses the layer's client; with only PYTHONPATH=local set, find the layer beside local/.
if importlib.util.find_spec("paynow") is None:
    sys.path.append(str(Path(__file__).resolve().parents[2] / "layers" / "shared"))
