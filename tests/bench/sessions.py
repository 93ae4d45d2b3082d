#!/usr/bin/env python3
"""sessions.py BASE_URL LINKS.csv OUT [THREADS]: exchanges each invitation
link of LINKS.csv (mognad invite --out: email,link,language) for a
respondent session as a browser does (GET /s/TOKEN: a cookie and a
redirect), reads the CSRF token from /survey/page/1 and writes one line
"COOKIE CSRF" per session to OUT. Fails on any unexpected answer."""
import csv
import http.client
import re
import sys
import threading
import urllib.parse

base, links_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
nthreads = int(sys.argv[4]) if len(sys.argv) > 4 else 8
u = urllib.parse.urlsplit(base)
with open(links_path, newline="", encoding="utf-8") as f:
    links = [urllib.parse.urlsplit(row["link"]).path for row in csv.DictReader(f)]
results = [None] * len(links)
failed = []


def work(k):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    for i in range(k, len(links), nthreads):
        try:
            conn.request("GET", links[i])
            r = conn.getresponse()
            r.read()
            cookie = None
            for name, value in r.getheaders():
                if name.lower() == "set-cookie" and value.startswith("mognad_r="):
                    cookie = value.split(";", 1)[0].split("=", 1)[1]
            if r.status != 303 or not cookie:
                raise RuntimeError(f"{links[i][:4]}...: status {r.status}, no session cookie")
            conn.request("GET", "/survey/page/1", headers={"Cookie": f"mognad_r={cookie}"})
            r = conn.getresponse()
            page = r.read().decode("utf-8", "replace")
            m = re.search(r'name="csrf" value="([^"]+)"', page)
            if r.status != 200 or not m:
                raise RuntimeError(f"/survey/page/1: status {r.status}, no CSRF token")
            results[i] = f"{cookie} {m.group(1)}"
        except Exception as e:  # noqa: BLE001
            failed.append(str(e))
            return


ts = [threading.Thread(target=work, args=(k,)) for k in range(nthreads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
if failed:
    sys.exit(f"sessions.py: {failed[0]}")
with open(out_path, "w") as f:
    for line in results:
        f.write(line + "\n")
