#include "core/scheduler/timetable.h"

#include "testsupport/verify.h"

#include <QElapsedTimer>
#include <QTest>

#include <algorithm>

using namespace millrace;
using namespace millrace::scheduler;
using namespace Qt::StringLiterals;

namespace {

// A UTC time written as in the rows: "2024-03-31T01:30Z" or with seconds and milliseconds.
QDateTime utc(const QString &text)
{
    const QDateTime parsed = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!parsed.isValid())
        qFatal("bad time in a test row: %s", qPrintable(text));
    return parsed.toUTC();
}

// Times compare as text, so a failure prints both sides.
QString iso(const QDateTime &dateTime)
{
    return dateTime.isValid() ? dateTime.toUTC().toString(Qt::ISODate) : u"null"_s;
}

QStringList isoList(const QStringList &times)
{
    QStringList result;
    for (const QString &time : times)
        result.append(iso(utc(time)));
    return result;
}

QTimeZone zoneFor(const QByteArray &id)
{
    const QTimeZone zone = id == "UTC" ? QTimeZone::utc() : QTimeZone(id);
    if (!zone.isValid())
        qFatal("time zone %s is not available", id.constData());
    return zone;
}

CronExpression cron(const QString &text)
{
    auto parsed = CronExpression::parse(text);
    if (!parsed)
        qFatal("%s", qPrintable(parsed.errorMessage()));
    return parsed.value();
}

} // namespace

class TestCron : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void next_data();
    void next();
    void previous_data();
    void previous();
    void previousUndoesNext_data();
    void previousUndoesNext();
    void neverMatchingExpressionsGiveUpQuickly();
    void parseAccepts_data();
    void parseAccepts();
    void parseErrors_data();
    void parseErrors();
};

