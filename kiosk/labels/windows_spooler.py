"""The Windows print spooler's own calls (winspool.drv and gdi32, through ctypes from Python's standard library):
Windows only, loaded by kiosk/labels/windows_printer.py's `windows_spooler()` on Windows alone.

Nothing is installed for it: no pywin32, no PDF viewer. A page is drawn through the printer's own driver (GDI:
CreateDC "WINSPOOL", StartDoc, StartPage, StretchDIBits, EndPage, EndDoc), so a Brother QL, a Dymo or an office
laser prints the way its Windows driver prints; StartDoc gives the spooler's job id, which GetJob follows. This
machine cannot run it: the structures' fields are checked on Linux against the documented declarations
(tests/test_windows_printing.py), and every decision made on what these calls return is in windows_printer.py.

Documented at https://learn.microsoft.com/windows/win32/printdocs/printing-and-print-spooler-functions and
https://learn.microsoft.com/windows/win32/printdocs/gdi-printing (How To: Print Using the GDI Print API).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from ctypes import wintypes
from typing import Any

from PIL import Image

from kiosk.labels.layouts import MM_PER_INCH
from kiosk.labels.windows_printer import JobInfo, PrinterInfo, dib_rows

# Windows' fixed sizes, whatever this Python's C longs are (wintypes.DWORD is a C unsigned long: 8 bytes on Linux,
# so structures built from it could not be checked here).
DWORD, LONG, WORD = ctypes.c_uint32, ctypes.c_int32, ctypes.c_uint16

# winspool.h / wingdi.h values
PRINTER_ENUM_LOCAL = 0x00000002
PRINTER_ENUM_CONNECTIONS = 0x00000004
JOB_CONTROL_DELETE = 5
LOGPIXELSX, LOGPIXELSY = 88, 90
PHYSICALWIDTH, PHYSICALHEIGHT, PHYSICALOFFSETX, PHYSICALOFFSETY = 110, 111, 112, 113
DIB_RGB_COLORS = 0
SRCCOPY = 0x00CC0020
BI_RGB = 0
ERROR_INSUFFICIENT_BUFFER = 122
ERROR_INVALID_PARAMETER = 87  # GetJob: no such job (it has left the queue)
ERROR_INVALID_PRINTER_NAME = 1801


class PRINTER_INFO_2W(ctypes.Structure):  # noqa: N801 - the Windows name
    _fields_ = [("pServerName", wintypes.LPWSTR), ("pPrinterName", wintypes.LPWSTR),
                ("pShareName", wintypes.LPWSTR), ("pPortName", wintypes.LPWSTR), ("pDriverName", wintypes.LPWSTR),
                ("pComment", wintypes.LPWSTR), ("pLocation", wintypes.LPWSTR), ("pDevMode", ctypes.c_void_p),
                ("pSepFile", wintypes.LPWSTR), ("pPrintProcessor", wintypes.LPWSTR),
                ("pDatatype", wintypes.LPWSTR), ("pParameters", wintypes.LPWSTR),
                ("pSecurityDescriptor", ctypes.c_void_p), ("Attributes", DWORD),
                ("Priority", DWORD), ("DefaultPriority", DWORD), ("StartTime", DWORD),
                ("UntilTime", DWORD), ("Status", DWORD), ("cJobs", DWORD),
                ("AveragePPM", DWORD)]


class SYSTEMTIME(ctypes.Structure):
    _fields_ = [(name, WORD) for name in ("wYear", "wMonth", "wDayOfWeek", "wDay", "wHour", "wMinute",
                                                   "wSecond", "wMilliseconds")]


class JOB_INFO_1W(ctypes.Structure):  # noqa: N801
    _fields_ = [("JobId", DWORD), ("pPrinterName", wintypes.LPWSTR), ("pMachineName", wintypes.LPWSTR),
                ("pUserName", wintypes.LPWSTR), ("pDocument", wintypes.LPWSTR), ("pDatatype", wintypes.LPWSTR),
                ("pStatus", wintypes.LPWSTR), ("Status", DWORD), ("Priority", DWORD),
                ("Position", DWORD), ("TotalPages", DWORD), ("PagesPrinted", DWORD),
                ("Submitted", SYSTEMTIME)]


class DOCINFOW(ctypes.Structure):
    _fields_ = [("cbSize", ctypes.c_int), ("lpszDocName", wintypes.LPCWSTR), ("lpszOutput", wintypes.LPCWSTR),
                ("lpszDatatype", wintypes.LPCWSTR), ("fwType", DWORD)]


class BITMAPINFOHEADER(ctypes.Structure):
    _fields_ = [("biSize", DWORD), ("biWidth", LONG), ("biHeight", LONG),
                ("biPlanes", WORD), ("biBitCount", WORD), ("biCompression", DWORD),
                ("biSizeImage", DWORD), ("biXPelsPerMeter", LONG),
                ("biYPelsPerMeter", LONG), ("biClrUsed", DWORD),
                ("biClrImportant", DWORD)]


class BITMAPINFO_1BIT(ctypes.Structure):  # noqa: N801 - BITMAPINFO with its two-colour palette
    _fields_ = [("bmiHeader", BITMAPINFOHEADER), ("bmiColors", DWORD * 2)]


def bitmap_info(image: Image.Image) -> BITMAPINFO_1BIT:
    """A 1-bit bottom-up DIB's header for `image` (dib_rows gives its bits): entry 0 black, entry 1 white (RGBQUAD
    0x00RRGGBB read as a DWORD)."""
    info = BITMAPINFO_1BIT()
    info.bmiHeader.biSize = ctypes.sizeof(BITMAPINFOHEADER)
    info.bmiHeader.biWidth, info.bmiHeader.biHeight = image.size
    info.bmiHeader.biPlanes, info.bmiHeader.biBitCount, info.bmiHeader.biCompression = 1, 1, BI_RGB
    info.bmiHeader.biClrUsed = 2
    info.bmiColors[0], info.bmiColors[1] = 0x00000000, 0x00FFFFFF
    return info


def _dll(name: str) -> Any:
    # Through getattr: this module type-checks both as Linux (where WinDLL does not exist) and as Windows.
    return getattr(ctypes, "WinDLL")(name, use_last_error=True)  # noqa: B009


def _last_error() -> int:
    return int(getattr(ctypes, "get_last_error")())  # noqa: B009  # Windows only, as _dll


def _error(call: str) -> OSError:
    code = _last_error()
    words = getattr(ctypes, "FormatError", None)  # Windows only
    message = words(code).strip() if words else str(code)
    return OSError(code, f"{call}: {message}")


class _Calls:
    """The functions, with their argument and result types set (a handle is pointer-sized on 64-bit Windows)."""

    def __init__(self) -> None:
        spool, gdi = _dll("winspool.drv"), _dll("gdi32")
        handle, dword, bool_ = wintypes.HANDLE, DWORD, wintypes.BOOL
        buffer, count = ctypes.c_void_p, ctypes.POINTER(DWORD)
        self.open = self._typed(spool.OpenPrinterW, bool_, wintypes.LPWSTR, ctypes.POINTER(handle), ctypes.c_void_p)
        self.close = self._typed(spool.ClosePrinter, bool_, handle)
        self.get_printer = self._typed(spool.GetPrinterW, bool_, handle, dword, buffer, dword, count)
        self.enum_printers = self._typed(spool.EnumPrintersW, bool_, dword, wintypes.LPWSTR, dword, buffer, dword,
                                         count, count)
        self.default_printer = self._typed(spool.GetDefaultPrinterW, bool_, wintypes.LPWSTR, count)
        self.get_job = self._typed(spool.GetJobW, bool_, handle, dword, dword, buffer, dword, count)
        self.set_job = self._typed(spool.SetJobW, bool_, handle, dword, dword, buffer, dword)
        self.create_dc = self._typed(gdi.CreateDCW, wintypes.HDC, wintypes.LPCWSTR, wintypes.LPCWSTR,
                                     wintypes.LPCWSTR, ctypes.c_void_p)
        self.delete_dc = self._typed(gdi.DeleteDC, bool_, wintypes.HDC)
        self.caps = self._typed(gdi.GetDeviceCaps, ctypes.c_int, wintypes.HDC, ctypes.c_int)
        self.start_doc = self._typed(gdi.StartDocW, ctypes.c_int, wintypes.HDC, ctypes.POINTER(DOCINFOW))
        self.end_doc = self._typed(gdi.EndDoc, ctypes.c_int, wintypes.HDC)
        self.abort_doc = self._typed(gdi.AbortDoc, ctypes.c_int, wintypes.HDC)
        self.start_page = self._typed(gdi.StartPage, ctypes.c_int, wintypes.HDC)
        self.end_page = self._typed(gdi.EndPage, ctypes.c_int, wintypes.HDC)
        self.stretch = self._typed(gdi.StretchDIBits, ctypes.c_int, wintypes.HDC, *[ctypes.c_int] * 8,
                                   ctypes.c_void_p, ctypes.POINTER(BITMAPINFO_1BIT), wintypes.UINT, dword)

    @staticmethod
    def _typed(function: Any, result: Any, *arguments: Any) -> Any:
        function.restype = result
        function.argtypes = list(arguments)
        return function


class _Document:
    def __init__(self, calls: _Calls, dc: int, job_id: int) -> None:
        self._calls, self._dc, self.job_id = calls, dc, job_id
        self.dpi = (calls.caps(dc, LOGPIXELSX), calls.caps(dc, LOGPIXELSY))
        self._offset = (calls.caps(dc, PHYSICALOFFSETX), calls.caps(dc, PHYSICALOFFSETY))
        self.page_mm = (calls.caps(dc, PHYSICALWIDTH) * MM_PER_INCH / self.dpi[0],
                        calls.caps(dc, PHYSICALHEIGHT) * MM_PER_INCH / self.dpi[1])

    def add_page(self, image: Image.Image, *, left: int, top: int, width: int, height: int) -> None:
        if self._calls.start_page(self._dc) <= 0:
            raise _error("StartPage")
        bits = dib_rows(image)
        info = bitmap_info(image)
        # The device context's origin is the printable area's corner: placement is from the paper's corner.
        drawn = self._calls.stretch(self._dc, left - self._offset[0], top - self._offset[1], width, height, 0, 0,
                                    image.size[0], image.size[1], bits, ctypes.byref(info), DIB_RGB_COLORS, SRCCOPY)
        if drawn == 0:
            raise _error("StretchDIBits")
        if self._calls.end_page(self._dc) <= 0:
            raise _error("EndPage")


class WindowsSpooler:
    """kiosk.labels.windows_printer.Spooler on Windows."""

    def __init__(self) -> None:
        self._calls = _Calls()

    def default_printer(self) -> str:
        size = DWORD(0)
        self._calls.default_printer(None, ctypes.byref(size))
        if not size.value:
            return ""
        name = ctypes.create_unicode_buffer(size.value)
        if not self._calls.default_printer(name, ctypes.byref(size)):
            raise _error("GetDefaultPrinter")
        return name.value

    def printers(self) -> list[PrinterInfo]:
        needed, returned = DWORD(0), DWORD(0)
        flags = PRINTER_ENUM_LOCAL | PRINTER_ENUM_CONNECTIONS
        self._calls.enum_printers(flags, None, 2, None, 0, ctypes.byref(needed), ctypes.byref(returned))
        if not needed.value:
            return []
        data = ctypes.create_string_buffer(needed.value)
        if not self._calls.enum_printers(flags, None, 2, data, needed, ctypes.byref(needed), ctypes.byref(returned)):
            raise _error("EnumPrinters")
        default = self.default_printer()
        rows = ctypes.cast(data, ctypes.POINTER(PRINTER_INFO_2W))
        return [_printer(rows[index], default) for index in range(returned.value)]

    @contextmanager
    def _opened(self, name: str) -> Iterator[wintypes.HANDLE]:
        handle = wintypes.HANDLE()
        if not self._calls.open(name, ctypes.byref(handle), None):
            error = _error("OpenPrinter")
            if error.errno == ERROR_INVALID_PRINTER_NAME:
                raise LookupError(name)
            raise error
        try:
            yield handle
        finally:
            self._calls.close(handle)

    def printer(self, name: str) -> PrinterInfo:
        with self._opened(name) as handle:
            needed = DWORD(0)
            self._calls.get_printer(handle, 2, None, 0, ctypes.byref(needed))
            data = ctypes.create_string_buffer(max(needed.value, ctypes.sizeof(PRINTER_INFO_2W)))
            if not self._calls.get_printer(handle, 2, data, len(data), ctypes.byref(needed)):
                raise _error("GetPrinter")
            return _printer(ctypes.cast(data, ctypes.POINTER(PRINTER_INFO_2W))[0], self.default_printer())

    def job(self, printer: str, job_id: int) -> JobInfo | None:
        with self._opened(printer) as handle:
            needed = DWORD(0)
            asked = self._calls.get_job(handle, job_id, 1, None, 0, ctypes.byref(needed))
            if not asked and _last_error() == ERROR_INVALID_PARAMETER:
                return None
            data = ctypes.create_string_buffer(max(needed.value, ctypes.sizeof(JOB_INFO_1W)))
            if not self._calls.get_job(handle, job_id, 1, data, len(data), ctypes.byref(needed)):
                if _last_error() == ERROR_INVALID_PARAMETER:
                    return None
                raise _error("GetJob")
            row = ctypes.cast(data, ctypes.POINTER(JOB_INFO_1W))[0]
            return JobInfo(job_id=job_id, status=row.Status, pages_printed=row.PagesPrinted,
                           total_pages=row.TotalPages, status_text=row.pStatus or "")

    def delete_job(self, printer: str, job_id: int) -> None:
        with self._opened(printer) as handle:
            if not self._calls.set_job(handle, job_id, 0, None, JOB_CONTROL_DELETE):
                raise _error("SetJob")

    @contextmanager
    def document(self, printer: str, title: str) -> Iterator[_Document]:
        dc = self._calls.create_dc("WINSPOOL", printer, None, None)
        if not dc:
            raise _error("CreateDC")
        try:
            info = DOCINFOW(cbSize=ctypes.sizeof(DOCINFOW), lpszDocName=title)
            job_id = self._calls.start_doc(dc, ctypes.byref(info))
            if job_id <= 0:
                raise _error("StartDoc")
            try:
                yield _Document(self._calls, dc, job_id)
            except BaseException:
                self._calls.abort_doc(dc)  # the spooler deletes the half-made job
                raise
            if self._calls.end_doc(dc) <= 0:
                raise _error("EndDoc")
        finally:
            self._calls.delete_dc(dc)


def _printer(row: PRINTER_INFO_2W, default: str) -> PrinterInfo:
    name = row.pPrinterName or ""
    return PrinterInfo(name=name, status=row.Status, attributes=row.Attributes, jobs=row.cJobs,
                       port=row.pPortName or "", driver=row.pDriverName or "", is_default=name == default)
