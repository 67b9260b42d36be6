"""Runs scim2-tester (a SCIM conformance checker from PyPI, written by others) against a
Sightline server: discovery, then creating, reading, searching, replacing, patching and
deleting users and groups with values it makes up from the schemas the server publishes.

  python3 scim_check.py <base URL ending in /scim/v2> <token>

Prints one line per check; exits 1 when any check fails.
"""
import os
import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

base, token = sys.argv[1], sys.argv[2]
hooks = {}
if os.environ.get("SCIM_CHECK_VERBOSE"):
    # Every request and answer, to see what a failing check sent.
    hooks = {
        "request": [lambda r: print(">>", r.method, r.url, r.read()[:600])],
        "response": [lambda r: (r.read(), print("<<", r.status_code, r.text[:600]))],
    }
http = httpx2.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30, event_hooks=hooks)
client = SyncSCIMClient(http)
client.discover()
results = check_server(client, raise_exceptions=False)
failed = 0
for result in results:
    line = f"{result.status.name:8} {result.title}"
    if result.status in (Status.ERROR, Status.CRITICAL):
        failed += 1
        line += f": {result.reason}"
    print(line)
print(f"{len(results)} checks, {failed} failed")
sys.exit(1 if failed else 0)
