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

# Interviews already held, with consent (indexes as in CONSENTS): (informant index, days ago,
# local start time, mode, place or link, transcript stage reached, recording registered).
PAST_INTERVIEWS = [
    (0, 45, "10:00", "in-person", "Drammen sykehus, radiologisk avdeling, møterom 2", "coded", True),
    (9, 31, "13:00", "video", "https://meet.example.org/vht-rad", "checked", True),
    (12, 24, "09:30", "video", "https://meet.example.org/hso-brd", "pseudonymised", True),
    (14, 10, "14:00", "in-person", "Sykehuset i Vestfold, Tønsberg, møterom Fjordglimt",
     "in-progress", True),
    (2, 4, "11:00", "video", "https://meet.example.org/vvht-pl", "none", False),
]

# Consent forms (language, title, version, approval reference, information letter in Markdown):
# both active, with the four standard items.
CONSENT_FORMS = [
    ("nb", "Informasjonsskriv og samtykke: KI i bildediagnostikk", "1.0", "Sikt 482913", """\
## Vil du delta i forskningsprosjektet *KI i bildediagnostikk*?

Dette er et spørsmål til deg om å delta i et forskningsprosjekt der formålet er å forstå hvordan
kunstig intelligens (KI) tas i bruk i radiologien ved norske helseforetak. I dette skrivet gir vi
deg informasjon om målene for prosjektet og hva deltakelse vil innebære for deg.

### Hvem er ansvarlig for forskningsprosjektet?
Universitetet er ansvarlig for prosjektet. Prosjektet er vurdert av Sikt – Kunnskapssektorens
tjenesteleverandør.

### Hvorfor får du spørsmål om å delta?
Du får spørsmål fordi du i din rolle arbeider med, beslutter om eller påvirker innføringen av
KI-verktøy i radiologien.

### Hva innebærer det for deg å delta?
Et intervju på om lag 60 minutter, fysisk eller på video. Med ditt samtykke tar vi opp intervjuet
på lyd; opptaket transkriberes og slettes når transkripsjonen er kontrollert.

### Det er frivillig å delta
Du kan når som helst trekke samtykket tilbake uten å oppgi grunn. Alle opplysninger om deg vil da
bli slettet eller avgrenset. Det får ingen negative konsekvenser for deg.

### Ditt personvern
Vi behandler opplysningene konfidensielt og i samsvar med personvernregelverket. I analysen
erstattes navnet ditt med en kode. Prosjektet avsluttes 31.12.2027; da slettes opptak og
koblingsnøkkel.

### Dine rettigheter
Du har rett til innsyn, retting, sletting, begrensning og dataportabilitet, og til å klage til
Datatilsynet. Vi behandler opplysninger om deg basert på ditt samtykke.
"""),
    ("en", "Information letter and consent: AI in image diagnostics", "1.0", "Sikt 482913", """\
## Do you want to take part in the research project *AI in image diagnostics*?

This is an inquiry about taking part in a research project that aims to understand how
artificial intelligence (AI) is introduced in radiology at Norwegian hospital trusts. This letter
tells you about the aims of the project and what taking part involves for you.

### Who is responsible for the project?
The university is responsible for the project. The project has been assessed by Sikt – the
Norwegian Agency for Shared Services in Education and Research.

### Why are you being asked?
You are asked because your role involves working with, deciding on or shaping the introduction
of AI tools in radiology.

### What does taking part involve?
An interview of about 60 minutes, in person or by video. With your consent the interview is
audio recorded; the recording is transcribed and deleted once the transcript has been checked.

### Taking part is voluntary
You can withdraw your consent at any time without giving a reason. All information about you will
then be deleted or restricted. There are no negative consequences for you.

### Your privacy
We treat your information confidentially and in line with data protection law. In the analysis
your name is replaced by a code. The project ends on 31 December 2027, when recordings and the
key linking codes to names are deleted.

### Your rights
You have the right to access, rectify, erase, restrict and port your data, and to complain to the
Norwegian Data Protection Authority. We process your data on the basis of your consent.
"""),
]

# (informant index in INFORMANTS, consent state, items not consented to, method):
# states are given, requested, declined and withdrawn; informants not listed are not yet asked.
CONSENTS = [
    (0, "given", [], "signed-paper"),
    (2, "given", ["audio_recording"], "signed-paper"),
    (9, "given", [], "oral-recording"),
    (12, "given", ["re_contact"], "signed-paper"),
    (14, "given", ["direct_quotation"], "signed-paper"),
    (1, "requested", [], None),
    (5, "requested", [], None),
    (8, "declined", [], "signed-paper"),
    (6, "withdrawn", [], "signed-paper"),
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
