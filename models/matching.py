"""What the matching engine keeps beside the domain tables: the volunteer pool's generation.

Each API process holds every volunteer's matching columns in memory (services.matching).
Any write to volunteers or employers stamps a new generation here in the same transaction,
so every process, on any machine, sees at its next ranking that its copy is stale.
"""

import uuid

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class PoolGeneration(Base):
    __tablename__ = "matching_pool_generations"

    pool: Mapped[str] = mapped_column(String(40), primary_key=True)
    generation: Mapped[uuid.UUID]