void TestCron::next_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QByteArray>("zone");
    QTest::addColumn<QString>("after");
    // Successive next() results, each from the one before; none: next() is null.
    QTest::addColumn<QStringList>("expected");

    // Steps, ranges, lists and names.
    QTest::newRow("*/15") << u"*/15 * * * *"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s
                          << QStringList{u"2024-01-01T00:15Z"_s, u"2024-01-01T00:30Z"_s,
                                         u"2024-01-01T00:45Z"_s, u"2024-01-01T01:00Z"_s};
    QTest::newRow("range with step, hour range")
        << u"10-30/10 9-10 * * *"_s << "UTC"_ba << u"2024-01-01T09:15Z"_s
        << QStringList{u"2024-01-01T09:20Z"_s, u"2024-01-01T09:30Z"_s, u"2024-01-01T10:10Z"_s,
                       u"2024-01-01T10:20Z"_s, u"2024-01-01T10:30Z"_s, u"2024-01-02T09:10Z"_s};
    QTest::newRow("a/n runs from a to the end")
        << u"5/20 * * * *"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s
        << QStringList{u"2024-01-01T00:05Z"_s, u"2024-01-01T00:25Z"_s, u"2024-01-01T00:45Z"_s,
                       u"2024-01-01T01:05Z"_s};
    QTest::newRow("list of minutes") << u"0,20,40 3 * * *"_s << "UTC"_ba << u"2024-01-01T03:20Z"_s
                                     << QStringList{u"2024-01-01T03:40Z"_s, u"2024-01-02T03:00Z"_s};
    // 2024-01-29 is a Monday; February is not in the list; 2024-03-04 is a Monday.
    QTest::newRow("month and weekday names, any case")
        << u"0 12 * JAN,mar Mon-WED"_s << "UTC"_ba << u"2024-01-29T12:00Z"_s
        << QStringList{u"2024-01-30T12:00Z"_s, u"2024-01-31T12:00Z"_s, u"2024-03-04T12:00Z"_s,
                       u"2024-03-05T12:00Z"_s};
    QTest::newRow("7 is Sunday") << u"0 0 * * 7"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s
                                 << QStringList{u"2024-01-07T00:00Z"_s, u"2024-01-14T00:00Z"_s};
    QTest::newRow("weekday range up to 7")
        << u"0 0 * * 5-7"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s
        << QStringList{u"2024-01-05T00:00Z"_s, u"2024-01-06T00:00Z"_s, u"2024-01-07T00:00Z"_s,
                       u"2024-01-12T00:00Z"_s};
    QTest::newRow("strictly after: a fire time itself is skipped")
        << u"0 0 * * *"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s
        << QStringList{u"2024-01-02T00:00Z"_s};
    QTest::newRow("seconds and milliseconds in after")
        << u"* * * * *"_s << "UTC"_ba << u"2024-01-01T00:00:30.500Z"_s
        << QStringList{u"2024-01-01T00:01Z"_s, u"2024-01-01T00:02Z"_s};
    QTest::newRow("just before a fire time")
        << u"0 0 * * *"_s << "UTC"_ba << u"2024-01-01T23:59:59.999Z"_s
        << QStringList{u"2024-01-02T00:00Z"_s};

    // Month ends.
    QTest::newRow("31st skips 30-day months and February")
        << u"0 0 31 * *"_s << "UTC"_ba << u"2024-01-31T00:00Z"_s
        << QStringList{u"2024-03-31T00:00Z"_s, u"2024-05-31T00:00Z"_s, u"2024-07-31T00:00Z"_s,
                       u"2024-08-31T00:00Z"_s, u"2024-10-31T00:00Z"_s, u"2024-12-31T00:00Z"_s,
                       u"2025-01-31T00:00Z"_s};
    QTest::newRow("30th skips February")
        << u"0 0 30 * *"_s << "UTC"_ba << u"2024-01-30T00:00Z"_s
        << QStringList{u"2024-03-30T00:00Z"_s, u"2024-04-30T00:00Z"_s};
    QTest::newRow("30 February never")
        << u"0 0 30 2 *"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s << QStringList{};
    QTest::newRow("31st of 30-day months never")
        << u"0 0 31 4,6,9,11 *"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s << QStringList{};

    // Leap days.
    QTest::newRow("29 February 2024 to 2028")
        << u"0 0 29 2 *"_s << "UTC"_ba << u"2024-02-29T00:00Z"_s
        << QStringList{u"2028-02-29T00:00Z"_s, u"2032-02-29T00:00Z"_s};
    QTest::newRow("29 February: 2100 is no leap year")
        << u"0 0 29 2 *"_s << "UTC"_ba << u"2096-02-29T00:00Z"_s
        << QStringList{u"2104-02-29T00:00Z"_s};
    QTest::newRow("28 February and 1 March in 2100")
        << u"0 0 28,29 2 *"_s << "UTC"_ba << u"2099-12-31T00:00Z"_s
        << QStringList{u"2100-02-28T00:00Z"_s, u"2101-02-28T00:00Z"_s};

    // Day of month OR day of week when both are restricted; 2024-09-13 is a Friday, 2024-10-13
    // a Sunday.
    QTest::newRow("13th or Friday")
        << u"0 0 13 * 5"_s << "UTC"_ba << u"2024-09-01T00:00Z"_s
        << QStringList{u"2024-09-06T00:00Z"_s, u"2024-09-13T00:00Z"_s, u"2024-09-20T00:00Z"_s,
                       u"2024-09-27T00:00Z"_s, u"2024-10-04T00:00Z"_s, u"2024-10-11T00:00Z"_s,
                       u"2024-10-13T00:00Z"_s, u"2024-10-18T00:00Z"_s};
    QTest::newRow("a day-of-month step restricts, so OR (as croniter)")
        << u"0 0 */15 * 1"_s << "UTC"_ba << u"2024-09-01T00:00Z"_s
        << QStringList{u"2024-09-02T00:00Z"_s, u"2024-09-09T00:00Z"_s, u"2024-09-16T00:00Z"_s,
                       u"2024-09-23T00:00Z"_s, u"2024-09-30T00:00Z"_s, u"2024-10-01T00:00Z"_s,
                       u"2024-10-07T00:00Z"_s};
    QTest::newRow("weekday only when day of month is *")
        << u"0 0 * * 5"_s << "UTC"_ba << u"2024-09-01T00:00Z"_s
        << QStringList{u"2024-09-06T00:00Z"_s, u"2024-09-13T00:00Z"_s};
    QTest::newRow("day of month only when weekday is *")
        << u"0 0 13 * *"_s << "UTC"_ba << u"2024-09-01T00:00Z"_s
        << QStringList{u"2024-09-13T00:00Z"_s, u"2024-10-13T00:00Z"_s};
    QTest::newRow("a full day-of-month range counts as *")
        << u"0 0 1-31 * 1"_s << "UTC"_ba << u"2024-09-01T00:00Z"_s
        << QStringList{u"2024-09-02T00:00Z"_s, u"2024-09-09T00:00Z"_s};

    // Wall-clock time of the zone: midnight on Monday in New York is 05:00 UTC.
    QTest::newRow("weekday of the zone's date")
        << u"0 0 * * 1"_s << "America/New_York"_ba << u"2024-01-01T00:00Z"_s
        << QStringList{u"2024-01-01T05:00Z"_s, u"2024-01-08T05:00Z"_s};

    // Berlin: 2024-03-31 02:00 CET -> 03:00 CEST (01:00 UTC); 2024-10-27 03:00 CEST -> 02:00 CET
    // (01:00 UTC).
    QTest::newRow("Berlin 02:30 daily: none on the spring-forward day")
        << u"30 2 * * *"_s << "Europe/Berlin"_ba << u"2024-03-29T12:00Z"_s
        << QStringList{u"2024-03-30T01:30Z"_s, u"2024-04-01T00:30Z"_s, u"2024-04-02T00:30Z"_s};
    QTest::newRow("Berlin 02:30 daily: once on the fall-back day, at the first")
        << u"30 2 * * *"_s << "Europe/Berlin"_ba << u"2024-10-26T12:00Z"_s
        << QStringList{u"2024-10-27T00:30Z"_s, u"2024-10-28T01:30Z"_s};
    QTest::newRow("Berlin hourly across spring forward")
        << u"0 * * * *"_s << "Europe/Berlin"_ba << u"2024-03-30T22:30Z"_s
        << QStringList{u"2024-03-30T23:00Z"_s, u"2024-03-31T00:00Z"_s, u"2024-03-31T01:00Z"_s,
                       u"2024-03-31T02:00Z"_s};
    QTest::newRow("Berlin hourly across fall back: both 02:00")
        << u"0 * * * *"_s << "Europe/Berlin"_ba << u"2024-10-26T22:30Z"_s
        << QStringList{u"2024-10-26T23:00Z"_s, u"2024-10-27T00:00Z"_s, u"2024-10-27T01:00Z"_s,
                       u"2024-10-27T02:00Z"_s};
    QTest::newRow("Berlin every 20 minutes through fall back")
        << u"*/20 * * * *"_s << "Europe/Berlin"_ba << u"2024-10-27T00:30Z"_s
        << QStringList{u"2024-10-27T00:40Z"_s, u"2024-10-27T01:00Z"_s, u"2024-10-27T01:20Z"_s,
                       u"2024-10-27T01:40Z"_s, u"2024-10-27T02:00Z"_s};
    QTest::newRow("Berlin 2 a.m. hours (fixed) at fall back: first pass only")
        << u"0,30 2 * * *"_s << "Europe/Berlin"_ba << u"2024-10-26T12:00Z"_s
        << QStringList{u"2024-10-27T00:00Z"_s, u"2024-10-27T00:30Z"_s, u"2024-10-28T01:00Z"_s};

    // New York: 2024-03-10 02:00 EST -> 03:00 EDT (07:00 UTC); 2024-11-03 02:00 EDT -> 01:00 EST
    // (06:00 UTC).
    QTest::newRow("New York 02:30 daily: none on the spring-forward day")
        << u"30 2 * * *"_s << "America/New_York"_ba << u"2024-03-09T00:00Z"_s
        << QStringList{u"2024-03-09T07:30Z"_s, u"2024-03-11T06:30Z"_s};
    QTest::newRow("New York 01:30 daily: once on the fall-back day")
        << u"30 1 * * *"_s << "America/New_York"_ba << u"2024-11-02T12:00Z"_s
        << QStringList{u"2024-11-03T05:30Z"_s, u"2024-11-04T06:30Z"_s};
    QTest::newRow("New York 01:30 daily: asked between the two 01:30s")
        << u"30 1 * * *"_s << "America/New_York"_ba << u"2024-11-03T05:45Z"_s
        << QStringList{u"2024-11-04T06:30Z"_s};
    QTest::newRow("New York hourly across spring forward")
        << u"0 * * * *"_s << "America/New_York"_ba << u"2024-03-10T05:30Z"_s
        << QStringList{u"2024-03-10T06:00Z"_s, u"2024-03-10T07:00Z"_s, u"2024-03-10T08:00Z"_s};
    QTest::newRow("New York hourly across fall back: both 01:00")
        << u"0 * * * *"_s << "America/New_York"_ba << u"2024-11-03T03:30Z"_s
        << QStringList{u"2024-11-03T04:00Z"_s, u"2024-11-03T05:00Z"_s, u"2024-11-03T06:00Z"_s,
                       u"2024-11-03T07:00Z"_s};
    // Lord Howe: 2024-04-07 02:00 (UTC+11) -> 01:30 (UTC+10:30), at 15:00 UTC.
    QTest::newRow("Lord Howe half-hourly through a 30-minute fall back")
        << u"0,30 * * * *"_s << "Australia/Lord_Howe"_ba << u"2024-04-06T14:00Z"_s
        << QStringList{u"2024-04-06T14:30Z"_s, u"2024-04-06T15:00Z"_s, u"2024-04-06T15:30Z"_s};
    QTest::newRow("New York hourly, asked in the repeated hour")
        << u"30 * * * *"_s << "America/New_York"_ba << u"2024-11-03T05:45Z"_s
        << QStringList{u"2024-11-03T06:30Z"_s, u"2024-11-03T07:30Z"_s};
}

