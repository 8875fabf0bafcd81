// What the filter box offers to complete, and where the name under the cursor starts.

#include "ui/panels/experiments/filtercompletion.h"

#include <QTest>

using namespace millrace::ui;
using namespace Qt::StringLiterals;

class TestFilterCompletion : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void offersKeysAndAttributes();
    void quotesKeysTheSyntaxCannotReadBare_data();
    void quotesKeysTheSyntaxCannotReadBare();
    void findsTheNameUnderTheCursor_data();
    void findsTheNameUnderTheCursor();
};

void TestFilterCompletion::offersKeysAndAttributes()
{
    const QStringList words =
        filterCompletions({u"lr"_s}, {u"acc"_s, u"val loss"_s}, {u"mlflow.runName"_s});
    QCOMPARE(words.mid(0, 4), (QStringList{u"metrics.acc"_s, u"metrics.`val loss`"_s,
                                           u"params.lr"_s, u"tags.mlflow.runName"_s}));
    QVERIFY(words.contains(u"status"_s));
    QVERIFY(words.contains(u"attributes.status"_s));
    QVERIFY(words.contains(u"run_name"_s));
    QVERIFY(words.contains(u"start_time"_s));
}

void TestFilterCompletion::quotesKeysTheSyntaxCannotReadBare_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("written");
    QTest::newRow("plain") << u"val_acc"_s << u"val_acc"_s;
    QTest::newRow("slash and dash") << u"eval/top-5"_s << u"eval/top-5"_s;
    QTest::newRow("dotted") << u"mlflow.source.git.commit"_s << u"mlflow.source.git.commit"_s;
    QTest::newRow("space") << u"val loss"_s << u"`val loss`"_s;
    QTest::newRow("leading digit") << u"5fold"_s << u"`5fold`"_s;
    QTest::newRow("backtick") << u"odd`key"_s << u"\"odd`key\""_s;
}

void TestFilterCompletion::quotesKeysTheSyntaxCannotReadBare()
{
    QFETCH(QString, key);
    QFETCH(QString, written);
    QCOMPARE(filterKey(key), written);
}

void TestFilterCompletion::findsTheNameUnderTheCursor_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("start"); // -1: nothing to complete
    // The cursor is at the end of `text`.
    QTest::newRow("empty") << QString() << -1;
    QTest::newRow("first word") << u"metr"_s << 0;
    QTest::newRow("after the prefix dot") << u"metrics."_s << 0;
    QTest::newRow("second comparison") << u"metrics.acc > 0.5 OR params.l"_s << 21;
    QTest::newRow("after a parenthesis") << u"(tags.te"_s << 1;
    QTest::newRow("after a space") << u"metrics.acc "_s << -1;
    QTest::newRow("a number") << u"metrics.acc > 0.5"_s << -1;
    QTest::newRow("inside a quoted value") << u"params.opt = 'ad"_s << -1;
    QTest::newRow("inside a double-quoted value") << u"params.opt = \"ad"_s << -1;
    QTest::newRow("after a quoted value") << u"params.opt = 'adam' AND met"_s << 24;
    QTest::newRow("after a double-quoted value") << u"params.opt = \"adam\" AND met"_s << 24;
    QTest::newRow("quoted name") << u"metrics.`val lo"_s << 0;
    QTest::newRow("double-quoted name") << u"metrics.\"val lo"_s << 0;
}

void TestFilterCompletion::findsTheNameUnderTheCursor()
{
    QFETCH(QString, text);
    QFETCH(int, start);
    QCOMPARE(completionStart(text, int(text.size())), start);
}

QTEST_GUILESS_MAIN(TestFilterCompletion)
#include "tst_filtercompletion.moc"
