"""XMP sidecars: read other apps' ratings and labels, write culler's decisions without losing theirs.

Names: `IMG_0001.xmp` (Adobe, Capture One, Photo Mechanic: `sidecar_path_for(p, 'adobe')`) and
`IMG_0001.CR3.xmp` (darktable, digiKam: `sidecar_path_for(p, 'darktable')`).

Mapping (culler.core.picks_as says how a pick is made visible elsewhere; default rating:1,flag):
    culler decision          written                                             read back as
    reject                   xmp:Rating=-1, xmpDM:pick=-1 (Tagged=False)          reject (stars are lost)
    pick, N stars (N 0-5)    xmp:Rating=max(N, convention), xmpDM:pick=1,
                             photomechanic:Tagged=True with "flag"               pick, those stars
    no flag, N stars         xmp:Rating=N, xmpDM:pick=0 (Tagged=False)            N stars
    label (Red...Purple)     xmp:Label=<name>; label None removes it             that label
Accepted keywords (write_sidecar's `keywords`) are added to dc:subject, every level of a hierarchy,
and lr:hierarchicalSubject ("Parent|Child"), both rdf:Bag, keeping the keywords already there;
`read_keywords` reads them back from any app's sidecar.
xmpDM:pick is Adobe's "pick or reject" field (Lightroom Classic 13.2+, Bridge, Premiere).
photomechanic:Tagged is kept in step whenever the sidecar has it, even with "flag" off.
Reading also accepts digiKam:PickLabel (1 rejected, 3 accepted) and darktable:colorlabels when
xmp:Label is absent; a sidecar with no flag field at all is a pick when its stars or label match
the convention. Ratings and labels are read whether they are attributes of rdf:Description or
child elements. `packet_rating` reads the rating of an XMP packet embedded in a photo (set in the camera).

Safety: sidecars are parsed with defusedxml with DTDs forbidden, so entity expansion ("billion
laughs") and external entities are refused: such a file reads as no decision plus a reason, and
is never overwritten. Writing merges into the existing packet through a DOM that keeps every
prefix, namespace, field, comment and processing instruction of other apps untouched, creates
x:xmpmeta/rdf:RDF/rdf:Description when missing, and replaces the file atomically (temp + rename).
"""

from __future__ import annotations

import os
import stat
import tempfile
import unicodedata
from pathlib import Path

from culler.core.picks_as import DEFAULT as DEFAULT_PICKS_AS
from culler.core.picks_as import PicksAs
from culler.core.records import LABELS, Decision

NS_X = "adobe:ns:meta/"
NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_XMP = "http://ns.adobe.com/xap/1.0/"
NS_XMPDM = "http://ns.adobe.com/xmp/1.0/DynamicMedia/"
NS_DARKTABLE = "http://darktable.sf.net/"
NS_DIGIKAM = "http://www.digikam.org/ns/1.0/"
NS_PHOTOMECHANIC = "http://ns.camerabits.com/photomechanic/1.0/"
NS_XMLNS = "http://www.w3.org/2000/xmlns/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_LR = "http://ns.adobe.com/lightroom/1.0/"

MAX_SIDECAR_BYTES = 32 * 1024 * 1024
_DARKTABLE_LABELS = {"0": "Red", "1": "Yellow", "2": "Green", "3": "Blue", "4": "Purple"}
# Lightroom writes the label's display name, which users (and translations) can change.
_LABEL_ALIASES = {"rot": "Red", "gelb": "Yellow", "grün": "Green", "blau": "Blue", "lila": "Purple",
                  "rouge": "Red", "jaune": "Yellow", "vert": "Green", "bleu": "Blue", "violet": "Purple",
                  "rojo": "Red", "amarillo": "Yellow", "verde": "Green", "azul": "Blue", "morado": "Purple",
                  "rosso": "Red", "giallo": "Yellow", "blu": "Blue", "viola": "Purple", "purple": "Purple"}

_EMPTY_PACKET = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="culler">\n'
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    '  <rdf:Description rdf:about=""/>\n'
    ' </rdf:RDF>\n'
    '</x:xmpmeta>\n'
    '<?xpacket end="w"?>'
)


class SidecarError(ValueError):
    """An existing sidecar that culler will not merge into (unsafe or not XMP); it is left as is."""


