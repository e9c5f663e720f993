/*
 * time.c - RtlTimeToTimeFields and RtlTimeFieldsToTime: a LARGE_INTEGER
 * time (100 ns units since 1601-01-01, the Gregorian calendar throughout)
 * and its TIME_FIELDS (CSHORT Year, Month, Day, Hour, Minute, Second,
 * Milliseconds, Weekday; 0 is Sunday), in simulated memory as wdm.h lays
 * them out.
 *
 * RtlTimeFieldsToTime ignores Weekday and returns FALSE, storing nothing,
 * for a field out of its range (Year before 1601, Month outside 1..12, Day
 * past the month's end, Hour >= 24, Minute or Second >= 60,
 * Milliseconds >= 1000), as Windows does.
 */
#include "ddi_table.h"
#include "ke/types.h"
#include "mm/mm.h"

#define TICKS_PER_MS  10000ll
#define TICKS_PER_DAY (86400ll * 1000 * TICKS_PER_MS)

static const char *const field_names[8] = {"Year",   "Month",  "Day",          "Hour",
                                           "Minute", "Second", "Milliseconds", "Weekday"};

/* Days since 0000-03-01 (proleptic Gregorian) of a date: Howard Hinnant's
 * days_from_civil, shifted. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = yoe + era * 400 + (*m <= 2);
}

void RtlTimeToTimeFields(ke_call *call, int64_t Time, PVOID_VA TimeFields)
{
    uint64_t t = (uint64_t)Time; /* Windows treats it as unsigned */
    int64_t days = (int64_t)(t / (uint64_t)TICKS_PER_DAY);
    uint64_t rest = t % (uint64_t)TICKS_PER_DAY;
    int64_t y, m, d;
    civil_from_days(days_from_civil(1601, 1, 1) + days, &y, &m, &d);
    uint64_t ms = rest / TICKS_PER_MS;
    /* 1601-01-01 was a Monday. */
    uint64_t values[8] = {(uint64_t)y,           (uint64_t)m,         (uint64_t)d,
                          ms / 3600000,          ms / 60000 % 60,     ms / 1000 % 60,
                          ms % 1000,             (uint64_t)(days + 1) % 7};
    for (int i = 0; i < 8; i++) {
        if (!ke_field_set(call, TimeFields, ke_type_field(KE_TYPE_TIME_FIELDS, field_names[i]),
                          values[i]))
            return;
    }
}

static bool leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool RtlTimeFieldsToTime(ke_call *call, PVOID_VA TimeFields, int64_t *Time)
{
    int64_t v[7];
    for (int i = 0; i < 7; i++) {
        uint64_t raw;
        if (!ke_field_get(call, TimeFields, ke_type_field(KE_TYPE_TIME_FIELDS, field_names[i]),
                          &raw))
            return false;
        v[i] = (int16_t)raw; /* CSHORT */
    }
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t year = v[0], month = v[1], day = v[2];
    if (year < 1601 || month < 1 || month > 12 || day < 1 || v[3] < 0 || v[3] >= 24 ||
        v[4] < 0 || v[4] >= 60 || v[5] < 0 || v[5] >= 60 || v[6] < 0 || v[6] >= 1000)
        return false;
    int64_t last = month_days[month - 1] + (month == 2 && leap(year) ? 1 : 0);
    if (day > last)
        return false;
    int64_t days = days_from_civil(year, month, day) - days_from_civil(1601, 1, 1);
    int64_t ms = ((v[3] * 60 + v[4]) * 60 + v[5]) * 1000 + v[6];
    *Time = days * TICKS_PER_DAY + ms * TICKS_PER_MS;
    return true;
}
