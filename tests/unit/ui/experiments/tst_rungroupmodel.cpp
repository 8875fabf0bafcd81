// Runs grouped by a param: one group row per value ("(none)" for runs without it) with its run
// count and an aggregate per metric; runs sorted within groups and groups by value or aggregate;
// reloads that add, remove and regroup runs keep the tree consistent and persistent indexes on
// the runs that stay.

#include "ui/panels/experiments/rungroupmodel.h"
#include "ui/panels/experiments/runsortmodel.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QSignalSpy>
#include <QTest>

#include <limits>

using namespace millrace;
using namespace millrace::tracking;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Run makeRun(const QString &name, qint64 start, const tracking::KeyValueList &params,
            const QList<QPair<QString, double>> &metrics)
{
    Run run;
    run.info.runId = u"id-"_s + name;
    run.info.runName = name;
    run.info.startTime = start;
    run.info.endTime = start + 1000;
    run.info.status = RunStatus::Finished;
    run.params = params;
    for (const auto &[key, value] : metrics)
        run.latestMetrics.append(MetricPoint{key, value, start, 0});
    return run;
}

QList<Run> baseRuns()
{
    return {
        makeRun(u"a"_s, 1000, {{u"lr"_s, u"0.1"_s}}, {{u"acc"_s, 0.3}, {u"loss"_s, 0.5}}),
        makeRun(u"b"_s, 2000, {{u"lr"_s, u"0.01"_s}}, {{u"acc"_s, 0.7}}),
        makeRun(u"c"_s, 3000, {{u"lr"_s, u"0.1"_s}}, {{u"acc"_s, 0.5}, {u"loss"_s, 0.4}}),
        makeRun(u"d"_s, 4000, {}, {{u"acc"_s, 0.9}}),
        makeRun(u"e"_s, 5000, {{u"lr"_s, u"0.01"_s}}, {{u"acc"_s, kNaN}}),
    };
}

struct Fixture
{
    RunTableModel runs;
    RunSortModel sorted;
    RunGroupModel grouped;
    QAbstractItemModelTester tester{&grouped,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest};
    Fixture()
    {
        sorted.setSourceModel(&runs);
        grouped.setSourceModel(&sorted);
        runs.setRuns(baseRuns());
        grouped.flush();
        grouped.sort(RunTableModel::StartColumn, Qt::AscendingOrder);
    }
    int column(const QString &key) const { return runs.columnOfKey(key); }
    QModelIndex group(const QString &label) const
    {
        for (int row = 0; row < grouped.rowCount(); ++row) {
            const QModelIndex index = grouped.index(row, 0);
            if (groupValue(index) == label)
                return index;
        }
        return {};
    }
    /// The value of a group row as its param column shows it.
    QString groupValue(const QModelIndex &group) const
    {
        return group.siblingAtColumn(column(u"params."_s + grouped.groupKey())).data().toString();
    }
    QStringList groupValues() const
    {
        QStringList values;
        for (int row = 0; row < grouped.rowCount(); ++row)
            values.append(groupValue(grouped.index(row, 0)));
        return values;
    }
    QStringList names(const QModelIndex &parent = {}) const
    {
        QStringList names;
        for (int row = 0; row < grouped.rowCount(parent); ++row)
            names.append(grouped.index(row, RunTableModel::NameColumn, parent).data().toString());
        return names;
    }
    QString cell(const QModelIndex &row, const QString &key) const
    {
        return row.siblingAtColumn(column(key)).data().toString();
    }
};

} // namespace

class TestRunGroupModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ungroupedShowsTheSortedRuns();
    void groupsByParamWithCountsAndAggregates();
    void aggregateCanBeMinOrMax();
    void runsSortWithinGroupsAndGroupsByValueOrAggregate();
    void reloadsKeepGroupsRight();
    void newColumnsShiftRowsUnderGroups();
    void ungroupingGivesTheFlatListBack();
};