def sidecar_path_for(photo_path: Path, style: str = "adobe") -> Path:
    """Where a sidecar goes: IMG.xmp ('adobe') or IMG.EXT.xmp ('darktable')."""
    photo_path = Path(photo_path)
    if style == "adobe":
        return photo_path.with_suffix(".xmp")
    if style == "darktable":
        return photo_path.with_name(photo_path.name + ".xmp")
    raise ValueError(f"sidecar style must be 'adobe' or 'darktable', not {style!r}")


def sidecar_paths(photo_path: Path) -> list[Path]:
    """The existing sidecars of a photo: IMG.xmp then IMG.EXT.xmp (either case of .xmp)."""
    return _existing(_sidecar_candidates(Path(photo_path)))


class SidecarFinder:
    """`sidecar_paths` for many photos: each folder is listed once (one os.scandir) and only the
    photos whose sidecar names appear in the listing are stat-ed, instead of four stat calls each.
    Names are compared case- and normalisation-insensitively so that a case-insensitive disk finds
    exactly what `sidecar_paths` finds; the stat calls then decide as they do there."""

    def __init__(self) -> None:
        self._names: dict[str, set[str] | None] = {}

    def sidecar_paths(self, photo_path: Path) -> list[Path]:
        folder, name = os.path.split(os.fspath(photo_path))  # plain strings: this runs per photo
        names = self._listing(folder)  # None: folder not listable, stat as sidecar_paths does
        dot = name.rfind(".")
        stem = name[:dot] if 0 < dot < len(name) - 1 else name  # as Path.stem
        if names is not None and _fold(stem + ".xmp") not in names and _fold(name + ".xmp") not in names:
            return []
        return _existing(_sidecar_candidates(Path(photo_path)))

    def _listing(self, folder: str) -> set[str] | None:
        if folder not in self._names:
            try:
                with os.scandir(folder or ".") as entries:
                    self._names[folder] = {_fold(e.name) for e in entries}
            except OSError:
                self._names[folder] = None
        return self._names[folder]


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _sidecar_candidates(photo_path: Path) -> list[Path]:
    return [photo_path.with_suffix(".xmp"), photo_path.with_suffix(".XMP"),
            photo_path.with_name(photo_path.name + ".xmp"), photo_path.with_name(photo_path.name + ".XMP")]


def _existing(candidates: list[Path]) -> list[Path]:
    """The candidates that exist, one per file (a case-insensitive disk finds one file twice)."""
    found, seen = [], set()
    for candidate in candidates:
        try:
            st = os.stat(candidate)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) not in seen:  # one file on a case-insensitive disk
            seen.add((st.st_dev, st.st_ino))
            found.append(candidate)
    return found


# ---- reading -----------------------------------------------------------------------------------

def read_sidecar(path: Path, picks_as: PicksAs = DEFAULT_PICKS_AS) -> Decision | None:
    """The decision recorded in a sidecar, or None (nothing recorded, unreadable, or unsafe)."""
    return read_sidecar_checked(path, picks_as)[0]


def read_sidecar_checked(path: Path, picks_as: PicksAs = DEFAULT_PICKS_AS) -> tuple[Decision | None, str | None]:
    """(decision or None, why the sidecar could not be read or None). Never raises."""
    try:
        data = _read_limited(Path(path))
    except OSError as e:
        return None, f"cannot read the sidecar ({e.strerror or e})"
    if not data.strip():
        return None, None
    try:
        root = _parse_tree(data)
    except SidecarError as e:
        return None, str(e)
    return _decision_from_tree(root, picks_as), None


def read_keywords(path: Path) -> list[str]:
    """Keywords a sidecar holds: lr:hierarchicalSubject paths ("Parent|Child"), then the
    dc:subject keywords that are not a level of one of them. [] when none or unreadable."""
    try:
        data = _read_limited(Path(path))
        root = _parse_tree(data) if data.strip() else None
    except (OSError, SidecarError):
        return []
    if root is None:
        return []
    hierarchical = _bag(root, NS_LR, "hierarchicalSubject")
    levels = {part for k in hierarchical for part in k.split("|")}
    return hierarchical + [k for k in _bag(root, NS_DC, "subject") if k not in levels and k not in hierarchical]


