// The compare view's diff table: one column per run, rows for attributes, params, metrics and
// tags, differing rows marked; missing values and NaN; the only-differences filter; and live
// updates that change cells in place instead of resetting the view.

#include "ui/panels/experiments/compare/comparediffmodel.h"

#include <QAbstractItemModelTester>
#include <QDateTime>
#include <QFont>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <limits>
#include <optional>

using namespace millrace::tracking;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const qint64 kStart = QDateTime(QDate(2024, 6, 11), QTime(14, 3, 7)).toMSecsSinceEpoch();

Run makeRun(const QString &id, const QString &name, const KeyValueList &params = {},
            const QList<QPair<QString, double>> &metrics = {},
            const KeyValueList &tags = {})
{
    Run run;
    run.info.runId = id;
    run.info.experimentId = u"1"_s;
    run.info.runName = name;
    run.info.userId = u"ada"_s;
    run.info.status = RunStatus::Finished;
    run.info.startTime = kStart;
    run.info.endTime = kStart + 192000; // 3m 12s
    run.params = params;
    for (const auto &[key, value] : metrics)
        run.latestMetrics.append(MetricPoint{key, value, kStart + 1000, 3});
    run.tags = tags;
    return run;
}

QStringList rowKeys(const QAbstractItemModel &model)
{
    QStringList keys;
    for (int row = 0; row < model.rowCount(); ++row)
        keys.append(model.headerData(row, Qt::Vertical, CompareDiffModel::RowKeyRole).toString());
    return keys;
}

// The row with `key` as the view sees it: cell texts, whether it is marked, and whether it is bold.
struct ShownRow
{
    QStringList texts;
    bool differs = false;
    bool bold = false;
};

std::optional<ShownRow> shownRow(const CompareDiffModel &model, const QString &key)
{
    const int row = model.rowOfKey(key);
    if (row < 0)
        return std::nullopt;
    ShownRow shown;
    shown.differs = model.index(row, 0).data(CompareDiffModel::DiffersRole).toBool();
    shown.bold = model.index(row, 0).data(Qt::FontRole).value<QFont>().bold();
    for (int column = 0; column < model.columnCount(); ++column) {
        const QModelIndex index = model.index(row, column);
        shown.texts.append(index.data().toString());
        // Every cell of a row carries the same mark, so the view can tint the whole row.
        if (index.data(CompareDiffModel::DiffersRole).toBool() != shown.differs)
            return std::nullopt;
    }
    return shown;
}

} // namespace

class TestCompareDiffModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void columnsAreRunsAndRowsAreGroupedAndSorted();
    void rowDiffers_data();
    void rowDiffers();
    void boldMarksOnlyDifferingRows();
    void missingValuesAreEmpty();
    void onlyDifferencesHidesAgreeingRows();
    void newValuesChangeCellsInPlace();
    void filteredRowsComeAndGoWithoutReset();
    void otherRunsReset();
};

void TestCompareDiffModel::columnsAreRunsAndRowsAreGroupedAndSorted()
{
    CompareDiffModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRuns({makeRun(u"r1"_s, u"baseline"_s, {{u"lr"_s, u"0.1"_s}, {u"batch"_s, u"32"_s}},
                           {{u"loss"_s, 0.5}, {u"acc"_s, 0.9}},
                           {{u"team"_s, u"vision"_s}, {u"mlflow.runName"_s, u"baseline"_s}}),
                   makeRun(u"r2"_s, QString(), {{u"layer10"_s, u"a"_s}, {u"layer2"_s, u"b"_s}},
                           {{u"acc"_s, 0.8}})});

    QCOMPARE(model.columnCount(), 2);
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), u"baseline"_s);
    // An unnamed run is headed by its id; the tooltip always names the id.
    QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), u"r2"_s);
    QCOMPARE(model.headerData(0, Qt::Horizontal, Qt::ToolTipRole).toString(), u"r1"_s);
    QCOMPARE(model.runIdAt(1), u"r2"_s);

    // Attributes first, then params, metrics and tags, each sorted (numbers by value);
    // MLflow's own tags are left out.
    const QStringList expected{
        u"attributes.run_name"_s, u"attributes.status"_s,  u"attributes.start_time"_s,
        u"attributes.duration"_s, u"attributes.user_id"_s, u"params.batch"_s,
        u"params.layer2"_s,       u"params.layer10"_s,     u"params.lr"_s,
        u"metrics.acc"_s,         u"metrics.loss"_s,       u"tags.team"_s};
    QCOMPARE(rowKeys(model), expected);
    QCOMPARE(model.headerData(model.rowOfKey(u"params.lr"_s), Qt::Vertical).toString(),
             u"params.lr"_s);
    QCOMPARE(model.headerData(0, Qt::Vertical).toString(), u"Run name"_s);

    QCOMPARE(shownRow(model, u"attributes.status"_s)->texts,
             QStringList({u"Finished"_s, u"Finished"_s}));
    QCOMPARE(shownRow(model, u"attributes.duration"_s)->texts,
             QStringList({u"3m 12s"_s, u"3m 12s"_s}));
    QCOMPARE(shownRow(model, u"metrics.acc"_s)->texts, QStringList({u"0.9"_s, u"0.8"_s}));
    QCOMPARE(model.differingRowCount(), 8); // run name, 4 params, 2 metrics, tag
}