void TestRunGroupModel::ungroupedShowsTheSortedRuns()
{
    Fixture f;
    QVERIFY(!f.grouped.isGrouped());
    QCOMPARE(f.names(), (QStringList{u"a"_s, u"b"_s, u"c"_s, u"d"_s, u"e"_s}));
    QCOMPARE(f.grouped.columnCount(), f.runs.columnCount());
    const QModelIndex b = f.grouped.index(1, 0);
    QVERIFY(!f.grouped.hasChildren(b));
    QVERIFY(!f.grouped.isGroup(b));
    QCOMPARE(b.data(RunTableModel::RunIdRole).toString(), u"id-b"_s);
    QCOMPARE(b.data(RunGroupModel::RunIdsRole).toStringList(), QStringList{u"id-b"_s});
    QCOMPARE(f.cell(b, u"params.lr"_s), u"0.01"_s);
    QCOMPARE(f.grouped.headerData(f.column(u"metrics.acc"_s), Qt::Horizontal).toString(),
             u"metrics.acc"_s);

    f.grouped.sort(f.column(u"metrics.acc"_s), Qt::DescendingOrder);
    QCOMPARE(f.names(), (QStringList{u"d"_s, u"b"_s, u"c"_s, u"a"_s, u"e"_s}));
    QCOMPARE(f.grouped.sourceRow(f.grouped.index(0, 0)), 0);
    QCOMPARE(f.grouped.indexOfRun(u"id-a"_s).row(), 3);
}

void TestRunGroupModel::groupsByParamWithCountsAndAggregates()
{
    Fixture f;
    QSignalSpy resets(&f.grouped, &QAbstractItemModel::modelReset);
    f.grouped.setGroupKey(u"lr"_s);
    QCOMPARE(resets.size(), 1);
    QVERIFY(f.grouped.isGrouped());
    // Groups in the order of their first run (sorted by start time), "(none)" for d.
    QCOMPARE(f.groupValues(), (QStringList{u"0.1"_s, u"0.01"_s, u"(none)"_s}));

    const QModelIndex tenth = f.group(u"0.1"_s);
    const QModelIndex hundredth = f.group(u"0.01"_s);
    const QModelIndex none = f.group(u"(none)"_s);
    QVERIFY(f.grouped.isGroup(tenth) && f.grouped.isGroup(none));
    QCOMPARE(f.names(tenth), (QStringList{u"a"_s, u"c"_s}));
    QCOMPARE(f.names(hundredth), (QStringList{u"b"_s, u"e"_s}));
    QCOMPARE(f.names(none), QStringList{u"d"_s});
    QCOMPARE(tenth.data().toString(), u"lr = 0.1 · 2 runs"_s);
    QCOMPARE(none.data().toString(), u"lr = (none) · 1 run"_s);
    QVERIFY(tenth.data(Qt::FontRole).value<QFont>().bold());
    QCOMPARE(tenth.data(RunGroupModel::RunIdsRole).toStringList(),
             (QStringList{u"id-a"_s, u"id-c"_s}));
    QVERIFY(!tenth.data(RunTableModel::RunIdRole).isValid());
    QCOMPARE(tenth.data(RunGroupModel::GroupIdRole).toString(), u"v:0.1"_s);
    QCOMPARE(none.data(RunGroupModel::GroupIdRole).toString(), u"none"_s);

    // Children are runs, with their ids and cells; their parent is the group.
    const QModelIndex c = f.grouped.index(1, 0, tenth);
    QCOMPARE(c.parent(), tenth);
    QCOMPARE(c.data(RunTableModel::RunIdRole).toString(), u"id-c"_s);
    QCOMPARE(f.cell(c, u"metrics.acc"_s), u"0.5"_s);
    QCOMPARE(f.grouped.indexOfRun(u"id-c"_s), c);
    QCOMPARE(f.grouped.sourceRow(c), f.sorted.mapFromSource(f.runs.index(2, 0)).row());
    QCOMPARE(f.grouped.sourceRow(tenth), -1);

    // Mean per metric; NaN and missing values do not count.
    QCOMPARE(f.cell(tenth, u"metrics.acc"_s), u"0.4"_s);
    QCOMPARE(f.cell(tenth, u"metrics.loss"_s), u"0.45"_s);
    QCOMPARE(f.cell(hundredth, u"metrics.acc"_s), u"0.7"_s);
    QCOMPARE(f.cell(hundredth, u"metrics.loss"_s), QString());
    QCOMPARE(f.cell(none, u"metrics.acc"_s), u"0.9"_s);
    QVERIFY2(hundredth.siblingAtColumn(f.column(u"metrics.acc"_s))
                 .data(Qt::ToolTipRole)
                 .toString()
                 .contains(u"1 of 2 runs"_s),
             qPrintable(hundredth.siblingAtColumn(f.column(u"metrics.acc"_s))
                            .data(Qt::ToolTipRole)
                            .toString()));
    // Other run columns stay empty on a group row.
    QCOMPARE(f.cell(tenth, u"attributes.status"_s), QString());
}

