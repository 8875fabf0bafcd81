// What the Experiments panel reads, against a real workspace database: experiments with run
// counts, runs by filter with a cap, and the change stamp the panel polls, which must move with
// every change the panel shows and stay put otherwise.

#include "ui/panels/experiments/trackingqueries.h"

#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "testsupport/verify.h"

#include <QTemporaryDir>
#include <QTest>

#include <limits>
#include <memory>

using namespace millrace;
using namespace millrace::tracking;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

struct Fixture
{
    QTemporaryDir dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<TrackingStore> tracking;

    bool open()
    {
        if (!dir.isValid())
            return false;
        auto opened = Store::openMillrace(dir.filePath(u"workspace.db"_s));
        if (!opened) {
            qWarning().noquote() << opened.errorMessage();
            return false;
        }
        store = std::move(opened).value();
        tracking = std::make_unique<TrackingStore>(*store, dir.filePath(u"artifacts"_s));
        return true;
    }
};

QStringList runNames(const RunListing &listing)
{
    QStringList names;
    for (const Run &run : listing.runs)
        names.append(run.info.runName);
    return names;
}

} // namespace

class TestTrackingQueries : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void experimentsComeSortedWithRunCounts();
    void runsFollowTheFilterAndTheCap();
    void badFilterSaysWhere();
    void stampMovesWithEveryShownChange();
    void stampOfOtherExperimentsStaysPut();
};

void TestTrackingQueries::experimentsComeSortedWithRunCounts()
{
    Fixture f;
    QVERIFY(f.open());
    auto zeta = f.tracking->createExperiment(u"zeta"_s);
    auto alpha = f.tracking->createExperiment(u"alpha"_s);
    auto gone = f.tracking->createExperiment(u"Gone"_s);
    VERIFY_OK(zeta);
    VERIFY_OK(alpha);
    VERIFY_OK(gone);
    for (qint64 start : {1000, 3000})
        VERIFY_OK(f.tracking->createRun(*alpha, u"ada"_s, QString(), start, {}));
    auto deletedRun = f.tracking->createRun(*alpha, u"ada"_s, QString(), 9000, {});
    VERIFY_OK(deletedRun);
    VERIFY_OK(f.tracking->deleteRun(deletedRun->info.runId));
    VERIFY_OK(f.tracking->deleteExperiment(*gone));

    auto active = loadExperimentEntries(*f.tracking, *f.store, false);
    VERIFY_OK(active);
    QStringList names;
    for (const ExperimentEntry &entry : *active)
        names.append(entry.experiment.name);
    QCOMPARE(names, (QStringList{u"alpha"_s, u"Default"_s, u"zeta"_s}));
    QCOMPARE(active->at(0).runCount, 2);
    QCOMPARE(active->at(0).lastRunStart, std::optional<qint64>(3000));
    QCOMPARE(active->at(2).runCount, 0);
    QVERIFY(!active->at(2).lastRunStart);

    auto all = loadExperimentEntries(*f.tracking, *f.store, true);
    VERIFY_OK(all);
    QCOMPARE(all->size(), 4);
    QCOMPARE(all->at(2).experiment.name, u"Gone"_s);
    QVERIFY(all->at(2).experiment.lifecycleStage == LifecycleStage::Deleted);
}

void TestTrackingQueries::runsFollowTheFilterAndTheCap()
{
    Fixture f;
    QVERIFY(f.open());
    auto experiment = f.tracking->createExperiment(u"cnn"_s);
    VERIFY_OK(experiment);
    for (int i = 0; i < 5; ++i) {
        auto run = f.tracking->createRun(*experiment, u"ada"_s, u"run-%1"_s.arg(i), 1000 * i, {});
        VERIFY_OK(run);
        VERIFY_OK(f.tracking->logBatch(run->info.runId, {MetricPoint{u"acc"_s, 0.2 * i, 0, 0}},
                                       {{u"lr"_s, i % 2 ? u"0.1"_s : u"0.01"_s}}, {}));
    }
    auto all = loadRuns(*f.tracking, {*experiment}, QString(), false, 100);
    VERIFY_OK(all);
    QCOMPARE(runNames(*all),
             (QStringList{u"run-4"_s, u"run-3"_s, u"run-2"_s, u"run-1"_s, u"run-0"_s}));
    QVERIFY(!all->truncated);

    auto filtered = loadRuns(*f.tracking, {*experiment},
                             u"metrics.acc > 0.5 OR params.lr = '0.1'"_s, false, 100);
    VERIFY_OK(filtered);
    QCOMPARE(runNames(*filtered), (QStringList{u"run-4"_s, u"run-3"_s, u"run-1"_s}));

    auto capped = loadRuns(*f.tracking, {*experiment}, QString(), false, 3);
    VERIFY_OK(capped);
    QCOMPARE(runNames(*capped), (QStringList{u"run-4"_s, u"run-3"_s, u"run-2"_s}));
    QVERIFY(capped->truncated);
    auto exactlyAll = loadRuns(*f.tracking, {*experiment}, QString(), false, 5);
    VERIFY_OK(exactlyAll);
    QCOMPARE(exactlyAll->runs.size(), 5);
    QVERIFY(!exactlyAll->truncated);

    auto none = loadRuns(*f.tracking, {}, QString(), false, 100);
    VERIFY_OK(none);
    QVERIFY(none->runs.isEmpty());
}

