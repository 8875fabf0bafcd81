// Sorting runs by any column in memory: numbers by value, NaN after numbers, missing values
// last in both directions, params that look like numbers by value.

#include "ui/panels/experiments/runsortmodel.h"
#include "ui/panels/experiments/runtablemodel.h"

#include <QAbstractItemModelTester>
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
    run.info.runId = name;
    run.info.runName = name;
    run.info.startTime = start;
    run.info.endTime = start + 1000;
    run.info.status = RunStatus::Finished;
    run.params = params;
    for (const auto &[key, value] : metrics)
        run.latestMetrics.append(MetricPoint{key, value, start, 0});
    return run;
}

QStringList shownNames(const QAbstractItemModel &model)
{
    QStringList names;
    for (int row = 0; row < model.rowCount(); ++row)
        names.append(model.index(row, RunTableModel::NameColumn).data().toString());
    return names;
}

// The values a column is sorted by, top to bottom, as case-insensitive text.
QStringList shownSortValues(const QAbstractItemModel &model, int column)
{
    QStringList values;
    for (int row = 0; row < model.rowCount(); ++row)
        values.append(model.index(row, column).data(RunTableModel::SortRole).toString().toLower());
    return values;
}

struct Fixture
{
    RunTableModel runs;
    RunSortModel sorted;
    Fixture()
    {
        sorted.setSourceModel(&runs);
        runs.setRuns({
            makeRun(u"b"_s, 2000, {{u"lr"_s, u"0.01"_s}, {u"opt"_s, u"Adam"_s}}, {{u"acc"_s, 0.7}}),
            makeRun(u"a"_s, 3000, {{u"lr"_s, u"0.1"_s}, {u"opt"_s, u"sgd"_s}}, {{u"acc"_s, 0.3}}),
            makeRun(u"d"_s, 1000, {{u"lr"_s, u"0.05"_s}}, {{u"acc"_s, kNaN}}),
            makeRun(u"e"_s, 5000, {{u"lr"_s, u"1e-3"_s}, {u"opt"_s, u"adagrad"_s}}, {}),
            makeRun(u"c"_s, 4000, {{u"lr"_s, u"0.001"_s}, {u"opt"_s, u"10"_s}}, {{u"acc"_s, 0.2}}),
        });
    }
    int column(const QString &key) const { return runs.columnOfKey(key); }
};

} // namespace

class TestRunSortModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void metricsSortByValueWithNanAndMissingLast();
    void timesSortByTime();
    void numericParamsSortByValue();
    void textSortsCaseInsensitivelyNumbersFirst();
    void newRowsTakeTheirSortedPlace();
    void orderFollowsEveryKindOfSourceChange_data();
    void orderFollowsEveryKindOfSourceChange();
};