void TestCompareDiffModel::rowDiffers_data()
{
    QTest::addColumn<QList<Run>>("runs");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QStringList>("texts");
    QTest::addColumn<bool>("differs");

    QTest::newRow("same param") << QList<Run>{makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}),
                                              makeRun(u"b"_s, u"b"_s, {{u"lr"_s, u"0.1"_s}})}
                                << u"params.lr"_s << QStringList{u"0.1"_s, u"0.1"_s} << false;
    QTest::newRow("different param") << QList<Run>{makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}),
                                                   makeRun(u"b"_s, u"b"_s, {{u"lr"_s, u"0.01"_s}})}
                                     << u"params.lr"_s << QStringList{u"0.1"_s, u"0.01"_s} << true;
    // Params are text: "0.10" and "0.1" are different values as logged.
    QTest::newRow("params compare as text")
        << QList<Run>{makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}),
                      makeRun(u"b"_s, u"b"_s, {{u"lr"_s, u"0.10"_s}})}
        << u"params.lr"_s << QStringList{u"0.1"_s, u"0.10"_s} << true;
    QTest::newRow("param missing in one run")
        << QList<Run>{makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}), makeRun(u"b"_s, u"b"_s)}
        << u"params.lr"_s << QStringList{u"0.1"_s, QString()} << true;
    QTest::newRow("empty param differs from missing")
        << QList<Run>{makeRun(u"a"_s, u"a"_s, {{u"note"_s, QString()}}), makeRun(u"b"_s, u"b"_s)}
        << u"params.note"_s << QStringList{QString(), QString()} << true;
    QTest::newRow("same metric") << QList<Run>{makeRun(u"a"_s, u"a"_s, {}, {{u"acc"_s, 0.5}}),
                                               makeRun(u"b"_s, u"b"_s, {}, {{u"acc"_s, 0.5}})}
                                 << u"metrics.acc"_s << QStringList{u"0.5"_s, u"0.5"_s} << false;
    // Six digits read the same, the values are not: metrics compare by value.
    QTest::newRow("metric differs below the shown digits")
        << QList<Run>{makeRun(u"a"_s, u"a"_s, {}, {{u"acc"_s, 0.1234561}}),
                      makeRun(u"b"_s, u"b"_s, {}, {{u"acc"_s, 0.1234564}})}
        << u"metrics.acc"_s << QStringList{u"0.123456"_s, u"0.123456"_s} << true;
    QTest::newRow("NaN equals NaN")
        << QList<Run>{makeRun(u"a"_s, u"a"_s, {}, {{u"loss"_s, kNaN}}),
                      makeRun(u"b"_s, u"b"_s, {}, {{u"loss"_s, kNaN}})}
        << u"metrics.loss"_s << QStringList{u"NaN"_s, u"NaN"_s} << false;
    QTest::newRow("NaN differs from a number")
        << QList<Run>{makeRun(u"a"_s, u"a"_s, {}, {{u"loss"_s, kNaN}}),
                      makeRun(u"b"_s, u"b"_s, {}, {{u"loss"_s, 0.3}})}
        << u"metrics.loss"_s << QStringList{u"NaN"_s, u"0.3"_s} << true;
    QTest::newRow("NaN differs from missing")
        << QList<Run>{makeRun(u"a"_s, u"a"_s, {}, {{u"loss"_s, kNaN}}), makeRun(u"b"_s, u"b"_s)}
        << u"metrics.loss"_s << QStringList{u"NaN"_s, QString()} << true;
    QTest::newRow("metric missing in the middle run")
        << QList<Run>{makeRun(u"a"_s, u"a"_s, {}, {{u"acc"_s, 0.5}}), makeRun(u"b"_s, u"b"_s),
                      makeRun(u"c"_s, u"c"_s, {}, {{u"acc"_s, 0.5}})}
        << u"metrics.acc"_s << QStringList{u"0.5"_s, QString(), u"0.5"_s} << true;
    QTest::newRow("tag") << QList<Run>{makeRun(u"a"_s, u"a"_s, {}, {}, {{u"team"_s, u"x"_s}}),
                                       makeRun(u"b"_s, u"b"_s, {}, {}, {{u"team"_s, u"y"_s}})}
                         << u"tags.team"_s << QStringList{u"x"_s, u"y"_s} << true;
    Run failed = makeRun(u"b"_s, u"b"_s);
    failed.info.status = RunStatus::Failed;
    QTest::newRow("status") << QList<Run>{makeRun(u"a"_s, u"a"_s), failed} << u"attributes.status"_s
                            << QStringList{u"Finished"_s, u"Failed"_s} << true;
    // Durations compare as shown: 3m 12.0s and 3m 12.4s both read "3m 12s".
    Run slower = makeRun(u"b"_s, u"b"_s);
    *slower.info.endTime += 400;
    QTest::newRow("duration as shown")
        << QList<Run>{makeRun(u"a"_s, u"a"_s), slower} << u"attributes.duration"_s
        << QStringList{u"3m 12s"_s, u"3m 12s"_s} << false;
    Run anonymous = makeRun(u"b"_s, u"b"_s);
    anonymous.info.userId.clear();
    QTest::newRow("user missing") << QList<Run>{makeRun(u"a"_s, u"a"_s), anonymous}
                                  << u"attributes.user_id"_s << QStringList{u"ada"_s, QString()}
                                  << true;
    QTest::newRow("one run never differs")
        << QList<Run>{makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}})} << u"params.lr"_s
        << QStringList{u"0.1"_s} << false;
}

