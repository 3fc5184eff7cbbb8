"""deploy/: the Prometheus rules pass `promtool check rules` and their unit tests
(`promtool test rules`); the Grafana dashboard is valid JSON whose queries use only mapscope's
metrics; the Kubernetes manifest and the systemd unit parse and ask for the documented privileges
and nothing more."""
import glob
import json
import os
import re
import shutil

import lib

DEPLOY = os.path.join(lib.ROOT, "deploy")
RULES = os.path.join(DEPLOY, "prometheus", "mapscope-rules.yml")
RULE_TESTS = os.path.join(DEPLOY, "prometheus", "mapscope-rules.test.yml")
CAPS = {"BPF", "PERFMON", "SYS_PTRACE"}
METRICS = {"mapscope_maps", "mapscope_map_entries", "mapscope_map_capacity_slots",
           "mapscope_map_bytes", "mapscope_map_overflow_buckets", "mapscope_map_tombstones",
           "mapscope_map_growths_total", "mapscope_map_growth_seconds_bucket",
           "mapscope_map_growth_seconds_sum", "mapscope_map_growth_seconds_count",
           "mapscope_map_writes_total", "mapscope_map_limit_eta_seconds", "mapscope_up",
           "mapscope_dropped_events_total", "mapscope_overhead_ratio", "mapscope_build_info"}


def promtool():
    p = shutil.which("promtool")
    if not p:
        raise AssertionError("promtool missing: run scripts/install-deps (Debian's prometheus)")
    return p


def yaml_mod():
    try:
        import yaml
    except ImportError:
        raise lib.Skip("python3-yaml missing")
    return yaml


def test_rules_check():
    p = lib.run([promtool(), "check", "rules", RULES], check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "SUCCESS" in p.stdout and "6 rules found" in p.stdout, p.stdout


def test_rules_unit_tests():
    # promtool resolves rule_files relative to the test file
    p = lib.run([promtool(), "test", "rules", RULE_TESTS], check=False)
    assert p.returncode == 0 and "SUCCESS" in p.stdout, p.stdout + p.stderr
    assert "FAILED" not in p.stdout, p.stdout


def test_rules_cover_every_alert():
    yaml = yaml_mod()
    with open(RULES) as f:
        rules = yaml.safe_load(f)
    with open(RULE_TESTS) as f:
        tests = yaml.safe_load(f)
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"] if "alert" in r}
    assert set(alerts) == {"GoMapLimitSoon", "GoMapLimitImminent", "GoMapBloated",
                           "GoMapGrowthStorm", "MapscopeExporterDown",
                           "MapscopeExporterAbsent"}, sorted(alerts)
    for name, r in alerts.items():
        assert r["labels"]["severity"] in ("info", "warning", "critical"), name
        assert r["annotations"].get("summary") and r["annotations"].get("description"), name
    fired, quiet = set(), set()
    for t in tests["tests"]:
        for a in t.get("alert_rule_test", []):
            (fired if a.get("exp_alerts") else quiet).add(a["alertname"])
    assert fired == set(alerts), f"never tested firing: {set(alerts) - fired}"
    assert quiet == set(alerts), f"never tested quiet: {set(alerts) - quiet}"


def test_grafana_dashboard():
    with open(os.path.join(DEPLOY, "grafana", "mapscope-dashboard.json")) as f:
        d = json.load(f)
    assert d["title"] and d["uid"] and d["panels"], "title, uid, panels"
    exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
    assert len(exprs) >= 6, exprs
    used = set()
    for e in exprs:
        used.update(re.findall(r"\bmapscope_[a-z_]+", e))
    unknown = used - METRICS
    assert not unknown, f"dashboard queries unknown metrics: {unknown}"
    for m in ("mapscope_map_entries", "mapscope_map_bytes", "mapscope_map_growths_total",
              "mapscope_map_limit_eta_seconds", "mapscope_overhead_ratio",
              "mapscope_dropped_events_total"):
        assert m in used, f"no panel shows {m}"
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids)), "panel ids repeat"


def test_kubernetes_daemonset():
    yaml = yaml_mod()
    with open(os.path.join(DEPLOY, "kubernetes", "mapscope-daemonset.yaml")) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    ds = [d for d in docs if d["kind"] == "DaemonSet"]
    assert len(ds) == 1, [d["kind"] for d in docs]
    spec = ds[0]["spec"]["template"]["spec"]
    assert spec["hostPID"] is True
    (c,) = [c for c in spec["containers"] if c["name"] == "mapscope"]
    sc = c["securityContext"]
    assert not sc.get("privileged"), "privileged must stay off: capabilities are spelled out"
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert set(sc["capabilities"]["add"]) == CAPS, sc["capabilities"]["add"]
    assert sc.get("allowPrivilegeEscalation") is False
    assert c["resources"]["limits"]["memory"] and c["resources"]["limits"]["cpu"]
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert "/sys/kernel/btf" in mounts, mounts
    assert c["args"][0] == "export" and "--comm" in c["args"], c["args"]


def test_systemd_unit():
    path = os.path.join(DEPLOY, "systemd", "mapscope-exporter.service")
    sections, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                cur = sections.setdefault(line.strip("[]"), {})
                continue
            k, v = line.split("=", 1)
            cur.setdefault(k, []).append(v)
    svc = sections["Service"]
    argv = svc["ExecStart"][0].split()
    assert argv[1:3] == ["export", "--comm"] and argv[4:] == ["--listen", "127.0.0.1:9464"], argv
    for key in ("AmbientCapabilities", "CapabilityBoundingSet"):
        caps = set(" ".join(svc[key]).split())
        assert caps == {"CAP_" + c for c in CAPS}, (key, caps)
    assert svc["NoNewPrivileges"] == ["yes"]
    assert svc["ProtectSystem"] == ["strict"]
    assert "WantedBy" in sections["Install"]
    if shutil.which("systemd-analyze") and os.path.isdir("/run/systemd/system"):
        p = lib.run(["systemd-analyze", "verify", path], check=False)
        bad = [ln for ln in (p.stdout + p.stderr).splitlines()
               if "mapscope-exporter.service" in ln and "Command" not in ln]
        assert not bad, bad


def test_docs_name_every_file():
    with open(os.path.join(lib.ROOT, "docs", "deploy.md")) as f:
        doc = f.read()
    for path in glob.glob(os.path.join(DEPLOY, "*", "*")):
        rel = os.path.relpath(path, lib.ROOT)
        assert rel in doc, f"docs/deploy.md does not describe {rel}"
