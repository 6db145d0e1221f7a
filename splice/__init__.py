"""Invisible seams for mid-stream failover: the pure text logic (no I/O).

* `HoldBack`      withholds the trailing partial word of the primary's stream
* `RollingBuffer` keeps the last ~200 tokens sent, for seam repair
* `build_continuation` asks a fallback to continue (in one of the four continuation modes)
* `SeamRepair`    splices the fallback's output on without repeats or gaps

See docs/splice.md.
"""

from .buffer import RollingBuffer
from .holdback import HoldBack
from .prompt import CONTINUATION_MODES, ContinuationMode, ContinuationRequest, build_continuation
from .seam import SeamRepair, SpliceResult, repair

__all__ = [
    "HoldBack",
    "RollingBuffer",
    "CONTINUATION_MODES",
    "ContinuationMode",
    "ContinuationRequest",
    "build_continuation",
    "SeamRepair",
    "SpliceResult",
    "repair",
]
