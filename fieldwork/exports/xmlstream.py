"""XML written to a file as it is made, for exports too large to hold as a tree: the standard
library's SAX XMLGenerator does the escaping and the encoding; this adds the sections of a
REFI-QDA project, which must be left out when empty."""

import io
import re
import shutil
from xml.sax.saxutils import XMLGenerator

# Characters XML 1.0 cannot hold (a pasted note may carry them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value):
    """`value` as text XML can hold."""
    return _NOT_XML.sub("", str(value))


class XmlWriter:
    """Elements written to a binary `file` as they come, buffered in 64 KiB. A top-level
    section (`within`) is opened before its first element and closed before the next, so a
    section with nothing in it is left out."""

    def __init__(self, file):
        self.file = file
        self.text = io.TextIOWrapper(_Unclosed(file), encoding="utf-8", newline="")
        self.generator = XMLGenerator(self.text, encoding="utf-8", short_empty_elements=True)
        self.section = None

    def declaration(self):
        self.generator.startDocument()

    def start(self, tag, attributes=None):
        self.generator.startElement(tag, attributes or {})

    def end(self, tag):
        self.generator.endElement(tag)

    def element(self, tag, attributes=None, text=None):
        self.start(tag, attributes)
        if text:
            self.generator.characters(text)
        self.end(tag)

    def within(self, section):
        """Elements from here on go into top-level `section` (None: into the root)."""
        if section != self.section:
            if self.section:
                self.end(self.section)
            if section:
                self.start(section)
            self.section = section

    def copy_from(self, file):
        """The bytes of `file` (XML written by another writer) as they are."""
        self.flush()
        file.seek(0)
        shutil.copyfileobj(file, self.file)

    def flush(self):
        self.text.flush()


class _Unclosed(io.RawIOBase):
    """`file` for a TextIOWrapper that must not close it (the zip entry closes itself)."""

    def __init__(self, file):
        self.file = file

    def writable(self):
        return True

    def write(self, data):
        return self.file.write(data)
