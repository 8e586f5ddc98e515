"""How dates read in English (settings.FORMAT_MODULE_PATH): 31 Dec 2026, 31 Dec 2026, 14:30.

The month by name, so that neither a British nor an American reader mistakes the day for the
month; the 24-hour clock, as in Hamburg. Typed dates are read as Django's English formats.
"""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
