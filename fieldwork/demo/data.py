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

# (title, purpose, target role codes, Markdown content): published as version 1.
GUIDES = [
    ("Clinicians: workflow and trust",
     "How the AI tool changes reading, workflow and trust in image diagnostics.",
     ["RAD", "RGR", "PHY"],
     "## Workflow\n"
     "- How does the AI tool fit into your daily work?\n"
     "  - What changed compared with before?\n"
     "- Which examinations does it help with, and which not?\n"
     "## Trust\n"
     "- When do you rely on the tool's findings?\n"
     "  - And when not? Can you give an example?\n"
     "- Who is responsible when the tool and you disagree?\n"),
    ("Managers and governance",
     "Procurement, implementation and governance of AI in the trust and nationally.",
     ["MGR", "PL", "BRD", "DPO", "IT"],
     "## Procurement\n"
     "- How was the AI tool chosen and bought?\n"
     "  - Who took part in the decision?\n"
     "## Governance\n"
     "- Which national guidance or instruments did you use?\n"
     "- How are risk, data protection and quality followed up?\n"),
]

# (informant index in INFORMANTS, days from today, local start time, mode, place or link)
INTERVIEWS = [
    (0, 3, "09:00", "in-person", "Drammen sykehus, radiologisk avdeling, møterom 2"),
    (2, 5, "13:00", "video", "https://meet.example.org/vvht-pl"),
    (5, 8, "10:30", "in-person", "Sykehuset i Vestfold, Tønsberg, møterom Fjordglimt"),
    (10, 12, "14:00", "video", "https://meet.example.org/hso-pl"),
]

# (title, type, issuing organisation code or None, governance level, date, reference or URL,
#  status, themes, notes): the documents of the document analysis.
DOCUMENTS = [
    ("One inhabitant – one record (Meld. St. 9 (2012–2013) Én innbygger – én journal)",
     "white-paper", "HOD", "national", "2012-12-14", "Meld. St. 9 (2012–2013)", "analysed",
     ["digitalisation", "national coordination", "health records"],
     "The white paper that set the goal of **one record per inhabitant**.\n\n"
     "- Frames digitalisation as national coordination\n- Background for later e-health governance"),
    ("National Health and Hospital Plan 2020–2023 (Meld. St. 7 (2019–2020))",
     "white-paper", "HOD", "national", "2019-11-22", "Meld. St. 7 (2019–2020)", "analysed",
     ["AI", "national coordination", "hospital planning"],
     "Names artificial intelligence in diagnostics as an area to develop; compare with the "
     "regional strategy."),
    ("Regional strategy for artificial intelligence 2022–2025", "strategy", "HSØ", "regional",
     "2022-03-24", "https://www.helse-sorost.no/", "obtained",
     ["AI", "regional governance", "procurement"],
     "Regional priorities and the shared *AI infrastructure*; check the section on image "
     "diagnostics."),
    ("Board minutes: introduction of AI-supported fracture detection", "board-minutes", "VVHT",
     "local", "2023-06-15", "Board case 045/2023", "obtained",
     ["AI", "local decision-making", "procurement"],
     "Decision to start a pilot in the imaging clinic; risk assessment attached."),
    ("Tender documents: decision support for image diagnostics", "procurement", "HSØ", "regional",
     "2023-01-30", "Doffin reference 2023-300117", "identified",
     ["procurement", "vendor relations", "regional governance"],
     "Requirements on CE marking, data processing agreements and local validation."),
    ("Guidance on the use of artificial intelligence in the health service", "guidance", "NDE",
     "national", "2024-05-02", "https://www.ehelse.no/", "identified",
     ["AI", "regulation", "data protection"], ""),
]

# (organisation code, role code, target): the sampling targets of the matrix.
SAMPLING_TARGETS = [
    ("VVHT", "RAD", 3), ("VVHT", "RGR", 2), ("VVHT", "PL", 1), ("VVHT", "MGR", 1),
    ("VVHT", "DPO", 1), ("VHT", "RAD", 3), ("VHT", "RGR", 2), ("VHT", "PHY", 1),
    ("VHT", "IT", 1), ("VHT", "MGR", 1), ("HSØ", "PL", 1), ("HSØ", "BRD", 1), ("HOD", "MGR", 1),
    ("NDE", "PL", 1), ("NEB", "BRD", 1), ("VEND", "VEN", 1),
]
