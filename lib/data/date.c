/*
 * Calendar dates. See date.h.
 *
 * Day numbers from civil dates and back by Howard Hinnant's algorithms
 * ("chrono-Compatible Low-Level Date Algorithms", days_from_civil and
 * civil_from_days), valid for the whole proleptic Gregorian calendar.
 */
#include "data/date.h"

#include <stdio.h>
#include <string.h>

int64_t seg_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void seg_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void seg_date_format_iso(int64_t day, char *buf, size_t len)
{
    int64_t y;
    int m, d;
    seg_civil_from_days(day, &y, &m, &d);
    snprintf(buf, len, "%04lld-%02d-%02d", (long long)y, m, d);
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

/* The parse state of one text: what has been read so far. */
typedef struct dscan {
    const char *p, *end;
    int64_t year;
    int month, day, yday, hour, minute, second, ampm; /* -1 = not given */
} dscan;

/* 1 .. max digits at s->p into *v; false when there is none. */
static bool digits(dscan *s, int min, int max, int *v)
{
    int n = 0, x = 0;
    while (n < max && s->p < s->end && (unsigned)(*s->p - '0') < 10) {
        x = x * 10 + (*s->p++ - '0');
        n++;
    }
    *v = x;
    return n >= min;
}

static bool lit(dscan *s, char c)
{
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return true;
    }
    return false;
}

static int64_t two_digit_year(int y)
{
    return y < 69 ? 2000 + y : 1900 + y;
}

/* Check the fields read and give the day number. */
static bool finish(const dscan *s, int64_t *day)
{
    if (s->p != s->end)
        return false;
    if (s->hour >= 0) {
        int hmax = s->ampm >= 0 ? 12 : 23, hmin = s->ampm >= 0 ? 1 : 0;
        if (s->hour < hmin || s->hour > hmax)
            return false;
    }
    if (s->minute > 59 || s->second > 60)
        return false;
    if (s->yday >= 0) {
        if (s->yday < 1 || s->yday > (leap(s->year) ? 366 : 365))
            return false;
        *day = seg_days_from_civil(s->year, 1, 1) + s->yday - 1;
        return true;
    }
    if (s->month < 1 || s->month > 12 || s->day < 1 || s->day > month_days(s->year, s->month))
        return false;
    *day = seg_days_from_civil(s->year, s->month, s->day);
    return true;
}

static void dscan_init(dscan *s, const char *p, size_t len)
{
    s->p = p;
    s->end = p + len;
    s->year = 0;
    s->month = s->day = s->yday = s->hour = s->minute = s->second = s->ampm = -1;
}

/* " AM" / " PM" (any case): 0 or 1 into s->ampm. */
static bool am_pm(dscan *s)
{
    if (s->end - s->p < 2)
        return false;
    char a = (char)(s->p[0] | 0x20), m = (char)(s->p[1] | 0x20);
    if ((a != 'a' && a != 'p') || m != 'm')
        return false;
    s->ampm = a == 'p';
    s->p += 2;
    return true;
}

/* [sep]H:MM[:SS[.fff]] after a date, sep being ' ' or 'T'. */
static bool clock_time(dscan *s, bool iso)
{
    if (s->p == s->end)
        return true;
    if (!lit(s, ' ') && !(iso && lit(s, 'T')))
        return false;
    if (!digits(s, 1, 2, &s->hour) || !lit(s, ':') || !digits(s, 2, 2, &s->minute))
        return false;
    if (lit(s, ':')) {
        if (!digits(s, 2, 2, &s->second))
            return false;
        if (lit(s, '.')) {
            int f;
            if (!digits(s, 1, 9, &f))
                return false;
        }
    }
    if (iso)
        lit(s, 'Z');
    else if (s->p < s->end && lit(s, ' ') && !am_pm(s))
        return false;
    return true;
}

