"""The card + PSAM emulator, served to pcscd through vsmartcard vpcd.

`python -m cardio.emulator serve` runs it; `insert PROFILE`, `remove`, `fault N`, `status`,
`stop` control a running one through the Unix socket in its run dir (see server.py).
"""

from cardio.emulator.card import EmulatedCard
from cardio.emulator.profile import CardProfile, ProfileError, find_profile, load_profile
from cardio.emulator.psam import EmulatedPsam

__all__ = [
    "CardProfile",
    "EmulatedCard",
    "EmulatedPsam",
    "ProfileError",
    "find_profile",
    "load_profile",
]
