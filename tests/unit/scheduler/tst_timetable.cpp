#include "core/scheduler/timetable.h"

#include "testsupport/verify.h"

#include <QTest>

using namespace millrace;
using namespace millrace::scheduler;
using namespace Qt::StringLiterals;

namespace {

// A UTC time as written in the rows ("2024-03-31T01:30Z"); empty gives a null time.
QDateTime utc(const QString &text)
{
    if (text.isEmpty())
        return {};
    const QDateTime parsed = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!parsed.isValid())
        qFatal("bad time in a test row: %s", qPrintable(text));
    return parsed.toUTC();
}

QString iso(const QDateTime &dateTime)
{
    return dateTime.isValid() ? dateTime.toUTC().toString(Qt::ISODate) : u"null"_s;
}

// An interval as text, "start/end", so a failure prints both sides; "none" for nothing.
QString text(const std::optional<DataInterval> &interval)
{
    return interval ? iso(interval->start) + u'/' + iso(interval->end) : u"none"_s;
}

QString text(const QString &start, const QString &end)
{
    return start.isEmpty() ? u"none"_s : iso(utc(start)) + u'/' + iso(utc(end));
}

QTimeZone zoneFor(const QByteArray &id)
{
    const QTimeZone zone = id == "UTC" ? QTimeZone::utc() : QTimeZone(id);
    if (!zone.isValid())
        qFatal("time zone %s is not available", id.constData());
    return zone;
}

Timetable timetable(const QString &schedule, const QByteArray &zone = "UTC"_ba)
{
    auto parsed = Timetable::parse(schedule, zoneFor(zone));
    if (!parsed)
        qFatal("%s", qPrintable(parsed.errorMessage()));
    return parsed.value();
}

} // namespace

class TestTimetable : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parse_data();
    void parse();
    void parseErrors_data();
    void parseErrors();
    void nextInterval_data();
    void nextInterval();
    void catchupRunsEveryIntervalInTurn();
    void dueAt();
    void intervalsBetween_data();
    void intervalsBetween();
};

void TestTimetable::parse_data()
{
    QTest::addColumn<QString>("schedule");
    QTest::addColumn<QByteArray>("zone");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("description");

    const int manual = int(Timetable::Kind::Manual);
    const int once = int(Timetable::Kind::Once);
    const int cron = int(Timetable::Kind::Cron);
    const int interval = int(Timetable::Kind::Interval);

    QTest::newRow("empty") << QString() << "UTC"_ba << manual << u"manual only"_s;
    QTest::newRow("none") << u"none"_s << "UTC"_ba << manual << u"manual only"_s;
    QTest::newRow("null") << u"null"_s << "UTC"_ba << manual << u"manual only"_s;
    QTest::newRow("None, spaced") << u"  None "_s << "UTC"_ba << manual << u"manual only"_s;
    QTest::newRow("@once") << u"@once"_s << "UTC"_ba << once << u"once"_s;
    QTest::newRow("@hourly") << u"@hourly"_s << "UTC"_ba << cron << u"every hour"_s;
    QTest::newRow("@daily") << u"@daily"_s << "UTC"_ba << cron << u"at 00:00 every day"_s;
    QTest::newRow("@midnight") << u"@midnight"_s << "UTC"_ba << cron << u"at 00:00 every day"_s;
    QTest::newRow("@weekly") << u"@weekly"_s << "UTC"_ba << cron << u"at 00:00 every Sunday"_s;
    QTest::newRow("@monthly") << u"@monthly"_s << "UTC"_ba << cron
                              << u"at 00:00 on day 1 of every month"_s;
    QTest::newRow("@yearly") << u"@yearly"_s << "UTC"_ba << cron
                             << u"at 00:00 on 1 January every year"_s;
    QTest::newRow("@annually") << u"@annually"_s << "UTC"_ba << cron
                               << u"at 00:00 on 1 January every year"_s;
    QTest::newRow("@daily in Berlin")
        << u"@daily"_s << "Europe/Berlin"_ba << cron << u"at 00:00 every day (Europe/Berlin)"_s;
    QTest::newRow("every 5 minutes")
        << u"*/5 * * * *"_s << "UTC"_ba << cron << u"every 5 minutes"_s;
    QTest::newRow("every minute") << u"* * * * *"_s << "UTC"_ba << cron << u"every minute"_s;
    QTest::newRow("*/7 does not divide the hour")
        << u"*/7 * * * *"_s << "UTC"_ba << cron << u"*/7 * * * *"_s;
    QTest::newRow("every 6 hours") << u"0 */6 * * *"_s << "UTC"_ba << cron << u"every 6 hours"_s;
    QTest::newRow("quarter past every hour")
        << u"15 * * * *"_s << "UTC"_ba << cron << u"every hour at minute 15"_s;
    QTest::newRow("02:30 daily") << u"30 2 * * *"_s << "UTC"_ba << cron << u"at 02:30 every day"_s;
    QTest::newRow("Fridays by name")
        << u"0 18 * * fri"_s << "UTC"_ba << cron << u"at 18:00 every Friday"_s;
    QTest::newRow("weekdays: no simple words")
        << u"0 9 * * MON-FRI"_s << "UTC"_ba << cron << u"0 9 * * MON-FRI"_s;
    QTest::newRow("cron fields collapsed")
        << u" 0  9 * *   1-5"_s << "UTC"_ba << cron << u"0 9 * * 1-5"_s;
    QTest::newRow("@every 5m") << u"@every 5m"_s << "UTC"_ba << interval << u"every 5 minutes"_s;
    QTest::newRow("@every 90s") << u"@every 90s"_s << "UTC"_ba << interval << u"every 90 seconds"_s;
    QTest::newRow("@every 2h") << u"@every 2h"_s << "UTC"_ba << interval << u"every 2 hours"_s;
    QTest::newRow("@every 1d") << u"@every 1d"_s << "UTC"_ba << interval << u"every day"_s;
    QTest::newRow("@every 60m") << u"@every 60m"_s << "UTC"_ba << interval << u"every hour"_s;
    QTest::newRow("@every in Berlin: no zone")
        << u"@every 1h"_s << "Europe/Berlin"_ba << interval << u"every hour"_s;
}

