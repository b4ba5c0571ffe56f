"""What the matching engine keeps beside the domain tables: the volunteer pool's stamp and
its change log.

Each API process holds every volunteer's matching columns in memory (services.matching).
Any write to volunteers or employers bumps `sequence` on the pool's row and logs, under
that number, which volunteers or employers it touched (`PoolChange`), in the same
transaction. The bump takes the row's lock until commit, so sequence numbers are committed
in order: a process that sees sequence N has every change up to N to read, and refreshes
only those volunteers. A new `generation` (a bulk load) tells every process to reload all.
"""

import uuid

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class PoolGeneration(Base):
    __tablename__ = "matching_pool_generations"

    pool: Mapped[str] = mapped_column(String(40), primary_key=True)
    generation: Mapped[uuid.UUID]
    sequence: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class PoolChange(Base):
    """One volunteer or employer written by the change numbered `sequence`."""

    __tablename__ = "matching_pool_changes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    sequence: Mapped[int] = mapped_column(BigInteger, index=True)
    volunteer_id: Mapped[uuid.UUID | None]
    employer_id: Mapped[uuid.UUID | None]
