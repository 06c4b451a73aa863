"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection)."""

# Excel, LibreOffice and Google Sheets run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """The value as CSV text; a leading ' keeps a would-be formula plain text."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