void TestCron::next()
{
    QFETCH(QString, expression);
    QFETCH(QByteArray, zone);
    QFETCH(QString, after);
    QFETCH(QStringList, expected);

    const CronExpression parsed = cron(expression);
    const QTimeZone timeZone = zoneFor(zone);
    QStringList actual;
    QDateTime current = utc(after);
    // A row without times expects null at once.
    for (qsizetype i = 0; i < std::max<qsizetype>(expected.size(), 1); ++i) {
        current = parsed.next(current, timeZone);
        if (!current.isValid())
            break;
        actual.append(iso(current));
    }
    QCOMPARE(actual, isoList(expected));
}

void TestCron::previous_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QByteArray>("zone");
    QTest::addColumn<QString>("atOrBefore");
    // previous() of atOrBefore, then of each result minus a millisecond.
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("at a fire time includes it")
        << u"*/15 * * * *"_s << "UTC"_ba << u"2024-01-01T00:30Z"_s
        << QStringList{u"2024-01-01T00:30Z"_s, u"2024-01-01T00:15Z"_s, u"2024-01-01T00:00Z"_s,
                       u"2023-12-31T23:45Z"_s};
    QTest::newRow("31st backwards") << u"0 0 31 * *"_s << "UTC"_ba << u"2024-06-15T00:00Z"_s
                                    << QStringList{u"2024-05-31T00:00Z"_s, u"2024-03-31T00:00Z"_s,
                                                   u"2024-01-31T00:00Z"_s, u"2023-12-31T00:00Z"_s};
    QTest::newRow("29 February backwards over 2100")
        << u"0 0 29 2 *"_s << "UTC"_ba << u"2104-01-01T00:00Z"_s
        << QStringList{u"2096-02-29T00:00Z"_s, u"2092-02-29T00:00Z"_s};
    QTest::newRow("13th or Friday backwards")
        << u"0 0 13 * 5"_s << "UTC"_ba << u"2024-10-14T00:00Z"_s
        << QStringList{u"2024-10-13T00:00Z"_s, u"2024-10-11T00:00Z"_s, u"2024-10-04T00:00Z"_s};
    QTest::newRow("30 February never")
        << u"0 0 30 2 *"_s << "UTC"_ba << u"2024-01-01T00:00Z"_s << QStringList{};
    QTest::newRow("Berlin 02:30 daily backwards over spring forward")
        << u"30 2 * * *"_s << "Europe/Berlin"_ba << u"2024-04-01T12:00Z"_s
        << QStringList{u"2024-04-01T00:30Z"_s, u"2024-03-30T01:30Z"_s, u"2024-03-29T01:30Z"_s};
    QTest::newRow("Berlin hourly backwards over fall back")
        << u"0 * * * *"_s << "Europe/Berlin"_ba << u"2024-10-27T02:30Z"_s
        << QStringList{u"2024-10-27T02:00Z"_s, u"2024-10-27T01:00Z"_s, u"2024-10-27T00:00Z"_s,
                       u"2024-10-26T23:00Z"_s};
    // Asked at 01:40 EST, the second pass: the last run was 01:30 EDT, not the day before.
    QTest::newRow("New York 01:30 daily, asked in the second pass")
        << u"30 1 * * *"_s << "America/New_York"_ba << u"2024-11-03T06:40Z"_s
        << QStringList{u"2024-11-03T05:30Z"_s, u"2024-11-02T05:30Z"_s};
    QTest::newRow("New York 02:30 daily backwards over spring forward")
        << u"30 2 * * *"_s << "America/New_York"_ba << u"2024-03-11T12:00Z"_s
        << QStringList{u"2024-03-11T06:30Z"_s, u"2024-03-09T07:30Z"_s};
}

