"""Synthetic terminal output for the redaction benchmarks: what a pty really carries.

A seeded mix of `ls -l` listings (some coloured), `git log` (full and short SHAs, colours), JSON
logs (32-hex trace ids, UUIDs, URLs, the odd `token`/`key` word), base64 blobs (`base64 -w 76`),
compiler diagnostics (gcc colours with erase-line, Unicode quotes), sha256sum and docker pull
digests, kubectl tables, lock-file hashes, prompts with window titles, progress bars redrawn with
carriage returns, env listings and test runner output. Lines end in CR LF, as on a pty.

Fake secrets are planted at a low rate (`plant_every` lines); `generate` returns them so a bench can
count how many were caught and how many benign lines changed.
"""

from __future__ import annotations

import base64
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "data" / "redact"))


def _words(text: str) -> list[str]:
    return text.split()


HEX = "0123456789abcdef"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
WORDS = _words(
    """
    fix add update remove refactor bump release merge handle parse render cache retry client
    server request response timeout config build test docs lint format index query schema
    worker queue metrics tracing auth session login user billing invoice export import
    """
)
USERS = ["alice", "bob", "carol", "dave", "erin"]
SERVICES = ["api", "web", "billing", "auth", "search", "ingest", "gateway"]


class Terminal:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def hex(self, n: int) -> str:
        return "".join(self.r.choice(HEX) for _ in range(n))

    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.r.choice(WORDS) for _ in range(self.r.randint(lo, hi)))

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def ls(self) -> list[str]:
        out = []
        for _ in range(self.r.randint(5, 25)):
            name = f"{self.r.choice(WORDS)}_{self.hex(4)}"
            if self.r.random() < 0.3:
                out.append(
                    f"drwxr-xr-x  4 {self.r.choice(USERS)} staff   128 Nov 21 10:02 \x1b[01;34m{name}\x1b[0m"
                )
            else:
                out.append(
                    f"-rw-r--r--  1 {self.r.choice(USERS)} staff "
                    f"{self.r.randint(10, 999999):>7} Nov {self.r.randint(1, 30):>2} "
                    f"{self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d} {name}.py"
                )
        return out

    def git_log(self) -> list[str]:
        if self.r.random() < 0.5:
            return [f"\x1b[33m{self.hex(7)}\x1b[m {self.words(3, 8)}" for _ in range(20)]
        out = []
        for _ in range(self.r.randint(2, 6)):
            user = self.r.choice(USERS)
            out += [
                f"\x1b[33mcommit {self.hex(40)}\x1b[m",
                f"Author: {user.title()} <{user}@example.com>",
                f"Date:   Mon Nov {self.r.randint(1, 30)} 10:{self.r.randint(10, 59)}:01 2024 +0100",
                "",
                f"    {self.words(3, 10)}",
                "",
            ]
        return out

    def json_logs(self) -> list[str]:
        out = []
        for _ in range(self.r.randint(10, 40)):
            msg = self.words(2, 6)
            if self.r.random() < 0.02:
                msg = self.r.choice(
                    [
                        "refreshing auth token",
                        "password policy updated",
                        "cache key evicted",
                        "api key rotated",
                        "secret store reachable",
                    ]
                )
            extra = ""
            if self.r.random() < 0.1:
                extra = (
                    f',"url":"https://{self.r.choice(SERVICES)}.example.com/v1/users/'
                    f'{self.r.randint(1, 9999)}?page=2"'
                )
            if self.r.random() < 0.03:
                extra += f',"cache_key":"user:{self.r.randint(1, 999)}:profile"'
            if self.r.random() < 0.03:
                extra += f',"prompt_tokens":{self.r.randint(1, 900)}'
            out.append(
                f'{{"ts":"2024-11-21T10:{self.r.randint(10, 59)}:{self.r.randint(10, 59)}.123Z",'
                f'"level":"{self.r.choice(["info", "info", "warn", "error"])}",'
                f'"service":"{self.r.choice(SERVICES)}","trace_id":"{self.hex(32)}",'
                f'"span_id":"{self.hex(16)}","request_id":"{self.uuid()}",'
                f'"msg":"{msg}","duration_ms":{self.r.randint(1, 900)}{extra}}}'
            )
        return out

    def base64_blob(self) -> list[str]:
        data = base64.b64encode(self.r.randbytes(self.r.randint(300, 3000))).decode()
        return [data[i : i + 76] for i in range(0, len(data), 76)]

    def compiler(self) -> list[str]:
        out = []
        for _ in range(self.r.randint(3, 12)):
            f = f"src/{self.r.choice(WORDS)}.c"
            var = self.r.choice(WORDS)
            out += [
                f"\x1b[01m\x1b[K{f}:{self.r.randint(1, 999)}:{self.r.randint(1, 80)}:\x1b[m\x1b[K "
                f"\x1b[01;35m\x1b[Kwarning: \x1b[m\x1b[Kunused variable \u2018\x1b[01m\x1b[K{var}"
                f"\x1b[m\x1b[K\u2019 [\x1b[01;35m\x1b[K-Wunused-variable\x1b[m\x1b[K]",
                f"   {self.r.randint(1, 999)} |     int {var} = 0;",
                "      |         \x1b[01;35m\x1b[K^~~~\x1b[m\x1b[K",
            ]
        out.append(f"   Compiling {self.r.choice(WORDS)} v0.{self.r.randint(1, 9)}.0 (/src)")
        out.append("error[E0308]: mismatched types")
        out.append(f"  --> src/main.rs:{self.r.randint(1, 200)}:5")
        return out

    def digests(self) -> list[str]:
        out = [
            f"{self.hex(64)}  release-{self.r.randint(1, 9)}.{self.r.randint(0, 9)}.tar.gz"
            for _ in range(self.r.randint(1, 5))
        ]
        out += [f"{self.hex(12)}: Pull complete" for _ in range(self.r.randint(2, 6))]
        out.append(f"Digest: sha256:{self.hex(64)}")
        out.append(f"Status: Downloaded newer image for {self.r.choice(SERVICES)}:latest")
        return out

    def kubectl(self) -> list[str]:
        out = ["NAME                          READY   STATUS    RESTARTS   AGE"]
        for _ in range(self.r.randint(3, 15)):
            out.append(
                f"{self.r.choice(SERVICES)}-{self.hex(10)}-{self.hex(5)}   1/1     "
                f"Running   {self.r.randint(0, 3)}          {self.r.randint(1, 40)}d"
            )
        return out

    def lockfile(self) -> list[str]:
        out = []
        for _ in range(self.r.randint(2, 8)):
            b = base64.b64encode(self.r.randbytes(64)).decode()
            out.append(f'      "integrity": "sha512-{b}",')
            out.append(f"    --hash=sha256:{self.hex(64)} \\")
            out.append(
                f"github.com/acme/{self.r.choice(WORDS)} v1.{self.r.randint(0, 9)}.0 h1:"
                + base64.b64encode(self.r.randbytes(32)).decode()
            )
        return out

    def prompt(self) -> list[str]:
        user = self.r.choice(USERS)
        cmd = self.r.choice(
            [
                "git status",
                "ls -la",
                "make test",
                "kubectl get pods",
                "docker ps",
                "cat config.yaml",
                "npm install",
                "cd src",
            ]
        )
        return [f"\x1b]0;{user}@box: ~/src\x07\x1b[01;32m{user}@box\x1b[00m:\x1b[01;34m~/src\x1b[00m$ {cmd}"]

    def progress(self) -> list[str]:
        steps = [
            f"\r {p:3d}%|{'#' * (p // 10):<10}| {p}/100 [00:0{p // 40}<00:03]" for p in range(0, 101, 10)
        ]
        return ["Downloading model.bin" + "".join(steps)]

    def env(self) -> list[str]:
        user = self.r.choice(USERS)
        return [
            f"HOME=/home/{user}",
            f"PWD=/home/{user}/src",
            "SHELL=/bin/bash",
            "LANG=en_US.UTF-8",
            f"PATH=/home/{user}/.local/bin:/usr/local/bin:/usr/bin",
        ]

    def tests(self) -> list[str]:
        out = [
            f"tests/test_{self.r.choice(WORDS)}.py::test_{self.r.choice(WORDS)} PASSED"
            f"    [{self.r.randint(1, 99):3d}%]"
            for _ in range(self.r.randint(5, 20))
        ]
        out.append(f"==== {len(out)} passed in 1.{self.r.randint(10, 99)}s ====")
        return out


