// The feed behind the Experiments panel, against a real workspace database: loads arrive as
// signals, a superseded search is dropped, a bad filter changes nothing, and polling notices
// changes without reloading when nothing changed.

#include "ui/panels/experiments/experimentsfeed.h"

#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "testsupport/verify.h"

#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace millrace;
using namespace millrace::tracking;
using namespace millrace::ui;
using namespace Qt::StringLiterals;

namespace {

// What the feed said, in order.
struct Heard
{
    QList<QList<ExperimentEntry>> experiments;
    QList<QPair<QStringList, QString>> runs; ///< run names and the filter
    QStringList searchErrors;
    QStringList loadErrors;

    explicit Heard(ExperimentsFeed &feed)
    {
        QObject::connect(
            &feed, &ExperimentsFeed::experimentsLoaded, &feed,
            [this](const QList<ExperimentEntry> &entries) { experiments.append(entries); });
        QObject::connect(&feed, &ExperimentsFeed::runsLoaded, &feed,
                         [this](const RunListing &listing, const QString &filter) {
                             QStringList names;
                             for (const Run &run : listing.runs)
                                 names.append(run.info.runName);
                             runs.append({names, filter});
                         });
        QObject::connect(
            &feed, &ExperimentsFeed::searchFailed, &feed,
            [this](const QString &, const QString &message) { searchErrors.append(message); });
        QObject::connect(&feed, &ExperimentsFeed::loadFailed, &feed,
                         [this](const QString &message) { loadErrors.append(message); });
    }
};

struct Fixture
{
    QTemporaryDir dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<TrackingStore> tracking;
    QString experimentId;

    bool open()
    {
        if (!dir.isValid())
            return false;
        auto opened = Store::openMillrace(dir.filePath(u"workspace.db"_s));
        if (!opened)
            return false;
        store = std::move(opened).value();
        tracking = std::make_unique<TrackingStore>(*store, dir.filePath(u"artifacts"_s));
        auto experiment = tracking->createExperiment(u"cnn"_s);
        if (!experiment)
            return false;
        experimentId = *experiment;
        for (int i = 0; i < 3; ++i) {
            auto run =
                tracking->createRun(experimentId, u"ada"_s, u"run-%1"_s.arg(i), 1000 * i, {});
            if (!run || !tracking->logBatch(run->info.runId, {{u"acc"_s, 0.3 * i, 0, 0}}, {}, {}))
                return false;
        }
        return true;
    }
};

} // namespace

class TestExperimentsFeed : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void loadsExperimentsThenRuns();
    void supersededSearchIsDropped();
    void badFilterChangesNothing();
    void pollingReloadsOnlyOnChange();
    void pollingQueriesOnlyAfterACommit();
};

void TestExperimentsFeed::loadsExperimentsThenRuns()
{
    Fixture f;
    QVERIFY(f.open());
    ExperimentsFeed feed;
    Heard heard(feed);
    feed.attach(*f.tracking, *f.store);
    QTRY_COMPARE(heard.experiments.size(), 1);
    QCOMPARE(heard.experiments.at(0).size(), 2); // Default and cnn
    QVERIFY(heard.runs.isEmpty());               // no experiment chosen yet

    feed.setExperimentIds({f.experimentId});
    QTRY_COMPARE(heard.runs.size(), 1);
    QCOMPARE(heard.runs.at(0).first, (QStringList{u"run-2"_s, u"run-1"_s, u"run-0"_s}));
    QVERIFY(heard.loadErrors.isEmpty());
    feed.detach();
    QVERIFY(!feed.isAttached());
}

void TestExperimentsFeed::supersededSearchIsDropped()
{
    Fixture f;
    QVERIFY(f.open());
    ExperimentsFeed feed;
    Heard heard(feed);
    feed.attach(*f.tracking, *f.store);
    feed.setExperimentIds({f.experimentId});
    // Three requests before any answer: only the last one's runs arrive.
    feed.search(u"metrics.acc > 0.1"_s);
    feed.search(u"metrics.acc > 0.5"_s);
    QTRY_COMPARE(heard.runs.size(), 1);
    QCOMPARE(heard.runs.at(0).first, QStringList{u"run-2"_s});
    QCOMPARE(heard.runs.at(0).second, u"metrics.acc > 0.5"_s);
    QCOMPARE(feed.filter(), u"metrics.acc > 0.5"_s);
    // Nothing late trickles in.
    QTest::qWait(200);
    QCOMPARE(heard.runs.size(), 1);
}

