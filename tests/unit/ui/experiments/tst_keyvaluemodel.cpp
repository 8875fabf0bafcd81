// The small tables of the run detail pane: rows by key, long values cut in the cell but whole in
// the tooltip, updates that keep rows.

#include "ui/panels/experiments/keyvaluemodel.h"

#include <QAbstractItemModelTester>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

using namespace millrace::ui;
using namespace Qt::StringLiterals;

class TestKeyValueModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsRowsUnderHeaders();
    void longValuesAreCutInTheCell();
    void updateKeepsRowsByKey();
};

void TestKeyValueModel::showsRowsUnderHeaders()
{
    KeyValueModel model({u"Metric"_s, u"Latest value"_s, u"Step"_s});
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.columnCount(), 3);
    QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), u"Latest value"_s);
    model.setRows({{u"acc"_s, u"0.91"_s, u"12"_s}, {u"loss"_s, u"NaN"_s}});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, 0).data().toString(), u"acc"_s);
    QCOMPARE(model.index(0, 2).data().toString(), u"12"_s);
    QCOMPARE(model.index(1, 1).data().toString(), u"NaN"_s);
    // A short row leaves the rest empty.
    QCOMPARE(model.index(1, 2).data().toString(), QString());
}

void TestKeyValueModel::longValuesAreCutInTheCell()
{
    KeyValueModel model({u"Param"_s, u"Value"_s});
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString longValue(1000, u'x');
    const QString lines = u"first line\nsecond line"_s;
    model.setRows({{u"long"_s, longValue}, {u"lines"_s, lines}});
    QVERIFY(model.index(0, 1).data().toString().size() < 400);
    QVERIFY(model.index(0, 1).data().toString().endsWith(QChar(0x2026)));
    QCOMPARE(model.index(0, 1).data(Qt::ToolTipRole).toString(), longValue);
    QCOMPARE(model.index(1, 1).data().toString(), u"first line\u2026"_s);
    QCOMPARE(model.index(1, 1).data(Qt::ToolTipRole).toString(), lines);
}

void TestKeyValueModel::updateKeepsRowsByKey()
{
    KeyValueModel model({u"Tag"_s, u"Value"_s});
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRows({{u"a"_s, u"1"_s}, {u"b"_s, u"2"_s}, {u"c"_s, u"3"_s}});
    const QPersistentModelIndex b = model.index(1, 0);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.setRows({{u"b"_s, u"two"_s}, {u"c"_s, u"3"_s}, {u"d"_s, u"4"_s}});
    QCOMPARE(reset.size(), 0);
    QVERIFY(b.isValid());
    QCOMPARE(b.row(), 0);
    QCOMPARE(model.index(0, 1).data().toString(), u"two"_s);
    QCOMPARE(model.rows(),
             (QList<KeyValueModel::Row>{{u"b"_s, u"two"_s}, {u"c"_s, u"3"_s}, {u"d"_s, u"4"_s}}));
    model.setRows({});
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestKeyValueModel)
#include "tst_keyvaluemodel.moc"
