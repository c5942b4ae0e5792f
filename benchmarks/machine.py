"""The machine a benchmark ran on: the CPU's model name and the flags that decide the models' speed."""

from __future__ import annotations

import platform
from pathlib import Path

CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_tile", "amx_bf16", "amx_int8")


def cpu_info() -> dict:
    """{"cpu_model": name, "cpu_flags": [the CPU_FLAGS it has]} from Linux /proc/cpuinfo."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    except OSError:
        pass
    return {"cpu_model": model, "cpu_flags": [f for f in CPU_FLAGS if f in flags]}


def cpu_model() -> str:
    return cpu_info()["cpu_model"]
