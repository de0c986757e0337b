"""The redaction API other parts of coterm call: config, replacement styles, fingerprints,
custom patterns and allowlist, bounded holdback, idle release, argv and env helpers."""

from __future__ import annotations

import os
import re
import stat

from coterm.redact import (
    RedactionConfig,
    StreamRedactor,
    find_secrets,
    merge_project,
    redact_argv,
    redact_env,
    redact_text,
)
from coterm.redact.normalize import LINE_CAP
from coterm.redact.pem import PEM_CAP

GHP = "gh" + "p_" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz12"
OTHER = "gh" + "p_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0PpOoNn34"


def test_label_names_what_was_there():
    assert redact_text(f"export GITHUB_TOKEN={GHP}\n") == ("export GITHUB_TOKEN=[REDACTED:github_token]\n")
    assert redact_text("mysql -uroot -pS3cretPw shop\n") == ("mysql -uroot -p[REDACTED:password] shop\n")


def test_mask_keeps_the_width_and_the_line_breaks():
    cfg = RedactionConfig.from_mapping({"replacement": "mask"})
    text = f"token: {GHP} end\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBa\r\nAoGCCqGSM49\n"
    text += "-----END EC PRIVATE KEY-----\n"
    out = redact_text(text, cfg)
    assert out.split("\n") == [
        "token: " + "*" * len(GHP) + " end",
        "-----BEGIN EC PRIVATE KEY-----",
        "*" * len("MHcCAQEEIBa") + "\r",
        "*" * len("AoGCCqGSM49"),
        "-----END EC PRIVATE KEY-----",
        "",
    ]
    assert [len(a) for a in out.split("\n")] == [len(a) for a in text.split("\n")]


def test_colours_inside_a_secret_are_kept_after_it(tmp_path):
    out = redact_text(f"key: {GHP[:10]}\x1b[1m{GHP[10:]}\x1b[0m tail\n")
    assert out == "key: [REDACTED:github_token]\x1b[1m\x1b[0m tail\n"


def test_fingerprint_correlates_one_secret_and_creates_its_key_private(coterm_home):
    key_file = coterm_home / "redaction.key"
    cfg = RedactionConfig.from_mapping({"fingerprint": True}, key_file=key_file)
    out = redact_text(f"a={GHP}\nb={GHP}\nc={OTHER}\n", cfg)
    tags = re.findall(r"\[REDACTED:github_token:([0-9a-f]{12})\]", out)
    assert len(tags) == 3 and tags[0] == tags[1] != tags[2]
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    again = RedactionConfig.from_mapping({"fingerprint": True}, key_file=key_file)
    assert re.findall(r"[0-9a-f]{12}", redact_text(f"x={GHP}\n", again)) == tags[:1]
    other_key = RedactionConfig.from_mapping({"fingerprint": True}, key=b"k" * 32)
    assert tags[0] not in redact_text(f"x={GHP}\n", other_key)


def test_mask_with_fingerprint_keeps_the_width():
    cfg = RedactionConfig.from_mapping({"replacement": "mask", "fingerprint": True}, key=b"k" * 32)
    out = redact_text(f"{GHP}\n", cfg)
    assert len(out) == len(GHP) + 1 and re.fullmatch(r"\*+:[0-9a-f]{12}\n", out)


def test_config_problems_are_listed_and_never_turn_redaction_off():
    cfg = RedactionConfig.from_mapping(
        {
            "enabled": "no",
            "replacement": "blur",
            "patterns": [{"name": "acme", "regex": "acme_[0-9]+("}, {"name": "Bad Name", "regex": "x"}],
            "allowlist": ["["],
            "colour": True,
        }
    )
    assert cfg.enabled and cfg.replacement == "label" and not cfg.patterns and not cfg.allowlist
    text = "\n".join(cfg.problems)
    for field in ("enabled", "replacement", "patterns[0].regex", "patterns[1].name", "allowlist[0]"):
        assert f"redaction.{field}" in text
    assert "redaction.colour: unknown key" in text
    assert RedactionConfig.from_mapping({"enabled": False}).enabled is False
    assert RedactionConfig.from_mapping(None).enabled is True


def test_disabled_config_passes_text_through():
    cfg = RedactionConfig.from_mapping({"enabled": False})
    assert redact_text(f"{GHP}\n", cfg) == f"{GHP}\n"
    assert StreamRedactor(cfg).feed(f"{GHP}\n") == f"{GHP}\n"


def test_custom_patterns_and_allowlist():
    cfg = RedactionConfig.from_mapping(
        {
            "patterns": [
                {"name": "acme_key", "regex": r"acme_[0-9a-f]{16}"},
                {"name": "pin", "regex": r"PIN (?P<secret>[0-9]{4})\b"},
            ],
            "allowlist": [r"^AKIAIOSFODNN7EXAMPLE$"],
        }
    )
    text = "k=acme_0123456789abcdef PIN 1234 AKIAIOSFODNN7EXAMPLE AKIA" + "Q" * 16 + "\n"
    assert redact_text(text, cfg) == (
        "k=[REDACTED:acme_key] PIN [REDACTED:pin] AKIAIOSFODNN7EXAMPLE [REDACTED:aws_access_key_id]\n"
    )
    r = StreamRedactor(cfg)
    assert "".join(r.feed(c) for c in text) + r.flush() == redact_text(text, cfg)


