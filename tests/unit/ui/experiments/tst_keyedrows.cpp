// syncKeyedRows(): a reload turns the rows into the new ones step by step, so views keep their
// selection; one that replaces most of many rows is a single reset.

#include "ui/panels/experiments/keyedrows.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using millrace::ui::KeyedTableModel;
using millrace::ui::kKeyedRowsResetThreshold;

namespace {

// Rows are "key=value" texts keyed by what comes before the '='.
class TextModel : public KeyedTableModel
{
public:
    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : 1;
    }
    QVariant data(const QModelIndex &index, int role) const override
    {
        return role == Qt::DisplayRole ? QVariant(m_rows.value(index.row())) : QVariant();
    }
    QStringList set(const QStringList &rows)
    {
        return syncRows(
            m_rows, rows, [](const QString &row) { return row.section(u'=', 0, 0); },
            [](const QString &a, const QString &b) { return a == b; });
    }
    const QStringList &rows() const { return m_rows; }

private:
    QStringList m_rows;
};

QStringList numbered(const QString &prefix, int from, int count)
{
    QStringList rows;
    for (int i = from; i < from + count; ++i)
        rows.append(u"%1%2=v"_s.arg(prefix).arg(i));
    return rows;
}

} // namespace

class TestKeyedRows : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void replacingMostOfManyRowsResets();
    void keepingMostRowsGoesStepByStep();
    void fewChangesGoStepByStep();
};

void TestKeyedRows::replacingMostOfManyRowsResets()
{
    TextModel model;
    QAbstractItemModelTester tester(&model);
    model.set(numbered(u"a"_s, 0, 10));
    const QStringList before = numbered(u"a"_s, 0, 300) + numbered(u"b"_s, 0, 20);
    model.set(before);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    // Another experiment: 20 rows in common out of 320 and 400.
    const QStringList after = numbered(u"b"_s, 0, 20) + numbered(u"c"_s, 0, 380);
    const QStringList replaced = model.set(after);
    QCOMPARE(resets.size(), 1);
    QCOMPARE(inserts.size(), 0);
    QCOMPARE(model.rows(), after);
    QCOMPARE(replaced, before);
    // A narrowing search: 10 of 400 stay.
    const QStringList narrowed = after.mid(50, 10);
    QCOMPARE(model.set(narrowed), after);
    QCOMPARE(resets.size(), 2);
    QCOMPARE(model.rows(), narrowed);
}

void TestKeyedRows::keepingMostRowsGoesStepByStep()
{
    TextModel model;
    QAbstractItemModelTester tester(&model);
    QStringList rows = numbered(u"a"_s, 0, 1000);
    model.set(rows);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removals(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    // 300 new rows on top, 100 gone, one changed: most rows stay, so no reset.
    QStringList next = numbered(u"n"_s, 0, 300) + rows.mid(100);
    next[500] = next[500].section(u'=', 0, 0) + u"=changed"_s;
    QVERIFY(model.set(next).isEmpty());
    QCOMPARE(resets.size(), 0);
    QCOMPARE(inserts.size(), 1);
    QCOMPARE(removals.size(), 1);
    QCOMPARE(changes.size(), 1);
    QCOMPARE(model.rows(), next);
}

void TestKeyedRows::fewChangesGoStepByStep()
{
    TextModel model;
    QAbstractItemModelTester tester(&model);
    model.set(numbered(u"a"_s, 0, 100));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    // Every row differs, but fewer than the threshold change in all.
    const QStringList next = numbered(u"b"_s, 0, kKeyedRowsResetThreshold / 2 - 1);
    QVERIFY(model.set(next).isEmpty());
    QCOMPARE(resets.size(), 0);
    QCOMPARE(model.rows(), next);
}

QTEST_GUILESS_MAIN(TestKeyedRows)
#include "tst_keyedrows.moc"
