#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""The YNL spec of nf_tpkt against the code, on the host.

    ynl_spec.py ROOT

1. The spec passes the kernel's schema (genetlink-legacy.yaml) as YNL's
   own loader checks it, and ynl-gen-c.py renders a uapi header from it.
2. That rendered header and include/uapi/linux/nf_tpkt.h agree: every
   attribute and command enumerator with the same value (compiled, not
   parsed), the family name, version and group name.
3. The names of the enums and of the array entries are those of
   kmod/names.c, in enum order, arrays indexed from 1.
4. kmod/netlink.c agrees: each command's do or dump and permission, the
   request policy's attribute types and ranges, the types of the
   attributes put in replies, the event group's permission.
5. The checks can fail: specs broken on purpose are refused.

The VM suite (t_ynl) then talks to the module with the spec.
"""
import copy
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
YNL = os.environ.get("YNL_DIR", "/opt/nf_tpkt-deps/ynl")
SPEC = os.path.join(ROOT, "Documentation/netlink/specs/nf_tpkt.yaml")
SCHEMA = os.path.join(YNL, "Documentation/netlink/genetlink-legacy.yaml")
HEADER = os.path.join(ROOT, "include/uapi/linux/nf_tpkt.h")
NETLINK_C = os.path.join(ROOT, "kmod/netlink.c")
CC = os.environ.get("CC", "cc")

sys.path.insert(0, os.path.join(YNL, "tools/net/ynl"))
from lib import SpecFamily  # noqa: E402  (YNL's own loader)

TMP = tempfile.mkdtemp(prefix="ynl-spec.")
passed = failed = 0


def result(name, problems):
    global passed, failed
    if problems:
        failed += 1
        print("FAIL %s" % name)
        for p in problems[:20]:
            print("    " + p)
    else:
        passed += 1
        print("PASS %s" % name)


def c_upper(s):
    return s.upper().replace("-", "_")


# ---- C ------------------------------------------------------------------

def c_values(header, exprs, prelude=""):
    """Values of C expressions (ints or strings) with @header included."""
    src = os.path.join(TMP, "values.c")
    exe = os.path.join(TMP, "values")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n%s\n#include \"%s\"\n" % (prelude, header))
        f.write("#define V(x) _Generic((x), char *: printf(\"%s\\n\", (char *)(x)), "
                "default: printf(\"%lld\\n\", (long long)(x)))\n")
        f.write("int main(void)\n{\n")
        for e in exprs:
            f.write("\tV(%s);\n" % e)
        f.write("\treturn 0;\n}\n")
    subprocess.run([CC, "-std=gnu11", "-I" + os.path.join(ROOT, "include"),
                    "-o", exe, src], check=True)
    out = subprocess.run([exe], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    return {e: (int(v) if re.fullmatch(r"-?\d+", v) else v)
            for e, v in zip(exprs, out)}


def c_enums(text):
    """{enum name or '' : [enumerators]} of a C header."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    out = {}
    for name, body in re.findall(r"enum\s*(\w*)\s*\{([^}]*)\}", text):
        names = [m.split("=")[0].strip() for m in body.split(",")]
        out.setdefault(name, []).extend(n for n in names if n)
    return out


def names_tables():
    """kmod/names.c's tables, by kind, from the compiled tables."""
    kinds = ["CHECK", "ACTION", "MODE", "TPDU", "COUNTER", "OOO", "PICKUP",
             "FULL", "HOOK", "DIR_STATE"]
    src = os.path.join(TMP, "names.c")
    exe = os.path.join(TMP, "names")
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include <tpkt/names.h>\n"
                "int main(void)\n{\n\tunsigned int i;\n")
        for k in kinds:
            f.write("\tfor (i = 0; i < tpkt_name_count(TPKT_NAMES_%s); i++)\n"
                    "\t\tprintf(\"%s %%s\\n\", tpkt_name(TPKT_NAMES_%s, i));\n"
                    % (k, k, k))
        f.write("\treturn 0;\n}\n")
    subprocess.run([CC, "-std=gnu11", "-I" + os.path.join(ROOT, "include"),
                    "-o", exe, src, os.path.join(ROOT, "kmod/names.c")],
                   check=True)
    tables = {k: [] for k in kinds}
    for line in subprocess.run([exe], check=True, capture_output=True,
                               text=True).stdout.splitlines():
        k, n = line.split(" ", 1)
        tables[k].append(n)
    return tables


