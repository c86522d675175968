"""What extraction returns: a :class:`PlanningRecord` whose every value carries verbatim :class:`Evidence`."""

from __future__ import annotations

from pydantic import BaseModel, Field

# Application types: the suffix of an Isle of Man ``PA Ref`` (YY/NNNNN/TYPE), also read from the wording.
APPLICATION_TYPES: dict[str, str] = {
    "B": "full planning permission (building or engineering works)",
    "A": "approval in principle (outline)",
    "REM": "reserved matters, following an approval in principle",
    "C": "change of use",
    "D": "advertisement consent (signs)",
    "CON": "registered building consent",
    "GB": "works to, or in the setting of, a registered building / conservation area consent",
    "LAW": "certificate of lawful use or development",
    "TEL": "telecommunications (prior notification / deemed consent)",
    "VAR": "variation or removal of a condition",
}

# The fixed vocabulary of kinds of works a proposal can hold (a proposal may hold several).
WORKS: tuple[str, ...] = (
    "new dwellings",             # erection, conversion or subdivision creating homes
    "extension",                 # extensions, conservatories, porches, dormers adding floor space
    "alterations",               # alterations to an existing building, incl. roof/façade changes
    "change of use",             # use of land or a building changes
    "demolition",                # demolition or removal of a building or structure
    "replacement windows/doors",
    "advertisement",             # signs, signage, advertisement hoardings
    "agricultural building",     # farm buildings, stables, polytunnels, agricultural sheds
    "registered building works",  # works to a registered (listed) building
    "tree works",                # felling, lopping, works to protected trees
    "lawful use",                # certificate of lawful use or development
    "outbuilding",               # garages, sheds, garden rooms, car ports
    "access and parking",        # vehicular access, driveways, parking areas
    "boundary treatment",        # walls, fences, gates, railings
    "engineering works",         # earthworks, infill, retaining walls, drainage
    "telecommunications",        # masts, antennae, equipment cabinets
    "renewable energy",          # solar panels, wind turbines, heat pumps
)

FIELDS: tuple[str, ...] = (
    "application_type", "works", "dwellings", "storeys", "retrospective", "related_references",
    "registered_building_number", "postcode", "settlement",
)


class Evidence(BaseModel, frozen=True):
    """A verbatim span of the input that a value came from: ``text == source_text[start:end]``."""

    field: str
    text: str
    start: int
    end: int
    source: str  # "description" | "address"


class PlanningRecord(BaseModel):
    """The checked fields of one planning application, each with its evidence and how it was found."""

    reference: str | None = None
    description: str
    address: str | None = None
    application_type: str | None = None
    works: list[str] = Field(default_factory=list)
    dwellings: int | None = None
    storeys: int | None = None
    retrospective: bool = False
    related_references: list[str] = Field(default_factory=list)
    registered_building_number: str | None = None
    postcode: str | None = None
    settlement: str | None = None
    evidence: dict[str, list[Evidence]] = Field(default_factory=dict)
    method: dict[str, str] = Field(default_factory=dict)  # field -> "parser" | "model" | "none"
    flags: list[str] = Field(default_factory=list)

    def source_text(self, source: str) -> str:
        """The text an evidence span points into ("description" or "address")."""
        return self.description if source == "description" else (self.address or "")

    def values(self) -> dict:
        """The extracted fields only (no evidence, method or flags), as plain Python values."""
        return {name: getattr(self, name) for name in FIELDS}

    def _repr_html_(self) -> str:
        """A notebook shows the record as the planning app does: evidence marked, value and method per field, flags."""
        from kit.planning.view import page

        return page(self)
