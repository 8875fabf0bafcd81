#include "core/scheduler/timetable.h"

#include <QRegularExpression>
#include <QStringList>

#include <algorithm>
#include <bit>
#include <limits>

namespace millrace::scheduler {

namespace {

constexpr qint64 kSecondsPerMinute = 60;
constexpr qint64 kMinutesPerDay = 24 * 60;
constexpr qint64 kSecondsPerDay = 24 * 60 * 60;
// A 29 February with only the day of month restricted can be eight years from the last one
// (2096 -> 2104, as 2100 is no leap year); ten years covers that with room, and still bounds
// the search for expressions that never match (30 February).
constexpr qint64 kSearchSpanSeconds = 3660 * kSecondsPerDay;
constexpr qint64 kNoLimit = std::numeric_limits<qint64>::max();
constexpr qint64 kNoStart = std::numeric_limits<qint64>::min();

constexpr std::uint32_t kAllHours = (1u << 24) - 1;
constexpr std::uint32_t kAllDaysOfMonth = 0xFFFFFFFEu; // bits 1-31
constexpr std::uint8_t kAllWeekdays = 0x7F;

qint64 floorDiv(qint64 a, qint64 b)
{
    const qint64 q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

qint64 ceilDiv(qint64 a, qint64 b)
{
    return -floorDiv(-a, b);
}

const qint64 kEpochJulianDay = QDate(1970, 1, 1).toJulianDay();

QDateTime utcFromSeconds(qint64 seconds)
{
    return QDateTime::fromSecsSinceEpoch(seconds, QTimeZone::utc());
}

QDateTime utcFromMSecs(qint64 msecs)
{
    return QDateTime::fromMSecsSinceEpoch(msecs, QTimeZone::utc());
}

// ---------------------------------------------------------------------------------------------
// Parsing

struct FieldSpec
{
    const char *name;
    int min;
    int max;
    // Three-letter names for the values from `min` on (months, weekdays), or none.
    const char *const *names = nullptr;
    int nameCount = 0;
};

const char *const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
const char *const kWeekdayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const FieldSpec kFields[5] = {
    {"minute", 0, 59},
    {"hour", 0, 23},
    {"day-of-month", 1, 31},
    {"month", 1, 12, kMonthNames, 12},
    // 7 is accepted for Sunday and folded onto 0 after parsing.
    {"day-of-week", 0, 7, kWeekdayNames, 7},
};

Error fieldError(const FieldSpec &spec, const QString &field, const QString &why)
{
    return fail(QStringLiteral("%1 field \"%2\": %3").arg(QLatin1String(spec.name), field, why));
}

// A single value: a number, or for months and weekdays a three-letter name.
Result<int> parseValue(const FieldSpec &spec, const QString &field, const QString &token)
{
    static const QRegularExpression digits(QStringLiteral("^\\d{1,9}$"));
    if (digits.match(token).hasMatch()) {
        const int value = token.toInt();
        if (value < spec.min || value > spec.max)
            return fieldError(
                spec, field,
                QStringLiteral("%1 is out of range %2-%3").arg(token).arg(spec.min).arg(spec.max));
        return value;
    }
    const QString lower = token.toLower();
    for (int i = 0; i < spec.nameCount; ++i) {
        if (lower == QLatin1String(spec.names[i]))
            return spec.min + i;
    }
    // Quartz and some cron dialects have these; five-field Vixie cron, which DAG files use, does
    // not, and silently reading "L" as something else would schedule runs on the wrong days.
    static const QRegularExpression quartz(QStringLiteral("^(L|W|LW|\\?|\\d*[LW]|.*#.*)$"),
                                           QRegularExpression::CaseInsensitiveOption);
    if (quartz.match(token).hasMatch())
        return fieldError(spec, field,
                          QStringLiteral("\"%1\" is not supported (no L, W, # or ? in five-field "
                                         "cron)")
                              .arg(token));
    if (spec.nameCount == 12)
        return fieldError(
            spec, field,
            QStringLiteral("\"%1\" is not a month number (1-12) or name (JAN-DEC)").arg(token));
    if (spec.nameCount == 7)
        return fieldError(
            spec, field,
            QStringLiteral("\"%1\" is not a weekday number (0-7) or name (SUN-SAT)").arg(token));
    return fieldError(spec, field, QStringLiteral("\"%1\" is not a number").arg(token));
}

// One field as a bit set: bit n set when value n matches.
Result<std::uint64_t> parseField(const FieldSpec &spec, const QString &field)
{
    std::uint64_t bits = 0;
    const QStringList items = field.split(QLatin1Char(','));
    for (const QString &item : items) {
        if (item.isEmpty())
            return fieldError(spec, field, QStringLiteral("empty list item"));
        QString rangePart = item;
        int step = 1;
        bool hasStep = false;
        const qsizetype slash = item.indexOf(QLatin1Char('/'));
        if (slash >= 0) {
            hasStep = true;
            rangePart = item.left(slash);
            const QString stepText = item.mid(slash + 1);
            static const QRegularExpression digits(QStringLiteral("^\\d{1,9}$"));
            if (!digits.match(stepText).hasMatch())
                return fieldError(spec, field,
                                  QStringLiteral("step \"%1\" is not a number").arg(stepText));
            step = stepText.toInt();
            if (step < 1)
                return fieldError(spec, field, QStringLiteral("step must be at least 1"));
        }
        int first = spec.min;
        int last = spec.max;
        if (rangePart == QLatin1String("*")) {
            // `*` for weekdays means 0-6: 7 is only another spelling of Sunday.
            if (spec.nameCount == 7)
                last = 6;
        } else {
            const qsizetype dash = rangePart.indexOf(QLatin1Char('-'));
            if (dash >= 0) {
                const auto from = parseValue(spec, field, rangePart.left(dash));
                if (!from)
                    return from.error();
                const auto to = parseValue(spec, field, rangePart.mid(dash + 1));
                if (!to)
                    return to.error();
                if (*to < *from)
                    return fieldError(spec, field,
                                      QStringLiteral("range %1 goes backwards").arg(rangePart));
                first = *from;
                last = *to;
            } else {
                const auto value = parseValue(spec, field, rangePart);
                if (!value)
                    return value.error();
                first = *value;
                // Vixie cron reads `a/n` as `a-max/n`.
                last = hasStep ? spec.max : *value;
            }
        }
        for (int value = first; value <= last; value += step)
            bits |= std::uint64_t(1) << value;
    }
    return bits;
}

// ---------------------------------------------------------------------------------------------
// Matching in wall-clock time, with times as minutes since 1970-01-01 00:00 of the wall clock
// (no time zone). The time zone is dealt with separately, in spans of constant UTC offset.

struct CronFields
{
    std::uint64_t minutes;
    std::uint32_t hours;
    std::uint32_t days;
    std::uint16_t months;
    std::uint8_t weekdays;
    bool dayOfMonthStar;
    bool dayOfWeekStar;

    bool monthMatches(const QDate &date) const { return (months >> date.month()) & 1u; }

    bool dayMatches(const QDate &date) const
    {
        const bool dayOfMonth = (days >> date.day()) & 1u;
        const bool dayOfWeek = (weekdays >> (date.dayOfWeek() % 7)) & 1u;
        if (dayOfMonthStar || dayOfWeekStar)
            return dayOfMonth && dayOfWeek;
        // Vixie cron: with both day fields restricted, either one is enough.
        return dayOfMonth || dayOfWeek;
    }

    // The first matching wall minute in [from, to), skipping whole months and days that cannot
    // match, so a search over years costs a few thousand steps at most.
    std::optional<qint64> firstIn(qint64 from, qint64 to) const
    {
        qint64 day = floorDiv(from, kMinutesPerDay);
        int minuteOfDay = int(from - day * kMinutesPerDay);
        while (day * kMinutesPerDay < to) {
            const QDate date = QDate::fromJulianDay(kEpochJulianDay + day);
            if (!monthMatches(date)) {
                const QDate nextMonth = QDate(date.year(), date.month(), 1).addMonths(1);
                day = nextMonth.toJulianDay() - kEpochJulianDay;
                minuteOfDay = 0;
                continue;
            }
            if (dayMatches(date)) {
                const int firstHour = minuteOfDay / 60;
                for (int hour = firstHour; hour < 24; ++hour) {
                    if (!((hours >> hour) & 1u))
                        continue;
                    const int fromMinute = hour == firstHour ? minuteOfDay % 60 : 0;
                    const std::uint64_t rest = minutes >> fromMinute;
                    if (rest == 0)
                        continue;
                    const qint64 found =
                        day * kMinutesPerDay + hour * 60 + fromMinute + std::countr_zero(rest);
                    return found < to ? std::optional<qint64>(found) : std::nullopt;
                }
            }
            ++day;
            minuteOfDay = 0;
        }
        return std::nullopt;
    }

    // The last matching wall minute in [from, to], the mirror image of firstIn().
    std::optional<qint64> lastIn(qint64 from, qint64 to) const
    {
        qint64 day = floorDiv(to, kMinutesPerDay);
        int minuteOfDay = int(to - day * kMinutesPerDay);
        while ((day + 1) * kMinutesPerDay > from) {
            const QDate date = QDate::fromJulianDay(kEpochJulianDay + day);
            if (!monthMatches(date)) {
                day = QDate(date.year(), date.month(), 1).toJulianDay() - kEpochJulianDay - 1;
                minuteOfDay = kMinutesPerDay - 1;
                continue;
            }
            if (dayMatches(date)) {
                const int lastHour = minuteOfDay / 60;
                for (int hour = lastHour; hour >= 0; --hour) {
                    if (!((hours >> hour) & 1u))
                        continue;
                    const int toMinute = hour == lastHour ? minuteOfDay % 60 : 59;
                    const std::uint64_t upTo = minutes & ((std::uint64_t(2) << toMinute) - 1);
                    if (upTo == 0)
                        continue;
                    const qint64 found =
                        day * kMinutesPerDay + hour * 60 + (63 - std::countl_zero(upTo));
                    return found >= from ? std::optional<qint64>(found) : std::nullopt;
                }
            }
            --day;
            minuteOfDay = kMinutesPerDay - 1;
        }
        return std::nullopt;
    }
};

// A stretch of time [start, end) (seconds since the epoch, UTC) over which a zone keeps one UTC
// offset. `previousOffset` is the offset just before `start`: when it is larger, the clocks went
// back at `start` and the first wall-clock times of this span already happened once.
struct OffsetSpan
{
    qint64 start = kNoStart;
    qint64 end = kNoLimit;
    int offset = 0;
    int previousOffset = 0;
};

qint64 seconds(const QDateTime &dateTime)
{
    return dateTime.toSecsSinceEpoch();
}

OffsetSpan spanAt(const QTimeZone &zone, qint64 instant)
{
    OffsetSpan span;
    span.offset = zone.offsetFromUtc(utcFromSeconds(instant));
    span.previousOffset = span.offset;
    if (!zone.hasTransitions())
        return span;
    // previousTransition() is strictly before its argument; one second later makes a transition
    // at `instant` itself the start of this span.
    const QTimeZone::OffsetData before = zone.previousTransition(utcFromSeconds(instant + 1));
    if (before.atUtc.isValid()) {
        span.start = seconds(before.atUtc);
        span.previousOffset = zone.offsetFromUtc(utcFromSeconds(span.start - 1));
    }
    const QTimeZone::OffsetData after = zone.nextTransition(utcFromSeconds(instant));
    if (after.atUtc.isValid())
        span.end = seconds(after.atUtc);
    return span;
}

OffsetSpan spanAfter(const QTimeZone &zone, const OffsetSpan &span)
{
    OffsetSpan next;
    next.start = span.end;
    next.previousOffset = span.offset;
    next.offset = zone.offsetFromUtc(utcFromSeconds(span.end));
    const QTimeZone::OffsetData after = zone.nextTransition(utcFromSeconds(span.end));
    if (after.atUtc.isValid())
        next.end = seconds(after.atUtc);
    return next;
}

OffsetSpan spanBefore(const QTimeZone &zone, const OffsetSpan &span)
{
    OffsetSpan previous;
    previous.end = span.start;
    previous.offset = span.previousOffset;
    previous.previousOffset = previous.offset;
    const QTimeZone::OffsetData before = zone.previousTransition(utcFromSeconds(span.start));
    if (before.atUtc.isValid()) {
        previous.start = seconds(before.atUtc);
        previous.previousOffset = zone.offsetFromUtc(utcFromSeconds(previous.start - 1));
    }
    return previous;
}

// The first wall-clock second a span may fire at. After the clocks went back, the wall-clock
// times repeated at the start of the span fired already at their first occurrence, unless
// `everyOccurrence` says the schedule fires at both.
qint64 spanWallStart(const OffsetSpan &span, bool everyOccurrence)
{
    qint64 wall = span.start + span.offset;
    if (!everyOccurrence && span.previousOffset > span.offset)
        wall = span.start + span.previousOffset;
    return wall;
}

QString weekdayName(int weekday)
{
    static const char *const names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
    return QLatin1String(names[weekday % 7]);
}

QString monthName(int month)
{
    static const char *const names[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
    return QLatin1String(names[month - 1]);
}

} // namespace

// -------------------------------------------------------------------------------------------------
// CronExpression

Result<CronExpression> CronExpression::parse(const QString &text)
{
    static const QRegularExpression whitespace(QStringLiteral("\\s+"));
    const QStringList fields = text.split(whitespace, Qt::SkipEmptyParts);
    if (fields.isEmpty())
        return fail(QStringLiteral("the cron expression is empty"));
    if (fields.size() != 5)
        return fail(QStringLiteral("cron expression \"%1\" has %2 fields; it needs 5: minute, "
                                   "hour, day-of-month, month, day-of-week")
                        .arg(text.simplified())
                        .arg(fields.size()));

    std::uint64_t bits[5] = {};
    for (int i = 0; i < 5; ++i) {
        const auto parsed = parseField(kFields[i], fields[i]);
        if (!parsed)
            return parsed.error();
        bits[i] = *parsed;
    }

    CronExpression expression;
    expression.m_text = fields.join(QLatin1Char(' '));
    expression.m_minutes = bits[0];
    expression.m_hours = std::uint32_t(bits[1]);
    expression.m_days = std::uint32_t(bits[2]);
    expression.m_months = std::uint16_t(bits[3]);
    // 7 is Sunday, as 0 is.
    expression.m_weekdays = std::uint8_t((bits[4] | (bits[4] >> 7)) & kAllWeekdays);
    // As croniter (and so Airflow) does, a day field counts as unrestricted when it matches
    // every value, however it is written (`*`, `*/1`, `1-31`, `SUN-SAT`); `*/2` restricts.
    expression.m_dayOfMonthStar = expression.m_days == kAllDaysOfMonth;
    expression.m_dayOfWeekStar = expression.m_weekdays == kAllWeekdays;
    return expression;
}

// The zone is walked in spans of constant UTC offset; within one, wall-clock time is UTC plus
// the offset, so the search is a plain calendar search over the span's wall-clock range. Wall
// times in a spring-forward gap lie in no span's range and so never fire. For a fall-back,
// a schedule whose hour field matches every hour fires in both passes through the repeated hour,
// as Airflow (and Vixie cron, for wildcard hours) does, so "every 15 minutes" keeps its pace;
// any other schedule fires at the first pass only, so a daily 01:30 job runs once that night.
QDateTime CronExpression::next(const QDateTime &after, const QTimeZone &zone) const
{
    if (!after.isValid() || !zone.isValid() || m_minutes == 0)
        return {};
    const CronFields fields{m_minutes,  m_hours,          m_days,         m_months,
                            m_weekdays, m_dayOfMonthStar, m_dayOfWeekStar};
    const bool everyOccurrence = m_hours == kAllHours;

    // Fire times are whole wall-clock minutes; the earliest acceptable one is a second on.
    qint64 earliest = floorDiv(after.toMSecsSinceEpoch(), 1000) + 1;
    const qint64 limit = earliest + kSearchSpanSeconds;
    OffsetSpan span = spanAt(zone, earliest);
    while (true) {
        const qint64 spanEnd = std::min(span.end, limit);
        qint64 wallFrom = earliest + span.offset;
        if (span.start != kNoStart)
            wallFrom = std::max(wallFrom, spanWallStart(span, everyOccurrence));
        const qint64 wallTo = spanEnd + span.offset;
        const auto found = fields.firstIn(ceilDiv(wallFrom, kSecondsPerMinute),
                                          ceilDiv(wallTo, kSecondsPerMinute));
        if (found)
            return utcFromSeconds(*found * kSecondsPerMinute - span.offset);
        if (span.end >= limit)
            return {};
        earliest = span.end;
        span = spanAfter(zone, span);
    }
}

QDateTime CronExpression::previous(const QDateTime &atOrBefore, const QTimeZone &zone) const
{
    if (!atOrBefore.isValid() || !zone.isValid() || m_minutes == 0)
        return {};
    const CronFields fields{m_minutes,  m_hours,          m_days,         m_months,
                            m_weekdays, m_dayOfMonthStar, m_dayOfWeekStar};
    const bool everyOccurrence = m_hours == kAllHours;

    qint64 latest = floorDiv(atOrBefore.toMSecsSinceEpoch(), 1000);
    const qint64 limit = latest - kSearchSpanSeconds;
    OffsetSpan span = spanAt(zone, latest);
    while (true) {
        const qint64 wallTo = latest + span.offset;
        qint64 wallFrom = std::max(span.start, limit) + span.offset;
        if (span.start > limit)
            wallFrom = std::max(wallFrom, spanWallStart(span, everyOccurrence));
        const qint64 fromMinute = ceilDiv(wallFrom, kSecondsPerMinute);
        const qint64 toMinute = floorDiv(wallTo, kSecondsPerMinute);
        if (fromMinute <= toMinute) {
            if (const auto found = fields.lastIn(fromMinute, toMinute))
                return utcFromSeconds(*found * kSecondsPerMinute - span.offset);
        }
        if (span.start <= limit)
            return {};
        latest = span.start - 1;
        span = spanBefore(zone, span);
    }
}

// -------------------------------------------------------------------------------------------------
// Timetable

Result<Timetable> Timetable::parse(const QString &schedule, const QTimeZone &zone)
{
    const QString written = schedule.trimmed();
    const QString lower = written.toLower();
    Timetable timetable;
    timetable.m_text = written;
    timetable.m_zone = zone;

    if (lower.isEmpty() || lower == QLatin1String("none") || lower == QLatin1String("null")) {
        timetable.m_kind = Kind::Manual;
        return timetable;
    }
    if (lower == QLatin1String("@once")) {
        timetable.m_kind = Kind::Once;
        return timetable;
    }

    if (lower.startsWith(QLatin1String("@every"))) {
        const QString duration = lower.mid(6).trimmed();
        static const QRegularExpression pattern(QStringLiteral("^(\\d{1,9})\\s*([smhd])$"));
        const QRegularExpressionMatch match = pattern.match(duration);
        if (duration.isEmpty() || !match.hasMatch() || !lower.mid(6, 1).trimmed().isEmpty())
            return fail(QStringLiteral("schedule \"%1\": @every needs a positive whole number "
                                       "and a unit s, m, h or d, as in \"@every 90s\" or "
                                       "\"@every 5m\"")
                            .arg(written));
        const qint64 count = match.captured(1).toLongLong();
        if (count <= 0)
            return fail(
                QStringLiteral("schedule \"%1\": the interval must be positive").arg(written));
        const QChar unit = match.captured(2).at(0);
        const qint64 unitMs = unit == QLatin1Char('s')   ? 1000
                              : unit == QLatin1Char('m') ? 60 * 1000
                              : unit == QLatin1Char('h') ? 3600 * 1000
                                                         : kSecondsPerDay * 1000;
        timetable.m_kind = Kind::Interval;
        timetable.m_interval = std::chrono::milliseconds(count * unitMs);
        return timetable;
    }

    QString cronText = written;
    if (lower.startsWith(QLatin1Char('@'))) {
        static const QList<std::pair<QLatin1String, QLatin1String>> presets = {
            {QLatin1String("@hourly"), QLatin1String("0 * * * *")},
            {QLatin1String("@daily"), QLatin1String("0 0 * * *")},
            {QLatin1String("@midnight"), QLatin1String("0 0 * * *")},
            {QLatin1String("@weekly"), QLatin1String("0 0 * * 0")},
            {QLatin1String("@monthly"), QLatin1String("0 0 1 * *")},
            {QLatin1String("@yearly"), QLatin1String("0 0 1 1 *")},
            {QLatin1String("@annually"), QLatin1String("0 0 1 1 *")},
        };
        const auto preset = std::find_if(presets.begin(), presets.end(),
                                         [&lower](const auto &p) { return p.first == lower; });
        if (preset == presets.end())
            return fail(QStringLiteral("unknown schedule \"%1\": use @once, @hourly, @daily, "
                                       "@midnight, @weekly, @monthly, @yearly, @annually, "
                                       "@every <n><s|m|h|d>, none, or five cron fields")
                            .arg(written));
        cronText = preset->second;
    }

    if (!zone.isValid())
        return fail(QStringLiteral("schedule \"%1\" needs a valid time zone").arg(written));
    auto cron = CronExpression::parse(cronText);
    if (!cron)
        return cron.error();
    timetable.m_kind = Kind::Cron;
    timetable.m_cron = std::move(cron.value());
    return timetable;
}

QString Timetable::describe() const
{
    switch (m_kind) {
    case Kind::Manual:
        return QStringLiteral("manual only");
    case Kind::Once:
        return QStringLiteral("once");
    case Kind::Interval: {
        const qint64 ms = m_interval.count();
        struct Unit
        {
            qint64 ms;
            const char *singular;
            const char *plural;
        };
        static const Unit units[] = {{kSecondsPerDay * 1000, "day", "days"},
                                     {3600 * 1000, "hour", "hours"},
                                     {60 * 1000, "minute", "minutes"},
                                     {1000, "second", "seconds"}};
        for (const Unit &unit : units) {
            if (ms % unit.ms != 0)
                continue;
            const qint64 count = ms / unit.ms;
            if (count == 1)
                return QStringLiteral("every %1").arg(QLatin1String(unit.singular));
            return QStringLiteral("every %1 %2").arg(count).arg(QLatin1String(unit.plural));
        }
        return QStringLiteral("every %1 ms").arg(ms);
    }
    case Kind::Cron:
        break;
    }

    // Words only for the shapes people write most; anything else is shown as written.
    const QString cronText = m_cron ? m_cron->text() : m_text;
    const QStringList f = cronText.split(QLatin1Char(' '));
    QString words;
    if (f.size() == 5) {
        static const QRegularExpression number(QStringLiteral("^\\d{1,2}$"));
        static const QRegularExpression everyN(QStringLiteral("^\\*/(\\d{1,2})$"));
        const auto isNumber = [](const QString &s) { return number.match(s).hasMatch(); };
        const auto star = [](const QString &s) { return s == QLatin1String("*"); };
        const auto stepOf = [](const QString &s) {
            const auto match = everyN.match(s);
            return match.hasMatch() ? match.captured(1).toInt() : 0;
        };
        const bool everyDay = star(f[2]) && star(f[3]) && star(f[4]);
        const QString clock = isNumber(f[0]) && isNumber(f[1])
                                  ? QStringLiteral("%1:%2")
                                        .arg(f[1].toInt(), 2, 10, QLatin1Char('0'))
                                        .arg(f[0].toInt(), 2, 10, QLatin1Char('0'))
                                  : QString();
        const int minuteStep = stepOf(f[0]);
        const int hourStep = stepOf(f[1]);

        // Weekday or month given as one number or one name.
        const auto single = [](const QString &s, const char *const *names, int count,
                               int base) -> int {
            if (number.match(s).hasMatch())
                return s.toInt();
            for (int i = 0; i < count; ++i) {
                if (s.compare(QLatin1String(names[i]), Qt::CaseInsensitive) == 0)
                    return base + i;
            }
            return -1;
        };

        if (everyDay && star(f[0]) && star(f[1])) {
            words = QStringLiteral("every minute");
        } else if (everyDay && minuteStep > 1 && 60 % minuteStep == 0 && star(f[1])) {
            words = QStringLiteral("every %1 minutes").arg(minuteStep);
        } else if (everyDay && f[0] == QLatin1String("0") && star(f[1])) {
            words = QStringLiteral("every hour");
        } else if (everyDay && isNumber(f[0]) && star(f[1])) {
            words = QStringLiteral("every hour at minute %1").arg(f[0].toInt());
        } else if (everyDay && f[0] == QLatin1String("0") && hourStep > 1 && 24 % hourStep == 0) {
            words = QStringLiteral("every %1 hours").arg(hourStep);
        } else if (!clock.isEmpty() && everyDay) {
            words = QStringLiteral("at %1 every day").arg(clock);
        } else if (!clock.isEmpty() && star(f[2]) && star(f[3])) {
            const int weekday = single(f[4], kWeekdayNames, 7, 0);
            if (weekday >= 0)
                words = QStringLiteral("at %1 every %2").arg(clock, weekdayName(weekday));
        } else if (!clock.isEmpty() && isNumber(f[2]) && star(f[4])) {
            if (star(f[3])) {
                words = QStringLiteral("at %1 on day %2 of every month").arg(clock, f[2]);
            } else {
                const int month = single(f[3], kMonthNames, 12, 1);
                if (month >= 1)
                    words = QStringLiteral("at %1 on %2 %3 every year")
                                .arg(clock)
                                .arg(f[2].toInt())
                                .arg(monthName(month));
            }
        }
    }
    if (words.isEmpty())
        words = cronText;
    // Cron schedules follow the wall clock of their zone; say which unless it is UTC.
    if (m_zone.isValid() && m_zone.id() != QTimeZone::utc().id())
        words += QStringLiteral(" (%1)").arg(QString::fromUtf8(m_zone.id()));
    return words;
}

std::optional<DataInterval> Timetable::nextInterval(const std::optional<DataInterval> &last,
                                                    const QDateTime &startDate, bool catchup,
                                                    const QDateTime &now) const
{
    // A DAG without a start date has no first interval to count from (Airflow requires one too).
    if (m_kind == Kind::Manual || !startDate.isValid())
        return std::nullopt;

    if (m_kind == Kind::Once) {
        if (last)
            return std::nullopt;
        const QDateTime start = startDate.toUTC();
        return DataInterval{start, start};
    }

    if (m_kind == Kind::Interval) {
        const qint64 delta = m_interval.count();
        const qint64 anchor = startDate.toMSecsSinceEpoch();
        // Intervals are anchored at the start date, so they keep their phase across pauses.
        qint64 start = anchor;
        if (last) {
            const qint64 lastEnd = last->end.toMSecsSinceEpoch();
            const qint64 aligned =
                anchor + ceilDiv(std::max<qint64>(lastEnd - anchor, 0), delta) * delta;
            start = std::max(start, aligned);
        }
        if (!catchup && now.isValid()) {
            const qint64 ended = floorDiv(now.toMSecsSinceEpoch() - anchor, delta);
            if (ended >= 1)
                start = std::max(start, anchor + (ended - 1) * delta);
        }
        return DataInterval{utcFromMSecs(start), utcFromMSecs(start + delta)};
    }

    const CronExpression &cron = *m_cron;
    // The first fire time at or after t: next() is strictly after, and times carry milliseconds.
    const auto atOrAfter = [&](const QDateTime &t) { return cron.next(t.addMSecs(-1), m_zone); };

    QDateTime start = atOrAfter(startDate);
    if (!start.isValid())
        return std::nullopt;
    if (last) {
        // Aligned forward, not back: after a schedule change this may leave a gap, but a run
        // never covers data a run already made covered.
        const QDateTime afterLast = atOrAfter(last->end);
        if (!afterLast.isValid())
            return std::nullopt;
        start = std::max(start, afterLast);
    }
    if (!catchup && now.isValid()) {
        const QDateTime latestEnd = cron.previous(now, m_zone);
        const QDateTime latestStart =
            latestEnd.isValid() ? cron.previous(latestEnd.addMSecs(-1), m_zone) : QDateTime();
        if (latestStart.isValid())
            start = std::max(start, latestStart);
    }
    const QDateTime end = cron.next(start, m_zone);
    if (!end.isValid())
        return std::nullopt;
    return DataInterval{start, end};
}

QDateTime Timetable::dueAt(const DataInterval &interval) const
{
    return m_kind == Kind::Once ? interval.start : interval.end;
}

QList<DataInterval> Timetable::intervalsBetween(const QDateTime &from, const QDateTime &to,
                                                int limit) const
{
    QList<DataInterval> intervals;
    if (!from.isValid() || !to.isValid() || limit <= 0)
        return intervals;

    if (m_kind == Kind::Interval) {
        // No start date here to align to: a backfill counts from `from`, as Airflow's does.
        const qint64 delta = m_interval.count();
        const qint64 end = to.toMSecsSinceEpoch();
        for (qint64 start = from.toMSecsSinceEpoch();
             start + delta <= end && intervals.size() < limit; start += delta)
            intervals.append(DataInterval{utcFromMSecs(start), utcFromMSecs(start + delta)});
        return intervals;
    }
    // Manual and @once DAGs have no series of intervals to fill.
    if (m_kind != Kind::Cron)
        return intervals;

    QDateTime start = m_cron->next(from.addMSecs(-1), m_zone);
    while (start.isValid() && intervals.size() < limit) {
        const QDateTime end = m_cron->next(start, m_zone);
        if (!end.isValid() || end > to)
            break;
        intervals.append(DataInterval{start, end});
        start = end;
    }
    return intervals;
}

} // namespace millrace::scheduler
