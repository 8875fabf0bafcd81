// CSV export of the compare tables: RFC 4180 quoting, a model's header and cells as rows, and
// writes that either land whole or fail with a message naming the file.

#include "ui/panels/experiments/compare/tableexport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QTest>

using namespace millrace::ui;
using namespace Qt::StringLiterals;

class TestTableExport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void quoting_data();
    void quoting();
    void rowsEndWithCrLf();
    void modelRowsWithHeaders();
    void modelRowsWithoutVerticalHeader();
    void writesUtf8AndReadsBack();
    void replacesAnExistingFile();
    void missingFolderFailsAndLeavesNothing();
};

void TestTableExport::quoting_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("csv");

    QTest::newRow("plain") << u"lr"_s << u"lr"_s;
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("spaces stay bare") << u" a b "_s << u" a b "_s;
    QTest::newRow("comma") << u"1,2"_s << u"\"1,2\""_s;
    QTest::newRow("quote doubled") << u"say \"hi\""_s << u"\"say \"\"hi\"\"\""_s;
    QTest::newRow("only a quote") << u"\""_s << u"\"\"\"\""_s;
    QTest::newRow("newline") << u"a\nb"_s << u"\"a\nb\""_s;
    QTest::newRow("carriage return") << u"a\r\nb"_s << u"\"a\r\nb\""_s;
    QTest::newRow("non-ASCII") << u"größe µ"_s << u"größe µ"_s;
}

void TestTableExport::quoting()
{
    QFETCH(QString, field);
    QFETCH(QString, csv);
    QCOMPARE(toCsv({{field}}), csv + u"\r\n"_s);
    // The same field between others keeps its neighbours apart.
    QCOMPARE(toCsv({{u"x"_s, field, u"y"_s}}), u"x,"_s + csv + u",y\r\n"_s);
}

void TestTableExport::rowsEndWithCrLf()
{
    QCOMPARE(toCsv({{u"a"_s, u"b"_s}, {u"1"_s, u"2"_s}}), u"a,b\r\n1,2\r\n"_s);
    QCOMPARE(toCsv({}), QString());
    // An empty row is an empty record, not a missing one.
    QCOMPARE(toCsv({{u"a"_s}, {}, {u"b"_s}}), u"a\r\n\r\nb\r\n"_s);
}

void TestTableExport::modelRowsWithHeaders()
{
    QStandardItemModel model(2, 2);
    model.setHorizontalHeaderLabels({u"run 1"_s, u"run, 2"_s});
    model.setVerticalHeaderLabels({u"params.lr"_s, u"metrics.acc"_s});
    model.setItem(0, 0, new QStandardItem(u"0.1"_s));
    model.setItem(0, 1, new QStandardItem(u"0.2"_s));
    model.setItem(1, 0, new QStandardItem(u"0.9"_s));
    // (1, 1) left without an item: an empty cell.

    const QList<QStringList> rows = modelRows(model, true);
    const QList<QStringList> expected{{QString(), u"run 1"_s, u"run, 2"_s},
                                      {u"params.lr"_s, u"0.1"_s, u"0.2"_s},
                                      {u"metrics.acc"_s, u"0.9"_s, QString()}};
    QCOMPARE(rows, expected);
    QCOMPARE(toCsv(rows), u",run 1,\"run, 2\"\r\nparams.lr,0.1,0.2\r\nmetrics.acc,0.9,\r\n"_s);
}

void TestTableExport::modelRowsWithoutVerticalHeader()
{
    QStandardItemModel model(1, 2);
    model.setHorizontalHeaderLabels({u"name"_s, u"acc"_s});
    model.setItem(0, 0, new QStandardItem(u"baseline"_s));
    model.setItem(0, 1, new QStandardItem(u"0.9"_s));
    const QList<QStringList> expected{{u"name"_s, u"acc"_s}, {u"baseline"_s, u"0.9"_s}};
    QCOMPARE(modelRows(model, false), expected);
}

void TestTableExport::writesUtf8AndReadsBack()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"compare.csv"_s);
    const QList<QStringList> rows{{u"key"_s, u"größe"_s}, {u"note"_s, u"a \"b\", c"_s}};
    const auto written = writeCsv(path, rows);
    QVERIFY2(written.hasValue(), qPrintable(written.errorMessage()));

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QCOMPARE(bytes, u"key,größe\r\nnote,\"a \"\"b\"\", c\"\r\n"_s.toUtf8());
    // Nothing but the file itself: QSaveFile's temporary is gone.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{u"compare.csv"_s});
}

void TestTableExport::replacesAnExistingFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"compare.csv"_s);
    {
        QFile old(path);
        QVERIFY(old.open(QIODevice::WriteOnly));
        old.write("an older, longer export that must not leave a tail behind\r\n");
    }
    QVERIFY(writeCsv(path, {{u"a"_s}}).hasValue());
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), QByteArray("a\r\n"));
}

void TestTableExport::missingFolderFailsAndLeavesNothing()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"no-such-folder/compare.csv"_s);
    const auto written = writeCsv(path, {{u"a"_s, u"b"_s}});
    QVERIFY(!written.hasValue());
    QVERIFY2(written.errorMessage().contains(QDir::toNativeSeparators(path)),
             qPrintable(written.errorMessage()));
    QVERIFY(!QFileInfo::exists(path));
    QVERIFY(QDir(dir.path())
                .entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)
                .isEmpty());
}

QTEST_GUILESS_MAIN(TestTableExport)
#include "tst_tableexport.moc"
