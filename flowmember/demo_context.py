"""What each package's ``seed_demo(ctx)`` receives from the demo loader (:mod:`flowmember.demo`):
the orgs, staff and members already made, the random source and the day the demo is built for.
Its own module, so that the seeders can name it without importing the loader that calls them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from flowmember.accounts.models import User
from flowmember.members.models import Member
from flowmember.orgs.models import Org

#: Every demo login's password (staff and members).
DEMO_PASSWORD = "flowmember-demo"


@dataclass
class DemoContext:
    rng: random.Random
    today: date
    #: By key: "city", "centre", "grad1" ... (flowmember.demo._build_orgs).
    orgs: dict[str, Org] = field(default_factory=dict)
    #: By username.
    staff: dict[str, User] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)
    #: Lines the ``flowmember demo`` command prints.
    summary: list[str] = field(default_factory=list)
    password: str = DEMO_PASSWORD