void TestTrackingQueries::badFilterSaysWhere()
{
    Fixture f;
    QVERIFY(f.open());
    for (const QStringList &ids : {QStringList{u"0"_s}, QStringList{}}) {
        auto bad = loadRuns(*f.tracking, ids, u"metrics.acc > AND"_s, false, 100);
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, errorcode::kInvalidParameterValue);
        QVERIFY2(bad.errorMessage().contains(u"position 15"_s), qPrintable(bad.errorMessage()));
    }
}

void TestTrackingQueries::stampMovesWithEveryShownChange()
{
    Fixture f;
    QVERIFY(f.open());
    auto experiment = f.tracking->createExperiment(u"cnn"_s);
    VERIFY_OK(experiment);
    const QStringList ids{*experiment};
    auto stampNow = [&] {
        auto stamp = readChangeStamp(*f.store, ids);
        if (!stamp)
            qWarning().noquote() << stamp.errorMessage();
        return stamp ? *stamp : ChangeStamp{};
    };

    ChangeStamp before = stampNow();
    QVERIFY(!before.experiments.isEmpty());
    QVERIFY(!before.runs.isEmpty());
    QCOMPARE(stampNow(), before); // nothing changed, nothing moves

    auto run = f.tracking->createRun(*experiment, u"ada"_s, u"first"_s, 1000, {});
    VERIFY_OK(run);
    const QString runId = run->info.runId;

    // Each step changes one thing the panel shows; the stamp must see every one.
    const QList<QPair<QString, std::function<bool()>>> steps = {
        {u"metric logged"_s,
         [&] {
             return bool(f.tracking->logBatch(runId, {{u"acc"_s, 0.5, 2000, 1}}, {}, {}));
         }},
        {u"newer point"_s,
         [&] {
             return bool(f.tracking->logBatch(runId, {{u"acc"_s, 0.6, 3000, 2}}, {}, {}));
         }},
        {u"NaN logged"_s,
         [&] {
             return bool(f.tracking->logBatch(
                 runId, {{u"acc"_s, std::numeric_limits<double>::quiet_NaN(), 4000, 3}}, {}, {}));
         }},
        {u"param logged"_s,
         [&] {
             return bool(f.tracking->logBatch(runId, {}, {{u"lr"_s, u"0.1"_s}}, {}));
         }},
        {u"tag set"_s,
         [&] {
             return bool(f.tracking->logBatch(runId, {}, {}, {{u"team"_s, u"vision"_s}}));
         }},
        {u"tag changed"_s,
         [&] {
             return bool(f.tracking->logBatch(runId, {}, {}, {{u"team"_s, u"speech"_s}}));
         }},
        {u"run finished"_s,
         [&] { return bool(f.tracking->updateRun(runId, RunStatus::Finished, 5000)); }},
        {u"run renamed"_s,
         [&] {
             return bool(f.tracking->updateRun(runId, std::nullopt, std::nullopt, u"renamed"_s));
         }},
        {u"run deleted"_s, [&] { return bool(f.tracking->deleteRun(runId)); }},
        {u"run restored"_s, [&] { return bool(f.tracking->restoreRun(runId)); }},
        {u"second run"_s,
         [&] { return bool(f.tracking->createRun(*experiment, u"ada"_s, u"second"_s, 6000, {})); }},
    };
    for (const auto &[what, change] : steps) {
        QVERIFY2(change(), qPrintable(what));
        const ChangeStamp after = stampNow();
        QVERIFY2(after.runs != before.runs, qPrintable(what));
        QCOMPARE(stampNow(), after);
        before = after;
    }

    // Experiment changes move the experiments part.
    VERIFY_OK(f.tracking->createExperiment(u"another"_s));
    ChangeStamp after = stampNow();
    QVERIFY(after.experiments != before.experiments);
    before = after;
    VERIFY_OK(f.tracking->renameExperiment(*experiment, u"cnn-2"_s));
    after = stampNow();
    QVERIFY(after.experiments != before.experiments);
}

void TestTrackingQueries::stampOfOtherExperimentsStaysPut()
{
    Fixture f;
    QVERIFY(f.open());
    auto shown = f.tracking->createExperiment(u"shown"_s);
    auto other = f.tracking->createExperiment(u"other"_s);
    VERIFY_OK(shown);
    VERIFY_OK(other);
    auto otherRun = f.tracking->createRun(*other, u"ada"_s, QString(), 1000, {});
    VERIFY_OK(otherRun);
    const auto before = readChangeStamp(*f.store, {*shown});
    VERIFY_OK(before);
    // A training run elsewhere logging metrics does not make the shown runs reload.
    VERIFY_OK(f.tracking->logBatch(otherRun->info.runId, {{u"loss"_s, 0.4, 2000, 1}},
                                   {{u"lr"_s, u"0.1"_s}}, {{u"k"_s, u"v"_s}}));
    const auto after = readChangeStamp(*f.store, {*shown});
    VERIFY_OK(after);
    QCOMPARE(after->runs, before->runs);
}

QTEST_GUILESS_MAIN(TestTrackingQueries)
#include "tst_trackingqueries.moc"