void TestTimetable::parse()
{
    QFETCH(QString, schedule);
    QFETCH(QByteArray, zone);
    QFETCH(int, kind);
    QFETCH(QString, description);

    const auto parsed = Timetable::parse(schedule, zoneFor(zone));
    VERIFY_OK(parsed);
    QVERIFY(parsed->kind() == Timetable::Kind(kind));
    QCOMPARE(parsed->text(), schedule.trimmed());
    QCOMPARE(parsed->describe(), description);
}

void TestTimetable::parseErrors_data()
{
    QTest::addColumn<QString>("schedule");
    QTest::addColumn<bool>("validZone");
    QTest::addColumn<QStringList>("words");

    QTest::newRow("unknown preset")
        << u"@fortnightly"_s << true
        << QStringList{u"unknown schedule \"@fortnightly\""_s, u"@daily"_s, u"@every"_s};
    QTest::newRow("@every alone") << u"@every"_s << true
                                  << QStringList{u"@every"_s, u"positive whole number"_s};
    QTest::newRow("@every zero") << u"@every 0m"_s << true
                                 << QStringList{u"\"@every 0m\""_s, u"must be positive"_s};
    QTest::newRow("@every negative")
        << u"@every -5m"_s << true << QStringList{u"positive whole number"_s};
    QTest::newRow("@every fraction")
        << u"@every 1.5h"_s << true << QStringList{u"whole number"_s, u"s, m, h or d"_s};
    QTest::newRow("@every without unit") << u"@every 5"_s << true << QStringList{u"s, m, h or d"_s};
    QTest::newRow("@every weeks") << u"@every 2w"_s << true << QStringList{u"s, m, h or d"_s};
    QTest::newRow("@every without a space")
        << u"@every5m"_s << true << QStringList{u"@every5m"_s, u"\"@every 5m\""_s};
    QTest::newRow("bad cron field")
        << u"61 * * * *"_s << true << QStringList{u"minute field \"61\""_s, u"0-59"_s};
    QTest::newRow("too few cron fields")
        << u"0 0 * *"_s << true << QStringList{u"4 fields"_s, u"needs 5"_s};
    QTest::newRow("cron L") << u"0 0 L * *"_s << true << QStringList{u"not supported"_s};
    QTest::newRow("cron without a valid zone")
        << u"@daily"_s << false << QStringList{u"@daily"_s, u"valid time zone"_s};
}

void TestTimetable::parseErrors()
{
    QFETCH(QString, schedule);
    QFETCH(bool, validZone);
    QFETCH(QStringList, words);

    const auto parsed =
        Timetable::parse(schedule, validZone ? QTimeZone::utc() : QTimeZone("No/Such_Zone"));
    QVERIFY2(!parsed.hasValue(), "parsed, but should have failed");
    for (const QString &word : words)
        QVERIFY2(parsed.errorMessage().contains(word),
                 qPrintable(u"\"%1\" not in: %2"_s.arg(word, parsed.errorMessage())));
}