def _bag(root, ns: str, name: str) -> list[str]:
    out: list[str] = []
    for element in root.iter(f"{{{ns}}}{name}"):
        for li in element.iter(f"{{{NS_RDF}}}li"):
            text = (li.text or "").strip()
            if text and text not in out:
                out.append(text)
    return out


def packet_rating(packet: bytes) -> int | None:
    """xmp:Rating (-1 to 5) of an XMP packet embedded in a photo (a camera's rating), or None.
    Unsafe or broken XML reads as None. Never raises."""
    try:
        root = _parse_tree(packet[:MAX_SIDECAR_BYTES].strip(b"\x00 \r\n\t"))
    except SidecarError:
        return None
    rating = _int(_property(list(root.iter(f"{{{NS_RDF}}}Description")), NS_XMP, "Rating"))
    return rating if rating is not None and -1 <= rating <= 5 else None


def _read_limited(path: Path) -> bytes:
    # O_NONBLOCK + a regular-file check: a named pipe called IMG.xmp would block open() forever
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(0, "the sidecar is not a regular file")
        data = f.read(MAX_SIDECAR_BYTES + 1)
    if len(data) > MAX_SIDECAR_BYTES:
        raise OSError(0, f"the sidecar is larger than {MAX_SIDECAR_BYTES // 2**20} MB")
    return data


def _parse_tree(data: bytes):
    import xml.etree.ElementTree as ET

    import defusedxml
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as e:
        raise SidecarError(f"the sidecar declares a DTD or entities (unsafe XML, {type(e).__name__}); "
                           "it was not read") from e
    except ET.ParseError as e:
        raise SidecarError(f"the sidecar is not valid XML ({e})") from e


def _decision_from_tree(root, picks_as: PicksAs = DEFAULT_PICKS_AS) -> Decision | None:
    descriptions = list(root.iter(f"{{{NS_RDF}}}Description"))
    rating = _int(_property(descriptions, NS_XMP, "Rating"))
    label = _label(_property(descriptions, NS_XMP, "Label"))
    if label is None:
        label = _darktable_label(descriptions)
    pick = _int(_property(descriptions, NS_XMPDM, "pick"))
    pick_label = _int(_property(descriptions, NS_DIGIKAM, "PickLabel"))
    tagged = (_property(descriptions, NS_PHOTOMECHANIC, "Tagged") or "").strip().lower() or None
    if rating is None and label is None and pick is None and pick_label is None and tagged is None:
        return None
    stars = rating if rating is not None and 0 <= rating <= 5 else 0
    flag = "none"
    if rating == -1 or pick == -1 or pick_label == 1:
        flag = "reject"
    elif pick == 1 or pick_label == 3 or tagged == "true":
        flag = "pick"
    elif pick is None and pick_label is None and tagged is None and picks_as.is_pick(stars, label):
        flag = "pick"  # another app's sidecar with no flag: the agreed stars or label mean a pick
    return Decision(flag=flag, rating=stars if flag != "reject" else 0, label=label)


def _property(descriptions, ns: str, name: str) -> str | None:
    """A simple XMP property's text, as an attribute of rdf:Description or as a child element."""
    qname = f"{{{ns}}}{name}"
    for desc in descriptions:
        if qname in desc.attrib:
            return desc.attrib[qname]
        child = desc.find(qname)
        if child is not None and child.text is not None:
            return child.text
    return None


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return int(value) if value == int(value) else None


def _label(text: str | None) -> str | None:
    if not text:
        return None
    text = text.strip()
    for name in LABELS:
        if text.lower() == name.lower():
            return name
    return _LABEL_ALIASES.get(text.lower())


def _darktable_label(descriptions) -> str | None:
    for desc in descriptions:
        labels = desc.find(f"{{{NS_DARKTABLE}}}colorlabels")
        if labels is not None:
            for li in labels.iter(f"{{{NS_RDF}}}li"):
                if (li.text or "").strip() in _DARKTABLE_LABELS:
                    return _DARKTABLE_LABELS[li.text.strip()]
    return None


# ---- writing -----------------------------------------------------------------------------------

