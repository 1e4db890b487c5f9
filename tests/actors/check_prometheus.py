#!/usr/bin/env python3
"""Parses a Prometheus text exposition (format 0.0.4) with the reference
client's parser (prometheus_client.parser.text_string_to_metric_families)
and prints what it found, one line each:

    family <name> <type>
    sample <name>{<label>=<value>,...} <value>

labels sorted by name, values as Python floats (1.0). Reads the file named by
the first argument, or stdin. Exit status 1, with the parser's complaint on
stderr, when the text does not parse. Used by
tests/actors/metrics_endpoint_test.cpp; needs a Python with prometheus_client
(Debian: python3-prometheus-client, for /usr/bin/python3).
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as f:
            text = f.read()
    else:
        text = sys.stdin.read()
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError, IndexError, ...
        print(f"check_prometheus: does not parse: {e!r}", file=sys.stderr)
        return 1
    for family in families:
        print(f"family {family.name} {family.type}")
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            print(f"sample {s.name}{{{labels}}} {s.value!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
