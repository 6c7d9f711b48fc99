/*
 * Calendar dates of transaction logs, as day numbers (days since
 * 1970-01-01, proleptic Gregorian). Private to lib/; used by rfm.c.
 *
 * The parsers never use the C library's locale-dependent strptime(): month
 * names are English, digits ASCII, whatever the process locale.
 */
#ifndef SEG_DATE_H
#define SEG_DATE_H

#include "core/core.h"

/* Day number of y-m-d (m 1..12, d 1..31, not checked). */
int64_t seg_days_from_civil(int64_t y, int m, int d);

/* y-m-d of a day number. */
void seg_civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/*
 * The calendar date of p[0..len) in one of the built-in forms, into *day:
 *   ISO 8601  2010-12-01, 2010-12-01 08:26, 2010-12-01 08:26:00[.fff],
 *             2010-12-01T08:26:00[Z]
 *   US        12/1/10, 12/01/2010, either followed by " 8:26[:00]" and an
 *             optional " AM" / " PM"
 * Two-digit years are 1969..2068 (POSIX %y). Returns true when the text is
 * one of these forms and a valid date (and time of day, which is dropped).
 */
bool seg_date_parse_auto(const char *p, size_t len, int64_t *day);

/*
 * NULL when fmt is a supported strftime-style format, else a static
 * description of what is wrong. Supported: %Y (4-digit year), %y (2-digit
 * year, 1969..2068), %m (month 1-2 digits), %d and %e (day 1-2 digits), %b or
 * %B (English month name or 3-letter abbreviation, any case), %j (day of the
 * year), %H, %M, %S (1-2 digits; checked, then dropped), %p (AM/PM), %%; a
 * space matches one or more blanks; any other byte matches itself. The
 * format must give a year, and a month and day or a day of the year.
 */
const char *seg_date_format_check(const char *fmt);

/* As seg_date_parse_auto(), for a format accepted by seg_date_format_check():
 * the whole text must match. */
bool seg_date_parse_format(const char *p, size_t len, const char *fmt, int64_t *day);

/* "YYYY-MM-DD" of a day number into buf (at least 16 bytes). */
void seg_date_format_iso(int64_t day, char *buf, size_t len);

#endif /* SEG_DATE_H */
