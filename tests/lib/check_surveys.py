#!/usr/bin/env python3
"""check_surveys: validates survey definition files (surveys/*.json).

    python3 tests/lib/check_surveys.py FILE...

Checks every rule of surveys/README.md and prints one line per problem,
"FILE: $.json.path: problem", exiting 1 when there is any (2 on bad usage).

Three layers of checks:
  - the format, for every file: fields, types, key syntax, unique keys,
    references, ordered thresholds, all four languages non-empty in every
    text, a correct answer among the options, each base service at most once;
  - the content of mognad's two standard surveys, for files whose `key` is
    "staff" or "manager": the fixed area keys, item counts, one frequency
    item per base service, the choice questions, the manager's extra areas;
  - across files: the `manager` survey must contain every area and item of
    the `staff` survey of the same version, when both are given,
    identically (and the same scales, levels and languages), so both
    audiences are scored alike.
A light spelling lint flags words of the wrong written language
(Bokmål words in Nynorsk text and the other way round, Norwegian words
in Swedish text, Nordic letters in English text).

Python 3 standard library only.
"""
import json
import math
import re
import sys

LANGS = ("sv", "nb", "nn", "en")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
AREA_KEY_MAX = 40
ITEM_KEY_MAX = 64
SERVICES = ("e_signature", "secure_messaging", "digital_meetings", "strong_auth", "digital_mail")
KINDS = ("skill", "knowledge", "attitude")
SCALE_POINTS = {"skill": 4, "knowledge": 4, "attitude": 5, "frequency": 5}

TOP_FIELDS = ("key", "version", "audience", "languages", "title", "intro", "minutes",
              "scales", "levels", "areas", "items")
ITEM_FIELDS = {
    "likert": {"required": ("key", "area", "type", "kind", "scale", "text", "dont_know"),
               "optional": ("reverse", "help")},
    "frequency": {"required": ("key", "area", "type", "kind", "scale", "service", "text", "dont_know"),
                  "optional": ("reverse", "help")},
    "choice": {"required": ("key", "area", "type", "kind", "text", "options", "correct", "dont_know"),
               "optional": ("reverse", "help")},
}

# Words that exist in one written language and not in another, for the lint.
NOT_NYNORSK = {"jeg", "ikke", "hva", "hvordan", "hvorfor", "hvor", "hvem", "hvilke", "hvilken",
               "hvis", "noen", "noe", "mye", "bare", "fra", "selv", "dem", "hjemme", "virksomhet",
               "virksomheten", "tjeneste", "tjenester", "tjenestene", "enheten", "enhet", "mer",
               "hun"}
NOT_BOKMAL = {"eg", "ikkje", "kva", "korleis", "kvifor", "kvar", "kven", "nokon", "noko",
              "nokre", "mykje", "berre", "frå", "sjølv", "dei", "ein", "eit", "ho", "heime",
              "verksemd", "verksemda", "teneste", "tenester", "tenestene", "eininga", "meir",
              "gjere", "vere", "kome", "dømes"}
NOT_SWEDISH = {"ikke", "ikkje", "jeg", "eg", "hva", "kva", "hvordan", "korleis", "og", "ein",
               "eit", "hvis", "berre", "bare"}
FOREIGN_LETTERS = {"sv": "æø", "nb": "äö", "nn": "äö", "en": "åäöæø"}

WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


