"""XML that is always well-formed, whatever text the data hold.

XML 1.0 forbids most control characters (U+0000-U+001F except tab, line feed and
carriage return), U+FFFE, U+FFFF and unpaired surrogates, even escaped: a name with a
stray BEL character from a badly exported file would make a KML or GPX file that
Google Earth, Ovi maps and GDAL refuse. :func:`xml_bytes` removes them from every text
and attribute of an ElementTree before serialising it; ``<``, ``>``, ``&`` and quotes
are escaped by ElementTree itself.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

__all__ = ["xml_bytes", "xml_safe"]


_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _ILLEGAL.sub("", text)


def xml_bytes(root: ET.Element, *, indent: bool = False) -> bytes:
    """UTF-8 XML (with declaration) of ``root``, every text and attribute made safe."""
    for element in root.iter():
        if element.text:
            element.text = xml_safe(element.text)
        if element.tail:
            element.tail = xml_safe(element.tail)
        for key, value in list(element.attrib.items()):
            element.attrib[key] = xml_safe(value)
    if indent:
        ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
