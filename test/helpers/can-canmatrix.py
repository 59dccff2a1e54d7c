"""Decodes CAN frames with python3-canmatrix, a second DBC decoder independent of ours.

stdin: JSON [{"file": path, "frames": [[id, extended, hexdata], ...]}, ...]
stdout: one JSON object per file: {"file", "error"?, "results": [{"signals": {name: text}} | {"error": text}]}
Values are written as text (Decimal and big integers keep their precision).
"""
import json
import math
import sys

import canmatrix
import canmatrix.formats


def text(value):
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return str(value)


def decode_file(job):
    out = {"file": job["file"], "results": []}
    try:
        db = canmatrix.formats.loadp_flat(job["file"])
    except Exception as err:  # canmatrix refuses the file: reported, the test decides
        out["error"] = "%s: %s" % (type(err).__name__, err)
        return out
    for frame_id, extended, data in job["frames"]:
        try:
            frame = db.frame_by_id(canmatrix.ArbitrationId(frame_id, extended=extended))
            if frame is None:
                out["results"].append({"error": "unknown frame"})
                continue
            decoded = frame.decode(bytearray.fromhex(data))
            out["results"].append({"signals": {name: text(sig.phys_value) for name, sig in decoded.items()}})
        except Exception as err:
            out["results"].append({"error": "%s: %s" % (type(err).__name__, err)})
    return out


def main():
    # canmatrix prints diagnostics on stdout; keep stdout for our JSON lines only.
    results = sys.stdout
    sys.stdout = sys.stderr
    for job in json.load(sys.stdin):
        results.write(json.dumps(decode_file(job)) + "\n")
    results.flush()


main()