void TestTimetable::nextInterval_data()
{
    QTest::addColumn<QString>("schedule");
    QTest::addColumn<QByteArray>("zone");
    QTest::addColumn<QString>("startDate");
    QTest::addColumn<bool>("catchup");
    QTest::addColumn<QString>("now");
    QTest::addColumn<QString>("lastStart"); // empty: no run so far
    QTest::addColumn<QString>("lastEnd");
    QTest::addColumn<QString>("expectedStart"); // empty: no interval
    QTest::addColumn<QString>("expectedEnd");

    const QString jan1 = u"2024-01-01T00:00Z"_s;
    const QString mar15 = u"2024-03-15T08:00Z"_s;

    // Cron, with catchup.
    QTest::newRow("catchup: first run from the start date")
        << u"@daily"_s << "UTC"_ba << jan1 << true << u"2024-01-10T12:00Z"_s << QString()
        << QString() << u"2024-01-01T00:00Z"_s << u"2024-01-02T00:00Z"_s;
    QTest::newRow("catchup: a start date between fire times aligns forward")
        << u"@daily"_s << "UTC"_ba << u"2024-01-01T10:00Z"_s << true << u"2024-01-10T12:00Z"_s
        << QString() << QString() << u"2024-01-02T00:00Z"_s << u"2024-01-03T00:00Z"_s;
    QTest::newRow("catchup: the interval after the last")
        << u"@daily"_s << "UTC"_ba << jan1 << true << u"2024-01-10T12:00Z"_s
        << u"2024-01-01T00:00Z"_s << u"2024-01-02T00:00Z"_s << u"2024-01-02T00:00Z"_s
        << u"2024-01-03T00:00Z"_s;
    QTest::newRow("catchup: far behind still takes the next one")
        << u"@daily"_s << "UTC"_ba << jan1 << true << u"2024-06-01T00:00Z"_s
        << u"2024-01-05T00:00Z"_s << u"2024-01-06T00:00Z"_s << u"2024-01-06T00:00Z"_s
        << u"2024-01-07T00:00Z"_s;
    QTest::newRow("catchup: start date moved past the last run")
        << u"@daily"_s << "UTC"_ba << u"2024-02-01T00:00Z"_s << true << mar15
        << u"2024-01-05T00:00Z"_s << u"2024-01-06T00:00Z"_s << u"2024-02-01T00:00Z"_s
        << u"2024-02-02T00:00Z"_s;
    QTest::newRow("catchup: start date in the future")
        << u"@daily"_s << "UTC"_ba << u"2024-05-01T00:00Z"_s << true << mar15 << QString()
        << QString() << u"2024-05-01T00:00Z"_s << u"2024-05-02T00:00Z"_s;
    // 2024-03-31 in Berlin has 23 hours.
    QTest::newRow("catchup: Berlin day of spring forward")
        << u"@daily"_s << "Europe/Berlin"_ba << jan1 << true << u"2024-06-01T00:00Z"_s
        << u"2024-03-29T23:00Z"_s << u"2024-03-30T23:00Z"_s << u"2024-03-30T23:00Z"_s
        << u"2024-03-31T22:00Z"_s;

    // Cron, without catchup.
    QTest::newRow("no catchup: first run is the latest ended interval")
        << u"@daily"_s << "UTC"_ba << jan1 << false << u"2024-01-10T12:00Z"_s << QString()
        << QString() << u"2024-01-09T00:00Z"_s << u"2024-01-10T00:00Z"_s;
    QTest::newRow("no catchup: after a long pause, jump to the latest ended")
        << u"@daily"_s << "UTC"_ba << jan1 << false << mar15 << u"2024-01-02T00:00Z"_s
        << u"2024-01-03T00:00Z"_s << u"2024-03-14T00:00Z"_s << u"2024-03-15T00:00Z"_s;
    QTest::newRow("no catchup: an interval ending exactly now has ended")
        << u"@daily"_s << "UTC"_ba << jan1 << false << u"2024-03-15T00:00Z"_s
        << u"2024-01-02T00:00Z"_s << u"2024-01-03T00:00Z"_s << u"2024-03-14T00:00Z"_s
        << u"2024-03-15T00:00Z"_s;
    QTest::newRow("no catchup: never the last again")
        << u"@daily"_s << "UTC"_ba << jan1 << false << mar15 << u"2024-03-14T00:00Z"_s
        << u"2024-03-15T00:00Z"_s << u"2024-03-15T00:00Z"_s << u"2024-03-16T00:00Z"_s;
    QTest::newRow("no catchup: never before the last")
        << u"@daily"_s << "UTC"_ba << jan1 << false << mar15 << u"2024-03-20T00:00Z"_s
        << u"2024-03-21T00:00Z"_s << u"2024-03-21T00:00Z"_s << u"2024-03-22T00:00Z"_s;
    QTest::newRow("no catchup: start date in the future")
        << u"@daily"_s << "UTC"_ba << u"2024-05-01T00:00Z"_s << false << mar15 << QString()
        << QString() << u"2024-05-01T00:00Z"_s << u"2024-05-02T00:00Z"_s;
    QTest::newRow("no catchup: no interval ended yet")
        << u"@daily"_s << "UTC"_ba << u"2024-03-15T00:00Z"_s << false << mar15 << QString()
        << QString() << u"2024-03-15T00:00Z"_s << u"2024-03-16T00:00Z"_s;
    QTest::newRow("no catchup: never starts before the first interval")
        << u"@daily"_s << "UTC"_ba << u"2024-03-14T06:00Z"_s << false << mar15 << QString()
        << QString() << u"2024-03-15T00:00Z"_s << u"2024-03-16T00:00Z"_s;
    QTest::newRow("no catchup: hourly")
        << u"@hourly"_s << "UTC"_ba << jan1 << false << u"2024-01-01T05:30Z"_s << QString()
        << QString() << u"2024-01-01T04:00Z"_s << u"2024-01-01T05:00Z"_s;
    QTest::newRow("no catchup: daily in New York")
        << u"@daily"_s << "America/New_York"_ba << jan1 << false << mar15 << QString() << QString()
        << u"2024-03-14T04:00Z"_s << u"2024-03-15T04:00Z"_s;
    QTest::newRow("a schedule with no fire time at all")
        << u"0 0 30 2 *"_s << "UTC"_ba << jan1 << true << mar15 << QString() << QString()
        << QString() << QString();

    // @every: aligned to the start date, never to now.
    QTest::newRow("@every catchup: first from the start date")
        << u"@every 5m"_s << "UTC"_ba << u"2024-01-01T00:02Z"_s << true << u"2024-01-01T01:00Z"_s
        << QString() << QString() << u"2024-01-01T00:02Z"_s << u"2024-01-01T00:07Z"_s;
    QTest::newRow("@every catchup: the next one")
        << u"@every 5m"_s << "UTC"_ba << u"2024-01-01T00:02Z"_s << true << u"2024-01-01T01:00Z"_s
        << u"2024-01-01T00:02Z"_s << u"2024-01-01T00:07Z"_s << u"2024-01-01T00:07Z"_s
        << u"2024-01-01T00:12Z"_s;
    QTest::newRow("@every no catchup: latest ended, on the start date's grid")
        << u"@every 5m"_s << "UTC"_ba << u"2024-01-01T00:02Z"_s << false
        << u"2024-01-01T01:00:30Z"_s << QString() << QString() << u"2024-01-01T00:52Z"_s
        << u"2024-01-01T00:57Z"_s;
    QTest::newRow("@every no catchup: never the last again")
        << u"@every 5m"_s << "UTC"_ba << u"2024-01-01T00:02Z"_s << false
        << u"2024-01-01T01:00:30Z"_s << u"2024-01-01T00:52Z"_s << u"2024-01-01T00:57Z"_s
        << u"2024-01-01T00:57Z"_s << u"2024-01-01T01:02Z"_s;
    QTest::newRow("@every no catchup: nothing ended yet")
        << u"@every 1h"_s << "UTC"_ba << jan1 << false << u"2024-01-01T00:30Z"_s << QString()
        << QString() << u"2024-01-01T00:00Z"_s << u"2024-01-01T01:00Z"_s;
    QTest::newRow("@every: a last run off the grid realigns to it")
        << u"@every 90s"_s << "UTC"_ba << jan1 << true << u"2024-01-01T01:00Z"_s
        << u"2024-01-01T00:00:30Z"_s << u"2024-01-01T00:02Z"_s << u"2024-01-01T00:03Z"_s
        << u"2024-01-01T00:04:30Z"_s;
    QTest::newRow("@every: start date in the future")
        << u"@every 5m"_s << "UTC"_ba << u"2024-05-01T00:00Z"_s << false << mar15 << QString()
        << QString() << u"2024-05-01T00:00Z"_s << u"2024-05-01T00:05Z"_s;
    QTest::newRow("@every: durations ignore DST")
        << u"@every 1d"_s << "Europe/Berlin"_ba << u"2024-03-30T12:00Z"_s << true
        << u"2024-06-01T00:00Z"_s << u"2024-03-30T12:00Z"_s << u"2024-03-31T12:00Z"_s
        << u"2024-03-31T12:00Z"_s << u"2024-04-01T12:00Z"_s;

    // @once and manual.
    QTest::newRow("@once: the start date")
        << u"@once"_s << "UTC"_ba << u"2024-02-01T10:00Z"_s << false << mar15 << QString()
        << QString() << u"2024-02-01T10:00Z"_s << u"2024-02-01T10:00Z"_s;
    QTest::newRow("@once: in the future too")
        << u"@once"_s << "UTC"_ba << u"2024-05-01T10:00Z"_s << true << mar15 << QString()
        << QString() << u"2024-05-01T10:00Z"_s << u"2024-05-01T10:00Z"_s;
    QTest::newRow("@once: never twice")
        << u"@once"_s << "UTC"_ba << u"2024-02-01T10:00Z"_s << false << mar15
        << u"2024-02-01T10:00Z"_s << u"2024-02-01T10:00Z"_s << QString() << QString();
    QTest::newRow("manual: never") << u"none"_s << "UTC"_ba << jan1 << true << mar15 << QString()
                                   << QString() << QString() << QString();
    QTest::newRow("no start date: never") << u"@daily"_s << "UTC"_ba << QString() << false << mar15
                                          << QString() << QString() << QString() << QString();
}

