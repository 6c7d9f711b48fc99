"""Whether a seg binary or libseg needs AddressSanitizer's runtime
(tests/sanitize.sh builds them so): shared by the Python tests that must
skip or relax a check under ASan."""
import subprocess


def built_with_asan(path):
    """True when the ELF file at path links libasan."""
    try:
        out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "libasan" in out
