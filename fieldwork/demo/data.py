"""The demo data set. Organisations are the study's real ones; every person is invented."""

ORGANISATIONS = [
    ("Vestre Viken HT", "VVHT", "local"),
    ("Vestfold HT", "VHT", "local"),
    ("Helse Sør-Øst RHF", "HSØ", "regional"),
    ("Ministry of Health and Care Services", "HOD", "national"),
    ("Norwegian Directorate of e-health", "NDE", "national"),
    ("National e-Health Board", "NEB", "national"),
    ("Norwegian Centre for E-health Research", "NSE", "research"),
    ("Nordic Imaging AI AS", "VEND", "vendor"),
]

ROLES = [
    ("Radiologist", "RAD"),
    ("Radiographer", "RGR"),
    ("Medical physicist", "PHY"),
    ("Project lead", "PL"),
    ("IT/security", "IT"),
    ("Clinic manager", "MGR"),
    ("Data protection officer", "DPO"),
    ("Board member", "BRD"),
    ("Vendor", "VEN"),
]

# (name, organisation code, role code, job title, language, status)
INFORMANTS = [
    ("Kari Nordmann", "VVHT", "RAD", "Senior consultant, thoracic radiology", "nb", "agreed"),
    ("Ola Berg", "VVHT", "RGR", "Radiographer, CT section", "nb", "contacted"),
    ("Ingrid Haugen", "VVHT", "PL", "AI implementation project lead", "nb", "interviewed"),
    ("Per Solberg", "VVHT", "MGR", "Head of the imaging clinic", "nb", "identified"),
    ("Sofie Lund", "VVHT", "DPO", "Data protection officer", "nb", "identified"),
    ("Lars Dahl", "VHT", "RAD", "Consultant, musculoskeletal radiology", "nb", "agreed"),
    ("Marte Aas", "VHT", "PHY", "Medical physicist", "nb", "contacted"),
    ("Jonas Eide", "VHT", "IT", "Information security adviser", "nb", "identified"),
    ("Hanne Strand", "VHT", "MGR", "Section manager, radiology", "nb", "declined"),
    ("Erik Moen", "HSØ", "PL", "Regional programme manager, imaging AI", "nb", "agreed"),
    ("Anne Bakke", "HSØ", "BRD", "Board member", "nb", "identified"),
    ("Thomas Nilsen", "HOD", "MGR", "Senior adviser, specialist health services", "nb", "contacted"),
    ("Silje Ruud", "NDE", "PL", "Head of AI guidance", "nb", "agreed"),
    ("Martin Lie", "NEB", "BRD", "Member of the National e-Health Board", "nb", "identified"),
    ("Emma Johansen", "NSE", "PL", "Researcher", "en", "identified"),
    ("David Clarke", "VEND", "VEN", "Customer success manager", "en", "contacted"),
]
