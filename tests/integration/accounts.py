"""A hand-made nats-server configuration in the shape of `pulih auth init`'s (the generator is
not needed to test what the command edge reads): the services' account `PULIH` exports the
command service; each prison's account imports its own commands with `share: true`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import nats
import nkeys

from deploy.embedded import RunningServer, start_nats
from tests.unit.identities_kit import member, officer, write


@dataclass(frozen=True)
class Key:
    seed: str
    public: str

    @classmethod
    def new(cls) -> Key:
        seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
        return cls(seed.decode(), nkeys.from_seed(bytearray(seed)).public_key.decode())

    async def connect(self, url: str, **kwargs) -> nats.NATS:
        return await nats.connect(url, nkeys_seed_str=self.seed, **kwargs)


@dataclass(frozen=True)
class Accounts:
    services: Key
    officers: dict[tuple[str, str], Key]  # (prison, name) → key

    @classmethod
    def new(cls, *officers: tuple[str, str]) -> Accounts:
        return cls(Key.new(), {who: Key.new() for who in officers})

    def config(self) -> str:
        prisons = sorted({prison for prison, _ in self.officers})
        lines = ["accounts {", "  PULIH: {", "    jetstream: enabled",
                 f"    users: [{{nkey: {self.services.public}}}]",
                 '    exports: [{service: "pulih.commands.>"}]', "  }"]
        for prison in prisons:
            keys = [k.public for (p, _), k in self.officers.items() if p == prison]
            lines += [f"  {json.dumps('prison-' + prison)}: {{",
                      f"    users: [{', '.join(f'{{nkey: {k}}}' for k in keys)}]",
                      "    imports: [{service: {account: PULIH, subject: "
                      f'"pulih.commands.{prison}.>"}}, share: true}}]', "  }"]
        return "\n".join([*lines, "}", ""])

    def identities(self, directory: Path) -> Path:
        """identities.json for these keys, as `pulih auth init` would write it."""
        return write(directory, member("services", self.services.public),
                     *(officer(p, n, k.public) for (p, n), k in self.officers.items()))

    def start(self, data_dir: Path) -> RunningServer:
        return start_nats(data_dir, extra_config=self.config())