def test_projects_may_add_patterns_only():
    base = RedactionConfig.from_mapping({"allowlist": ["x"]})
    merged, messages = merge_project(
        base,
        {
            "patterns": [{"name": "proj", "regex": "proj_[0-9]{6}"}],
            "enabled": False,
            "allowlist": [".*"],
            "replacement": "mask",
        },
        where=".ddcoterm/config.yaml: redaction",
    )
    assert merged.enabled and merged.replacement == "label"
    assert [p.name for p in merged.patterns] == ["proj"] and len(merged.allowlist) == 1
    assert sorted(m.split(":")[1].split(".")[-1] for m in messages) == [
        "allowlist",
        "enabled",
        "replacement",
    ]
    assert all("only patterns may be added" in m for m in messages)
    assert redact_text("id proj_123456\n", merged) == "id [REDACTED:proj]\n"
    again, msgs = base.with_project({"patterns": [{"regex": "("}]})
    assert not again.patterns and "invalid regular expression" in msgs[0]


def test_unterminated_key_block_is_held_within_its_cap_then_redacted_whole():
    r = StreamRedactor()
    out = r.feed("$ cat key.pem\n-----BEGIN RSA PRIVATE KEY-----\n")
    body = "MIIEpAIBAAKCAQEA" + "x" * 48 + "\n"
    for _ in range(40):
        out += r.feed(body)
    assert "MIIEpAIBAAKCAQEA" not in out and r.pending() > 0
    out += r.flush()
    assert "MIIEpAIBAAKCAQEA" not in out and out.startswith("$ cat key.pem\n-----BEGIN")
    big = StreamRedactor()
    held = big.feed("-----BEGIN PRIVATE KEY-----\n")
    for _ in range(3 * PEM_CAP // len(body)):
        held += big.feed(body)
        assert big.pending() <= PEM_CAP + 2 * len(body)
    assert "MIIE" not in held + big.flush()
    text = "-----BEGIN PRIVATE KEY-----\n" + body * (3 * PEM_CAP // len(body)) + "$ ls\n"
    chunked = StreamRedactor()
    out = "".join(chunked.feed(text[i : i + 1000]) for i in range(0, len(text), 1000))
    assert out + chunked.flush() == redact_text(text)
    whole = redact_text(text)
    assert "MIIE" not in whole and whole.count("\n") == text.count("\n")
    assert set(whole.split("\n")[1:-2]) == {"[REDACTED:private_key]", ""}


def test_a_long_line_without_line_breaks_is_not_held_forever():
    r = StreamRedactor()
    out = "".join(r.feed("word " * 1000) for _ in range(20))
    assert r.pending() <= LINE_CAP + 5000 and len(out) > 90000
    assert out + r.flush() == "word " * 20000


def test_idle_shows_the_prompt_but_holds_a_token_being_typed():
    r = StreamRedactor()
    assert r.feed("alice@box:~$ ") == ""
    assert r.idle() == "alice@box:~$ "
    assert r.feed("export T=" + GHP[:6]) == ""
    assert r.idle() == "export "
    out = r.feed(GHP[6:]) + r.idle() + r.feed("\r\n") + r.flush()
    assert out == "T=[REDACTED:github_token]\r\n"


def test_idle_holds_a_header_waiting_for_its_value():
    r = StreamRedactor()
    r.feed("> Authorization: Bearer ")
    assert r.idle() == "> "
    assert r.feed("abc123def456ghi\r\n") == "Authorization: Bearer [REDACTED:authorization]\r\n"


def test_findings_offsets_and_lines_in_non_ascii_text():
    text = f"héllo wörld ✓\nnaïve {GHP} café\n"
    found = find_secrets(text)
    assert [(f.type, f.line) for f in found] == [("github_token", 2)]
    assert text[found[0].start : found[0].end] == GHP
    assert found[0].to_json() == {
        "type": "github_token",
        "start": found[0].start,
        "end": found[0].end,
        "line": 2,
    }


def test_undecodable_bytes_pass_through_unchanged():
    text = b"bin \xff\xfe data password=hunter22\n".decode("utf-8", "surrogateescape")
    out = redact_text(text)
    assert out.encode("utf-8", "surrogateescape") == b"bin \xff\xfe data password=[REDACTED:password]\n"


def test_argv_and_env_helpers():
    assert redact_argv(["mysql", "-u", "root", "-pS3cretPw", "shop"]) == [
        "mysql",
        "-u",
        "root",
        "-p[REDACTED:password]",
        "shop",
    ]
    assert redact_argv(["app", "--password", "hunter22", "--v"]) == [
        "app",
        "--password",
        "[REDACTED:password]",
        "--v",
    ]
    assert redact_argv(["ls", "-la"]) == ["ls", "-la"]
    env = redact_env({"DB_PASSWORD": "hunter22", "HOME": "/home/a", "X": f"url {GHP}"})
    assert env == {
        "DB_PASSWORD": "[REDACTED:password]",
        "HOME": "/home/a",
        "X": "url [REDACTED:github_token]",
    }