class Checker:
    def __init__(self, fname):
        self.fname = fname
        self.errors = []

    def err(self, path, problem):
        self.errors.append(f"{self.fname}: {path}: {problem}")

    # -- primitive checks; each returns True when the value is usable

    def obj(self, v, path):
        if not isinstance(v, dict):
            self.err(path, f"must be an object, not {jtype(v)}")
            return False
        return True

    def arr(self, v, path, min_len=0):
        if not isinstance(v, list):
            self.err(path, f"must be an array, not {jtype(v)}")
            return False
        if len(v) < min_len:
            self.err(path, f"must have at least {min_len} entr{'y' if min_len == 1 else 'ies'}")
        return True

    def string(self, v, path):
        if not isinstance(v, str):
            self.err(path, f"must be a string, not {jtype(v)}")
            return False
        return True

    def integer(self, v, path, minimum=None):
        if isinstance(v, bool) or not isinstance(v, int):
            self.err(path, f"must be an integer, not {jtype(v)}")
            return False
        if minimum is not None and v < minimum:
            self.err(path, f"must be at least {minimum}, is {v}")
            return False
        return True

    def boolean(self, v, path):
        if not isinstance(v, bool):
            self.err(path, f"must be true or false, not {jtype(v)}")
            return False
        return True

    def key(self, v, path, maxlen):
        if not self.string(v, path):
            return False
        if not KEY_RE.match(v):
            self.err(path, f"key {v!r} must match [a-z][a-z0-9_]*")
            return False
        if len(v) > maxlen:
            self.err(path, f"key {v!r} is longer than {maxlen} characters")
            return False
        return True

    def fields(self, o, path, required, optional=()):
        ok = True
        for f in required:
            if f not in o:
                self.err(path, f"missing field {f!r}")
                ok = False
        for f in o:
            if f not in required and f not in optional:
                self.err(f"{path}.{f}", "unknown field")
        return ok

    def text(self, v, path):
        """A text object: exactly the four languages, each a non-empty string."""
        if not self.obj(v, path):
            return
        for lang in LANGS:
            if lang not in v:
                self.err(path, f"missing language {lang!r}")
        for lang, s in v.items():
            p = f"{path}.{lang}"
            if lang not in LANGS:
                self.err(p, "unknown language (allowed: sv, nb, nn, en)")
                continue
            if not self.string(s, p):
                continue
            if not s.strip():
                self.err(p, "empty text")
                continue
            if s != s.strip():
                self.err(p, "leading or trailing white space")
            if "  " in s:
                self.err(p, "double space")
            self.lint(lang, s, p)

    def lint(self, lang, s, path):
        for ch in FOREIGN_LETTERS[lang]:
            if ch in s.lower():
                self.err(path, f"language: letter {ch!r} does not belong in {lang!r} text")
        words = {w.lower() for w in WORD_RE.findall(s)}
        wrong = {"nn": NOT_NYNORSK, "nb": NOT_BOKMAL, "sv": NOT_SWEDISH}.get(lang, set())
        for w in sorted(words & wrong):
            self.err(path, f"language: {w!r} is not {lang!r}")

    # -- the survey

    def survey(self, s):
        if not self.obj(s, "$"):
            return
        self.fields(s, "$", TOP_FIELDS)
        if "key" in s:
            self.key(s["key"], "$.key", AREA_KEY_MAX)
        if "version" in s:
            self.integer(s["version"], "$.version", 1)
        if "audience" in s and s["audience"] not in ("staff", "manager"):
            self.err("$.audience", "must be \"staff\" or \"manager\"")
        if "languages" in s:
            self.languages(s["languages"])
        for f in ("title", "intro"):
            if f in s:
                self.text(s[f], f"$.{f}")
        if "intro" in s and isinstance(s["intro"], dict):
            for lang, t in s["intro"].items():
                if isinstance(t, str) and t.strip():
                    n = len(re.findall(r"[.!?](\s|$)", t.strip()))
                    if not 2 <= n <= 4:
                        self.err(f"$.intro.{lang}", f"should be 2-4 sentences, has {n}")
        if "minutes" in s:
            self.integer(s["minutes"], "$.minutes", 1)
        scales = self.scales(s.get("scales"))
        levels = self.levels(s.get("levels"))
        areas = self.areas(s.get("areas"), levels, s.get("audience"))
        self.items(s.get("items"), areas, scales)

    def languages(self, v):
        if not self.arr(v, "$.languages"):
            return
        for i, lang in enumerate(v):
            if lang not in LANGS:
                self.err(f"$.languages[{i}]", f"unknown language {lang!r}")
        if len(set(map(str, v))) != len(v):
            self.err("$.languages", "duplicate language")
        if sorted(map(str, v)) != sorted(LANGS):
            self.err("$.languages", "must list exactly sv, nb, nn and en")

    def scales(self, v):
        """Returns {scale name: [point values]} of the usable scales."""
        out = {}
        if v is None or not self.obj(v, "$.scales"):
            return out
        for name in SCALE_POINTS:
            if name not in v:
                self.err("$.scales", f"missing scale {name!r}")
        for name, sc in v.items():
            p = f"$.scales.{name}"
            if name not in SCALE_POINTS:
                self.err(p, "unknown scale (allowed: skill, knowledge, attitude, frequency)")
                continue
            if not self.obj(sc, p):
                continue
            self.fields(sc, p, ("points", "dont_know") + (("regular_from",) if name == "frequency" else ()))
            values = []
            if "points" in sc and self.arr(sc["points"], f"{p}.points", 2):
                pts = sc["points"]
                if len(pts) != SCALE_POINTS[name]:
                    self.err(f"{p}.points", f"the {name} scale must have {SCALE_POINTS[name]} points, has {len(pts)}")
                labels = {lang: set() for lang in LANGS}
                for i, pt in enumerate(pts):
                    pp = f"{p}.points[{i}]"
                    if not self.obj(pt, pp):
                        continue
                    self.fields(pt, pp, ("value", "label"))
                    if "value" in pt and self.integer(pt["value"], f"{pp}.value"):
                        if values and pt["value"] <= values[-1]:
                            self.err(f"{pp}.value", f"values must be strictly increasing ({pt['value']} after {values[-1]})")
                        values.append(pt["value"])
                    if "label" in pt:
                        self.text(pt["label"], f"{pp}.label")
                        if isinstance(pt["label"], dict):
                            for lang in LANGS:
                                lab = pt["label"].get(lang)
                                if isinstance(lab, str):
                                    if lab in labels[lang]:
                                        self.err(f"{pp}.label.{lang}", f"same label as another point: {lab!r}")
                                    labels[lang].add(lab)
            if "dont_know" in sc:
                self.text(sc["dont_know"], f"{p}.dont_know")
            if name == "frequency" and "regular_from" in sc:
                rf = sc["regular_from"]
                if self.integer(rf, f"{p}.regular_from") and values:
                    if rf not in values:
                        self.err(f"{p}.regular_from", f"{rf} is not a value of the scale")
                    elif rf == values[0]:
                        self.err(f"{p}.regular_from", "must be above the lowest value (\"never\")")
            if len(values) >= 2 and len(values) == len(sc.get("points", [])):
                out[name] = values
        return out

    def levels(self, v):
        """Returns the list of level keys."""
        keys = []
        if v is None or not self.arr(v, "$.levels", 1):
            return keys
        prev = None
        for i, lv in enumerate(v):
            p = f"$.levels[{i}]"
            if not self.obj(lv, p):
                continue
            self.fields(lv, p, ("key", "from", "name", "description"))
            if "key" in lv and self.key(lv["key"], f"{p}.key", AREA_KEY_MAX):
                if lv["key"] in keys:
                    self.err(f"{p}.key", f"duplicate level key {lv['key']!r}")
                keys.append(lv["key"])
            if "from" in lv:
                f = lv["from"]
                if isinstance(f, bool) or not isinstance(f, (int, float)) or not math.isfinite(f):
                    self.err(f"{p}.from", f"must be a number, not {jtype(f)}")
                else:
                    if i == 0 and f != 0:
                        self.err(f"{p}.from", "the first level must start from 0")
                    if not 0 <= f < 100:
                        self.err(f"{p}.from", f"must be at least 0 and below 100, is {f}")
                    if prev is not None and f <= prev:
                        self.err(f"{p}.from", f"thresholds must be strictly increasing ({f} after {prev})")
                    prev = f
            for t in ("name", "description"):
                if t in lv:
                    self.text(lv[t], f"{p}.{t}")
        return keys

    def areas(self, v, level_keys, audience):
        """Returns {area key: scope}."""
        out = {}
        if v is None or not self.arr(v, "$.areas", 1):
            return out
        for i, a in enumerate(v):
            p = f"$.areas[{i}]"
            if not self.obj(a, p):
                continue
            self.fields(a, p, ("key", "scope", "weight", "name", "description", "suggestions"))
            scope = a.get("scope")
            if "scope" in a:
                if scope not in ("individual", "organisation"):
                    self.err(f"{p}.scope", "must be \"individual\" or \"organisation\"")
                elif scope == "organisation" and audience == "staff":
                    self.err(f"{p}.scope", "organisation areas belong in the manager survey only")
            if "key" in a and self.key(a["key"], f"{p}.key", AREA_KEY_MAX):
                if a["key"] in out:
                    self.err(f"{p}.key", f"duplicate area key {a['key']!r}")
                out[a["key"]] = scope
            if "weight" in a:
                w = a["weight"]
                if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
                    self.err(f"{p}.weight", f"must be a number, not {jtype(w)}")
                elif w <= 0:
                    self.err(f"{p}.weight", f"must be above 0, is {w}")
            for t in ("name", "description"):
                if t in a:
                    self.text(a[t], f"{p}.{t}")
            sg = a.get("suggestions")
            if sg is not None and self.obj(sg, f"{p}.suggestions"):
                for lk in level_keys:
                    if lk not in sg:
                        self.err(f"{p}.suggestions", f"missing suggestions for level {lk!r}")
                for lk, lst in sg.items():
                    pp = f"{p}.suggestions.{lk}"
                    if lk not in level_keys:
                        self.err(pp, "not a level key")
                    if not self.arr(lst, pp, 1):
                        continue
                    if len(lst) > 3:
                        self.err(pp, f"at most 3 suggestions per level, has {len(lst)}")
                    for j, t in enumerate(lst):
                        self.text(t, f"{pp}[{j}]")
        if out and "individual" not in out.values():
            self.err("$.areas", "needs at least one individual area (the maturity index is made of them)")
        return out

    def items(self, v, areas, scales):
        if v is None or not self.arr(v, "$.items", 1):
            return
        keys = {}
        services = {}
        per_area = {k: 0 for k in areas}
        for i, it in enumerate(v):
            p = f"$.items[{i}]"
            if not self.obj(it, p):
                continue
            typ = it.get("type")
            if typ not in ITEM_FIELDS:
                self.err(f"{p}.type", "must be \"likert\", \"frequency\" or \"choice\"")
                self.fields(it, p, ("key", "area", "type", "kind", "text", "dont_know"),
                            ("scale", "service", "options", "correct", "reverse", "help"))
            else:
                self.fields(it, p, ITEM_FIELDS[typ]["required"], ITEM_FIELDS[typ]["optional"])
            if "key" in it and self.key(it["key"], f"{p}.key", ITEM_KEY_MAX):
                if it["key"] in keys:
                    self.err(f"{p}.key", f"duplicate item key {it['key']!r} (first at $.items[{keys[it['key']]}])")
                else:
                    keys[it["key"]] = i
            if "area" in it and self.string(it["area"], f"{p}.area"):
                if it["area"] not in areas:
                    self.err(f"{p}.area", f"no area with key {it['area']!r}")
                else:
                    per_area[it["area"]] += 1
            kind = it.get("kind")
            if "kind" in it and kind not in KINDS:
                self.err(f"{p}.kind", "must be \"skill\", \"knowledge\" or \"attitude\"")
            if "text" in it:
                self.text(it["text"], f"{p}.text")
            if "help" in it:
                self.text(it["help"], f"{p}.help")
            if "dont_know" in it:
                self.boolean(it["dont_know"], f"{p}.dont_know")
            rev = it.get("reverse", False)
            if "reverse" in it and self.boolean(rev, f"{p}.reverse") and rev and typ != "likert":
                self.err(f"{p}.reverse", "only likert items can be reversed")

            if typ == "likert":
                sc = it.get("scale")
                if "scale" in it and kind in KINDS and sc != kind:
                    self.err(f"{p}.scale", f"a {kind} item uses the {kind!r} scale, not {sc!r}")
                if isinstance(sc, str) and sc in SCALE_POINTS and sc not in scales:
                    self.err(f"{p}.scale", f"scale {sc!r} is missing or invalid")
                if kind == "knowledge" and it.get("dont_know") is True:
                    self.err(f"{p}.dont_know", "knowledge statements offer no \"don't know\": "
                             "the scale's lowest point already says \"I do not know this\"")
            elif typ == "frequency":
                if "scale" in it and it["scale"] != "frequency":
                    self.err(f"{p}.scale", "a frequency item uses the \"frequency\" scale")
                if "kind" in it and kind != "skill":
                    self.err(f"{p}.kind", "a frequency item is of kind \"skill\"")
                svc = it.get("service")
                if "service" in it:
                    if svc not in SERVICES:
                        self.err(f"{p}.service", f"unknown service {svc!r} (allowed: {', '.join(SERVICES)})")
                    elif svc in services:
                        self.err(f"{p}.service", f"service {svc!r} already asked at $.items[{services[svc]}]")
                    else:
                        services[svc] = i
            elif typ == "choice":
                if "kind" in it and kind != "knowledge":
                    self.err(f"{p}.kind", "a choice item is of kind \"knowledge\"")
                opts = it.get("options")
                okeys = []
                if opts is not None and self.arr(opts, f"{p}.options"):
                    if not 3 <= len(opts) <= 4:
                        self.err(f"{p}.options", f"must have 3 or 4 options, has {len(opts)}")
                    for j, o in enumerate(opts):
                        pp = f"{p}.options[{j}]"
                        if not self.obj(o, pp):
                            continue
                        self.fields(o, pp, ("key", "label"))
                        if "key" in o and self.key(o["key"], f"{pp}.key", ITEM_KEY_MAX):
                            if o["key"] in okeys:
                                self.err(f"{pp}.key", f"duplicate option key {o['key']!r}")
                            okeys.append(o["key"])
                        if "label" in o:
                            self.text(o["label"], f"{pp}.label")
                if "correct" in it and self.string(it["correct"], f"{p}.correct") and okeys:
                    if it["correct"] not in okeys:
                        self.err(f"{p}.correct", f"{it['correct']!r} is not one of the option keys")
        for a, n in per_area.items():
            if n == 0:
                self.err("$.items", f"area {a!r} has no items")