void TestRunGroupModel::aggregateCanBeMinOrMax()
{
    Fixture f;
    f.grouped.setGroupKey(u"lr"_s);
    const QModelIndex tenth = f.group(u"0.1"_s);
    QSignalSpy changes(&f.grouped, &QAbstractItemModel::dataChanged);
    f.grouped.setAggregate(RunGroupModel::Aggregate::Max);
    QVERIFY(!changes.isEmpty());
    QCOMPARE(f.cell(tenth, u"metrics.acc"_s), u"0.5"_s);
    f.grouped.setAggregate(RunGroupModel::Aggregate::Min);
    QCOMPARE(f.cell(tenth, u"metrics.acc"_s), u"0.3"_s);
    QCOMPARE(f.cell(tenth, u"metrics.loss"_s), u"0.4"_s);
}

void TestRunGroupModel::runsSortWithinGroupsAndGroupsByValueOrAggregate()
{
    Fixture f;
    f.grouped.setGroupKey(u"lr"_s);
    const int acc = f.column(u"metrics.acc"_s);

    // By mean accuracy, best first: (none) 0.9, 0.01 0.7, 0.1 0.4; c before a inside 0.1.
    f.grouped.sort(acc, Qt::DescendingOrder);
    QCOMPARE(f.groupValues(), (QStringList{u"(none)"_s, u"0.01"_s, u"0.1"_s}));
    QCOMPARE(f.names(f.group(u"0.1"_s)), (QStringList{u"c"_s, u"a"_s}));
    // NaN stays last among the runs of its group, whichever the direction.
    QCOMPARE(f.names(f.group(u"0.01"_s)), (QStringList{u"b"_s, u"e"_s}));
    f.grouped.sort(acc, Qt::AscendingOrder);
    QCOMPARE(f.groupValues(), (QStringList{u"0.1"_s, u"0.01"_s, u"(none)"_s}));
    QCOMPARE(f.names(f.group(u"0.1"_s)), (QStringList{u"a"_s, u"c"_s}));
    QCOMPARE(f.names(f.group(u"0.01"_s)), (QStringList{u"b"_s, u"e"_s}));

    // By the grouped param: by value as a number, "(none)" last both ways.
    const int lr = f.column(u"params.lr"_s);
    f.grouped.sort(lr, Qt::AscendingOrder);
    QCOMPARE(f.groupValues(), (QStringList{u"0.01"_s, u"0.1"_s, u"(none)"_s}));
    f.grouped.sort(lr, Qt::DescendingOrder);
    QCOMPARE(f.groupValues(), (QStringList{u"0.1"_s, u"0.01"_s, u"(none)"_s}));

    // By a column without a group value: the group of the first run comes first.
    f.grouped.sort(RunTableModel::StartColumn, Qt::DescendingOrder);
    QCOMPARE(f.groupValues(), (QStringList{u"0.01"_s, u"(none)"_s, u"0.1"_s}));
    QCOMPARE(f.names(f.group(u"0.01"_s)), (QStringList{u"e"_s, u"b"_s}));
}

