#!/usr/bin/env python3
"""Recomputes the AIaaS event chain independently (docs/audit.md). Standard library only.

Input on stdin: one JSON object per line, in global order, each an events row with the chain's
columns (global_position as a decimal string, recorded_at as UTC with microseconds) and its
stored "hash" (hex). Prints "ok <count>" and exits 0, or prints the first broken position and
exits 1.
"""
import hashlib
import json
import sys
from decimal import Decimal

FIELDS = ["data", "global_position", "id", "metadata", "recorded_at",
          "schema_version", "stream", "stream_version", "type"]


def number(value):
    # ECMAScript Number::toString (what the chain's encoder writes; as in RFC 8785): every number
    # is a double, written with its shortest round-trip digits (Python's repr gives the same).
    f = float(value)
    if f == 0:
        return "0"
    sign, digits, exp = Decimal(repr(abs(f))).normalize().as_tuple()
    d = "".join(map(str, digits))
    k, n = len(d), exp + len(d)
    out = ("-" if f < 0 else "")
    if k <= n <= 21:
        return out + d + "0" * (n - k)
    if 0 < n <= 21:
        return out + d[:n] + "." + d[n:]
    if -6 < n <= 0:
        return out + "0." + "0" * -n + d
    e = n - 1
    return out + d[0] + ("." + d[1:] if k > 1 else "") + "e" + ("+" if e > 0 else "-") + str(abs(e))


def canonical(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
    return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(value[k]) for k in keys) + "}"


def main():
    prev = bytes(32)
    count = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        row = json.loads(line)
        event = {k: row[k] for k in FIELDS}
        digest = hashlib.sha256(prev + canonical(event).encode("utf-8")).digest()
        if digest.hex() != row["hash"]:
            print(f"broken at {row['global_position']}: stored {row['hash']} recomputed {digest.hex()}")
            return 1
        prev = digest
        count += 1
    print(f"ok {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