# -- content of the standard surveys ------------------------------------------

STAFF_AREAS = ("information", "communication", "content", "safety", "problem_solving",
               "base_services", "ai", "confidence")
CHOICE_AREAS = ("safety", "information", "ai", "base_services")


def check_content(c, s):
    if not isinstance(s, dict) or not isinstance(s.get("areas"), list) or not isinstance(s.get("items"), list):
        return
    key = s.get("key")
    areas = {a.get("key"): a for a in s["areas"] if isinstance(a, dict)}
    items = [it for it in s["items"] if isinstance(it, dict)]
    index = {id(it): i for i, it in enumerate(s["items"])}

    def at(it):
        return f"$.items[{index[id(it)]}]"

    by_area = {}
    for it in items:
        by_area.setdefault(it.get("area"), []).append(it)

    if s.get("audience") != key:
        c.err("$.audience", f"the {key} survey has audience {key!r}")
    if s.get("version") != 1:
        c.err("$.version", "the standard surveys are at version 1")
    for a in STAFF_AREAS:
        if a not in areas:
            c.err("$.areas", f"missing the staff area {a!r}")
        elif areas[a].get("scope") != "individual":
            c.err("$.areas", f"area {a!r} must have scope \"individual\"")
    extra = {"staff": (), "manager": ("leading_change", "org_capability", "org_legacy")}[key]
    for a in areas:
        if a not in STAFF_AREAS and a not in extra:
            c.err("$.areas", f"area {a!r} does not belong in the {key} survey")

    staff_items = [it for it in items if it.get("area") in STAFF_AREAS]
    if not 38 <= len(staff_items) <= 44:
        c.err("$.items", f"38-44 items in the staff areas, has {len(staff_items)}")
    freq = [it for it in staff_items if it.get("type") == "frequency"]
    if len(freq) != 5:
        c.err("$.items", f"exactly 5 frequency items, has {len(freq)}")
    svcs = {it.get("service") for it in freq}
    for svc in SERVICES:
        if svc not in svcs:
            c.err("$.items", f"no frequency item for the service {svc!r}")
    for it in freq:
        if it.get("area") != "base_services":
            c.err(f"{at(it)}.area", "frequency items belong in base_services")
    choices = [it for it in staff_items if it.get("type") == "choice"]
    if not 4 <= len(choices) <= 5:
        c.err("$.items", f"4-5 choice items, has {len(choices)}")
    for a in CHOICE_AREAS:
        if not any(it.get("area") == a for it in choices):
            c.err("$.items", f"no choice question in area {a!r}")
    for it in choices:
        if it.get("area") not in CHOICE_AREAS:
            c.err(f"{at(it)}.area", f"choice items belong in {', '.join(CHOICE_AREAS)}")
    kinds = [it.get("kind") for it in staff_items if it.get("type") == "likert"]
    if kinds.count("skill") <= max(kinds.count("knowledge"), kinds.count("attitude")):
        c.err("$.items", "skill items should be the most common kind")
    if not any(it.get("kind") == "attitude" and it.get("reverse") for it in staff_items):
        c.err("$.items", "no reversed attitude item")
    for a in STAFF_AREAS:
        if a in areas and not by_area.get(a):
            c.err("$.items", f"area {a!r} has no items")

    if key == "manager":
        want = {"leading_change": ("individual", 8, 10), "org_capability": ("organisation", 5, 6),
                "org_legacy": ("organisation", 4, 5)}
        for a, (scope, lo, hi) in want.items():
            if a not in areas:
                c.err("$.areas", f"missing the manager area {a!r}")
                continue
            if areas[a].get("scope") != scope:
                c.err("$.areas", f"area {a!r} must have scope {scope!r}")
            n = len(by_area.get(a, []))
            if not lo <= n <= hi:
                c.err("$.items", f"area {a!r} needs {lo}-{hi} items, has {n}")
        for a in ("org_capability", "org_legacy"):
            for it in by_area.get(a, []):
                if it.get("type") != "likert" or it.get("kind") != "attitude":
                    c.err(at(it), f"items of {a} are likert attitude items")
                en = it["text"].get("en", "") if isinstance(it.get("text"), dict) else ""
                if not isinstance(en, str) or not en.startswith("In my unit"):
                    c.err(f"{at(it)}.text.en", "items of organisation areas start with \"In my unit\"")
                if bool(it.get("reverse")) != (a == "org_legacy"):
                    c.err(f"{at(it)}.reverse", f"must be {str(a == 'org_legacy').lower()} in {a}")


