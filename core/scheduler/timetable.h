#pragma once

#include "core/base/result.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QTimeZone>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

namespace millrace::scheduler {

/// The span of data one scheduled DAG run covers, as in Airflow: [start, end). A run for an
/// interval becomes due once its end has passed; its logical date is the start. Times are UTC.
struct DataInterval
{
    QDateTime start;
    QDateTime end;

    friend bool operator==(const DataInterval &, const DataInterval &) = default;
};

/// A five-field cron expression (minute hour day-of-month month day-of-week), as Vixie cron and
/// Airflow read it: lists, ranges, steps, `*`, month and weekday names, 0 or 7 for Sunday, and
/// the usual rule that when both day fields are restricted a day matching either one matches.
class CronExpression
{
public:
    /// Parses `text`; the error names the field that is wrong and why.
    static Result<CronExpression> parse(const QString &text);

    /// The first matching wall-clock time strictly after `after`, read in `zone`, as UTC; null
    /// when none exists (a 30 February) within ten years. A wall-clock time a DST change skips
    /// does not exist that day and is skipped; one a DST change repeats fires once, at its first
    /// occurrence, except that a schedule whose hour field matches every hour (`*`) fires at
    /// both, as Airflow and Vixie cron do, so it keeps its pace through the repeated hour.
    QDateTime next(const QDateTime &after, const QTimeZone &zone) const;
    /// The last matching time at or before `atOrBefore`, same rules; null when none exists.
    QDateTime previous(const QDateTime &atOrBefore, const QTimeZone &zone) const;

    QString text() const { return m_text; }

private:
    QString m_text;
    std::uint64_t m_minutes = 0;  // bit n: minute n matches
    std::uint32_t m_hours = 0;    // bit n: hour n
    std::uint32_t m_days = 0;     // bit n: day of month n (1-31)
    std::uint16_t m_months = 0;   // bit n: month n (1-12)
    std::uint8_t m_weekdays = 0;  // bit n: weekday n (0 = Sunday)
    bool m_dayOfMonthStar = true; // day-of-month field was `*`
    bool m_dayOfWeekStar = true;  // day-of-week field was `*`
};

/// When a DAG runs: never on its own (`null`/`none`: manual and event runs only), once
/// (`@once`), on a cron schedule (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`, or five
/// fields) read in a time zone, or at a fixed interval from the start date (`@every 90s`,
/// `@every 5m`, `@every 2h`, `@every 1d`).
class Timetable
{
public:
    enum class Kind { Manual, Once, Cron, Interval };

    /// Parses a schedule as a DAG file writes it; cron schedules are read in `zone`.
    static Result<Timetable> parse(const QString &schedule,
                                   const QTimeZone &zone = QTimeZone::utc());

    Kind kind() const { return m_kind; }
    /// The schedule as written.
    QString text() const { return m_text; }
    /// The schedule in words, for the Jobs panel: "every 5 minutes", "at 00:00 every day",
    /// "once", "manual only", or the cron expression itself when there are no simple words.
    QString describe() const;

    /// The data interval the next scheduled run covers, or nothing when no further run is due
    /// ever. `last` is the interval of the latest scheduled run so far (none before the first),
    /// `startDate` the DAG's start date. With `catchup`, intervals follow each other from the
    /// first one at or after the start date; without it, the next run skips to the latest
    /// interval that has ended by `now` (or, when none has, the first one ending after `now`),
    /// never going back before `last`. For @once: the interval [startDate, startDate], only
    /// while `last` is empty. A Manual timetable never has one.
    std::optional<DataInterval> nextInterval(const std::optional<DataInterval> &last,
                                             const QDateTime &startDate, bool catchup,
                                             const QDateTime &now) const;
    /// When the run for `interval` is due: its end (for @once: its start).
    QDateTime dueAt(const DataInterval &interval) const;
    /// Every interval lying within [from, to) (start >= from, end <= to), in order; for a
    /// backfill. At most `limit` of them.
    QList<DataInterval> intervalsBetween(const QDateTime &from, const QDateTime &to,
                                         int limit = 10000) const;

private:
    Kind m_kind = Kind::Manual;
    QString m_text;
    QTimeZone m_zone = QTimeZone::utc();
    std::optional<CronExpression> m_cron;
    std::chrono::milliseconds m_interval{0};
};

} // namespace millrace::scheduler
