"""Who developed a model, where they are, and which bloc that puts the model in.

All country attribution happens here, and only here. The chain is
(methods.md §2)::

    source string / Hub namespace --org_aliases--> organisation --rule--> ISO country --blocs--> bloc

The rules, stated once:

1. **Developer, not uploader.** A model is attributed to the organisation(s) that
   developed it. Re-uploaders and quantizers (``is_redistributor``: unsloth,
   bartowski, mlx-community, lmstudio-community, TheBloke, ...) are never
   developers: :meth:`Attribution.developer_for_namespace` returns ``None`` for them.
2. **Subsidiaries.** Corporate organisations (``big_tech``, ``startup``) take the
   headquarters country of their ultimate parent (``country_parent``): Alibaba's
   DAMO Academy in Singapore counts as Chinese, Microsoft Research Asia as US.
   Academic, government, non-profit and community bodies take their own
   location (``country_entity``).
3. **Hong Kong, Macau, Taiwan** keep their own ISO codes (HK, MO, TW) and are not
   part of the China bloc unless the user's bloc map says so.
4. **Multi-organisation models.** A model is Chinese if *any* developing
   organisation is attributed to the China bloc. Otherwise its bloc is the bloc
   shared by all its organisations, or, when they differ, the first-listed
   organisation's bloc (Epoch lists the lead developer first).
5. **Unknown stays unknown.** Individuals and organisations without a reviewed
   country get no country; their models fall in the ``Unknown`` bloc. Nothing is
   guessed from profile text, base models or hosting region.

The bloc map (``blocs.csv``: ISO code -> bloc; unlisted countries are "Rest of
world") is data: pass another file to :func:`load_attribution` to change it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import pycountry

from weightatlas.errors import InputError

CURATED_DIR = Path(__file__).resolve().parent / "data" / "curated"

CHINA = "China"
UNITED_STATES = "United States"
EUROPE = "Europe"
REST_OF_WORLD = "Rest of world"
UNKNOWN = "Unknown"
DEFAULT_BLOC_ORDER = (CHINA, UNITED_STATES, EUROPE, REST_OF_WORLD, UNKNOWN)

OrgType = Literal[
    "big_tech", "startup", "academic", "government_lab", "nonprofit", "community", "redistributor", "individual"
]
ORG_TYPES: frozenset[str] = frozenset(OrgType.__args__)  # type: ignore[attr-defined]
CORPORATE_TYPES = frozenset({"big_tech", "startup"})

# Country names as Epoch and other sources spell them, where pycountry's lookup fails
# or would be wrong. "Multinational" is deliberately unknown: no single base.
_COUNTRY_NAME_OVERRIDES: dict[str, str | None] = {
    "korea (republic of)": "KR",
    "south korea": "KR",
    "iran (islamic republic of)": "IR",
    "turkey": "TR",
    "russia": "RU",
    "uk": "GB",
    "usa": "US",
    "taiwan": "TW",
    "hong kong": "HK",
    "multinational": None,
    "international": None,
}


def normalize_org_key(name: str) -> str:
    """Case-insensitive, whitespace-collapsed key for organisation strings."""
    return " ".join(name.split()).casefold()


def country_code(name: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name or code as sources write it.

    Raises ``LookupError`` when the string is not a recognisable country.
    """
    text = " ".join(name.split())
    key = text.casefold()
    if key in _COUNTRY_NAME_OVERRIDES:
        return _COUNTRY_NAME_OVERRIDES[key]
    return pycountry.countries.lookup(text).alpha_2


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    country_entity: str | None
    country_parent: str | None
    org_type: str
    is_redistributor: bool
    parent: str | None = None
    source_url: str | None = None
    note: str | None = None

    @property
    def country(self) -> str | None:
        """The attribution country under rule 2 (parent HQ for corporate bodies)."""
        if self.org_type in CORPORATE_TYPES and self.country_parent:
            return self.country_parent
        return self.country_entity


@dataclass(frozen=True)
class FamilyRule:
    pattern: re.Pattern[str]
    family: str
    org_id: str


def portable_name(path: Path) -> str:
    """How output names an input file without depending on where it was built.

    A file shipped in the package is named relative to the package data folder
    (``curated/blocs.csv``); any other file by its name alone (pair it with a digest).
    """
    data_dir = CURATED_DIR.parent
    resolved = Path(path).resolve()
    if resolved.is_relative_to(data_dir):
        return resolved.relative_to(data_dir).as_posix()
    return resolved.name


