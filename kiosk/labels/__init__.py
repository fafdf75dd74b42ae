"""Tag labels: what goes on them, the stock they print on, and the printers that print them.

Rendering is pure (data -> 1-bit PIL image / PDF bytes). Printing is blocking and thread-safe, for a worker.
Nothing here imports textual.
"""

from kiosk.labels.bags import bag_label_for, print_bag_label, print_bag_label_job
from kiosk.labels.brother import BrotherPrinter, brother_models, brother_raster
from kiosk.labels.choose import LabelChoice, PrintPreview, preview, tag_label, tags_to_print
from kiosk.labels.content import BagLabel, TagLabel
from kiosk.labels.cups import CupsPrinter, Queue, list_queues, queue_status
from kiosk.labels.documents import labels_pdf, png_bytes, sheet_images
from kiosk.labels.files import FilePrinter
from kiosk.labels.from_settings import PRINTER_KINDS, make_printer
from kiosk.labels.jobs import LabelsPrinted, NothingToPrint, mark_printed, print_labels
from kiosk.labels.layouts import LAYOUTS, Layout, Sheet, UnknownLayout, get_layout
from kiosk.labels.printers import Printer, PrintFailed, PrintReceipt, Progress, check_suitable
from kiosk.labels.render import LabelPlan, bag_label, plan_bag_label, plan_tag_label, render_tag_label
from kiosk.labels.replace import ReplacementPrinted, TagReplaced, replace_tag, replace_tag_and_print
from kiosk.labels.windows_printer import WindowsPrinter

__all__ = [
    "LAYOUTS", "PRINTER_KINDS", "BagLabel", "BrotherPrinter", "CupsPrinter", "FilePrinter", "LabelChoice",
    "LabelPlan", "LabelsPrinted", "Layout", "NothingToPrint", "PrintFailed", "PrintPreview", "PrintReceipt",
    "Printer", "Progress", "Queue", "ReplacementPrinted", "Sheet", "TagLabel", "TagReplaced", "UnknownLayout",
    "WindowsPrinter", "bag_label",
    "bag_label_for", "brother_models", "brother_raster", "check_suitable", "get_layout", "labels_pdf",
    "list_queues", "make_printer", "mark_printed", "plan_bag_label", "plan_tag_label", "png_bytes", "preview",
    "print_bag_label", "print_bag_label_job", "print_labels", "queue_status", "render_tag_label", "replace_tag",
    "replace_tag_and_print", "sheet_images", "tag_label", "tags_to_print",
]