def check_manager_has_staff(c, manager, staff, staff_name):
    for f in ("scales", "levels", "languages"):
        if manager.get(f) != staff.get(f):
            c.err(diff_path(manager.get(f, Missing), staff.get(f, Missing), f"$.{f}"),
                  f"differs from {staff_name}")
    for f in ("areas", "items"):
        mine = {}
        for i, x in enumerate(manager.get(f) or []):
            if isinstance(x, dict) and isinstance(x.get("key"), str):
                mine.setdefault(x["key"], i)
        for x in staff.get(f) or []:
            if not isinstance(x, dict):
                continue
            k = x.get("key")
            if k not in mine:
                c.err(f"$.{f}", f"missing {f[:-1]} {k!r} of {staff_name}")
                continue
            i = mine[k]
            if manager[f][i] != x:
                c.err(diff_path(manager[f][i], x, f"$.{f}[{i}]"),
                      f"differs from {f[:-1]} {k!r} of {staff_name}")


def diff_path(a, b, path):
    """The first JSON path where a and b differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(b) + [k for k in a if k not in b]:
            if a.get(k, Missing) != b.get(k, Missing):
                return diff_path(a.get(k, Missing), b.get(k, Missing), f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return diff_path(x, y, f"{path}[{i}]")
    return path


class _Missing:
    def __repr__(self):
        return "missing"


Missing = _Missing()


def jtype(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    return "an object"


def load(fname, errors):
    def no_duplicates(pairs):
        o = {}
        for k, val in pairs:
            if k in o:
                raise ValueError(f"duplicate field {k!r} in one object")
            o[k] = val
        return o

    def no_constants(name):
        raise ValueError(f"{name} is not JSON")

    try:
        with open(fname, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):
            errors.append(f"{fname}: $: starts with a byte order mark")
            text = text[1:]
        return json.loads(text, object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except OSError as e:
        errors.append(f"{fname}: $: cannot read: {e.strerror}")
    except UnicodeDecodeError as e:
        errors.append(f"{fname}: $: not UTF-8 (byte {e.start})")
    except json.JSONDecodeError as e:
        errors.append(f"{fname}: $: not valid JSON: {e.msg} at line {e.lineno} column {e.colno}")
    except ValueError as e:
        errors.append(f"{fname}: $: {e}")
    return None


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    errors = []
    loaded = []
    for fname in argv[1:]:
        s = load(fname, errors)
        if s is None:
            continue
        c = Checker(fname)
        c.survey(s)
        if isinstance(s, dict) and s.get("key") in ("staff", "manager"):
            check_content(c, s)
        errors.extend(c.errors)
        loaded.append((fname, s))
    surveys = [(f, s) for f, s in loaded if isinstance(s, dict)]
    for fname, s in surveys:
        if s.get("key") != "manager":
            continue
        c = Checker(fname)
        for sf, ss in surveys:
            if ss.get("key") == "staff" and ss.get("version") == s.get("version"):
                check_manager_has_staff(c, s, ss, sf)
        errors.extend(c.errors)
    for e in errors:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