void TestRunGroupModel::reloadsKeepGroupsRight()
{
    Fixture f;
    f.grouped.setGroupKey(u"lr"_s);
    const QPersistentModelIndex a = f.grouped.indexOfRun(u"id-a"_s);
    const QPersistentModelIndex hundredth = f.group(u"0.01"_s);
    QVERIFY(a.isValid() && hundredth.isValid());

    // f joins 0.1, d (the only run without lr) goes, g starts a new group.
    QList<Run> runs = baseRuns();
    runs.removeAt(3);
    runs.append(makeRun(u"f"_s, 6000, {{u"lr"_s, u"0.1"_s}}, {{u"acc"_s, 0.1}}));
    runs.append(makeRun(u"g"_s, 7000, {{u"lr"_s, u"0.05"_s}}, {{u"acc"_s, 0.2}}));
    QSignalSpy inserted(&f.grouped, &QAbstractItemModel::rowsInserted);
    f.runs.setRuns(runs);
    f.grouped.flush();
    QCOMPARE(f.groupValues(), (QStringList{u"0.1"_s, u"0.01"_s, u"0.05"_s}));
    QCOMPARE(f.names(f.group(u"0.1"_s)), (QStringList{u"a"_s, u"c"_s, u"f"_s}));
    QCOMPARE(f.group(u"0.1"_s).data().toString(), u"lr = 0.1 · 3 runs"_s);
    QCOMPARE(f.cell(f.group(u"0.1"_s), u"metrics.acc"_s), u"0.3"_s);
    QCOMPARE(f.names(f.group(u"0.05"_s)), QStringList{u"g"_s});
    // Rows were inserted, not the model reset: what stays keeps its persistent indexes.
    QVERIFY(!inserted.isEmpty());
    QVERIFY(a.isValid());
    QCOMPARE(a.data().toString(), u"a"_s);
    QCOMPARE(a.parent(), QModelIndex(f.group(u"0.1"_s)));
    QVERIFY(hundredth.isValid());
    QCOMPARE(f.groupValue(hundredth), u"0.01"_s);

    // A run that gains the param moves from "(none)" into its group; a changed metric moves the
    // mean; a later sort by accuracy reorders the groups.
    runs.append(makeRun(u"h"_s, 8000, {}, {{u"acc"_s, 0.6}}));
    f.runs.setRuns(runs);
    f.grouped.flush();
    QCOMPARE(f.names(f.group(u"(none)"_s)), QStringList{u"h"_s});
    runs.last().params.insert(u"lr"_s, u"0.01"_s);
    runs[1].latestMetrics = {MetricPoint{u"acc"_s, 0.9, 9000, 1}}; // b
    f.runs.setRuns(runs);
    f.grouped.flush();
    QVERIFY(!f.group(u"(none)"_s).isValid());
    QCOMPARE(f.names(f.group(u"0.01"_s)), (QStringList{u"b"_s, u"e"_s, u"h"_s}));
    QCOMPARE(f.cell(f.group(u"0.01"_s), u"metrics.acc"_s), u"0.75"_s);
    f.grouped.sort(f.column(u"metrics.acc"_s), Qt::DescendingOrder);
    QCOMPARE(f.groupValues(), (QStringList{u"0.01"_s, u"0.1"_s, u"0.05"_s}));
    QCOMPARE(a.data().toString(), u"a"_s);

    // A changed metric also reaches the groups without an explicit flush, once events run.
    runs[0].latestMetrics = {MetricPoint{u"acc"_s, 0.7, 9000, 1}}; // a: 0.1 mean goes to 0.433
    f.runs.setRuns(runs);
    QTRY_COMPARE(f.cell(f.group(u"0.1"_s), u"metrics.acc"_s), u"0.433333"_s);

    // Everything goes.
    f.runs.setRuns({});
    f.grouped.flush();
    QCOMPARE(f.grouped.rowCount(), 0);
    QVERIFY(!a.isValid());
}

void TestRunGroupModel::newColumnsShiftRowsUnderGroups()
{
    Fixture f;
    f.grouped.setGroupKey(u"lr"_s);
    const QPersistentModelIndex cLr = f.grouped.indexOfRun(u"id-c"_s, f.column(u"params.lr"_s));
    QCOMPARE(cLr.data().toString(), u"0.1"_s);

    // A new metric column comes before the params: the persistent index under its group moves
    // with its cell, and the group aggregates the new metric.
    QList<Run> runs = baseRuns();
    runs[2].latestMetrics.append(MetricPoint{u"f1"_s, 0.8, 3000, 0});
    f.runs.setRuns(runs);
    f.grouped.flush();
    QCOMPARE(f.grouped.columnCount(), f.runs.columnCount());
    QCOMPARE(f.grouped.columnCount(f.group(u"0.1"_s)), f.runs.columnCount());
    QCOMPARE(cLr.column(), f.column(u"params.lr"_s));
    QCOMPARE(cLr.data().toString(), u"0.1"_s);
    QCOMPARE(f.cell(f.group(u"0.1"_s), u"metrics.f1"_s), u"0.8"_s);

    // And the metric goes again.
    f.runs.setRuns(baseRuns());
    f.grouped.flush();
    QCOMPARE(f.column(u"metrics.f1"_s), -1);
    QCOMPARE(cLr.column(), f.column(u"params.lr"_s));
    QCOMPARE(cLr.data().toString(), u"0.1"_s);
}

void TestRunGroupModel::ungroupingGivesTheFlatListBack()
{
    Fixture f;
    f.grouped.setGroupKey(u"lr"_s);
    f.grouped.sort(f.column(u"metrics.acc"_s), Qt::AscendingOrder);
    f.grouped.setGroupKey(QString());
    QVERIFY(!f.grouped.isGrouped());
    QCOMPARE(f.names(), (QStringList{u"a"_s, u"c"_s, u"b"_s, u"d"_s, u"e"_s}));
    QVERIFY(!f.grouped.isGroup(f.grouped.index(0, 0)));
    // Grouping by a param no run has puts every run in "(none)".
    f.grouped.setGroupKey(u"momentum"_s);
    QCOMPARE(f.grouped.rowCount(), 1);
    QCOMPARE(f.grouped.rowCount(f.grouped.index(0, 0)), 5);
    QCOMPARE(f.grouped.index(0, 0).data().toString(), u"momentum = (none) · 5 runs"_s);
}

QTEST_MAIN(TestRunGroupModel)
#include "tst_rungroupmodel.moc"
