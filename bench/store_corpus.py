"""Synthetic terminal text for the store benchmarks: what sessions really print, not random words.

A deterministic mix of application logs, kubectl tables, compiler diagnostics, `ls -l`, prompts with
commands, Python tracebacks, JSON logs and progress lines. Identifiers, numbers and addresses vary, so
the vocabulary keeps growing the way it does in real output.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

_WORD_TEXT = (
    "connection refused timeout retry upstream backend request response handler worker pool queue "
    "cache miss hit index shard replica leader follower election snapshot compaction commit rollback "
    "deploy rollout scale pod node service ingress secret config volume mount container image pull "
    "error warning info debug trace fatal panic exception failed succeeded started stopped ready "
    "user session token auth login logout permission denied granted allowed forbidden unauthorized "
    "disk memory cpu network socket listen accept close open read write flush sync fsync lock unlock"
)
WORDS = _WORD_TEXT.split()
SERVICES = ["api", "web", "billing", "auth", "search", "ingest", "payments", "gateway", "worker"]
LEVELS = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
USERS = ["alice", "bob", "carol", "dave", "erin", "root"]
FILES = ["main", "server", "client", "util", "parser", "store", "handler", "config", "models"]
STATES = ["Running", "Running", "Running", "Pending", "CrashLoopBackOff", "Completed"]


def _rand_id(r: random.Random, n: int = 5) -> str:
    return "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def _ts(r: random.Random) -> str:
    return (
        f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:"
        f"{r.randint(0, 59):02d}:{r.randint(0, 59):02d}.{r.randint(0, 999):03d}Z"
    )


def _log(r: random.Random) -> str:
    svc = r.choice(SERVICES)
    msg = " ".join(r.choice(WORDS) for _ in range(r.randint(2, 7)))
    return (
        f"{_ts(r)} {r.choice(LEVELS):5} [{svc}-{r.randint(1, 16)}] {svc}.{r.choice(FILES)} - "
        f"{msg} id={r.randint(1, 10**6)} took={r.randint(1, 900)}ms"
    )


def _kubectl(r: random.Random) -> str:
    name = f"{r.choice(SERVICES)}-{_rand_id(r, 9)}-{_rand_id(r)}"
    return f"{name:<40} 1/1     {r.choice(STATES):<18} {r.randint(0, 9):<10} {r.randint(1, 60)}d"


def _compiler(r: random.Random) -> str:
    word = r.choice(WORDS)
    return (
        f"src/{r.choice(FILES)}/{r.choice(FILES)}.c:{r.randint(1, 3000)}:{r.randint(1, 80)}: "
        f"warning: unused variable '{word}_{r.randint(0, 99)}' [-Wunused-variable]"
    )


def _ls(r: random.Random) -> str:
    return (
        f"-rw-r--r--  1 {r.choice(USERS)} staff {r.randint(10, 10**7):>9} May {r.randint(1, 31):2d} "
        f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d} {r.choice(WORDS)}-{r.randint(1, 999)}.log"
    )


def _prompt(r: random.Random) -> str:
    cmd = r.choice(
        [
            "git status",
            f"kubectl get pods -n {r.choice(SERVICES)}",
            f"tail -f /var/log/{r.choice(SERVICES)}.log",
            f"ssh {r.choice(USERS)}@10.0.{r.randint(0, 9)}.{r.randint(1, 254)}",
            "make -j2",
            f"grep -rn {r.choice(WORDS)} src/",
        ]
    )
    return f"{r.choice(USERS)}@host-{r.randint(1, 40)}:~/src/{r.choice(SERVICES)}$ {cmd}"


def _traceback(r: random.Random) -> str:
    return (
        f'  File "/usr/lib/python3.11/site-packages/{r.choice(FILES)}/{r.choice(FILES)}.py", '
        f"line {r.randint(1, 2000)}, in {r.choice(WORDS)}_{r.choice(WORDS)}"
    )


def _json(r: random.Random) -> str:
    return (
        f'{{"level":"{r.choice(LEVELS).lower()}","msg":"{r.choice(WORDS)} {r.choice(WORDS)}",'
        f'"host":"10.0.{r.randint(0, 9)}.{r.randint(1, 254)}","port":{r.randint(1000, 9999)},'
        f'"trace_id":"{_rand_id(r, 16)}"}}'
    )


def _progress(r: random.Random) -> str:
    pct = r.randint(0, 100)
    bar = "#" * (pct // 5)
    return f"Downloading {r.choice(WORDS)}.tar.gz {pct:3d}% |{bar:<20}| {r.randint(1, 900)}MB"


KINDS = [_log] * 5 + [_kubectl, _compiler, _ls, _prompt, _traceback, _json, _json, _progress]


def lines(seed: int) -> Iterator[str]:
    """An endless, reproducible stream of terminal lines."""
    r = random.Random(seed)
    while True:
        yield r.choice(KINDS)(r)
