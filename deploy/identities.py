"""The embedded NATS server's identities: secure by default.

On the first start on a data dir, `pulih up` creates them under `$PULIH_DATA_DIR/identities/`
(or PULIH_NATS_CREDENTIALS when it names a directory without a config yet), as
`pulih auth init` would: the service identities, one prison per demo prison with its `demo`
officer (the demo loads through it), an example subscriber of that prison's events, and the
Kanwil `kanwil-jatim` covering the demo prisons with its user `demo` (who sets their Kanwil and
quotas: `region-kanwil-jatim-demo.nk`, actor `region:kanwil-jatim:demo`). Later
starts keep them; `pulih auth init` on the same directory adds more. Only paths are logged,
never a seed.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from deploy.demo import DEMO_OFFICER, PRISONS
from ops.auth_cli import CONFIG, write
from shared.bus import command_subject
from shared.credentials import inbox_prefix, officer, seed_file
from shared.settings import Settings

log = structlog.get_logger(__name__)
DIRECTORY = "identities"
EXAMPLE_SUBSCRIBER = "example"
DEMO_KANWIL = "kanwil-jatim"


def embedded_credentials(settings: Settings) -> Path:
    """The credentials directory of the embedded server, created on first use."""
    directory = settings.nats_credentials or settings.data_dir / DIRECTORY
    if not (directory / CONFIG).exists():
        write(directory, PRISONS, [f"{p}:{DEMO_OFFICER}" for p in PRISONS],
              [f"{EXAMPLE_SUBSCRIBER}=pulih.events.{PRISONS[0]}.>"],
              [f"{DEMO_KANWIL}={','.join(PRISONS)}"], [f"{DEMO_KANWIL}:{DEMO_OFFICER}"])
        log.info("nats_identities_created", credentials=str(directory))
    return directory


def how_to_connect(directory: Path, nats_url: str) -> None:
    prison = PRISONS[0]
    identity = officer(prison, DEMO_OFFICER)
    seed = seed_file(directory, identity)
    subject = command_subject(prison, "agreements", "SignAgreement")
    log.info("nats_credentials", credentials=str(directory), officer_seed=str(seed),
             command=f"nats req --server {nats_url} --nkey {seed} "
                     f"--inbox-prefix {inbox_prefix(identity)} {subject} '<command JSON>'",
             more="pulih auth init DIR --prison P --officer P:NAME --subscriber NAME=FILTER")
