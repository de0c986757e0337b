"""The 50-rule config the hook benchmarks run with (also importable by other benches)."""

from __future__ import annotations


def fifty_rules() -> str:
    """50 command entries, each with a Lua lint and a Lua rule; kubectl is one of them."""
    out = ["process_config:", "  commands:"]
    names = ["kubectl"] + [f"tool{i:02d}" for i in range(1, 50)]
    for i, name in enumerate(names):
        out += [
            f"    - command: {name}",
            "      lints:",
            "        - |",
            f'          if has_arg("scale") and flags.context == nil then return "lint {i}" end',
            "      rules:",
            "        - rule: |",
            f'            return has_arg("delete") and env.DD_ENV == "prod", "rule {i}", "check"',
            '          actions: ["record", "approval"]',
        ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(fifty_rules(), end="")