def write_sidecar(path: Path, decision: Decision, picks_as: PicksAs = DEFAULT_PICKS_AS,
                  keywords: list[str] | None = None, drop_keywords: list[str] | None = None) -> None:
    """Record the decision in the sidecar at `path`, merged into what is there; atomic. A pick is
    written the way `picks_as` says (culler.core.picks_as). `keywords` ("leaf" or "Parent|Child")
    are added to dc:subject (every level) and lr:hierarchicalSubject (paths with a '|'); keywords
    already in the sidecar are kept, except those in `drop_keywords` (culler's own, taken back)
    that no kept keyword needs.

    Raises SidecarError (the existing file left untouched) when it is unsafe or not XMP, and
    OSError when the folder is not writable.
    """
    path = Path(path)
    existing = b""
    if path.exists():
        existing = _read_limited(path)
    doc = _parse_dom(existing) if existing.strip() else _parse_dom(_EMPTY_PACKET.encode("utf-8"))
    desc = _target_description(doc)
    written = picks_as.encode(decision)
    rating = "-1" if decision.flag == "reject" else str(written.rating)
    pick = {"pick": "1", "reject": "-1"}.get(decision.flag, "0")
    _set_property(doc, desc, NS_XMP, "xmp", "Rating", rating)
    _set_property(doc, desc, NS_XMP, "xmp", "Label", written.label)
    _set_property(doc, desc, NS_XMPDM, "xmpDM", "pick", pick)
    tagged = "True" if decision.flag == "pick" else "False"
    _set_property(doc, desc, NS_PHOTOMECHANIC, "photomechanic", "Tagged", tagged, add=picks_as.flag)
    if keywords or drop_keywords:
        from culler.core.keywords import subjects

        flat, hierarchical = subjects(keywords or [])
        gone_flat, gone_hierarchical = subjects(drop_keywords or [])
        _remove_from_bag(doc, NS_DC, "subject", set(gone_flat) - set(flat))
        _remove_from_bag(doc, NS_LR, "hierarchicalSubject", set(gone_hierarchical) - set(hierarchical))
        _add_to_bag(doc, desc, NS_DC, "dc", "subject", flat)
        _add_to_bag(doc, desc, NS_LR, "lr", "hierarchicalSubject", hierarchical)
    _atomic_write(path, _serialise(doc, had_declaration=existing.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<?xml")))


def _parse_dom(data: bytes):
    import defusedxml
    from defusedxml.minidom import parseString

    try:
        return parseString(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as e:
        raise SidecarError("the existing sidecar declares a DTD or entities (unsafe XML); it was left untouched") from e
    except Exception as e:  # noqa: BLE001 - expat's ExpatError and friends
        raise SidecarError(f"the existing sidecar is not valid XML ({e}); it was left untouched") from e


def _target_description(doc):
    """The rdf:Description to write into (the one already holding xmp fields, else the first)."""
    root = doc.documentElement
    if (root.namespaceURI, root.localName) == (NS_RDF, "RDF"):
        rdf = root
    elif (root.namespaceURI, root.localName) == (NS_X, "xmpmeta"):
        found = root.getElementsByTagNameNS(NS_RDF, "RDF")
        rdf = found[0] if found else _append(doc, root, NS_RDF, "rdf", "RDF")
    else:
        raise SidecarError(f"the existing sidecar is not XMP (its root is <{root.tagName}>); it was left untouched")
    descriptions = rdf.getElementsByTagNameNS(NS_RDF, "Description")
    for desc in descriptions:
        if desc.hasAttributeNS(NS_XMP, "Rating") or desc.getElementsByTagNameNS(NS_XMP, "Rating"):
            return desc
    if descriptions:
        return descriptions[0]
    desc = _append(doc, rdf, NS_RDF, "rdf", "Description")
    desc.setAttributeNS(NS_RDF, f"{_prefix_for(desc, NS_RDF)}:about", "")
    return desc


def _append(doc, parent, ns: str, preferred_prefix: str, local: str):
    prefix = _prefix_for(parent, ns) or preferred_prefix
    element = doc.createElementNS(ns, f"{prefix}:{local}")
    if _prefix_for(parent, ns) is None:
        element.setAttributeNS(NS_XMLNS, f"xmlns:{prefix}", ns)
    parent.appendChild(element)
    parent.appendChild(doc.createTextNode("\n"))
    return element


def _set_property(doc, desc, ns: str, preferred_prefix: str, local: str, value: str | None,
                  add: bool = True) -> None:
    """Set (or, with None, remove) a simple property wherever it already is; else, when `add`,
    add it as an attribute."""
    rdf = desc.parentNode
    found = False
    for other in rdf.getElementsByTagNameNS(NS_RDF, "Description"):
        if other.hasAttributeNS(ns, local):
            found = True
            if value is None:
                other.removeAttributeNS(ns, local)
            else:
                other.setAttributeNS(ns, other.getAttributeNodeNS(ns, local).name, value)
        for element in list(other.getElementsByTagNameNS(ns, local)):
            if element.parentNode is not other:
                continue
            found = True
            if value is None:
                _remove_with_indent(other, element)
            else:
                for child in list(element.childNodes):
                    element.removeChild(child)
                element.appendChild(doc.createTextNode(value))
    if found or value is None or not add:
        return
    prefix = _declared_prefix(desc, ns, preferred_prefix)
    desc.setAttributeNS(ns, f"{prefix}:{local}", value)


def _declared_prefix(desc, ns: str, preferred_prefix: str) -> str:
    """The prefix `desc` already uses for `ns`, else `preferred_prefix` (made unique) declared on it."""
    prefix = _prefix_for(desc, ns)
    if prefix is None:
        prefix = preferred_prefix
        while _namespace_of_prefix(desc, prefix) not in (None, ns):
            prefix += "_"
        desc.setAttributeNS(NS_XMLNS, f"xmlns:{prefix}", ns)
    return prefix


def _add_to_bag(doc, desc, ns: str, preferred_prefix: str, local: str, values: list[str]) -> None:
    """Append the values missing from the bag property `local` (created as an rdf:Bag in `desc`
    when no rdf:Description has it yet)."""
    if not values:
        return
    prop = next((e for other in desc.parentNode.getElementsByTagNameNS(NS_RDF, "Description")
                 for e in other.getElementsByTagNameNS(ns, local) if e.parentNode is other), None)
    if prop is None:
        prefix = _declared_prefix(desc, ns, preferred_prefix)
        prop = doc.createElementNS(ns, f"{prefix}:{local}")
        desc.appendChild(prop)
    containers = [e for e in prop.childNodes if e.nodeType == e.ELEMENT_NODE and e.namespaceURI == NS_RDF]
    container = containers[0] if containers else _append(doc, prop, NS_RDF, "rdf", "Bag")
    present = {(li.firstChild.data if li.firstChild else "").strip()
               for li in container.getElementsByTagNameNS(NS_RDF, "li")}
    for value in values:
        if value not in present:
            li = _append(doc, container, NS_RDF, "rdf", "li")
            li.appendChild(doc.createTextNode(value))


def _remove_from_bag(doc, ns: str, local: str, values: set[str]) -> None:
    for prop in doc.getElementsByTagNameNS(ns, local):
        for li in list(prop.getElementsByTagNameNS(NS_RDF, "li")):
            if (li.firstChild.data if li.firstChild else "").strip() in values:
                li.parentNode.removeChild(li)


def _prefix_for(element, ns: str) -> str | None:
    """The prefix bound to `ns` where `element` is, or None."""
    node = element
    while node is not None and node.nodeType == node.ELEMENT_NODE:
        for attr in node.attributes.values():
            if attr.prefix == "xmlns" and attr.value == ns:
                return attr.localName
        node = node.parentNode
    return None


def _namespace_of_prefix(element, prefix: str) -> str | None:
    node = element
    while node is not None and node.nodeType == node.ELEMENT_NODE:
        if node.hasAttribute(f"xmlns:{prefix}"):
            return node.getAttribute(f"xmlns:{prefix}")
        node = node.parentNode
    return None


def _remove_with_indent(parent, element) -> None:
    before = element.previousSibling
    parent.removeChild(element)
    if before is not None and before.nodeType == before.TEXT_NODE and not before.data.strip():
        parent.removeChild(before)


def _serialise(doc, had_declaration: bool) -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>'] if had_declaration else []
    parts += [node.toxml() for node in doc.childNodes]
    return ("\n".join(parts) + "\n").encode("utf-8")


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; other apps must read the sidecar
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

