"""screens/code_pages: a library's code pages given back, and the library still runs."""

from __future__ import annotations

import glob
import json
import subprocess
import sys

from screens.code_pages import CodeMapping, code_mappings, resident_kb

MAPS = """\
7f0000000000-7f0000100000 r--p 00000000 08:01 11 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
7f0000100000-7f0006000000 r-xp 00100000 08:01 11 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
7f0006000000-7f0006800000 r--p 06000000 08:01 11 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
7f0006800000-7f0006900000 rw-p 06800000 08:01 11 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
7f0007000000-7f0007100000 r-xp 00001000 08:01 12 /usr/lib/x86_64-linux-gnu/libc.so.6
7f0008000000-7f0008100000 r-xp 00000000 00:00 0
7f0009000000-7f0009100000 r-xp 00000000 08:01 13 /opt/notLLVM/libfoo.so
"""


def test_only_the_named_librarys_executable_mappings_are_chosen():
    # not its headers, RELRO or data (written at load), not libc, not anonymous code, and the
    # name is matched on the file's name, not a folder's
    assert code_mappings(["libLLVM"], MAPS) == [
        CodeMapping(0x7F0000100000, 0x7F0006000000, "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1")
    ]
    assert code_mappings(["libnothing"], MAPS) == []


def test_resident_kb_sums_the_chosen_mappings_only():
    smaps = """\
7f0000100000-7f0006000000 r-xp 00100000 08:01 11 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1
Size:              97280 kB
Rss:               41000 kB
Pss:               20500 kB
7f0007000000-7f0007100000 r-xp 00001000 08:01 12 /usr/lib/x86_64-linux-gnu/libc.so.6
Size:               1024 kB
Rss:                 900 kB
"""
    chosen = code_mappings(["libLLVM"], MAPS)
    assert resident_kb(chosen, smaps) == 41000  # LLVM's 41000, not libc's 900 beside it


_CHILD = r"""
import ctypes, json, sys
from screens import code_pages
lib = ctypes.CDLL(sys.argv[1])
mine = code_pages.code_mappings(["libLLVM"])
before = code_pages.resident_kb(mine)
given = code_pages.release(["libLLVM"])
after = code_pages.resident_kb(mine)
# LLVM still works: a context, a module, the module printed back as text
lib.LLVMContextCreate.restype = ctypes.c_void_p
lib.LLVMModuleCreateWithNameInContext.restype = ctypes.c_void_p
lib.LLVMModuleCreateWithNameInContext.argtypes = (ctypes.c_char_p, ctypes.c_void_p)
lib.LLVMPrintModuleToString.restype = ctypes.c_void_p
lib.LLVMPrintModuleToString.argtypes = (ctypes.c_void_p,)
ctx = lib.LLVMContextCreate()
mod = lib.LLVMModuleCreateWithNameInContext(b"kiosk_probe", ctx)
text = ctypes.string_at(lib.LLVMPrintModuleToString(mod)).decode()
print(json.dumps({"before": before, "given": given, "after": after, "text": text}))
"""


def test_llvms_code_goes_back_and_llvm_still_runs():
    """In a process of its own (the test runner keeps its pages): loaded, libLLVM's static
    constructors leave tens of MB of its code resident; given back, a few hundred kB come back
    when LLVM runs again."""
    found = sorted(glob.glob("/usr/lib/*/libLLVM-*.so*"))
    assert found, "Mesa's llvmpipe needs libLLVM: setup installs it with libgl1-mesa-dri"
    run = subprocess.run(
        [sys.executable, "-c", _CHILD, found[-1]], capture_output=True, text=True, check=True
    )
    got = json.loads(run.stdout)
    assert got["before"] > 20_000  # kB: the loading's pages
    assert got["given"] > 0.9 * got["before"]
    assert got["after"] < got["before"] / 10
    assert "kiosk_probe" in got["text"]  # ; ModuleID = 'kiosk_probe'