bool seg_date_parse_auto(const char *p, size_t len, int64_t *day)
{
    dscan s;
    int a, b, c;
    dscan_init(&s, p, len);
    if (len >= 8 && (unsigned)(p[0] - '0') < 10 && len > 4 && p[4] == '-') {
        if (!digits(&s, 4, 4, &a) || !lit(&s, '-') || !digits(&s, 1, 2, &s.month) ||
            !lit(&s, '-') || !digits(&s, 1, 2, &s.day) || !clock_time(&s, true))
            return false;
        s.year = a;
        return finish(&s, day);
    }
    const char *y0;
    if (!digits(&s, 1, 2, &a) || !lit(&s, '/') || !digits(&s, 1, 2, &b) || !lit(&s, '/'))
        return false;
    y0 = s.p;
    if (!digits(&s, 2, 4, &c) || (s.p - y0 != 2 && s.p - y0 != 4))
        return false;
    s.month = a;
    s.day = b;
    s.year = s.p - y0 == 2 ? two_digit_year(c) : c;
    if (!clock_time(&s, false))
        return false;
    return finish(&s, day);
}

static const char *const month_names[12] = {"january",   "february", "march",    "april",
                                            "may",       "june",     "july",     "august",
                                            "september", "october",  "november", "december"};

/* English month name or its first three letters, any case. */
static bool month_name(dscan *s)
{
    for (int m = 0; m < 12; m++) {
        const char *n = month_names[m];
        size_t full = strlen(n), i = 0;
        while (i < full && s->p + i < s->end && (s->p[i] | 0x20) == n[i])
            i++;
        if (i == full || i == 3) {
            /* Prefer the full name; 3 letters only when followed by a non-letter. */
            if (i != full && s->p + 3 < s->end &&
                ((s->p[3] | 0x20) >= 'a' && (s->p[3] | 0x20) <= 'z'))
                continue;
            s->p += i;
            s->month = m + 1;
            return true;
        }
    }
    return false;
}

/* Parse (p != NULL) or only check (p == NULL) against fmt. */
static const char *run_format(dscan *s, const char *fmt, bool check)
{
    bool year = false, md = false, dd = false, yd = false;
    for (const char *f = fmt; *f; f++) {
        if (*f == ' ') {
            if (!check) {
                if (s->p == s->end || (*s->p != ' ' && *s->p != '\t'))
                    return "mismatch";
                while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
                    s->p++;
            }
            continue;
        }
        if (*f != '%') {
            if (!check && !lit(s, *f))
                return "mismatch";
            continue;
        }
        int v = 0;
        bool ok = true;
        switch (*++f) {
        case 'Y':
            year = true;
            if (!check && (ok = digits(s, 4, 4, &v)))
                s->year = v;
            break;
        case 'y':
            year = true;
            if (!check && (ok = digits(s, 2, 2, &v)))
                s->year = two_digit_year(v);
            break;
        case 'm':
            md = true;
            if (!check)
                ok = digits(s, 1, 2, &s->month);
            break;
        case 'b':
        case 'B':
            md = true;
            if (!check)
                ok = month_name(s);
            break;
        case 'd':
        case 'e':
            dd = true;
            if (!check) {
                if (*f == 'e')
                    while (s->p < s->end && *s->p == ' ')
                        s->p++;
                ok = digits(s, 1, 2, &s->day);
            }
            break;
        case 'j':
            yd = true;
            if (!check)
                ok = digits(s, 1, 3, &s->yday);
            break;
        case 'H':
            if (!check)
                ok = digits(s, 1, 2, &s->hour);
            break;
        case 'M':
            if (!check)
                ok = digits(s, 1, 2, &s->minute);
            break;
        case 'S':
            if (!check)
                ok = digits(s, 1, 2, &s->second);
            break;
        case 'p':
            if (!check)
                ok = am_pm(s);
            break;
        case '%':
            if (!check)
                ok = lit(s, '%');
            break;
        case '\0':
            return "the format ends with a lone '%'";
        default:
            return "the format holds a conversion other than %Y %y %m %d %e %b %B %j %H %M %S %p "
                   "%%";
        }
        if (!ok)
            return "mismatch";
    }
    if (check) {
        if (!year)
            return "the format gives no year (%Y or %y)";
        if (!(yd || (md && dd)))
            return "the format gives no month and day (%m or %b, and %d) nor day of the year (%j)";
    }
    return NULL;
}

const char *seg_date_format_check(const char *fmt)
{
    dscan s;
    dscan_init(&s, "", 0);
    return run_format(&s, fmt, true);
}

bool seg_date_parse_format(const char *p, size_t len, const char *fmt, int64_t *day)
{
    dscan s;
    dscan_init(&s, p, len);
    if (run_format(&s, fmt, false))
        return false;
    return finish(&s, day);
}
