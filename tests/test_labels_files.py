"""The file 'printer' never overwrites: one file per job, named by date, time and what is on it, in the folder
the office set (the data folder's `labels` by default); every file decodes, and the path is said."""

from __future__ import annotations

import subprocess

from PIL import Image

from kiosk.config import data_dir
from kiosk.labels import FilePrinter, LabelChoice, print_labels
from tests.test_labels_render import decode, scans_as


def first_page(pdf, tmp_path) -> Image.Image:
    out = tmp_path / f"page-{pdf.stem}"
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf),
                    str(out)], check=True)
    return Image.open(f"{out}.png").convert("L")


def test_two_pupils_printed_with_the_default_file_printer_are_two_files_that_both_scan(school, tmp_path):
    first, second = school.pupils[3], school.pupils[4]
    said = []
    for pupil in (first, second):
        code, out, err = school.cli("labels", "--pupil", pupil.mis_id)
        assert code == 0, err
        said.append(out)
    folder = data_dir() / "labels"
    files = sorted(folder.glob("*.pdf"))
    assert len(files) == 2, files
    for pupil, text in zip((first, second), said, strict=True):
        made = next(f for f in files if pupil.legal_surname in f.name)
        assert str(made) in text, "the path is said"
        assert made.name.startswith("labels ") and "(1)" in made.name  # date, time, who, how many
        assert decode(first_page(made, tmp_path)) == scans_as(school.tag_of(pupil))


def test_the_same_job_twice_in_one_minute_never_collides(school, tmp_path):
    printer = FilePrinter(tmp_path / "office labels")
    for _ in range(3):
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29", printer=printer)
    files = sorted((tmp_path / "office labels").iterdir())
    assert len(files) == 3 and len({f.name for f in files}) == 3
    assert all("form 9C (2)" in f.name for f in files), [f.name for f in files]


def test_a_named_file_that_exists_is_kept_and_the_new_job_goes_beside_it(school, tmp_path):
    target = tmp_path / "9C.pdf"
    printer = FilePrinter(target)
    first = print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29", printer=printer)
    before = target.read_bytes()
    second = print_labels(school.ctx(), choice=LabelChoice(form="7c"), layout="brother-62x29", printer=printer)
    assert first.receipt.files == (target,)
    assert target.read_bytes() == before, "never overwritten"
    (other,) = second.receipt.files
    assert other != target and other.parent == tmp_path and other.is_file()
    assert str(other) in second.message
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == sorted([target.name, other.name])


def test_png_labels_in_a_folder_are_numbered_and_never_overwrite(school, tmp_path):
    printer = FilePrinter(tmp_path / "pngs.png")
    for _ in range(2):
        print_labels(school.ctx(), choice=LabelChoice(form="9c"), layout="brother-62x29", printer=printer)
    files = sorted(tmp_path.glob("*.png"))
    assert len(files) == 4, [f.name for f in files]
    codes = sorted(decode(Image.open(f))[0][1] for f in files)
    assert codes == sorted([school.tag_of(school.pupils[0]), school.tag_of(school.pupils[1])] * 2)
