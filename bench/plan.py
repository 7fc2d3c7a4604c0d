"""How long and how large each phase of the run is: the full run and `--quick`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Plan:
    sizes: list[int] = field(default_factory=lambda: [100_000, 1_000_000])
    small: int = 10_000
    publish_each_s: float = 5.0
    pipelined: int = 50_000
    copy_rows: int = 200_000
    load_s: tuple[float, float] = (20.0, 30.0)  # 1 client, 32 clients
    lag_s: float = 30.0
    lag_probes: int = 500
    lag_rate: float = 1000.0
    scale_s: float = 15.0
    scale_max: int = 3000
    peer_s: tuple[float, float] = (8.0, 10.0)
    peer_timeout: float = 90.0
    auth_commands: int = 1000
    report_calls: int = 20  # per report, at the largest size
    report_budget_s: float = 60.0  # per report: a slow one is called fewer times (at least 3)
    profile_s: float = 8.0  # each profiled re-run (bench/obstacles.py)
    profile_events: int = 150_000  # the profiled rebuild: the log's start, up to this
    rebuild_only: bool = False  # the services, the log grown, read and rebuild at `sizes`, RSS
    commands_only: int = 0  # rounds of commands and floors only, on the small log (0: not so)

    @classmethod
    def full(cls) -> Plan:
        return cls()

    @classmethod
    def quick(cls) -> Plan:
        return cls(sizes=[100_000], publish_each_s=2.0, pipelined=10_000, copy_rows=100_000,
                   load_s=(4.0, 6.0), lag_s=6.0, lag_probes=100, scale_s=4.0, scale_max=300,
                   peer_s=(3.0, 4.0), peer_timeout=30.0, auth_commands=600,
                   report_calls=10, report_budget_s=10.0, profile_s=3.0,
                   profile_events=50_000)