void TestCompareDiffModel::rowDiffers()
{
    QFETCH(QList<Run>, runs);
    QFETCH(QString, key);
    QFETCH(QStringList, texts);
    QFETCH(bool, differs);

    CompareDiffModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRuns(runs);
    const std::optional<ShownRow> row = shownRow(model, key);
    QVERIFY2(row, qPrintable(u"no row %1, or its cells disagree on DiffersRole"_s.arg(key)));
    QCOMPARE(row->texts, texts);
    QCOMPARE(row->differs, differs);
    QCOMPARE(
        model.headerData(model.rowOfKey(key), Qt::Vertical, CompareDiffModel::DiffersRole).toBool(),
        differs);
}

void TestCompareDiffModel::boldMarksOnlyDifferingRows()
{
    CompareDiffModel model;
    model.setRuns({makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}, {u"seed"_s, u"1"_s}}),
                   makeRun(u"b"_s, u"b"_s, {{u"lr"_s, u"0.2"_s}, {u"seed"_s, u"1"_s}})});
    QVERIFY(shownRow(model, u"params.lr"_s)->bold);
    QVERIFY(!shownRow(model, u"params.seed"_s)->bold);
    QVERIFY(!shownRow(model, u"attributes.status"_s)->bold);
}

void TestCompareDiffModel::missingValuesAreEmpty()
{
    CompareDiffModel model;
    Run unstarted = makeRun(u"b"_s, QString());
    unstarted.info.startTime.reset();
    unstarted.info.endTime.reset();
    unstarted.info.status = RunStatus::Scheduled;
    model.setRuns({makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}), unstarted});
    QCOMPARE(shownRow(model, u"attributes.run_name"_s)->texts, QStringList({u"a"_s, QString()}));
    QCOMPARE(shownRow(model, u"attributes.start_time"_s)->texts.at(1), QString());
    QCOMPARE(shownRow(model, u"attributes.duration"_s)->texts.at(1), QString());
    QVERIFY(shownRow(model, u"attributes.duration"_s)->differs);
    QCOMPARE(shownRow(model, u"params.lr"_s)->texts, QStringList({u"0.1"_s, QString()}));
}

