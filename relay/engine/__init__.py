"""The generation engine: runs a route's targets and appends what they write to a stream.

* `generation` the target chain and the stream's one terminal event (`Generation`)
* `attempt`    one upstream read with its stall watchdog, and the stop flag
* `text`       the text path: hold-back, seam repair, what was sent
* `reporter`   progress and cost events, failovers, the audit record
* `failures`   an attempt's failure and the `error` event's codes and messages
"""

from .failures import AttemptFailed, error_data
from .generation import EngineServices, Generation, GenerationRequest

__all__ = ["AttemptFailed", "EngineServices", "Generation", "GenerationRequest", "error_data"]