# ---- the spec ---------------------------------------------------------------

def render_uapi(spec_path):
    """ynl-gen-c.py's uapi header for the spec, or an exception."""
    tree = tempfile.mkdtemp(dir=TMP)
    os.makedirs(os.path.join(tree, "specs"))
    shutil.copy(spec_path, os.path.join(tree, "specs/nf_tpkt.yaml"))
    shutil.copy(SCHEMA, tree)
    # it looks for the kernel tree's root upwards from the spec
    open(os.path.join(tree, "MAINTAINERS"), "w").close()
    out = os.path.join(tree, "nf_tpkt_gen.h")
    subprocess.run([sys.executable,
                    os.path.join(YNL, "tools/net/ynl/ynl-gen-c.py"),
                    "--mode", "uapi", "--header",
                    "--spec", os.path.join(tree, "specs/nf_tpkt.yaml"),
                    "-o", out], check=True, capture_output=True, timeout=120)
    return out


def attr_c_names(fam):
    """{C enumerator: (attribute set name, attribute)} of prefixed sets."""
    out = {}
    for sname, aset in fam.attr_sets.items():
        prefix = aset.yaml.get("name-prefix")
        if not prefix:
            continue
        for a in aset.attrs.values():
            out[c_upper(prefix + a.name)] = (sname, a)
    return out


def check_header(fam, spec_path):
    """The rendered header against the real one."""
    problems = []
    gen = render_uapi(spec_path)
    gen_enums = c_enums(open(gen).read())
    real_enums = c_enums(open(HEADER).read())
    names = []
    for ename, members in gen_enums.items():
        if not ename:
            continue	# the arrays: no C enum of their own
        real = [m for m in real_enums.get(ename, [])
                if not m.endswith("_UNSPEC")]
        if real != members:
            problems.append("enum %s: spec %s, header %s" % (ename, members, real))
        names += [m for m in members if m in real]
        names += [m[2:] for m in members if m.startswith("__") and m in real]
    names += ["NF_TPKT_GENL_NAME", "NF_TPKT_GENL_VERSION",
              "NF_TPKT_MCGRP_EVENTS"]
    want = c_values(gen, names)
    have = c_values(HEADER, names)
    for n in names:
        if want[n] != have[n]:
            problems.append("%s: spec %r, header %r" % (n, want[n], have[n]))
    return problems


def check_names(fam, tables):
    problems = []
    defs = {"mode": "MODE", "action": "ACTION", "check": "CHECK",
            "full": "FULL", "pickup": "PICKUP", "ooo": "OOO",
            "hooks": "HOOK", "dir-state": "DIR_STATE"}
    for d, kind in defs.items():
        enum = fam.consts.get(d)
        if enum is None:
            problems.append("no definition %s" % d)
            continue
        got = [e.name for e in sorted(enum.entries.values(),
                                      key=lambda e: e.value)]
        vals = [e.value for e in sorted(enum.entries.values(),
                                        key=lambda e: e.value)]
        if got != tables[kind] or vals != list(range(len(got))):
            problems.append("definition %s: %s, names.c %s" % (d, got, tables[kind]))
    arrays = {"actions": ("CHECK", "u8"), "counters": ("COUNTER", "u64"),
              "tpdus": ("TPDU", "u64"), "anomalies": ("CHECK", "u64")}
    for sname, (kind, typ) in arrays.items():
        aset = fam.attr_sets.get(sname)
        if aset is None:
            problems.append("no attribute set %s" % sname)
            continue
        entries = [a for a in aset.attrs.values() if a.type != "pad"]
        got = [a.name for a in entries]
        if got != tables[kind]:
            problems.append("%s: %s, names.c %s" % (sname, got, tables[kind]))
        if [a.value for a in entries] != list(range(1, len(got) + 1)):
            problems.append("%s: not indexed from 1 in enum order" % sname)
        if any(a.type != typ for a in entries):
            problems.append("%s: not all %s" % (sname, typ))
        pads = [a for a in aset.attrs.values() if a.type == "pad"]
        if typ == "u64" and [a.value for a in pads] != [0]:
            problems.append("%s: type 0 is nla_put_u64_64bit()'s padding" % sname)
    return problems


NLA = {"NLA_U8": "u8", "NLA_U16": "u16", "NLA_U32": "u32", "NLA_U64": "u64",
       "NLA_FLAG": "flag", "NLA_NESTED": "nest", "NLA_BINARY": "binary"}