void TestCompareDiffModel::onlyDifferencesHidesAgreeingRows()
{
    CompareDiffModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRuns({makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}, {u"seed"_s, u"1"_s}},
                           {{u"acc"_s, 0.9}, {u"loss"_s, kNaN}}),
                   makeRun(u"b"_s, u"b"_s, {{u"lr"_s, u"0.2"_s}, {u"seed"_s, u"1"_s}},
                           {{u"acc"_s, 0.9}, {u"loss"_s, kNaN}})});
    const int allRows = model.rowCount();
    QCOMPARE(model.differingRowCount(), 2); // run name and lr

    QVERIFY(!model.onlyDifferences());
    model.setOnlyDifferences(true);
    QVERIFY(model.onlyDifferences());
    QCOMPARE(rowKeys(model), QStringList({u"attributes.run_name"_s, u"params.lr"_s}));
    QCOMPARE(model.differingRowCount(), 2);

    model.setOnlyDifferences(false);
    QCOMPARE(model.rowCount(), allRows);
    QVERIFY(model.rowOfKey(u"metrics.loss"_s) >= 0);
}

void TestCompareDiffModel::newValuesChangeCellsInPlace()
{
    CompareDiffModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QList<Run> before{makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}, {{u"acc"_s, 0.5}}),
                            makeRun(u"b"_s, u"b"_s, {{u"lr"_s, u"0.2"_s}}, {{u"acc"_s, 0.5}})};
    model.setRuns(before);
    const QPersistentModelIndex accCell = model.index(model.rowOfKey(u"metrics.acc"_s), 1);
    QVERIFY(!accCell.data(CompareDiffModel::DiffersRole).toBool());

    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy layouts(&model, &QAbstractItemModel::layoutChanged);
    QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removals(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);

    // The same runs and keys, a new metric value: only that row changes, in place.
    QList<Run> after = before;
    after[1].latestMetrics[0].value = 0.75;
    model.setRuns(after);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(layouts.count(), 0);
    QCOMPARE(inserts.count(), 0);
    QCOMPARE(removals.count(), 0);
    QCOMPARE(changes.count(), 1);
    QCOMPARE(changes.first().at(0).toModelIndex().row(), accCell.row());
    QVERIFY(accCell.isValid());
    QCOMPARE(accCell.data().toString(), u"0.75"_s);
    QVERIFY(accCell.data(CompareDiffModel::DiffersRole).toBool());

    // The same values again: nothing to tell.
    model.setRuns(after);
    QCOMPARE(changes.count(), 1);

    // A renamed run updates its header without touching the rows.
    QSignalSpy headers(&model, &QAbstractItemModel::headerDataChanged);
    after[0].info.runName = u"renamed"_s;
    model.setRuns(after);
    QCOMPARE(resets.count(), 0);
    QVERIFY(headers.count() >= 1);
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), u"renamed"_s);
}

void TestCompareDiffModel::filteredRowsComeAndGoWithoutReset()
{
    CompareDiffModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setOnlyDifferences(true);
    QList<Run> runs{makeRun(u"a"_s, u"a"_s, {{u"lr"_s, u"0.1"_s}}, {{u"acc"_s, 0.5}}),
                    makeRun(u"b"_s, u"b"_s, {{u"lr"_s, u"0.2"_s}}, {{u"acc"_s, 0.5}})};
    model.setRuns(runs);
    QCOMPARE(rowKeys(model), QStringList({u"attributes.run_name"_s, u"params.lr"_s}));

    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    // A metric starts to differ: its row appears; a new key shows up at its sorted place.
    runs[1].latestMetrics[0].value = 0.6;
    runs[1].latestMetrics.append(MetricPoint{u"loss"_s, 0.2, kStart, 1});
    model.setRuns(runs);
    QCOMPARE(rowKeys(model), QStringList({u"attributes.run_name"_s, u"params.lr"_s,
                                          u"metrics.acc"_s, u"metrics.loss"_s}));
    // And agrees again: the row goes.
    runs[1].latestMetrics[0].value = 0.5;
    model.setRuns(runs);
    QCOMPARE(rowKeys(model),
             QStringList({u"attributes.run_name"_s, u"params.lr"_s, u"metrics.loss"_s}));
    QCOMPARE(resets.count(), 0);
}

void TestCompareDiffModel::otherRunsReset()
{
    CompareDiffModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setRuns({makeRun(u"a"_s, u"a"_s), makeRun(u"b"_s, u"b"_s)});
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    model.setRuns({makeRun(u"b"_s, u"b"_s), makeRun(u"a"_s, u"a"_s)});
    QCOMPARE(resets.count(), 1);
    QCOMPARE(model.runIdAt(0), u"b"_s);
    model.setRuns({});
    QCOMPARE(model.columnCount(), 0);
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestCompareDiffModel)
#include "tst_comparediffmodel.moc"