void TestTimetable::nextInterval()
{
    QFETCH(QString, schedule);
    QFETCH(QByteArray, zone);
    QFETCH(QString, startDate);
    QFETCH(bool, catchup);
    QFETCH(QString, now);
    QFETCH(QString, lastStart);
    QFETCH(QString, lastEnd);
    QFETCH(QString, expectedStart);
    QFETCH(QString, expectedEnd);

    std::optional<DataInterval> last;
    if (!lastStart.isEmpty())
        last = DataInterval{utc(lastStart), utc(lastEnd)};
    const auto next =
        timetable(schedule, zone).nextInterval(last, utc(startDate), catchup, utc(now));
    QCOMPARE(text(next), text(expectedStart, expectedEnd));
}

// With catchup, feeding each interval back as the last gives every interval from the start date
// on, one after the other, with no gap and no overlap, until the one that is not due yet.
void TestTimetable::catchupRunsEveryIntervalInTurn()
{
    const Timetable daily = timetable(u"30 2 * * *"_s, "Europe/Berlin"_ba);
    const QDateTime start = utc(u"2024-03-28T00:00Z"_s);
    const QDateTime now = utc(u"2024-04-02T12:00Z"_s);
    QStringList runs;
    std::optional<DataInterval> last;
    for (int i = 0; i < 10; ++i) {
        const auto next = daily.nextInterval(last, start, true, now);
        QVERIFY(next);
        if (last)
            QCOMPARE(iso(next->start), iso(last->end));
        runs.append(text(next));
        if (daily.dueAt(*next) > now)
            break;
        last = next;
    }
    // No run on 31 March: 02:30 does not exist in Berlin that day.
    QCOMPARE(runs, QStringList({text(u"2024-03-28T01:30Z"_s, u"2024-03-29T01:30Z"_s),
                                text(u"2024-03-29T01:30Z"_s, u"2024-03-30T01:30Z"_s),
                                text(u"2024-03-30T01:30Z"_s, u"2024-04-01T00:30Z"_s),
                                text(u"2024-04-01T00:30Z"_s, u"2024-04-02T00:30Z"_s),
                                text(u"2024-04-02T00:30Z"_s, u"2024-04-03T00:30Z"_s)}));
}