def check_netlink_c(fam):
    problems = []
    src = open(NETLINK_C).read()
    c_attrs = attr_c_names(fam)
    ops = {op.name: op for op in fam.msgs.values()}

    # commands: do or dump, permission
    block = re.search(r"genl_ops nf_tpkt_ops\[\] = \{(.*?)\n\};", src, re.S).group(1)
    kops = {}
    for body in re.findall(r"\{([^{}]*)\}", block):
        cmd = re.search(r"\.cmd = (\w+)", body).group(1)
        kops[cmd] = body
    kops_all = dict(kops)
    for name, op in ops.items():
        cname = c_upper("nf-tpkt-cmd-" + name)
        if op.is_async:
            if not re.search(r"genlmsg_put\([^;]*%s\)" % cname, src):
                problems.append("%s: the module sends no %s" % (name, cname))
            if op.yaml.get("mcgrp") != "events":
                problems.append("%s: not on the events group" % name)
            continue
        body = kops.pop(cname, None)
        if body is None:
            problems.append("%s: no %s in nf_tpkt_ops" % (name, cname))
            continue
        if ("do" in op.yaml) != (".doit" in body):
            problems.append("%s: do in the spec %s, .doit in the module %s"
                            % (name, "do" in op.yaml, ".doit" in body))
        if ("dump" in op.yaml) != (".dumpit" in body):
            problems.append("%s: dump in the spec %s, .dumpit in the module %s"
                            % (name, "dump" in op.yaml, ".dumpit" in body))
        perm = "uns-admin-perm" in op.yaml.get("flags", [])
        if perm != ("GENL_UNS_ADMIN_PERM" in body):
            problems.append("%s: uns-admin-perm %s in the spec, not in the module"
                            % (name, perm))
    for cname in kops:
        problems.append("%s: in the module, not in the spec" % cname)

    grp = fam.yaml["mcast-groups"]["list"][0]
    if ("uns-admin-perm" in grp.get("flags", [])) != \
            bool(re.search(r"\.flags = GENL_MCAST_CAP_NET_ADMIN", src)):
        problems.append("events group: permission differs")

    # Request policies: the family's (global) or each command's (per-op).
    # An attribute type a policy leaves out or rejects is refused.
    fam_block = re.search(r"struct genl_family nf_tpkt_family\s*(?:__ro_after_init\s*)?= \{(.*?)\n\};",
                          src, re.S).group(1)
    fam_policy = re.search(r"\.policy = (\w+)", fam_block)
    op_policy = {c: re.search(r"\.policy = (\w+)", b) for c, b in kops_all.items()}
    model = "global" if fam_policy else "per-op"
    if fam.yaml.get("kernel-policy", "split") != model:
        problems.append("kernel-policy: %s in the module, %s in the spec"
                        % (model, fam.yaml.get("kernel-policy", "split")))
    prelude = "".join("#define %s %s\n" % d for d in
                      re.findall(r"#define (NF_TPKT_\w+)\s+(\S+)\n", src))
    reject_macros = [m for m, body in re.findall(r"#define (\w+)\(\w*\)\s+(.*)", src)
                     if "NLA_REJECT" in body]
    ranges = {n: (lo, hi) for n, lo, hi in re.findall(
        r"netlink_range_validation (\w+) = \{\s*\.min = (\w+), \.max = (\w+),", src)}
    arrays = {n: re.findall(r"\[([^\]]+?)(?: \.\.\. ([^\]]+))?\] =\s*(.*?),\n", body, re.S)
              for n, body in re.findall(r"nla_policy (\w+)\[[^\]]*\] = \{(.*?)\n\};",
                                        src, re.S)}
    exprs = set()
    for entries in arrays.values():
        for lo, hi, _ in entries:
            exprs |= {lo, hi or lo}
    for lo, hi in ranges.values():
        exprs |= {lo, hi}
    for v in re.findall(r"NLA_POLICY_(?:MAX|MASK)\(\w+, (\w+)\)", src):
        exprs.add(v)
    exprs = sorted(exprs)
    vals = c_values(HEADER, exprs, prelude)
    by_value = {a.value: a for a in fam.attr_sets["nf-tpkt"].attrs.values()}

    def accepted(array):
        """{attribute type: policy text} of what @array lets through."""
        out = {}
        for lo, hi, text in arrays[array]:
            for t in range(vals[lo], vals[hi or lo] + 1):
                if "NLA_REJECT" in text or any(m + "(" in text for m in reject_macros):
                    out.pop(t, None)
                else:
                    out[t] = text
        return out

    def policy_problems(a, text):
        out = []
        t = re.search(r"NLA_(?!POLICY)\w+", text)
        t = t.group(0) if t else None
        if "NLA_POLICY_NESTED" in text:
            t = "NLA_NESTED"
        if NLA.get(t) != a.type:
            out.append("%s: %s in the module, %s in the spec" % (a.name, t, a.type))
        chk = a.yaml.get("checks", {})
        m = re.search(r"NLA_POLICY_MAX\(\w+, (\w+)\)", text)
        if m:
            n = len(fam.consts[a.yaml["enum"]].entries) if "enum" in a.yaml else None
            want = n - 1 if n else chk.get("max")
            if vals[m.group(1)] != want:
                out.append("%s: max %s in the module, %s in the spec" % (a.name, vals[m.group(1)], want))
        m = re.search(r"NLA_POLICY_FULL_RANGE\(\w+, &(\w+)\)", text)
        if m:
            lo, hi = ranges[m.group(1)]
            if (vals[lo], vals[hi]) != (chk.get("min", 0), chk.get("max")):
                out.append("%s: range %s..%s in the module, %s..%s in the spec"
                           % (a.name, vals[lo], vals[hi], chk.get("min", 0), chk.get("max")))
        m = re.search(r"NLA_POLICY_MASK\(\w+, (\w+)\)", text)
        if m:
            enum = fam.consts.get(chk.get("flags-mask"))
            want = enum.get_mask() if enum else None
            if vals[m.group(1)] != want:
                out.append("%s: mask %s in the module, %s in the spec" % (a.name, vals[m.group(1)], want))
        return out

    for name, op in ops.items():
        if op.is_async:
            continue
        cname = c_upper("nf-tpkt-cmd-" + name)
        pm = fam_policy or op_policy.get(cname)
        if pm is None:
            problems.append("%s: no request policy in the module" % name)
            continue
        acc = accepted(pm.group(1))
        req = set()
        for mode in ("do", "dump"):
            req |= set(op.yaml.get(mode, {}).get("request", {}).get("attributes", []))
        kernel = {by_value[t].name if t in by_value else "type %d" % t
                  for t in acc}
        if kernel != req:
            problems.append("%s: request takes %s in the module, %s in the spec"
                            % (name, sorted(kernel), sorted(req)))
        for t, text in acc.items():
            if t in by_value:
                problems += policy_problems(by_value[t], text)

    arr = {"actions_policy": "actions", "ports_policy": "ports"}
    for cvar, sname in arr.items():
        body = re.search(r"%s\[[^]]*\] = \{(.*?)\n\};" % cvar, src, re.S).group(1)
        t = re.search(r"NLA_U\d+", body).group(0)
        if any(a.type != NLA[t] for a in fam.attr_sets[sname].attrs.values()):
            problems.append("%s: %s in the module" % (sname, t))

    # replies: the type of every attribute put by name
    puts = {"u8": "u8", "u16": "u16", "u32": "u32", "u64_64bit": "u64",
            "flag": "flag"}
    for t, cname in re.findall(r"nla_put_(u8|u16|u32|u64_64bit|flag)\(\w+, (NF_TPKT_A_\w+)", src):
        sname, a = c_attrs.get(cname, (None, None))
        if a is None or a.type != puts[t]:
            problems.append("%s: put as %s, %s in the spec"
                            % (cname, t, a.type if a else "absent"))
    for cname in re.findall(r"nla_nest_start\(\w+, (NF_TPKT_A_\w+)\)", src):
        sname, a = c_attrs.get(cname, (None, None))
        if a is None or a.type != "nest":
            problems.append("%s: a nest in the module" % cname)
    for cname in re.findall(r"put_u64_array\(msg, (NF_TPKT_A_\w+)", src):
        sname, a = c_attrs[cname]
        sub = fam.attr_sets[a.yaml["nested-attributes"]]
        if any(x.type not in ("u64", "pad") for x in sub.attrs.values()):
            problems.append("%s: an array of u64 in the module" % cname)
    # put_addrs() writes family, saddr, daddr, sport, dport from one base
    for sname in ("flow", "event"):
        aset = fam.attr_sets[sname]
        want = [("family", "u8"), ("saddr", "binary"), ("daddr", "binary"),
                ("sport", "u16"), ("dport", "u16")]
        got = [(a.name, a.type) for a in aset.attrs.values()][:5]
        base = aset.attrs["family"].value if "family" in aset.attrs else None
        if got != want or [aset.attrs[n].value - base for n, _ in want] != [0, 1, 2, 3, 4]:
            problems.append("%s: put_addrs() needs %s in a row" % (sname, want))
    if fam.yaml.get("version") != c_values(HEADER, ["NF_TPKT_GENL_VERSION"])["NF_TPKT_GENL_VERSION"]:
        problems.append("version differs")
    return problems