void TestCron::previous()
{
    QFETCH(QString, expression);
    QFETCH(QByteArray, zone);
    QFETCH(QString, atOrBefore);
    QFETCH(QStringList, expected);

    const CronExpression parsed = cron(expression);
    const QTimeZone timeZone = zoneFor(zone);
    QStringList actual;
    QDateTime current = parsed.previous(utc(atOrBefore), timeZone);
    while (current.isValid() && actual.size() < expected.size()) {
        actual.append(iso(current));
        current = parsed.previous(current.addMSecs(-1), timeZone);
    }
    if (expected.isEmpty())
        QVERIFY2(!current.isValid(), qPrintable(iso(current)));
    QCOMPARE(actual, isoList(expected));
}

void TestCron::previousUndoesNext_data()
{
    QTest::addColumn<QString>("expression");
    QTest::addColumn<QByteArray>("zone");
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");

    QTest::newRow("every 20 minutes, Berlin spring forward")
        << u"*/20 * * * *"_s << "Europe/Berlin"_ba << u"2024-03-28T00:00Z"_s
        << u"2024-04-03T00:00Z"_s;
    QTest::newRow("every 20 minutes, Berlin fall back")
        << u"*/20 * * * *"_s << "Europe/Berlin"_ba << u"2024-10-24T00:00Z"_s
        << u"2024-10-30T00:00Z"_s;
    QTest::newRow("daily 01:30, New York, all of 2024")
        << u"30 1 * * *"_s << "America/New_York"_ba << u"2023-12-31T12:00Z"_s
        << u"2025-01-01T00:00Z"_s;
    QTest::newRow("02:30 on weekdays, Berlin, all of 2024")
        << u"30 2 * * 1-5"_s << "Europe/Berlin"_ba << u"2023-12-31T12:00Z"_s
        << u"2025-01-01T00:00Z"_s;
    // Lord Howe Island moves its clocks by 30 minutes: back on 2024-04-07, forward on 2024-10-06.
    QTest::newRow("half-hourly, Lord Howe fall back")
        << u"0,30 * * * *"_s << "Australia/Lord_Howe"_ba << u"2024-04-04T00:00Z"_s
        << u"2024-04-10T00:00Z"_s;
    QTest::newRow("half-hourly, Lord Howe spring forward")
        << u"0,30 * * * *"_s << "Australia/Lord_Howe"_ba << u"2024-10-03T00:00Z"_s
        << u"2024-10-09T00:00Z"_s;
}

