// Trigger…'s config and run id as typed: a JSON object (empty is {}), errors that say where the
// text stops being JSON or that it is not an object, and the run ids the scheduler accepts.

#include "ui/panels/jobs/triggerdialog.h"

#include <QJsonDocument>
#include <QTest>

using namespace millrace::ui;
using namespace Qt::StringLiterals;

class TestRunConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void configs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QString>("expected"); // the object as compact JSON, or the error's start
        QTest::newRow("empty") << u"  \n"_s << true << u"{}"_s;
        QTest::newRow("object") << u"{\"epochs\": 3, \"topic\": \"x\"}"_s << true
                                << u"{\"epochs\":3,\"topic\":\"x\"}"_s;
        QTest::newRow("unterminated") << u"{\n  \"epochs\": 3,\n"_s << false << u"Line 3"_s;
        QTest::newRow("bad value") << u"{\"a\": nope}"_s << false << u"Line 1, column "_s;
        QTest::newRow("array") << u"[1, 2]"_s << false << u"The config must be a JSON object"_s;
        // Qt reads a lone number as no JSON at all.
        QTest::newRow("number") << u"42"_s << false << u"Line 1, column "_s;
    }

    void configs()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(QString, expected);
        const auto parsed = parseRunConfig(text);
        QCOMPARE(bool(parsed), valid);
        if (valid)
            QCOMPARE(QString::fromUtf8(QJsonDocument(*parsed).toJson(QJsonDocument::Compact)),
                     expected);
        else
            QVERIFY2(parsed.errorMessage().startsWith(expected), qPrintable(parsed.errorMessage()));
    }

    void runIds()
    {
        QVERIFY(isAcceptableRunId(QString()));
        QVERIFY(isAcceptableRunId(u"manual__2026-01-01T00:00:00+00:00"_s));
        QVERIFY(isAcceptableRunId(u"retrain-v2.1"_s));
        QVERIFY(!isAcceptableRunId(u"with space"_s));
        QVERIFY(!isAcceptableRunId(u"a/b"_s));
        QVERIFY(!isAcceptableRunId(u".."_s));
        QVERIFY(!isAcceptableRunId(QString(251, u'x')));
    }
};

QTEST_GUILESS_MAIN(TestRunConfig)
#include "tst_runconfig.moc"
