"""One importer per registry entity; :data:`IMPORTERS` is what services and views look up."""

from __future__ import annotations

from edugov.imports.entities.classes import ClassImporter
from edugov.imports.entities.institutions import InstitutionImporter
from edugov.imports.entities.staff import StaffImporter
from edugov.imports.entities.students import StudentImporter
from edugov.imports.pipeline import Importer

IMPORTERS: dict[str, Importer] = {
    importer.entity: importer
    for importer in (InstitutionImporter(), ClassImporter(), StudentImporter(), StaffImporter())
}
