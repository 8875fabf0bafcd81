// The experiment list: names and run counts, deleted experiments marked, the experiment to open
// with, and updates that keep rows (and so the selection) in place.

#include "ui/panels/experiments/experimentlistmodel.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QPersistentModelIndex>
#include <QSignalSpy>
#include <QTest>

using namespace millrace;
using namespace millrace::tracking;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

ExperimentEntry entry(const QString &id, const QString &name, int runs = 0,
                      std::optional<qint64> lastRun = std::nullopt,
                      LifecycleStage stage = LifecycleStage::Active)
{
    ExperimentEntry e;
    e.experiment.id = id;
    e.experiment.name = name;
    e.experiment.artifactLocation = u"mlflow-artifacts:/"_s + id;
    e.experiment.lifecycleStage = stage;
    e.runCount = runs;
    e.lastRunStart = lastRun;
    return e;
}

QStringList names(const ExperimentListModel &model)
{
    QStringList list;
    for (int row = 0; row < model.rowCount(); ++row)
        list.append(model.index(row, ExperimentListModel::NameColumn).data().toString());
    return list;
}

} // namespace

class TestExperimentListModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsNamesAndRunCounts();
    void deletedExperimentsAreItalic();
    void suggestsTheExperimentWithTheNewestRun();
    void updateKeepsRows();
    void renameMovesTheRow();
};

void TestExperimentListModel::showsNamesAndRunCounts()
{
    ExperimentListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    model.setExperiments({entry(u"0"_s, u"Default"_s), entry(u"3"_s, u"fashion-cnn"_s, 12)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.columnCount(), 2);
    QCOMPARE(names(model), (QStringList{u"Default"_s, u"fashion-cnn"_s}));
    QCOMPARE(model.index(1, ExperimentListModel::RunCountColumn).data().toInt(), 12);
    QCOMPARE(model.index(1, 0).data(ExperimentListModel::ExperimentIdRole).toString(), u"3"_s);
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), u"Experiment"_s);
    QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), u"Runs"_s);
    QCOMPARE(model.rowOfExperiment(u"3"_s), 1);
    QCOMPARE(model.rowOfExperiment(u"42"_s), -1);
    QVERIFY(model.index(1, 0).data(Qt::ToolTipRole).toString().contains(u"12 active runs"_s));
}

void TestExperimentListModel::deletedExperimentsAreItalic()
{
    ExperimentListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setExperiments({entry(u"1"_s, u"live"_s),
                          entry(u"2"_s, u"old"_s, 0, std::nullopt, LifecycleStage::Deleted)});
    QVERIFY(!model.index(0, 0).data(Qt::FontRole).isValid());
    QVERIFY(model.index(1, 0).data(Qt::FontRole).value<QFont>().italic());
    QVERIFY(model.index(1, 0).data(Qt::ToolTipRole).toString().contains(u"Deleted"_s));
}

void TestExperimentListModel::suggestsTheExperimentWithTheNewestRun()
{
    ExperimentListModel model;
    QCOMPARE(model.suggestedExperimentId(), QString());
    model.setExperiments({entry(u"0"_s, u"Default"_s), entry(u"1"_s, u"b"_s)});
    // No runs anywhere: the first.
    QCOMPARE(model.suggestedExperimentId(), u"0"_s);
    model.setExperiments({entry(u"0"_s, u"Default"_s, 1, 100), entry(u"1"_s, u"b"_s, 4, 300),
                          entry(u"2"_s, u"c"_s, 2, 200),
                          entry(u"3"_s, u"gone"_s, 1, 900, LifecycleStage::Deleted)});
    QCOMPARE(model.suggestedExperimentId(), u"1"_s);
}

void TestExperimentListModel::updateKeepsRows()
{
    ExperimentListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setExperiments({entry(u"1"_s, u"b"_s, 1), entry(u"2"_s, u"d"_s, 2)});
    const QPersistentModelIndex d = model.index(1, 0);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setExperiments({entry(u"3"_s, u"a"_s), entry(u"1"_s, u"b"_s, 1), entry(u"4"_s, u"c"_s),
                          entry(u"2"_s, u"d"_s, 3)});
    QCOMPARE(reset.size(), 0);
    QCOMPARE(names(model), (QStringList{u"a"_s, u"b"_s, u"c"_s, u"d"_s}));
    QVERIFY(d.isValid());
    QCOMPARE(d.row(), 3);
    // Only d's run count changed.
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 3);
    QCOMPARE(model.index(3, 1).data().toInt(), 3);

    model.setExperiments({entry(u"2"_s, u"d"_s, 3)});
    QCOMPARE(names(model), (QStringList{u"d"_s}));
    QVERIFY(d.isValid());
    QCOMPARE(d.row(), 0);
}

void TestExperimentListModel::renameMovesTheRow()
{
    ExperimentListModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setExperiments({entry(u"1"_s, u"a"_s), entry(u"2"_s, u"b"_s), entry(u"3"_s, u"c"_s)});
    const QPersistentModelIndex renamed = model.index(0, 0);
    // "a" became "zebra": the list comes sorted by name, so it moves to the end.
    model.setExperiments({entry(u"2"_s, u"b"_s), entry(u"3"_s, u"c"_s), entry(u"1"_s, u"zebra"_s)});
    QCOMPARE(names(model), (QStringList{u"b"_s, u"c"_s, u"zebra"_s}));
    QVERIFY(renamed.isValid());
    QCOMPARE(renamed.row(), 2);
    QCOMPARE(renamed.data().toString(), u"zebra"_s);
}

QTEST_MAIN(TestExperimentListModel)
#include "tst_experimentlistmodel.moc"