MIX = (
    ("ls", 0.20),
    ("git_log", 0.18),
    ("json_logs", 0.25),
    ("base64_blob", 0.08),
    ("compiler", 0.08),
    ("digests", 0.05),
    ("kubectl", 0.05),
    ("lockfile", 0.03),
    ("prompt", 0.03),
    ("progress", 0.01),
    ("env", 0.02),
    ("tests", 0.02),
)


def planted_secrets(seed: int) -> list[str]:
    """Lines carrying one fake secret each (from the corpus generators), and the secret."""
    from corpus import Gen, token_formats

    g = Gen(seed)
    out = []
    for name, tok in token_formats(g).items():
        out.append((f"export {name.upper()}_TOKEN={tok}", tok))
        out.append((f'{{"level":"debug","msg":"loaded","value":"{tok}"}}', tok))
    pw = "Hunter2" + g.s(ALNUM, 8)
    out.append((f"$ mysql -u root -p{pw} shop", pw))
    out.append((f"Authorization: Bearer {g.s(ALNUM, 40)}", None))
    out.append((f"DD_API_KEY={g.hex(32)}", None))
    out.append((f"password: {pw}", pw))
    return out


def generate(size: int, seed: int = 1, plant_every: int = 5000) -> tuple[str, list[str]]:
    """About size characters of terminal output and the secrets planted in it."""
    term = Terminal(seed)
    plants = planted_secrets(seed)
    names = [name for name, _ in MIX]
    weights = [w for _, w in MIX]
    chunks: list[str] = []
    secrets: list[str] = []
    total = lines = 0
    next_plant = plant_every
    while total < size:
        block = getattr(term, term.r.choices(names, weights)[0])()
        lines += len(block)
        if lines >= next_plant:
            line, secret = plants[term.r.randrange(len(plants))]
            block.append(line)
            secrets.append(secret or line.split()[-1].split("=")[-1])
            next_plant += plant_every
        text = "\r\n".join(block) + "\r\n"
        chunks.append(text)
        total += len(text)
    return "".join(chunks), secrets