void TestRunSortModel::metricsSortByValueWithNanAndMissingLast()
{
    Fixture f;
    QAbstractItemModelTester tester(&f.sorted,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.sorted.sort(f.column(u"metrics.acc"_s), Qt::AscendingOrder);
    QCOMPARE(shownNames(f.sorted), (QStringList{u"c"_s, u"a"_s, u"b"_s, u"d"_s, u"e"_s}));
    f.sorted.sort(f.column(u"metrics.acc"_s), Qt::DescendingOrder);
    QCOMPARE(shownNames(f.sorted), (QStringList{u"b"_s, u"a"_s, u"c"_s, u"d"_s, u"e"_s}));
}

void TestRunSortModel::timesSortByTime()
{
    Fixture f;
    QAbstractItemModelTester tester(&f.sorted,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.sorted.sort(RunTableModel::StartColumn, Qt::DescendingOrder);
    QCOMPARE(shownNames(f.sorted), (QStringList{u"e"_s, u"c"_s, u"a"_s, u"b"_s, u"d"_s}));
    f.sorted.sort(RunTableModel::StartColumn, Qt::AscendingOrder);
    QCOMPARE(shownNames(f.sorted), (QStringList{u"d"_s, u"b"_s, u"a"_s, u"c"_s, u"e"_s}));
}

void TestRunSortModel::numericParamsSortByValue()
{
    Fixture f;
    f.sorted.sort(f.column(u"params.lr"_s), Qt::AscendingOrder);
    // 0.001 and 1e-3 are the same number; text order settles the tie.
    QCOMPARE(shownNames(f.sorted), (QStringList{u"c"_s, u"e"_s, u"b"_s, u"d"_s, u"a"_s}));
}

void TestRunSortModel::textSortsCaseInsensitivelyNumbersFirst()
{
    Fixture f;
    f.sorted.sort(f.column(u"params.opt"_s), Qt::AscendingOrder);
    // "10" is a number, then adagrad, Adam, sgd as words regardless of case, then d without one.
    QCOMPARE(shownNames(f.sorted), (QStringList{u"c"_s, u"e"_s, u"b"_s, u"a"_s, u"d"_s}));
    f.sorted.sort(f.column(u"params.opt"_s), Qt::DescendingOrder);
    QCOMPARE(shownNames(f.sorted), (QStringList{u"a"_s, u"b"_s, u"e"_s, u"c"_s, u"d"_s}));
    f.sorted.sort(RunTableModel::NameColumn, Qt::AscendingOrder);
    QCOMPARE(shownNames(f.sorted), (QStringList{u"a"_s, u"b"_s, u"c"_s, u"d"_s, u"e"_s}));
}

void TestRunSortModel::newRowsTakeTheirSortedPlace()
{
    Fixture f;
    QAbstractItemModelTester tester(&f.sorted,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.sorted.sort(f.column(u"metrics.acc"_s), Qt::DescendingOrder);
    QList<Run> runs;
    for (int row = 0; row < f.runs.rowCount(); ++row)
        runs.append(f.runs.runAt(row));
    runs.prepend(makeRun(u"f"_s, 6000, {}, {{u"acc"_s, 0.5}}));
    runs[2].latestMetrics = {MetricPoint{u"acc"_s, 0.9, 7000, 1}}; // a improves
    f.runs.setRuns(runs);
    QCOMPARE(shownNames(f.sorted), (QStringList{u"a"_s, u"b"_s, u"f"_s, u"c"_s, u"d"_s, u"e"_s}));
}

void TestRunSortModel::orderFollowsEveryKindOfSourceChange_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<int>("order");
    QTest::newRow("text ascending") << u"params.opt"_s << int(Qt::AscendingOrder);
    QTest::newRow("text descending") << u"params.opt"_s << int(Qt::DescendingOrder);
    QTest::newRow("numeric param") << u"params.lr"_s << int(Qt::AscendingOrder);
    QTest::newRow("metric") << u"metrics.acc"_s << int(Qt::DescendingOrder);
    QTest::newRow("name") << u"attributes.run_name"_s << int(Qt::AscendingOrder);
}

// The sort model keeps what it compares by in step with the runs; after each reload (runs
// added, removed, changed and reordered) its order is the one a fresh sort of the same runs gives,
// also when texts differ only in case and so collate the same.
void TestRunSortModel::orderFollowsEveryKindOfSourceChange()
{
    QFETCH(QString, key);
    QFETCH(int, order);
    Fixture f;
    QAbstractItemModelTester tester(&f.sorted,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    f.sorted.sort(f.column(key), Qt::SortOrder(order));
    const QList<QList<Run>> reloads = {
        // a new run, and b's values change
        {makeRun(u"f"_s, 6000, {{u"lr"_s, u"0.2"_s}, {u"opt"_s, u"Nadam"_s}}, {{u"acc"_s, 0.5}}),
         makeRun(u"b"_s, 2000, {{u"lr"_s, u"0.3"_s}, {u"opt"_s, u"ADAM"_s}}, {{u"acc"_s, 0.95}}),
         makeRun(u"a"_s, 3000, {{u"lr"_s, u"0.1"_s}, {u"opt"_s, u"sgd"_s}}, {{u"acc"_s, 0.3}}),
         makeRun(u"d"_s, 1000, {{u"lr"_s, u"0.05"_s}}, {{u"acc"_s, kNaN}}),
         makeRun(u"e"_s, 5000, {{u"lr"_s, u"1e-3"_s}, {u"opt"_s, u"adagrad"_s}}, {}),
         makeRun(u"c"_s, 4000, {{u"lr"_s, u"0.001"_s}, {u"opt"_s, u"10"_s}}, {{u"acc"_s, 0.2}})},
        // a and d go, the rest come in another order, g is new
        {makeRun(u"c"_s, 4000, {{u"lr"_s, u"0.001"_s}, {u"opt"_s, u"10"_s}}, {{u"acc"_s, 0.2}}),
         makeRun(u"g"_s, 7000, {{u"lr"_s, u"0.001"_s}, {u"opt"_s, u"adam"_s}}, {{u"acc"_s, 0.2}}),
         makeRun(u"e"_s, 5000, {{u"lr"_s, u"1e-3"_s}, {u"opt"_s, u"adagrad"_s}}, {}),
         makeRun(u"f"_s, 6000, {{u"lr"_s, u"0.2"_s}, {u"opt"_s, u"Nadam"_s}}, {{u"acc"_s, 0.5}}),
         makeRun(u"b"_s, 2000, {{u"lr"_s, u"0.3"_s}, {u"opt"_s, u"ADAM"_s}}, {{u"acc"_s, 0.95}})},
        // every opt changes to one of two spellings of the same word
        {makeRun(u"c"_s, 4000, {{u"opt"_s, u"Adam"_s}}, {{u"acc"_s, 0.1}}),
         makeRun(u"g"_s, 7000, {{u"opt"_s, u"adam"_s}}, {{u"acc"_s, 0.4}}),
         makeRun(u"b"_s, 2000, {{u"opt"_s, u"Adam"_s}}, {{u"acc"_s, 0.3}})},
    };
    for (const QList<Run> &runs : reloads) {
        f.runs.setRuns(runs);
        RunTableModel freshRuns;
        freshRuns.setRuns(runs);
        RunSortModel fresh;
        fresh.setSourceModel(&freshRuns);
        fresh.sort(freshRuns.columnOfKey(key), Qt::SortOrder(order));
        // Runs that tie may come in either order; what they are sorted by may not.
        QCOMPARE(f.sorted.sortColumn(), f.runs.columnOfKey(key));
        QCOMPARE(shownSortValues(f.sorted, f.sorted.sortColumn()),
                 shownSortValues(fresh, fresh.sortColumn()));
    }
}

QTEST_MAIN(TestRunSortModel)
#include "tst_runsortmodel.moc"
