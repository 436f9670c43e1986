"""What a Write or Read works on: the committed pipeline's P4Info index, the
engine switch running it, and the server-side state that belongs to that
pipeline (one-shot groups, digest configuration). Replaced as a whole when a
new pipeline is committed, so no update can mix two pipelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from p4sim.runtime.oneshot import OneShotState
from p4sim.runtime.p4info_index import P4InfoIndex

if TYPE_CHECKING:
    from p4sim.runtime.digests import DigestManager
    from p4sim.runtime.idle import IdleMonitor


@dataclass
class Context:
    idx: P4InfoIndex
    sw: Any  # p4sim.engine.Switch
    digests: DigestManager
    idle: IdleMonitor | None = None
    oneshot: OneShotState = field(default_factory=OneShotState)

    def stop(self) -> None:
        """Ends the pipeline's background work (digest timer, idle sweeps)."""
        self.digests.stop()
        if self.idle is not None:
            self.idle.stop()