// Across DST changes, previous() walks back exactly the times next() walked forward.
void TestCron::previousUndoesNext()
{
    QFETCH(QString, expression);
    QFETCH(QByteArray, zone);
    QFETCH(QString, from);
    QFETCH(QString, to);

    const CronExpression parsed = cron(expression);
    const QTimeZone timeZone = zoneFor(zone);
    QList<QDateTime> forward;
    for (QDateTime t = parsed.next(utc(from), timeZone); t.isValid() && t < utc(to);
         t = parsed.next(t, timeZone)) {
        if (!forward.isEmpty())
            QVERIFY2(forward.last() < t, qPrintable(iso(t)));
        forward.append(t);
    }
    QVERIFY(forward.size() > 200);
    for (qsizetype i = forward.size() - 1; i > 0; --i) {
        QCOMPARE(iso(parsed.previous(forward[i], timeZone)), iso(forward[i]));
        QCOMPARE(iso(parsed.previous(forward[i].addMSecs(-1), timeZone)), iso(forward[i - 1]));
    }
}

// The search skips months and days; it does not walk ten years a minute at a time.
void TestCron::neverMatchingExpressionsGiveUpQuickly()
{
    const CronExpression never = cron(u"0 0 31 2,4,6,9,11 *"_s);
    const QTimeZone berlin = zoneFor("Europe/Berlin");
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 20; ++i) {
        QVERIFY(!never.next(utc(u"2024-01-01T00:00Z"_s), berlin).isValid());
        QVERIFY(!never.previous(utc(u"2024-01-01T00:00Z"_s), berlin).isValid());
    }
    QVERIFY2(timer.elapsed() < 500, qPrintable(u"%1 ms"_s.arg(timer.elapsed())));
}

