#!/usr/bin/env python3
"""The container's health check: healthy when the mock serves its contract at /openapi.json.

That path needs no key and is neither journalled nor touched by faults, so checking every few seconds
leaves no trace in what an importer's test reads. Exit status 0 healthy, 1 not.
"""

import os
import sys
import urllib.error
import urllib.request

URL = f"http://127.0.0.1:{os.environ.get('RISE_MOCK_PORT', '8080')}/openapi.json"


def main() -> int:
    try:
        with urllib.request.urlopen(URL, timeout=2) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"rise-mock is not answering on {URL}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
