"""The effective Kubernetes context and namespace for a command, as kubectl would pick them.

Flags win (`--context`, `--namespace`/`-n`), then the kubeconfig that KUBECONFIG names
(a colon list: the first file setting current-context wins), else ~/.kube/config.
Parsed files are cached on (path, mtime, size): kubeconfigs can be large.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

_CACHE: dict[tuple, Any] = {}


@dataclass
class KubeInfo:
    current_context: Optional[str]  # from the kubeconfig only
    context: Optional[str]  # effective: --context flag, else current_context
    namespace: str


def _load(path: Path) -> Any:
    try:
        st = path.stat()
    except OSError:
        return None
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _CACHE:
        import yaml

        try:
            data = yaml.safe_load(path.read_text(errors="replace"))
        except (OSError, yaml.YAMLError):
            data = None
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = data if isinstance(data, dict) else None
    return _CACHE[key]


def kubeconfig_files(env: Mapping[str, str]) -> list[Path]:
    value = env.get("KUBECONFIG")
    if value:
        return [Path(p).expanduser() for p in value.split(os.pathsep) if p]
    home = env.get("HOME") or str(Path.home())
    return [Path(home) / ".kube" / "config"]


def _context_namespace(docs: list[dict], name: Optional[str]) -> Optional[str]:
    for doc in docs:
        for entry in doc.get("contexts") or []:
            if isinstance(entry, dict) and entry.get("name") == name:
                ctx = entry.get("context") or {}
                ns = ctx.get("namespace") if isinstance(ctx, dict) else None
                if isinstance(ns, str) and ns:
                    return ns
    return None


def kube_info(flags: Mapping[str, Any], short_ns: Optional[str], env: Mapping[str, str]) -> KubeInfo:
    docs = [d for d in (_load(p) for p in kubeconfig_files(env)) if d]
    current = None
    for doc in docs:
        value = doc.get("current-context")
        if isinstance(value, str) and value:
            current = value
            break
    flag_ctx = flags.get("context")
    context = flag_ctx if isinstance(flag_ctx, str) and flag_ctx else current
    flag_ns = flags.get("namespace")
    namespace = (
        (flag_ns if isinstance(flag_ns, str) and flag_ns else short_ns)
        or _context_namespace(docs, context)
        or "default"
    )
    return KubeInfo(current, context, namespace)