def spec_problems(spec_path, tables):
    """Everything that keeps the spec from describing the module."""
    try:
        fam = SpecFamily(spec_path, SCHEMA)
    except Exception as e:	# jsonschema's ValidationError and YNL's own
        return ["not a valid spec: %s" % str(e).splitlines()[0]]
    try:
        return (check_header(fam, spec_path) + check_names(fam, tables) +
                check_netlink_c(fam))
    except subprocess.CalledProcessError as e:
        return ["%s failed: %s" % (e.cmd[0], (e.stderr or b"")[-300:])]


def mutated(name, change):
    y = yaml.safe_load(open(SPEC))
    change(y)
    path = os.path.join(TMP, name + ".yaml")
    with open(path, "w") as f:
        f.write("# SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)\n")
        yaml.safe_dump(y, f, sort_keys=False)
    return path


def attr_set(y, name):
    return next(s for s in y["attribute-sets"] if s["name"] == name)


def op(y, name):
    return next(o for o in y["operations"]["list"] if o["name"] == name)


def main():
    for need in (SCHEMA, os.path.join(YNL, "tools/net/ynl/ynl-gen-c.py")):
        if not os.path.exists(need):
            print("%s missing: run make deps" % need, file=sys.stderr)
            sys.exit(1)
    tables = names_tables()
    try:
        SpecFamily(SPEC, SCHEMA)
        result("schema", [])
    except Exception as e:
        result("schema", [str(e)[:2000]])
    fam = SpecFamily(SPEC, SCHEMA)
    try:
        result("header", check_header(fam, SPEC))
    except subprocess.CalledProcessError as e:
        result("header", ["%s" % e])
    result("names", check_names(fam, tables))
    result("netlink.c", check_netlink_c(fam))

    # the checks can fail
    def drop_timeout(y):
        s = attr_set(y, "nf-tpkt")
        s["attributes"] = [a for a in s["attributes"] if a["name"] != "policy-timeout"]
        for o in y["operations"]["list"]:
            for m in ("do", "dump"):
                for d in ("request", "reply"):
                    at = o.get(m, {}).get(d, {}).get("attributes")
                    if at and "policy-timeout" in at:
                        at.remove("policy-timeout")

    def flows_as_do(y):
        o = op(y, "get-flows")
        o["do"] = o.pop("dump")

    def swap_counters(y):
        a = attr_set(y, "counters")["attributes"]
        a[1]["name"], a[2]["name"] = a[2]["name"], a[1]["name"]

    def wrong_range(y):
        a = next(x for x in attr_set(y, "nf-tpkt")["attributes"]
                 if x["name"] == "policy-timeout")
        a["checks"]["max"] = 3600

    def flush_open(y):
        op(y, "flush-flows").pop("flags")

    def u32_port(y):
        a = next(x for x in attr_set(y, "flow")["attributes"] if x["name"] == "sport")
        a["type"] = "u32"

    def unknown_key(y):
        y["frobnicate"] = True

    broken = {"no-timeout": drop_timeout, "flows-do": flows_as_do,
              "counters-swapped": swap_counters, "timeout-range": wrong_range,
              "flush-unprivileged": flush_open, "port-u32": u32_port,
              "schema": unknown_key}
    # each must add a problem of its own to those of the real spec
    base = set(spec_problems(SPEC, tables))
    for name, change in broken.items():
        p = [x for x in spec_problems(mutated(name, change), tables)
             if x not in base]
        result("broken-%s-refused" % name, [] if p else ["no problem found"])
        if p:
            print("    (%s)" % p[0][:150])


try:
    main()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
print("ynl spec: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
