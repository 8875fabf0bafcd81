// The Streams panel's topic tree: topics by name with their partitions below, counts and rates
// as shown, refreshes that update rows in place (persistent indexes, so expanded topics and the
// selection, survive), topics and partitions that come and go, and the filter model that hides
// internal topics and filters by name.

#include "ui/panels/streams/topicfiltermodel.h"
#include "ui/panels/streams/topictreemodel.h"

#include <QAbstractItemModelTester>
#include <QLocale>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

using namespace millrace;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

streams::PartitionInfo partition(int id, std::int64_t low, std::int64_t high,
                                 std::vector<std::int32_t> isr = {1})
{
    streams::PartitionInfo info;
    info.id = id;
    info.leader = 1;
    info.replicas = {1, 2};
    info.inSyncReplicas = std::move(isr);
    info.lowWatermark = low;
    info.highWatermark = high;
    return info;
}

streams::TopicInfo topic(const QString &name, std::vector<streams::PartitionInfo> partitions,
                         bool internal = false)
{
    streams::TopicInfo info;
    info.name = name;
    info.internal = internal;
    info.partitions = std::move(partitions);
    return info;
}

QStringList names(const QAbstractItemModel &model, const QModelIndex &parent = {})
{
    QStringList result;
    for (int row = 0; row < model.rowCount(parent); ++row)
        result << model.index(row, TopicTreeModel::NameColumn, parent).data().toString();
    return result;
}

QString cell(const QAbstractItemModel &model, int row, int column, const QModelIndex &parent = {})
{
    return model.index(row, column, parent).data().toString();
}

} // namespace

class TestTopicTreeModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

    void topicsByNameWithPartitionsBelow()
    {
        TopicTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTopics({topic(u"orders"_s, {partition(1, 0, 2500), partition(0, 10, 20)}),
                         topic(u"fashion-mnist"_s, {partition(0, 0, 1200)})},
                        {{u"fashion-mnist"_s, 20.4}, {u"orders"_s, 0}});
        QCOMPARE(names(model), QStringList({u"fashion-mnist"_s, u"orders"_s}));
        QCOMPARE(cell(model, 0, TopicTreeModel::MessagesColumn), u"1,200"_s);
        QCOMPARE(cell(model, 0, TopicTreeModel::RateColumn), u"20/s"_s);
        QCOMPARE(cell(model, 1, TopicTreeModel::MessagesColumn), u"2,510"_s);
        QCOMPARE(cell(model, 1, TopicTreeModel::RateColumn), u"0/s"_s);
        QCOMPARE(cell(model, 1, TopicTreeModel::ReplicasColumn), u"×2"_s);

        const QModelIndex orders = model.index(1, 0);
        QCOMPARE(names(model, orders), QStringList({u"partition 0"_s, u"partition 1"_s}));
        QCOMPARE(cell(model, 0, TopicTreeModel::LeaderColumn, orders), u"1"_s);
        QCOMPARE(cell(model, 0, TopicTreeModel::ReplicasColumn, orders), u"1, 2"_s);
        QCOMPARE(cell(model, 0, TopicTreeModel::InSyncColumn, orders), u"1"_s);
        QCOMPARE(cell(model, 0, TopicTreeModel::LowColumn, orders), u"10"_s);
        QCOMPARE(cell(model, 0, TopicTreeModel::HighColumn, orders), u"20"_s);
        QCOMPARE(cell(model, 1, TopicTreeModel::MessagesColumn, orders), u"2,500"_s);
        // Under-replicated partitions say so.
        QVERIFY(model.index(0, TopicTreeModel::InSyncColumn, orders)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(u"1 of 2"_s));
        QCOMPARE(model.index(1, 0, orders).data(TopicTreeModel::TopicRole).toString(), u"orders"_s);
        QCOMPARE(model.index(1, 0, orders).data(TopicTreeModel::PartitionRole).toInt(), 1);
        QCOMPARE(model.indexOfTopic(u"orders"_s), orders);
        QVERIFY(!model.indexOfTopic(u"missing"_s).isValid());
        QCOMPARE(model.topicAt(model.index(0, 0, orders))->name, u"orders"_s);
    }

    void refreshUpdatesRowsInPlace()
    {
        TopicTreeModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTopics({topic(u"a"_s, {partition(0, 0, 5), partition(1, 0, 5)}),
                         topic(u"b"_s, {partition(0, 0, 1)})},
                        {});
        const QPersistentModelIndex b(model.index(1, 0));
        const QPersistentModelIndex bPartition(model.index(0, 0, model.index(1, 0)));
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removes(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);

        // Only b's watermark moved.
        model.setTopics({topic(u"a"_s, {partition(0, 0, 5), partition(1, 0, 5)}),
                         topic(u"b"_s, {partition(0, 0, 9)})},
                        {});
        QCOMPARE(resets.count(), 0);
        QCOMPARE(inserts.count(), 0);
        QCOMPARE(removes.count(), 0);
        QCOMPARE(changes.count(), 2); // b's partition, then b itself
        QCOMPARE(cell(model, 0, TopicTreeModel::HighColumn, b), u"9"_s);

        // The same again changes nothing.
        changes.clear();
        model.setTopics({topic(u"a"_s, {partition(0, 0, 5), partition(1, 0, 5)}),
                         topic(u"b"_s, {partition(0, 0, 9)})},
                        {});
        QCOMPARE(changes.count(), 0);

        // A topic before b appears, a goes, and b grows a partition: b's indexes follow.
        model.setTopics({topic(u"aa"_s, {partition(0, 0, 0)}),
                         topic(u"b"_s, {partition(0, 0, 9), partition(1, 0, 3)})},
                        {});
        QCOMPARE(resets.count(), 0);
        QCOMPARE(names(model), QStringList({u"aa"_s, u"b"_s}));
        QVERIFY(b.isValid());
        QCOMPARE(b.row(), 1);
        QCOMPARE(b.data().toString(), u"b"_s);
        QVERIFY(bPartition.isValid());
        QCOMPARE(bPartition.parent(), QModelIndex(b));
        QCOMPARE(model.rowCount(b), 2);
        QCOMPARE(cell(model, 1, TopicTreeModel::MessagesColumn), u"12"_s);

        // b loses its first partition; everything goes at clear().
        model.setTopics({topic(u"b"_s, {partition(1, 0, 3)})}, {});
        QVERIFY(!bPartition.isValid());
        QCOMPARE(names(model, b), QStringList({u"partition 1"_s}));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!b.isValid());
    }

    void unknownWatermarksShowAsDashes()
    {
        TopicTreeModel model;
        streams::PartitionInfo unknown = partition(0, -1, -1);
        unknown.leader = -1;
        unknown.error = u"Broker: Leader not available"_s;
        model.setTopics({topic(u"t"_s, {unknown})}, {});
        const QModelIndex t = model.index(0, 0);
        QCOMPARE(cell(model, 0, TopicTreeModel::HighColumn, t), u"—"_s);
        QCOMPARE(cell(model, 0, TopicTreeModel::LeaderColumn, t), u"none"_s);
        QCOMPARE(model.index(0, TopicTreeModel::LowColumn, t).data(Qt::ToolTipRole).toString(),
                 u"Broker: Leader not available"_s);
    }

    void filterHidesInternalTopicsAndFiltersByName()
    {
        TopicTreeModel model;
        TopicFilterModel filter;
        filter.setSourceModel(&model);
        QAbstractItemModelTester tester(&filter,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTopics({topic(u"__consumer_offsets"_s, {partition(0, 0, 7)}, true),
                         topic(u"fashion-mnist"_s, {partition(0, 0, 30), partition(1, 0, 2)}),
                         topic(u"orders"_s, {partition(0, 0, 500)})},
                        {});
        filter.sort(TopicTreeModel::NameColumn, Qt::AscendingOrder);
        QCOMPARE(names(filter), QStringList({u"fashion-mnist"_s, u"orders"_s}));
        QCOMPARE(filter.rowCount(filter.index(0, 0)), 2);

        filter.setShowInternal(true);
        QCOMPARE(names(filter),
                 QStringList({u"__consumer_offsets"_s, u"fashion-mnist"_s, u"orders"_s}));

        filter.setNameFilter(u"  MNIST "_s);
        QCOMPARE(names(filter), QStringList({u"fashion-mnist"_s}));
        QCOMPARE(filter.rowCount(filter.index(0, 0)), 2); // partitions come with their topic
        filter.setNameFilter(QString());

        // Sorting by the message count compares numbers, not text ("500" > "32").
        filter.sort(TopicTreeModel::MessagesColumn, Qt::DescendingOrder);
        QCOMPARE(names(filter),
                 QStringList({u"orders"_s, u"fashion-mnist"_s, u"__consumer_offsets"_s}));
        // Partitions sort within their topic.
        QCOMPARE(names(filter, filter.index(1, 0)),
                 QStringList({u"partition 0"_s, u"partition 1"_s}));
    }

    void formatsCountsAndRates()
    {
        QCOMPARE(formatCount(-1), u"—"_s);
        QCOMPARE(formatCount(1234567), u"1,234,567"_s);
        QCOMPARE(formatRate(0), u"0/s"_s);
        QCOMPARE(formatRate(2.34), u"2.3/s"_s);
        QCOMPARE(formatRate(1499.6), u"1,500/s"_s);
    }
};

QTEST_GUILESS_MAIN(TestTopicTreeModel)
#include "tst_topictreemodel.moc"