void TestExperimentsFeed::badFilterChangesNothing()
{
    Fixture f;
    QVERIFY(f.open());
    ExperimentsFeed feed;
    Heard heard(feed);
    feed.attach(*f.tracking, *f.store);
    feed.setExperimentIds({f.experimentId});
    QTRY_COMPARE(heard.runs.size(), 1);
    feed.search(u"metrics.acc > 0.5"_s);
    QTRY_COMPARE(heard.runs.size(), 2);

    feed.search(u"metrics.acc >"_s);
    QTRY_COMPARE(heard.searchErrors.size(), 1);
    QVERIFY2(heard.searchErrors.at(0).contains(u"position 14"_s),
             qPrintable(heard.searchErrors.at(0)));
    QCOMPARE(heard.runs.size(), 2);
    QCOMPARE(feed.filter(), u"metrics.acc > 0.5"_s);
    QVERIFY(heard.loadErrors.isEmpty());
}

void TestExperimentsFeed::pollingReloadsOnlyOnChange()
{
    Fixture f;
    QVERIFY(f.open());
    ExperimentsFeed feed;
    Heard heard(feed);
    feed.attach(*f.tracking, *f.store);
    feed.setExperimentIds({f.experimentId});
    QTRY_COMPARE(heard.runs.size(), 1);
    QTRY_COMPARE(heard.experiments.size(), 1);
    feed.setPollInterval(50);
    feed.setPolling(true);
    QVERIFY(feed.isPolling());
    // A few polls with nothing new reload nothing.
    QTest::qWait(300);
    QCOMPARE(heard.runs.size(), 1);
    QCOMPARE(heard.experiments.size(), 1);

    auto run = f.tracking->createRun(f.experimentId, u"ada"_s, u"run-3"_s, 5000, {});
    VERIFY_OK(run);
    QTRY_COMPARE(heard.runs.size(), 2);
    QCOMPARE(heard.runs.constLast().first.value(0), u"run-3"_s);
    // The run count in the experiment list changed too.
    QTRY_COMPARE(heard.experiments.size(), 2);

    feed.setPolling(false);
    VERIFY_OK(f.tracking->logBatch(run->info.runId, {{u"acc"_s, 0.9, 0, 0}}, {}, {}));
    QTest::qWait(300);
    QCOMPARE(heard.runs.size(), 2);
}

void TestExperimentsFeed::pollingQueriesOnlyAfterACommit()
{
    Fixture f;
    QVERIFY(f.open());
    ExperimentsFeed feed;
    Heard heard(feed);
    feed.attach(*f.tracking, *f.store);
    feed.setExperimentIds({f.experimentId});
    QTRY_COMPARE(heard.runs.size(), 1);
    QTRY_COMPARE(heard.experiments.size(), 1);
    // Nothing was written since the data shown was read: no query.
    QVERIFY(!feed.pollNow());

    // A write in another experiment: one check, which finds nothing to reload and remembers
    // that, so the next poll is free again.
    auto other = f.tracking->createExperiment(u"elsewhere"_s);
    VERIFY_OK(other);
    QVERIFY(feed.pollNow());
    QTRY_COMPARE(heard.experiments.size(), 2); // the list has a new experiment
    QVERIFY(!feed.pollNow());
    QCOMPARE(heard.runs.size(), 1);

    // A write to a run shown: a check, and the runs reload.
    VERIFY_OK(f.tracking->createRun(f.experimentId, u"ada"_s, u"run-4"_s, 6000, {}));
    QVERIFY(feed.pollNow());
    QTRY_COMPARE(heard.runs.size(), 2);
}

QTEST_GUILESS_MAIN(TestExperimentsFeed)
#include "tst_experimentsfeed.moc"