void TestTimetable::dueAt()
{
    const DataInterval interval{utc(u"2024-01-01T00:00Z"_s), utc(u"2024-01-02T00:00Z"_s)};
    QCOMPARE(iso(timetable(u"@daily"_s).dueAt(interval)), iso(interval.end));
    QCOMPARE(iso(timetable(u"@every 1d"_s).dueAt(interval)), iso(interval.end));
    const DataInterval once{utc(u"2024-01-01T10:00Z"_s), utc(u"2024-01-01T10:00Z"_s)};
    QCOMPARE(iso(timetable(u"@once"_s).dueAt(once)), iso(once.start));
}

void TestTimetable::intervalsBetween_data()
{
    QTest::addColumn<QString>("schedule");
    QTest::addColumn<QByteArray>("zone");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<int>("limit");
    QTest::addColumn<QStringList>("expected"); // "start/end"

    QTest::newRow("a week of @daily")
        << u"@daily"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s << u"2024-01-08T00:00Z"_s << 10000
        << QStringList{text(u"2024-01-01T00:00Z"_s, u"2024-01-02T00:00Z"_s),
                       text(u"2024-01-02T00:00Z"_s, u"2024-01-03T00:00Z"_s),
                       text(u"2024-01-03T00:00Z"_s, u"2024-01-04T00:00Z"_s),
                       text(u"2024-01-04T00:00Z"_s, u"2024-01-05T00:00Z"_s),
                       text(u"2024-01-05T00:00Z"_s, u"2024-01-06T00:00Z"_s),
                       text(u"2024-01-06T00:00Z"_s, u"2024-01-07T00:00Z"_s),
                       text(u"2024-01-07T00:00Z"_s, u"2024-01-08T00:00Z"_s)};
    QTest::newRow("only whole intervals")
        << u"@daily"_s << "UTC"_ba << u"2024-01-01T12:00Z"_s << u"2024-01-04T06:00Z"_s << 10000
        << QStringList{text(u"2024-01-02T00:00Z"_s, u"2024-01-03T00:00Z"_s),
                       text(u"2024-01-03T00:00Z"_s, u"2024-01-04T00:00Z"_s)};
    QTest::newRow("limit") << u"@hourly"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s
                           << u"2024-01-02T00:00Z"_s << 3
                           << QStringList{text(u"2024-01-01T00:00Z"_s, u"2024-01-01T01:00Z"_s),
                                          text(u"2024-01-01T01:00Z"_s, u"2024-01-01T02:00Z"_s),
                                          text(u"2024-01-01T02:00Z"_s, u"2024-01-01T03:00Z"_s)};
    QTest::newRow("limit 0") << u"@hourly"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s
                             << u"2024-01-02T00:00Z"_s << 0 << QStringList{};
    // 2024-10-27 in Berlin has 25 hours.
    QTest::newRow("Berlin daily across fall back")
        << u"@daily"_s << "Europe/Berlin"_ba << u"2024-10-25T22:00Z"_s << u"2024-10-28T23:00Z"_s
        << 10000
        << QStringList{text(u"2024-10-25T22:00Z"_s, u"2024-10-26T22:00Z"_s),
                       text(u"2024-10-26T22:00Z"_s, u"2024-10-27T23:00Z"_s),
                       text(u"2024-10-27T23:00Z"_s, u"2024-10-28T23:00Z"_s)};
    QTest::newRow("@every counts from from")
        << u"@every 30m"_s << "UTC"_ba << u"2024-01-01T00:10Z"_s << u"2024-01-01T01:45Z"_s << 10000
        << QStringList{text(u"2024-01-01T00:10Z"_s, u"2024-01-01T00:40Z"_s),
                       text(u"2024-01-01T00:40Z"_s, u"2024-01-01T01:10Z"_s),
                       text(u"2024-01-01T01:10Z"_s, u"2024-01-01T01:40Z"_s)};
    QTest::newRow("@once has none") << u"@once"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s
                                    << u"2024-01-08T00:00Z"_s << 10000 << QStringList{};
    QTest::newRow("manual has none") << u"none"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s
                                     << u"2024-01-08T00:00Z"_s << 10000 << QStringList{};
    QTest::newRow("to before from") << u"@daily"_s << "UTC"_ba << u"2024-01-08T00:00Z"_s
                                    << u"2024-01-01T00:00Z"_s << 10000 << QStringList{};
}

void TestTimetable::intervalsBetween()
{
    QFETCH(QString, schedule);
    QFETCH(QByteArray, zone);
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(int, limit);
    QFETCH(QStringList, expected);

    QStringList actual;
    const auto intervals = timetable(schedule, zone).intervalsBetween(utc(from), utc(to), limit);
    for (const DataInterval &interval : intervals)
        actual.append(text(interval));
    QCOMPARE(actual, expected);
}

QTEST_GUILESS_MAIN(TestTimetable)
#include "tst_timetable.moc"
