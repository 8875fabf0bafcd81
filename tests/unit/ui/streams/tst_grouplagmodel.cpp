// The Streams panel's consumer groups: groups by id with their lag per partition below, totals,
// groups known only from their offsets, and refreshes that update rows in place.

#include "ui/panels/streams/grouplagmodel.h"

#include <QAbstractItemModelTester>
#include <QLocale>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

using namespace millrace;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

streams::GroupPartitionLag lag(const QString &group, const QString &topic, int partition,
                               std::int64_t committed, std::int64_t high)
{
    streams::GroupPartitionLag entry;
    entry.group = group;
    entry.topic = topic;
    entry.partition = partition;
    entry.committedOffset = committed;
    entry.highWatermark = high;
    entry.lag = high - std::max<std::int64_t>(0, committed);
    return entry;
}

QString cell(const QAbstractItemModel &model, int row, int column, const QModelIndex &parent = {})
{
    return model.index(row, column, parent).data().toString();
}

} // namespace

class TestGroupLagModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

    void groupsWithTheirPartitionsLag()
    {
        GroupLagModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setGroups({{u"scorer"_s, u"Stable"_s, false}, {u"audit"_s, u"Empty"_s, false}},
                        {lag(u"millrace-drain"_s, u"fashion-mnist"_s, 1, 100, 1600),
                         lag(u"millrace-drain"_s, u"fashion-mnist"_s, 0, -1, 40),
                         lag(u"scorer"_s, u"orders"_s, 0, 10, 12)});
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(cell(model, 0, GroupLagModel::NameColumn), u"audit"_s);
        QCOMPARE(cell(model, 0, GroupLagModel::StateColumn), u"Empty"_s);
        QCOMPARE(model.rowCount(model.index(0, 0)), 0);
        // Known from its offsets only: no state, and its lag summed.
        const QModelIndex drain = model.index(1, 0);
        QCOMPARE(drain.data().toString(), u"millrace-drain"_s);
        QCOMPARE(cell(model, 1, GroupLagModel::StateColumn), u"—"_s);
        QCOMPARE(cell(model, 1, GroupLagModel::LagColumn), u"1,540"_s);
        QCOMPARE(model.totalLag(u"millrace-drain"_s), 1540);
        QCOMPARE(model.rowCount(drain), 2);
        QCOMPARE(cell(model, 0, GroupLagModel::NameColumn, drain),
                 u"fashion-mnist · partition 0"_s);
        QCOMPARE(cell(model, 0, GroupLagModel::CommittedColumn, drain), u"none"_s);
        QCOMPARE(cell(model, 1, GroupLagModel::CommittedColumn, drain), u"100"_s);
        QCOMPARE(cell(model, 1, GroupLagModel::EndColumn, drain), u"1,600"_s);
        QCOMPARE(cell(model, 1, GroupLagModel::LagColumn, drain), u"1,500"_s);
        QCOMPARE(model.index(1, 0, drain).data(GroupLagModel::GroupRole).toString(),
                 u"millrace-drain"_s);
        QCOMPARE(model.index(1, 0, drain).data(GroupLagModel::PartitionRole).toInt(), 1);
        QCOMPARE(model.index(1, 0, drain).data(GroupLagModel::LagRole).toLongLong(), 1500);
    }

    void refreshUpdatesRowsInPlace()
    {
        GroupLagModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setGroups({}, {lag(u"g"_s, u"t"_s, 0, 0, 10), lag(u"g"_s, u"t"_s, 1, 0, 10)});
        const QPersistentModelIndex group(model.index(0, 0));
        const QPersistentModelIndex second(model.index(1, 0, group));
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);

        model.setGroups({}, {lag(u"g"_s, u"t"_s, 0, 0, 10), lag(u"g"_s, u"t"_s, 1, 5, 10)});
        QCOMPARE(resets.count(), 0);
        QCOMPARE(changes.count(), 2);
        QCOMPARE(cell(model, 1, GroupLagModel::LagColumn, group), u"5"_s);
        QCOMPARE(cell(model, 0, GroupLagModel::LagColumn), u"15"_s);

        // Another group sorts before g; g keeps its partitions.
        model.setGroups({{u"a"_s, u"Stable"_s, false}},
                        {lag(u"g"_s, u"t"_s, 0, 0, 10), lag(u"g"_s, u"t"_s, 1, 5, 10)});
        QCOMPARE(group.row(), 1);
        QVERIFY(second.isValid());
        QCOMPARE(second.parent(), QModelIndex(group));

        model.setGroups({{u"a"_s, u"Stable"_s, false}}, {});
        QVERIFY(!group.isValid());
        QCOMPARE(model.rowCount(), 1);
        model.clear();
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestGroupLagModel)
#include "tst_grouplagmodel.moc"