class BlocMap:
    """ISO country -> bloc. Unlisted countries are "Rest of world"; no country is "Unknown"."""

    def __init__(self, mapping: dict[str, str], *, source: str = "built-in", sha256: str | None = None) -> None:
        self.mapping = dict(mapping)
        self.source = source  # portable: a path inside the package data folder, else the file name
        self.sha256 = sha256  # of the file read, so a custom map is identified wherever it lives

    @classmethod
    def load(cls, path: Path) -> BlocMap:
        mapping: dict[str, str] = {}
        for line, row in read_table(path, ("country", "bloc")):
            code = row["country"].strip().upper()
            if pycountry.countries.get(alpha_2=code) is None:
                raise InputError(path, f"not an ISO 3166-1 alpha-2 code: {code!r}", line=line, field="country")
            bloc = row["bloc"].strip()
            if not bloc or bloc == UNKNOWN:
                raise InputError(path, f"bloc must be a name other than {UNKNOWN!r}", line=line, field="bloc")
            if code in mapping:
                raise InputError(path, f"country {code} listed twice", line=line, field="country")
            mapping[code] = bloc
        return cls(mapping, source=portable_name(path), sha256=hashlib.sha256(Path(path).read_bytes()).hexdigest())

    def bloc(self, country: str | None) -> str:
        if not country:
            return UNKNOWN
        return self.mapping.get(country, REST_OF_WORLD)

    @property
    def blocs(self) -> tuple[str, ...]:
        """All blocs in display order: the defaults first, then any the user added."""
        extra = sorted(set(self.mapping.values()) - set(DEFAULT_BLOC_ORDER))
        return tuple(b for b in DEFAULT_BLOC_ORDER[:-2]) + tuple(extra) + (REST_OF_WORLD, UNKNOWN)

    def model_bloc(self, countries: list[str | None] | tuple[str | None, ...]) -> str:
        """Rule 4: China if any developer is in the China bloc, else shared or first bloc."""
        blocs = [self.bloc(c) for c in countries]
        known = [b for b in blocs if b != UNKNOWN]
        if not known:
            return UNKNOWN
        if CHINA in known:
            return CHINA
        return known[0]

    def digest(self) -> str:
        text = "\n".join(f"{k},{v}" for k, v in sorted(self.mapping.items()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class Attribution:
    """The loaded curated tables plus the lookups every other module uses."""

    def __init__(
        self,
        organizations: dict[str, Organization],
        aliases: dict[str, str],
        families: list[FamilyRule],
        blocs: BlocMap,
        *,
        digest: str = "",
    ) -> None:
        self.organizations = organizations
        self.aliases = aliases  # normalized alias -> org id
        self.families = families
        self.blocs = blocs
        self.digest = digest

    # -- organisations -------------------------------------------------------------
    def org(self, name: str) -> Organization | None:
        """The organisation a source string or Hub namespace names, or None if unknown."""
        key = normalize_org_key(name)
        org_id = self.aliases.get(key)
        if org_id is None and key in self._ids_folded:
            org_id = self._ids_folded[key]
        return self.organizations.get(org_id) if org_id else None

    @cached_property
    def _ids_folded(self) -> dict[str, str]:
        folded: dict[str, str] = {}
        for org in self.organizations.values():
            folded.setdefault(normalize_org_key(org.id), org.id)
            folded.setdefault(normalize_org_key(org.name), org.id)
        return folded

    def developer_for_namespace(self, namespace: str) -> Organization | None:
        """Rule 1: the developer behind a Hub namespace; None for redistributors and unknowns."""
        org = self.org(namespace)
        if org is None or org.is_redistributor:
            return None
        return org

    # -- model families --------------------------------------------------------------
    def family(self, name_key: str) -> FamilyRule | None:
        for rule in self.families:
            if rule.pattern.match(name_key):
                return rule
        return None


def read_table(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    # Imported here to keep attribution importable without the sources package cycle.
    from weightatlas.sources.base import read_csv

    return list(read_csv(path, required))


def _bool(value: str, path: Path, line: int, field: str) -> bool:
    text = value.strip().lower()
    if text in {"true", "yes", "1"}:
        return True
    if text in {"false", "no", "0", ""}:
        return False
    raise InputError(path, f"expected true or false, got {value!r}", line=line, field=field)


def _iso(value: str, path: Path, line: int, field: str) -> str | None:
    code = value.strip().upper()
    if not code:
        return None
    if pycountry.countries.get(alpha_2=code) is None:
        raise InputError(path, f"not an ISO 3166-1 alpha-2 code: {value!r}", line=line, field=field)
    return code


def load_organizations(path: Path) -> dict[str, Organization]:
    orgs: dict[str, Organization] = {}
    cols = ("id", "name", "country_entity", "country_parent", "org_type", "is_redistributor", "parent", "source_url", "note")
    for line, row in read_table(path, cols):
        org_id = row["id"].strip()
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", org_id):
            raise InputError(path, f"id must be a lowercase slug, got {org_id!r}", line=line, field="id")
        if org_id in orgs:
            raise InputError(path, f"duplicate organisation id {org_id!r}", line=line, field="id")
        org_type = row["org_type"].strip()
        if org_type not in ORG_TYPES:
            raise InputError(path, f"unknown org_type {org_type!r} (one of {', '.join(sorted(ORG_TYPES))})", line=line, field="org_type")
        url = row["source_url"].strip()
        if not re.match(r"https?://[^\s/]+\.[^\s]+$", url):
            raise InputError(path, f"source_url must be an http(s) URL, got {url!r}", line=line, field="source_url")
        entity = _iso(row["country_entity"], path, line, "country_entity")
        parent_country = _iso(row["country_parent"], path, line, "country_parent") or entity
        orgs[org_id] = Organization(
            id=org_id,
            name=row["name"].strip() or org_id,
            country_entity=entity,
            country_parent=parent_country,
            org_type=org_type,
            is_redistributor=_bool(row["is_redistributor"], path, line, "is_redistributor"),
            parent=row["parent"].strip() or None,
            source_url=url,
            note=row["note"].strip() or None,
        )
    return orgs


def load_aliases(path: Path, orgs: dict[str, Organization]) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for line, row in read_table(path, ("alias", "org_id", "kind")):
        alias = row["alias"].strip()
        if not alias:
            raise InputError(path, "alias is empty", line=line, field="alias")
        org_id = row["org_id"].strip()
        if org_id not in orgs:
            raise InputError(path, f"unknown org_id {org_id!r} (not in organizations.csv)", line=line, field="org_id")
        if row["kind"].strip() not in {"hf_namespace", "name"}:
            raise InputError(path, f"kind must be hf_namespace or name, got {row['kind']!r}", line=line, field="kind")
        key = normalize_org_key(alias)
        if key in aliases and aliases[key] != org_id:
            raise InputError(path, f"alias {alias!r} maps to both {aliases[key]!r} and {org_id!r}", line=line, field="alias")
        aliases[key] = org_id
    return aliases


def load_families(path: Path, orgs: dict[str, Organization]) -> list[FamilyRule]:
    rules: list[FamilyRule] = []
    for line, row in read_table(path, ("pattern", "family", "org_id")):
        try:
            pattern = re.compile(row["pattern"].strip())
        except re.error as exc:
            raise InputError(path, f"bad regular expression: {exc}", line=line, field="pattern") from exc
        org_id = row["org_id"].strip()
        if org_id not in orgs:
            raise InputError(path, f"unknown org_id {org_id!r} (not in organizations.csv)", line=line, field="org_id")
        rules.append(FamilyRule(pattern, row["family"].strip(), org_id))
    return rules


def load_attribution(curated_dir: Path | None = None, bloc_map: Path | None = None) -> Attribution:
    """Load the curated organisation, alias, family and bloc tables (validated)."""
    folder = curated_dir or CURATED_DIR
    files = [folder / "organizations.csv", folder / "org_aliases.csv", folder / "model_families.csv"]
    orgs = load_organizations(files[0])
    aliases = load_aliases(files[1], orgs)
    families = load_families(files[2], orgs)
    blocs = BlocMap.load(bloc_map or folder / "blocs.csv")
    digest = hashlib.sha256()
    for f in [*files, bloc_map or folder / "blocs.csv"]:
        digest.update(f.read_bytes())
    return Attribution(orgs, aliases, families, blocs, digest=digest.hexdigest()[:16])