void TestCron::parseAccepts_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("normalized");

    QTest::newRow("plain") << u"0 0 * * *"_s << u"0 0 * * *"_s;
    QTest::newRow("tabs and extra spaces") << u"  0\t0   * *  *  "_s << u"0 0 * * *"_s;
    QTest::newRow("names in lower case")
        << u"0 0 * jan-dec sun-sat"_s << u"0 0 * jan-dec sun-sat"_s;
    QTest::newRow("leading zeros") << u"05 09 01 01 *"_s << u"05 09 01 01 *"_s;
    QTest::newRow("everything at once") << u"1,2-4,*/30,10-20/5 */2 1-7,15 */3 MON,3-5"_s
                                        << u"1,2-4,*/30,10-20/5 */2 1-7,15 */3 MON,3-5"_s;
}

void TestCron::parseAccepts()
{
    QFETCH(QString, text);
    QFETCH(QString, normalized);
    const auto parsed = CronExpression::parse(text);
    VERIFY_OK(parsed);
    QCOMPARE(parsed->text(), normalized);
}

void TestCron::parseErrors_data()
{
    QTest::addColumn<QString>("text");
    // Every one of these must appear in the message.
    QTest::addColumn<QStringList>("words");

    QTest::newRow("empty") << QString() << QStringList{u"empty"_s};
    QTest::newRow("blank") << u"   "_s << QStringList{u"empty"_s};
    QTest::newRow("four fields") << u"0 0 * *"_s << QStringList{u"4 fields"_s, u"5"_s};
    QTest::newRow("six fields (seconds)")
        << u"0 0 0 * * *"_s << QStringList{u"6 fields"_s, u"minute, hour"_s};
    QTest::newRow("minute 61") << u"61 * * * *"_s
                               << QStringList{u"minute field \"61\""_s, u"out of range 0-59"_s};
    QTest::newRow("hour 24") << u"0 24 * * *"_s
                             << QStringList{u"hour field \"24\""_s, u"out of range 0-23"_s};
    QTest::newRow("day 0") << u"0 0 0 * *"_s
                           << QStringList{u"day-of-month field \"0\""_s, u"out of range 1-31"_s};
    QTest::newRow("day 32") << u"0 0 32 * *"_s << QStringList{u"day-of-month"_s, u"1-31"_s};
    QTest::newRow("month 13") << u"0 0 * 13 *"_s
                              << QStringList{u"month field \"13\""_s, u"out of range 1-12"_s};
    QTest::newRow("weekday 8") << u"0 0 * * 8"_s
                               << QStringList{u"day-of-week field \"8\""_s, u"out of range 0-7"_s};
    QTest::newRow("range end out of range")
        << u"0 0 * * 1-9"_s << QStringList{u"day-of-week field \"1-9\""_s, u"9"_s, u"0-7"_s};
    QTest::newRow("L") << u"0 0 L * *"_s
                       << QStringList{u"day-of-month field \"L\""_s, u"not supported"_s};
    QTest::newRow("15W") << u"0 0 15W * *"_s << QStringList{u"day-of-month"_s, u"not supported"_s};
    QTest::newRow("5L") << u"0 0 * * 5L"_s << QStringList{u"day-of-week"_s, u"not supported"_s};
    QTest::newRow("#") << u"0 0 * * 5#3"_s << QStringList{u"day-of-week"_s, u"not supported"_s};
    QTest::newRow("?") << u"0 0 ? * *"_s << QStringList{u"day-of-month"_s, u"not supported"_s};
    QTest::newRow("step 0") << u"*/0 * * * *"_s
                            << QStringList{u"minute field \"*/0\""_s, u"step"_s, u"at least 1"_s};
    QTest::newRow("step not a number")
        << u"*/x * * * *"_s << QStringList{u"minute field"_s, u"step \"x\""_s, u"not a number"_s};
    QTest::newRow("empty list item")
        << u"1,,2 * * * *"_s << QStringList{u"minute field \"1,,2\""_s, u"empty list item"_s};
    QTest::newRow("backwards range")
        << u"0 5-1 * * *"_s << QStringList{u"hour field"_s, u"range 5-1 goes backwards"_s};
    QTest::newRow("word in minutes")
        << u"abc * * * *"_s << QStringList{u"minute field"_s, u"\"abc\" is not a number"_s};
    QTest::newRow("name in hours")
        << u"0 MON * * *"_s << QStringList{u"hour field"_s, u"\"MON\" is not a number"_s};
    QTest::newRow("bad month name")
        << u"0 0 * JANUARY *"_s << QStringList{u"month field"_s, u"JANUARY"_s, u"JAN-DEC"_s};
    QTest::newRow("bad weekday name")
        << u"0 0 * * FUNDAY"_s << QStringList{u"day-of-week field"_s, u"FUNDAY"_s, u"SUN-SAT"_s};
    QTest::newRow("negative") << u"-1 * * * *"_s << QStringList{u"minute field \"-1\""_s};
}

void TestCron::parseErrors()
{
    QFETCH(QString, text);
    QFETCH(QStringList, words);
    const auto parsed = CronExpression::parse(text);
    QVERIFY2(!parsed.hasValue(), "parsed, but should have failed");
    for (const QString &word : words)
        QVERIFY2(parsed.errorMessage().contains(word),
                 qPrintable(u"\"%1\" not in: %2"_s.arg(word, parsed.errorMessage())));
}

QTEST_GUILESS_MAIN(TestCron)
#include "tst_cron.moc"
