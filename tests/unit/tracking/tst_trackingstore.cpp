#include "core/store/metricsummary.h"
#include "core/store/store.h"
#include "core/tracking/trackingstore.h"
#include "core/tracking/trackingtypes.h"
#include "testsupport/verify.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>

using namespace millrace;
using namespace millrace::tracking;
using namespace Qt::StringLiterals;

namespace {

using Pairs = QList<QPair<QString, QString>>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A workspace database and its tracking store in a temporary folder of their own.
struct Workspace
{
    QTemporaryDir dir;
    std::unique_ptr<Store> store;
    std::unique_ptr<TrackingStore> tracking;

    QString artifactRoot() const { return dir.filePath(u"artifacts"_s); }
};

std::unique_ptr<Workspace> openWorkspace()
{
    auto workspace = std::make_unique<Workspace>();
    if (!workspace->dir.isValid())
        return nullptr;
    Result<std::unique_ptr<Store>> store =
        Store::openMillrace(workspace->dir.filePath(u"workspace.db"_s));
    if (!store) {
        qWarning().noquote() << "cannot open the workspace database:" << store.errorMessage();
        return nullptr;
    }
    workspace->store = std::move(store).value();
    workspace->tracking =
        std::make_unique<TrackingStore>(*workspace->store, workspace->artifactRoot());
    return workspace;
}

MetricPoint point(const QString &key, double value, qint64 step, qint64 timestamp)
{
    return MetricPoint{key, value, timestamp, step};
}

QStringList namesOf(const QList<Run> &runs)
{
    QStringList names;
    for (const Run &run : runs)
        names.append(run.info.runName);
    return names;
}

QStringList namesOf(const QList<Experiment> &experiments)
{
    QStringList names;
    for (const Experiment &experiment : experiments)
        names.append(experiment.name);
    return names;
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

std::optional<MetricPoint> latest(const Run &run, const QString &key)
{
    for (const MetricPoint &p : run.latestMetrics) {
        if (p.key == key)
            return p;
    }
    return std::nullopt;
}

QString pageToken(const QJsonObject &object)
{
    return QString::fromLatin1(QJsonDocument(object).toJson(QJsonDocument::Compact).toBase64());
}

ViewType viewType(const QString &name)
{
    return viewTypeFromString(name).value_or(ViewType::ActiveOnly);
}

} // namespace

class TestTrackingStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    // Searching runs (one fixed set of runs, built once)
    void searchRuns_data();
    void searchRuns();
    void searchRejectsBadFilter_data();
    void searchRejectsBadFilter();
    void searchOrdersRuns_data();
    void searchOrdersRuns();
    void searchRejectsBadOrderBy_data();
    void searchRejectsBadOrderBy();
    void searchPagesThroughEveryRunOnce_data();
    void searchPagesThroughEveryRunOnce();
    void searchRejectsBadPageToken_data();
    void searchRejectsBadPageToken();
    void searchRejectsBadExperimentId();
    void searchExperiments_data();
    void searchExperiments();
    void searchExperimentsRejectsBadFilter_data();
    void searchExperimentsRejectsBadFilter();
    void searchExperimentsRejectsBadOrderBy_data();
    void searchExperimentsRejectsBadOrderBy();
    void searchExperimentsPages();

    // Experiments
    void createsExperiment();
    void rejectsDuplicateOrEmptyExperimentName_data();
    void rejectsDuplicateOrEmptyExperimentName();
    void unknownExperimentDoesNotExist_data();
    void unknownExperimentDoesNotExist();
    void renamesExperiment();
    void deletesAndRestoresExperimentWithItsRuns();
    void defaultExperimentExistsAndStays();
    void setsExperimentTag();

    // Runs
    void createRunRecordsWhatItIsGiven();
    void createRunNamesTheRun_data();
    void createRunNamesTheRun();
    void createRunRejectsBadTagsWritingNothing();
    void updatesRun();
    void deletedRunRejectsChangesUntilRestored();
    void paramsAreImmutable();
    void duplicateKeysInOneBatch_data();
    void duplicateKeysInOneBatch();
    void limitsParamValueLength_data();
    void limitsParamValueLength();
    void enforcesBatchLimits_data();
    void enforcesBatchLimits();
    void validatesKeyNames_data();
    void validatesKeyNames();
    void keepsNaNAndInfinities();
    void latestMetricIsHighestStepThenTimestamp_data();
    void latestMetricIsHighestStepThenTimestamp();
    void metricHistoryIsOrderedAndPaged();
    void metricSeriesMatchesHistory();
    void overviewsSummariseLongHistories();
    void listingOfManyRunsReadsWhatEachRunHolds();
    void longListingReadsWhatEachRunHolds();
    void changeCountersFollowEveryChangeOfRuns();
    void deletesTag();
    void failsInterruptedRuns();
    void mapsRunArtifactDirectory_data();
    void mapsRunArtifactDirectory();

private:
    void buildSearchFixture();
    void addRun(const QString &name, const QString &experimentId, qint64 startTime,
                const QString &user, const Pairs &params, const QList<MetricPoint> &metrics,
                const Pairs &tags, std::optional<RunStatus> status, std::optional<qint64> endTime);
    QString withIds(QString text) const;

    std::unique_ptr<Workspace> m_search;
    QMap<QString, QString> m_experimentIds; // "A", "B" -> id
    QMap<QString, QString> m_runIds;        // run name -> id
};

void TestTrackingStore::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    buildSearchFixture();
}

void TestTrackingStore::cleanupTestCase()
{
    m_search.reset();
}

// Eight runs in two experiments; what each has is chosen so that every search row below tells
// right from wrong:
//
//  run      exp start user lr     optimizer acc (latest)      loss (latest)  team    model name
//  alpha    A   1000  ana  0.01   adam      .50 .80 (.91)     1.0 .5 (.2)    vision  resnet 50
//  bravo    A   2000  ana  0.1    sgd       (.60)@1, .95@0    .9 (.7)        Vision  vit base
//  charlie  A   3000  ana  0.01   sgd       (.70)             -              vision  -
//  delta    A   4000  ana  0.001  adam      .85 (.93)         (.3)           nlp     -
//  echo     B   5000  ana  0.1    adam      (.99)             (.05)          nlp     -
//  foxtrot  B   6000  ben  0.05   adamw     (.40)             (2.0)          nlp     bert-base
//  golf     B   7000  ben  -      sgd       -                 -              -       -
//  hotel    B   8000  ana  0.01   adam      (.88)             (NaN)          Vision  resnet 101
//
// Statuses: alpha, delta, echo, hotel FINISHED; bravo, foxtrot FAILED; charlie, golf RUNNING.
// Finished and failed runs end 500 ms after they start. echo is deleted; delta is alpha's child
// (tag mlflow.parentRunId); alpha and foxtrot also log val.acc (.75 and .3); alpha has the tag
// city = 'Łódź', whose capital Ł is beyond ASCII. bravo logs acc at
// step 1 first and then at step 0 with a later timestamp: its latest acc is the step-1 value.
void TestTrackingStore::buildSearchFixture()
{
    m_search = openWorkspace();
    QVERIFY(m_search);
    TrackingStore &t = *m_search->tracking;

    const Result<QString> a = t.createExperiment(
        u"vision-exp"_s, QString(), {{u"owner"_s, u"ana"_s}, {u"domain"_s, u"vision"_s}});
    VERIFY_OK(a);
    const Result<QString> b = t.createExperiment(u"nlp-exp"_s, QString(), {{u"owner"_s, u"ben"_s}});
    VERIFY_OK(b);
    const Result<QString> archived =
        t.createExperiment(u"archived-vision"_s, QString(), {{u"owner"_s, u"ana"_s}});
    VERIFY_OK(archived);
    VERIFY_OK(t.deleteExperiment(*archived));
    m_experimentIds = {{u"A"_s, *a}, {u"B"_s, *b}};

    const QString team = u"team"_s;
    const QString model = u"model name"_s;
    addRun(u"alpha"_s, *a, 1000, u"ana"_s, {{u"lr"_s, u"0.01"_s}, {u"optimizer"_s, u"adam"_s}},
           {point(u"acc"_s, 0.50, 0, 1), point(u"acc"_s, 0.80, 1, 2), point(u"acc"_s, 0.91, 2, 3),
            point(u"loss"_s, 1.0, 0, 1), point(u"loss"_s, 0.5, 1, 2), point(u"loss"_s, 0.2, 2, 3),
            point(u"val.acc"_s, 0.75, 0, 1)},
           {{team, u"vision"_s}, {model, u"resnet 50"_s}, {u"city"_s, u"Łódź"_s}},
           RunStatus::Finished, 1500);
    addRun(
        u"bravo"_s, *a, 2000, u"ana"_s, {{u"lr"_s, u"0.1"_s}, {u"optimizer"_s, u"sgd"_s}},
        {point(u"acc"_s, 0.60, 1, 10), point(u"loss"_s, 0.9, 0, 10), point(u"loss"_s, 0.7, 1, 11)},
        {{team, u"Vision"_s}, {model, u"vit base"_s}}, RunStatus::Failed, 2500);
    if (QTest::currentTestFailed())
        return;
    // Logged later, with a later timestamp, but at a lower step: not the latest value.
    VERIFY_OK(t.logBatch(m_runIds.value(u"bravo"_s), {point(u"acc"_s, 0.95, 0, 20)}, {}, {}));
    addRun(u"charlie"_s, *a, 3000, u"ana"_s, {{u"lr"_s, u"0.01"_s}, {u"optimizer"_s, u"sgd"_s}},
           {point(u"acc"_s, 0.70, 0, 1)}, {{team, u"vision"_s}}, std::nullopt, std::nullopt);
    addRun(u"delta"_s, *a, 4000, u"ana"_s, {{u"lr"_s, u"0.001"_s}, {u"optimizer"_s, u"adam"_s}},
           {point(u"acc"_s, 0.85, 0, 1), point(u"acc"_s, 0.93, 1, 2), point(u"loss"_s, 0.3, 0, 1)},
           {{team, u"nlp"_s}, {kParentRunIdTag, m_runIds.value(u"alpha"_s)}}, RunStatus::Finished,
           4500);
    addRun(u"echo"_s, *b, 5000, u"ana"_s, {{u"lr"_s, u"0.1"_s}, {u"optimizer"_s, u"adam"_s}},
           {point(u"acc"_s, 0.99, 0, 1), point(u"loss"_s, 0.05, 0, 1)}, {{team, u"nlp"_s}},
           RunStatus::Finished, 5500);
    addRun(
        u"foxtrot"_s, *b, 6000, u"ben"_s, {{u"lr"_s, u"0.05"_s}, {u"optimizer"_s, u"adamw"_s}},
        {point(u"acc"_s, 0.40, 0, 1), point(u"loss"_s, 2.0, 0, 1), point(u"val.acc"_s, 0.3, 0, 1)},
        {{team, u"nlp"_s}, {model, u"bert-base"_s}}, RunStatus::Failed, 6500);
    addRun(u"golf"_s, *b, 7000, u"ben"_s, {{u"optimizer"_s, u"sgd"_s}}, {}, {}, std::nullopt,
           std::nullopt);
    addRun(u"hotel"_s, *b, 8000, u"ana"_s, {{u"lr"_s, u"0.01"_s}, {u"optimizer"_s, u"adam"_s}},
           {point(u"acc"_s, 0.88, 0, 1), point(u"loss"_s, kNaN, 0, 1)},
           {{team, u"Vision"_s}, {model, u"resnet 101"_s}}, RunStatus::Finished, 8500);
    if (QTest::currentTestFailed())
        return;
    VERIFY_OK(t.deleteRun(m_runIds.value(u"echo"_s)));
    QCOMPARE(m_runIds.size(), 8);
}

void TestTrackingStore::addRun(const QString &name, const QString &experimentId, qint64 startTime,
                               const QString &user, const Pairs &params,
                               const QList<MetricPoint> &metrics, const Pairs &tags,
                               std::optional<RunStatus> status, std::optional<qint64> endTime)
{
    if (QTest::currentTestFailed())
        return;
    TrackingStore &t = *m_search->tracking;
    const Result<Run> run = t.createRun(experimentId, user, name, startTime, tags);
    VERIFY_OK(run);
    QCOMPARE(run->info.runName, name);
    m_runIds.insert(name, run->info.runId);
    VERIFY_OK(t.logBatch(run->info.runId, metrics, params, {}));
    if (status)
        VERIFY_OK(t.updateRun(run->info.runId, status, endTime));
}

// Replaces {alpha}, {bravo}, ... with the runs' ids.
QString TestTrackingStore::withIds(QString text) const
{
    for (auto it = m_runIds.cbegin(); it != m_runIds.cend(); ++it)
        text.replace(u"{%1}"_s.arg(it.key()), it.value());
    return text;
}

// ---- searching runs ----------------------------------------------------------------------------

void TestTrackingStore::searchRuns_data()
{
    QTest::addColumn<QString>("experiments"); // "A", "B" or "AB"
    QTest::addColumn<QString>("view");
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QStringList>("expected");

    const QString active = u"ACTIVE_ONLY"_s;
    const auto row = [&](const char *name, const QString &filter, const QStringList &expected) {
        QTest::newRow(name) << u"AB"_s << active << filter << expected;
    };

    // No filter; experiments and view types.
    row("no filter", QString(),
        {u"alpha"_s, u"bravo"_s, u"charlie"_s, u"delta"_s, u"foxtrot"_s, u"golf"_s, u"hotel"_s});
    row("blank filter", u"   "_s,
        {u"alpha"_s, u"bravo"_s, u"charlie"_s, u"delta"_s, u"foxtrot"_s, u"golf"_s, u"hotel"_s});
    QTest::newRow("experiment A only")
        << u"A"_s << active << QString()
        << QStringList{u"alpha"_s, u"bravo"_s, u"charlie"_s, u"delta"_s};
    QTest::newRow("experiment B only")
        << u"B"_s << active << QString() << QStringList{u"foxtrot"_s, u"golf"_s, u"hotel"_s};
    QTest::newRow("DELETED_ONLY") << u"AB"_s << u"DELETED_ONLY"_s << QString()
                                  << QStringList{u"echo"_s};
    QTest::newRow("DELETED_ONLY, filter matching")
        << u"AB"_s << u"DELETED_ONLY"_s << u"metrics.acc > 0.9"_s << QStringList{u"echo"_s};
    QTest::newRow("DELETED_ONLY, filter not matching")
        << u"AB"_s << u"DELETED_ONLY"_s << u"params.lr = '0.01'"_s << QStringList();
    QTest::newRow("ALL") << u"AB"_s << u"ALL"_s << u"metrics.acc > 0.9"_s
                         << QStringList{u"alpha"_s, u"delta"_s, u"echo"_s};
    QTest::newRow("ALL, experiment B")
        << u"B"_s << u"ALL"_s << QString()
        << QStringList{u"echo"_s, u"foxtrot"_s, u"golf"_s, u"hotel"_s};
    QTest::newRow("ALL, lifecycle_stage attribute")
        << u"AB"_s << u"ALL"_s << u"attributes.lifecycle_stage = 'deleted'"_s
        << QStringList{u"echo"_s};

    // Metrics: the latest value counts, not any earlier one.
    row("metrics. >", u"metrics.acc > 0.9"_s, {u"alpha"_s, u"delta"_s});
    row("metric. >=", u"metric.acc >= 0.88"_s, {u"alpha"_s, u"delta"_s, u"hotel"_s});
    row("metric <", u"metrics.acc < 0.5"_s, {u"foxtrot"_s});
    row("metric <=", u"metrics.acc <= 0.7"_s, {u"bravo"_s, u"charlie"_s, u"foxtrot"_s});
    row("metric =", u"metrics.acc = 0.7"_s, {u"charlie"_s});
    row("metric ==", u"metrics.acc == 0.7"_s, {u"charlie"_s});
    row("metric != skips runs without it", u"metrics.acc != 0.7"_s,
        {u"alpha"_s, u"bravo"_s, u"delta"_s, u"foxtrot"_s, u"hotel"_s});
    row("latest by step, not a lower step logged later", u"metrics.acc >= 0.95"_s, {});
    row("latest, not an earlier step", u"metrics.loss >= 1"_s, {u"foxtrot"_s});
    row("latest of bravo", u"metrics.acc > 0.55 AND metrics.acc < 0.65"_s, {u"bravo"_s});
    row("NaN is no value", u"metrics.loss > -1e9"_s,
        {u"alpha"_s, u"bravo"_s, u"delta"_s, u"foxtrot"_s});
    row("number with a leading dot", u"metrics.acc > .9"_s, {u"alpha"_s, u"delta"_s});
    row("backquoted metric name with a dot", u"metrics.`val.acc` > 0.5"_s, {u"alpha"_s});
    row("unquoted metric name with a dot", u"metrics.val.acc < 0.5"_s, {u"foxtrot"_s});

    // Params.
    row("params. =", u"params.lr = '0.01'"_s, {u"alpha"_s, u"charlie"_s, u"hotel"_s});
    row("param. != skips runs without it", u"param.lr != '0.01'"_s,
        {u"bravo"_s, u"delta"_s, u"foxtrot"_s});
    row("parameters.", u"parameters.optimizer = 'adam'"_s, {u"alpha"_s, u"delta"_s, u"hotel"_s});
    row("LIKE with %", u"params.optimizer LIKE 'adam%'"_s,
        {u"alpha"_s, u"delta"_s, u"foxtrot"_s, u"hotel"_s});
    row("LIKE with _", u"params.optimizer LIKE 'ada_'"_s, {u"alpha"_s, u"delta"_s, u"hotel"_s});
    row("LIKE is case-sensitive", u"params.optimizer LIKE 'ADAM%'"_s, {});
    row("LIKE takes * literally", u"params.optimizer LIKE '*'"_s, {});
    row("LIKE takes ? literally", u"params.optimizer LIKE 's?d'"_s, {});
    row("LIKE takes [ literally", u"params.optimizer LIKE '[a-z]gd'"_s, {});
    row("ILIKE ignores case", u"params.optimizer ILIKE 'ADAM%'"_s,
        {u"alpha"_s, u"delta"_s, u"foxtrot"_s, u"hotel"_s});
    row("IN", u"params.optimizer IN ('sgd', 'adamw')"_s,
        {u"bravo"_s, u"charlie"_s, u"foxtrot"_s, u"golf"_s});
    row("NOT IN", u"params.optimizer NOT IN ('sgd', 'adamw')"_s,
        {u"alpha"_s, u"delta"_s, u"hotel"_s});
    row("NOT IN skips runs without it", u"params.lr NOT IN ('0.01', '0.1')"_s,
        {u"delta"_s, u"foxtrot"_s});
    row("NOT IN, then AND", u"params.lr NOT IN ('0.01') AND metrics.acc > 0.5"_s,
        {u"bravo"_s, u"delta"_s});
    row("NOT IN, order of bindings", u"tags.team = 'nlp' AND params.lr NOT IN ('0.05')"_s,
        {u"delta"_s});

    // Tags.
    row("tags. =", u"tags.team = 'vision'"_s, {u"alpha"_s, u"charlie"_s});
    row("tag. = is case-sensitive", u"tag.team = 'Vision'"_s, {u"bravo"_s, u"hotel"_s});
    row("tags ILIKE", u"tags.team ILIKE 'vision'"_s,
        {u"alpha"_s, u"bravo"_s, u"charlie"_s, u"hotel"_s});
    row("tags LIKE is case-sensitive", u"tags.team LIKE 'V%'"_s, {u"bravo"_s, u"hotel"_s});
    row("tags LIKE inside", u"tags.team LIKE '%isi%'"_s,
        {u"alpha"_s, u"bravo"_s, u"charlie"_s, u"hotel"_s});
    row("tags != skips runs without it", u"tags.team != 'nlp'"_s,
        {u"alpha"_s, u"bravo"_s, u"charlie"_s, u"hotel"_s});
    row("backquoted tag name with a space", u"tags.`model name` = 'resnet 50'"_s, {u"alpha"_s});
    row("double-quoted tag name, LIKE", u"tags.\"model name\" LIKE 'resnet%'"_s,
        {u"alpha"_s, u"hotel"_s});
    row("quoted tag name, ILIKE suffix", u"tags.`model name` ILIKE '%BASE'"_s,
        {u"bravo"_s, u"foxtrot"_s});
    row("ILIKE matches its own non-ASCII spelling", u"tags.city ILIKE 'Łódź'"_s, {u"alpha"_s});
    row("ILIKE, non-ASCII prefix", u"tags.city ILIKE 'Ł%'"_s, {u"alpha"_s});
    row("LIKE, non-ASCII", u"tags.city LIKE '%ódź'"_s, {u"alpha"_s});
    row("child runs, unquoted tag name", u"tags.mlflow.parentRunId = '{alpha}'"_s, {u"delta"_s});
    row("child runs, quoted tag name", u"tags.`mlflow.parentRunId` = '{alpha}'"_s, {u"delta"_s});
    row("run name tag", u"tags.mlflow.runName = 'golf'"_s, {u"golf"_s});

    // Attributes.
    row("attributes.status", u"attributes.status = 'FINISHED'"_s,
        {u"alpha"_s, u"delta"_s, u"hotel"_s});
    row("attribute. !=", u"attribute.status != 'RUNNING'"_s,
        {u"alpha"_s, u"bravo"_s, u"delta"_s, u"foxtrot"_s, u"hotel"_s});
    row("attr. IN", u"attr.status IN ('FAILED', 'RUNNING')"_s,
        {u"bravo"_s, u"charlie"_s, u"foxtrot"_s, u"golf"_s});
    row("run. NOT IN", u"run.status NOT IN ('FAILED', 'RUNNING')"_s,
        {u"alpha"_s, u"delta"_s, u"hotel"_s});
    row("unprefixed status", u"status = 'FAILED'"_s, {u"bravo"_s, u"foxtrot"_s});
    row("run_name", u"attributes.run_name = 'charlie'"_s, {u"charlie"_s});
    row("run_name LIKE", u"run_name LIKE '%o%'"_s,
        {u"bravo"_s, u"foxtrot"_s, u"golf"_s, u"hotel"_s});
    row("quoted `run name` ILIKE", u"attributes.`run name` ILIKE 'A%'"_s, {u"alpha"_s});
    row("user_id", u"attributes.user_id = 'ben'"_s, {u"foxtrot"_s, u"golf"_s});
    row("start_time range", u"attributes.start_time >= 3000 AND attributes.start_time < 7000"_s,
        {u"charlie"_s, u"delta"_s, u"foxtrot"_s});
    row("start_time >", u"attributes.start_time > 7000"_s, {u"hotel"_s});
    row("created", u"created <= 2000"_s, {u"alpha"_s, u"bravo"_s});
    row("end_time skips runs without one", u"attributes.end_time <= 4500"_s,
        {u"alpha"_s, u"bravo"_s, u"delta"_s});
    row("run_id IN", u"attributes.run_id IN ('{alpha}', '{golf}', '{echo}')"_s,
        {u"alpha"_s, u"golf"_s});
    row("run_id =", u"attributes.run_id = '{bravo}'"_s, {u"bravo"_s});

    // AND, OR, parentheses.
    row("OR", u"params.optimizer = 'sgd' OR metrics.acc > 0.9"_s,
        {u"alpha"_s, u"bravo"_s, u"charlie"_s, u"delta"_s, u"golf"_s});
    row("AND binds tighter than OR",
        u"tags.team = 'nlp' OR tags.team = 'vision' AND params.optimizer = 'sgd'"_s,
        {u"charlie"_s, u"delta"_s, u"foxtrot"_s});
    row("parentheses change the meaning",
        u"(tags.team = 'nlp' OR tags.team = 'vision') AND params.optimizer = 'sgd'"_s,
        {u"charlie"_s});
    row("lower-case keywords", u"params.lr = '0.01' and metrics.acc > 0.8"_s,
        {u"alpha"_s, u"hotel"_s});
    row("AND, LIKE, OR mixed",
        u"metrics.acc > 0.8 and params.optimizer like 'adam%' or status = 'RUNNING'"_s,
        {u"alpha"_s, u"charlie"_s, u"delta"_s, u"golf"_s, u"hotel"_s});
    row("nested parentheses",
        u"((tags.team ILIKE 'vision' AND (metrics.acc < 0.65 OR status = 'RUNNING')))"_s,
        {u"bravo"_s, u"charlie"_s});
}

void TestTrackingStore::searchRuns()
{
    QFETCH(QString, experiments);
    QFETCH(QString, view);
    QFETCH(QString, filter);
    QFETCH(QStringList, expected);

    QStringList experimentIds;
    for (const QChar letter : experiments)
        experimentIds.append(m_experimentIds.value(QString(letter)));
    QVERIFY(viewTypeFromString(view));
    const Result<Page<Run>> page = m_search->tracking->searchRuns(
        experimentIds, withIds(filter), viewType(view), 100, {}, QString());
    VERIFY_OK(page);
    QCOMPARE(sorted(namesOf(page->items)), sorted(expected));
    QVERIFY(page->nextPageToken.isEmpty());
}

void TestTrackingStore::searchRejectsBadFilter_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<int>("column"); // 1-based, as the message gives it

    QTest::newRow("unknown attribute") << u"attributes.color = 'red'"_s << 1;
    QTest::newRow("unknown attribute after AND")
        << u"params.lr = '0.01' AND attributes.color = 'red'"_s << 24;
    QTest::newRow("string compared to a metric") << u"metrics.acc = 'high'"_s << 1;
    QTest::newRow("string compared to a metric after OR")
        << u"params.lr = '0.01' OR metrics.acc > 'x'"_s << 23;
    QTest::newRow("LIKE on a metric") << u"metrics.acc LIKE '0.9%'"_s << 1;
    QTest::newRow("IN on a metric") << u"metrics.acc IN ('1')"_s << 1;
    QTest::newRow("number compared to a param") << u"params.lr = 0.01"_s << 1;
    QTest::newRow("> on a param") << u"params.lr > '0.01'"_s << 1;
    QTest::newRow("number compared to a tag") << u"tags.team = 1"_s << 1;
    QTest::newRow("string compared to start_time") << u"attributes.start_time = 'today'"_s << 1;
    QTest::newRow("IN on start_time") << u"attributes.start_time IN ('1')"_s << 1;
    QTest::newRow("number compared to status") << u"status = 1"_s << 1;
    QTest::newRow("unterminated quote") << u"tags.team = 'vision"_s << 13;
    QTest::newRow("unknown prefix") << u"foo.bar = 'x'"_s << 1;
    QTest::newRow("unclosed parenthesis") << u"(params.lr = '0.01'"_s << 20;
    QTest::newRow("unclosed parenthesis after AND")
        << u"metrics.acc > 0.9 AND (status = 'RUNNING'"_s << 42;
    QTest::newRow("missing value") << u"metrics.acc >"_s << 14;
}

void TestTrackingStore::searchRejectsBadFilter()
{
    QFETCH(QString, filter);
    QFETCH(int, column);

    const Result<Page<Run>> page = m_search->tracking->searchRuns(
        m_experimentIds.values(), filter, ViewType::All, 100, {}, QString());
    VERIFY_FAILS(page, errorcode::kInvalidParameterValue);
    const QString where = u"at position %1:"_s.arg(column);
    QVERIFY2(page.error().message.contains(where),
             qPrintable(u"expected '%1' in: %2"_s.arg(where, page.error().message)));
}

void TestTrackingStore::searchOrdersRuns_data()
{
    QTest::addColumn<QStringList>("orderBy");
    QTest::addColumn<QStringList>("expected");

    QTest::newRow("default: newest first")
        << QStringList() << QStringList{u"hotel"_s,   u"golf"_s,  u"foxtrot"_s, u"delta"_s,
                                        u"charlie"_s, u"bravo"_s, u"alpha"_s};
    QTest::newRow("metric DESC, missing last")
        << QStringList{u"metrics.acc DESC"_s}
        << QStringList{u"delta"_s, u"alpha"_s,   u"hotel"_s, u"charlie"_s,
                       u"bravo"_s, u"foxtrot"_s, u"golf"_s};
    QTest::newRow("metric ASC, missing last")
        << QStringList{u"metrics.acc ASC"_s}
        << QStringList{u"foxtrot"_s, u"bravo"_s, u"charlie"_s, u"hotel"_s,
                       u"alpha"_s,   u"delta"_s, u"golf"_s};
    // Runs without loss (NaN counts as none) come last, newest first among themselves.
    QTest::newRow("metric, NaN and missing last")
        << QStringList{u"metrics.loss"_s}
        << QStringList{u"alpha"_s, u"delta"_s, u"bravo"_s,  u"foxtrot"_s,
                       u"hotel"_s, u"golf"_s,  u"charlie"_s};
    QTest::newRow("param ASC, ties newest first")
        << QStringList{u"params.lr ASC"_s}
        << QStringList{u"delta"_s,   u"hotel"_s, u"charlie"_s, u"alpha"_s,
                       u"foxtrot"_s, u"bravo"_s, u"golf"_s};
    QTest::newRow("param DESC, missing last")
        << QStringList{u"params.lr DESC"_s}
        << QStringList{u"bravo"_s, u"foxtrot"_s, u"hotel"_s, u"charlie"_s,
                       u"alpha"_s, u"delta"_s,   u"golf"_s};
    QTest::newRow("attribute start_time")
        << QStringList{u"attributes.start_time"_s}
        << QStringList{u"alpha"_s,   u"bravo"_s, u"charlie"_s, u"delta"_s,
                       u"foxtrot"_s, u"golf"_s,  u"hotel"_s};
    QTest::newRow("start_time DESC")
        << QStringList{u"start_time DESC"_s}
        << QStringList{u"hotel"_s,   u"golf"_s,  u"foxtrot"_s, u"delta"_s,
                       u"charlie"_s, u"bravo"_s, u"alpha"_s};
    QTest::newRow("end_time DESC, missing last")
        << QStringList{u"attributes.end_time DESC"_s}
        << QStringList{u"hotel"_s, u"foxtrot"_s, u"delta"_s,  u"bravo"_s,
                       u"alpha"_s, u"golf"_s,    u"charlie"_s};
    QTest::newRow("two terms") << QStringList{u"params.optimizer"_s, u"metrics.acc DESC"_s}
                               << QStringList{u"delta"_s,   u"alpha"_s, u"hotel"_s, u"foxtrot"_s,
                                              u"charlie"_s, u"bravo"_s, u"golf"_s};
    QTest::newRow("status then start_time")
        << QStringList{u"attributes.status"_s, u"start_time"_s}
        << QStringList{u"bravo"_s, u"foxtrot"_s, u"alpha"_s, u"delta"_s,
                       u"hotel"_s, u"charlie"_s, u"golf"_s};
    QTest::newRow("quoted tag DESC")
        << QStringList{u"tags.`model name` DESC"_s}
        << QStringList{u"bravo"_s, u"alpha"_s, u"hotel"_s,  u"foxtrot"_s,
                       u"golf"_s,  u"delta"_s, u"charlie"_s};
}

void TestTrackingStore::searchOrdersRuns()
{
    QFETCH(QStringList, orderBy);
    QFETCH(QStringList, expected);

    const Result<Page<Run>> page = m_search->tracking->searchRuns(
        m_experimentIds.values(), QString(), ViewType::ActiveOnly, 100, orderBy, QString());
    VERIFY_OK(page);
    QCOMPARE(namesOf(page->items), expected);
}

void TestTrackingStore::searchRejectsBadOrderBy_data()
{
    QTest::addColumn<QStringList>("orderBy");
    QTest::newRow("unknown attribute") << QStringList{u"attributes.color"_s};
    QTest::newRow("unknown direction") << QStringList{u"metrics.acc DOWN"_s};
    QTest::newRow("unknown prefix") << QStringList{u"foo.acc"_s};
}

void TestTrackingStore::searchRejectsBadOrderBy()
{
    QFETCH(QStringList, orderBy);
    VERIFY_FAILS(m_search->tracking->searchRuns(m_experimentIds.values(), QString(),
                                                ViewType::ActiveOnly, 100, orderBy, QString()),
                 errorcode::kInvalidParameterValue);
}

void TestTrackingStore::searchPagesThroughEveryRunOnce_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<int>("pageSize");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<int>("pages");

    const QStringList all{u"alpha"_s,   u"bravo"_s, u"charlie"_s, u"delta"_s,
                          u"foxtrot"_s, u"golf"_s,  u"hotel"_s};
    QTest::newRow("3 per page") << QString() << 3 << all << 3;
    QTest::newRow("1 per page") << QString() << 1 << all << 7;
    QTest::newRow("one full page") << QString() << 7 << all << 1;
    QTest::newRow("filtered, last page full")
        << u"tags.team ILIKE 'vision'"_s << 2
        << QStringList{u"alpha"_s, u"bravo"_s, u"charlie"_s, u"hotel"_s} << 2;
}

void TestTrackingStore::searchPagesThroughEveryRunOnce()
{
    QFETCH(QString, filter);
    QFETCH(int, pageSize);
    QFETCH(QStringList, expected);
    QFETCH(int, pages);

    QStringList seen;
    QString token;
    int fetched = 0;
    do {
        const Result<Page<Run>> page =
            m_search->tracking->searchRuns(m_experimentIds.values(), filter, ViewType::ActiveOnly,
                                           pageSize, {u"attributes.start_time"_s}, token);
        VERIFY_OK(page);
        QVERIFY(page->items.size() <= pageSize);
        QVERIFY2(!page->items.isEmpty(), "a page token led to an empty page");
        seen += namesOf(page->items);
        token = page->nextPageToken;
        ++fetched;
    } while (!token.isEmpty() && fetched <= expected.size());
    QCOMPARE(seen, expected); // in order, each once
    QCOMPARE(fetched, pages);
}

void TestTrackingStore::searchRejectsBadPageToken_data()
{
    QTest::addColumn<QString>("token");
    QTest::newRow("garbage") << u"not a token!"_s;
    QTest::newRow("base64 of text") << QString::fromLatin1(QByteArray("foo").toBase64());
    QTest::newRow("negative offset") << pageToken({{u"offset"_s, -3}});
    QTest::newRow("offset as text") << pageToken({{u"offset"_s, u"3"_s}});
    QTest::newRow("no offset") << pageToken({{u"start"_s, 3}});
}

void TestTrackingStore::searchRejectsBadPageToken()
{
    QFETCH(QString, token);
    VERIFY_FAILS(m_search->tracking->searchRuns(m_experimentIds.values(), QString(),
                                                ViewType::ActiveOnly, 3, {}, token),
                 errorcode::kInvalidParameterValue);
    VERIFY_FAILS(m_search->tracking->searchExperiments(ViewType::All, 3, token),
                 errorcode::kInvalidParameterValue);
    VERIFY_FAILS(m_search->tracking->metricHistory(m_runIds.value(u"alpha"_s), u"acc"_s, 3, token),
                 errorcode::kInvalidParameterValue);
}

void TestTrackingStore::searchRejectsBadExperimentId()
{
    VERIFY_FAILS(m_search->tracking->searchRuns({m_experimentIds.value(u"A"_s), u"abc"_s},
                                                QString(), ViewType::All, 100, {}, QString()),
                 errorcode::kInvalidParameterValue);
}

void TestTrackingStore::searchExperiments_data()
{
    QTest::addColumn<QString>("view");
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QStringList>("expected");

    const QString active = u"ACTIVE_ONLY"_s;
    QTest::newRow("active") << active << QString()
                            << QStringList{u"Default"_s, u"nlp-exp"_s, u"vision-exp"_s};
    QTest::newRow("deleted only") << u"DELETED_ONLY"_s << QString()
                                  << QStringList{u"archived-vision"_s};
    QTest::newRow("all") << u"ALL"_s << QString()
                         << QStringList{u"Default"_s, u"archived-vision"_s, u"nlp-exp"_s,
                                        u"vision-exp"_s};
    QTest::newRow("name LIKE") << active << u"name LIKE '%vision%'"_s
                               << QStringList{u"vision-exp"_s};
    QTest::newRow("name LIKE, all") << u"ALL"_s << u"name LIKE '%vision%'"_s
                                    << QStringList{u"archived-vision"_s, u"vision-exp"_s};
    QTest::newRow("name LIKE is case-sensitive")
        << active << u"name LIKE 'Vision%'"_s << QStringList();
    QTest::newRow("name ILIKE") << active << u"name ILIKE 'VISION%'"_s
                                << QStringList{u"vision-exp"_s};
    QTest::newRow("attributes.name !=") << active << u"attributes.name != 'Default'"_s
                                        << QStringList{u"nlp-exp"_s, u"vision-exp"_s};
    QTest::newRow("tag, all") << u"ALL"_s << u"tags.owner = 'ana'"_s
                              << QStringList{u"archived-vision"_s, u"vision-exp"_s};
    QTest::newRow("tag OR name") << active << u"tags.owner = 'ana' OR name = 'Default'"_s
                                 << QStringList{u"Default"_s, u"vision-exp"_s};
    QTest::newRow("tag IN and tag")
        << active << u"tags.owner IN ('ana', 'ben') AND tags.domain = 'vision'"_s
        << QStringList{u"vision-exp"_s};
    QTest::newRow("tag NOT IN") << active << u"tags.owner NOT IN ('ana')"_s
                                << QStringList{u"nlp-exp"_s};
    QTest::newRow("experiment_id")
        << active << u"experiment_id = '0'"_s << QStringList{u"Default"_s};
}

void TestTrackingStore::searchExperiments()
{
    QFETCH(QString, view);
    QFETCH(QString, filter);
    QFETCH(QStringList, expected);

    QVERIFY(viewTypeFromString(view));
    const Result<Page<Experiment>> page =
        m_search->tracking->searchExperiments(viewType(view), 100, QString(), filter);
    VERIFY_OK(page);
    QCOMPARE(sorted(namesOf(page->items)), sorted(expected));
    QVERIFY(page->nextPageToken.isEmpty());
}

void TestTrackingStore::searchExperimentsRejectsBadFilter_data()
{
    QTest::addColumn<QString>("filter");
    QTest::newRow("metric") << u"metrics.acc > 1"_s;
    QTest::newRow("param") << u"params.lr = 'x'"_s;
    QTest::newRow("unknown attribute") << u"color = 'red'"_s;
    QTest::newRow("run attribute") << u"status = 'FINISHED'"_s;
    QTest::newRow("missing value") << u"name LIKE"_s;
    QTest::newRow("number compared to a name") << u"name = 3"_s;
}

void TestTrackingStore::searchExperimentsRejectsBadFilter()
{
    QFETCH(QString, filter);
    VERIFY_FAILS(m_search->tracking->searchExperiments(ViewType::All, 100, QString(), filter),
                 errorcode::kInvalidParameterValue);
}

void TestTrackingStore::searchExperimentsRejectsBadOrderBy_data()
{
    QTest::addColumn<QStringList>("orderBy");
    QTest::newRow("metric") << QStringList{u"metrics.acc DESC"_s};
    QTest::newRow("param") << QStringList{u"params.lr"_s};
    QTest::newRow("run attribute") << QStringList{u"attributes.start_time"_s};
}

void TestTrackingStore::searchExperimentsRejectsBadOrderBy()
{
    QFETCH(QStringList, orderBy);
    VERIFY_FAILS(
        m_search->tracking->searchExperiments(ViewType::All, 100, QString(), QString(), orderBy),
        errorcode::kInvalidParameterValue);
}

void TestTrackingStore::searchExperimentsPages()
{
    QStringList seen;
    QString token;
    int pages = 0;
    do {
        const Result<Page<Experiment>> page =
            m_search->tracking->searchExperiments(ViewType::All, 3, token, QString(), {u"name"_s});
        VERIFY_OK(page);
        seen += namesOf(page->items);
        token = page->nextPageToken;
        ++pages;
    } while (!token.isEmpty() && pages < 10);
    QCOMPARE(seen,
             (QStringList{u"Default"_s, u"archived-vision"_s, u"nlp-exp"_s, u"vision-exp"_s}));
    QCOMPARE(pages, 2);
}

// ---- experiments -------------------------------------------------------------------------------

void TestTrackingStore::createsExperiment()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;

    const Result<QString> id = t.createExperiment(u"exp-a"_s, QString(), {{u"owner"_s, u"ana"_s}});
    VERIFY_OK(id);
    QVERIFY(*id != u"0"_s);
    const Result<Experiment> created = t.experiment(*id);
    VERIFY_OK(created);
    QCOMPARE(created->id, *id);
    QCOMPARE(created->name, u"exp-a"_s);
    QCOMPARE(created->artifactLocation, u"mlflow-artifacts:/"_s + *id);
    QCOMPARE(toString(created->lifecycleStage), toString(LifecycleStage::Active));
    QCOMPARE(created->tags, (KeyValueList{{u"owner"_s, u"ana"_s}}));
    QVERIFY(created->creationTime > 0);
    QVERIFY(created->lastUpdateTime >= created->creationTime);

    const Result<QString> other = t.createExperiment(u"exp-b"_s, u"file:///data/exp-b"_s);
    VERIFY_OK(other);
    QVERIFY(*other != *id);
    const Result<Experiment> byName = t.experimentByName(u"exp-b"_s);
    VERIFY_OK(byName);
    QCOMPARE(byName->id, *other);
    QCOMPARE(byName->artifactLocation, u"file:///data/exp-b"_s);
    QVERIFY(byName->tags.isEmpty());
}

void TestTrackingStore::rejectsDuplicateOrEmptyExperimentName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("code");
    QTest::newRow("duplicate") << u"taken"_s << errorcode::kResourceAlreadyExists;
    QTest::newRow("duplicate of a deleted one") << u"binned"_s << errorcode::kResourceAlreadyExists;
    QTest::newRow("Default") << u"Default"_s << errorcode::kResourceAlreadyExists;
    QTest::newRow("empty") << QString() << errorcode::kInvalidParameterValue;
    QTest::newRow("blank") << u"  "_s << errorcode::kInvalidParameterValue;
}

void TestTrackingStore::rejectsDuplicateOrEmptyExperimentName()
{
    QFETCH(QString, name);
    QFETCH(QString, code);

    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    VERIFY_OK(t.createExperiment(u"taken"_s));
    const Result<QString> binned = t.createExperiment(u"binned"_s);
    VERIFY_OK(binned);
    VERIFY_OK(t.deleteExperiment(*binned));

    VERIFY_FAILS(t.createExperiment(name), code);
    const Result<Page<Experiment>> all = t.searchExperiments(ViewType::All, 100, QString());
    VERIFY_OK(all);
    QCOMPARE(sorted(namesOf(all->items)), (QStringList{u"Default"_s, u"binned"_s, u"taken"_s}));
}

void TestTrackingStore::unknownExperimentDoesNotExist_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<QString>("code");
    // As in MLflow: an id that is no number is an invalid parameter, not a missing experiment.
    QTest::newRow("unused number") << u"999"_s << errorcode::kResourceDoesNotExist;
    QTest::newRow("not a number") << u"abc"_s << errorcode::kInvalidParameterValue;
    QTest::newRow("empty") << QString() << errorcode::kInvalidParameterValue;
}

void TestTrackingStore::unknownExperimentDoesNotExist()
{
    QFETCH(QString, id);
    QFETCH(QString, code);

    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    VERIFY_FAILS(t.experiment(id), code);
    VERIFY_FAILS(t.renameExperiment(id, u"new"_s), code);
    VERIFY_FAILS(t.deleteExperiment(id), code);
    VERIFY_FAILS(t.restoreExperiment(id), code);
    VERIFY_FAILS(t.setExperimentTag(id, u"k"_s, u"v"_s), code);
    VERIFY_FAILS(t.createRun(id, u"ana"_s, u"r"_s, 1, {}), code);
    VERIFY_FAILS(t.experimentByName(u"no such experiment"_s), errorcode::kResourceDoesNotExist);
    // Nothing was created on the way.
    const Result<Page<Experiment>> all = t.searchExperiments(ViewType::All, 100, QString());
    VERIFY_OK(all);
    QCOMPARE(namesOf(all->items), QStringList{u"Default"_s});
}

void TestTrackingStore::renamesExperiment()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<QString> id = t.createExperiment(u"before"_s);
    VERIFY_OK(id);
    VERIFY_OK(t.createExperiment(u"other"_s));

    VERIFY_OK(t.renameExperiment(*id, u"after"_s));
    const Result<Experiment> renamed = t.experimentByName(u"after"_s);
    VERIFY_OK(renamed);
    QCOMPARE(renamed->id, *id);
    VERIFY_FAILS(t.experimentByName(u"before"_s), errorcode::kResourceDoesNotExist);

    VERIFY_FAILS(t.renameExperiment(*id, u"other"_s), errorcode::kResourceAlreadyExists);
    VERIFY_FAILS(t.renameExperiment(*id, QString()), errorcode::kInvalidParameterValue);
    QCOMPARE(t.experiment(*id)->name, u"after"_s);
    VERIFY_OK(t.renameExperiment(*id, u"after"_s)); // its own name is no clash
}

void TestTrackingStore::deletesAndRestoresExperimentWithItsRuns()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<QString> id = t.createExperiment(u"binned"_s);
    VERIFY_OK(id);
    const Result<Run> first = t.createRun(*id, u"ana"_s, u"first"_s, 1000, {});
    VERIFY_OK(first);
    const Result<Run> second = t.createRun(*id, u"ana"_s, u"second"_s, 2000, {});
    VERIFY_OK(second);
    const auto runsIn = [&](ViewType view) {
        const Result<Page<Run>> page = t.searchRuns({*id}, QString(), view, 100, {}, QString());
        return page ? sorted(namesOf(page->items)) : QStringList{u"<error>"_s};
    };

    VERIFY_OK(t.deleteExperiment(*id));
    QCOMPARE(toString(t.experiment(*id)->lifecycleStage), toString(LifecycleStage::Deleted));
    QCOMPARE(toString(t.run(first->info.runId)->info.lifecycleStage),
             toString(LifecycleStage::Deleted));
    QCOMPARE(toString(t.run(second->info.runId)->info.lifecycleStage),
             toString(LifecycleStage::Deleted));
    QCOMPARE(runsIn(ViewType::ActiveOnly), QStringList());
    QCOMPARE(runsIn(ViewType::DeletedOnly), (QStringList{u"first"_s, u"second"_s}));
    VERIFY_FAILS(t.createRun(*id, u"ana"_s, u"third"_s, 3000, {}),
                 errorcode::kInvalidParameterValue);
    VERIFY_FAILS(t.renameExperiment(*id, u"renamed"_s), errorcode::kInvalidParameterValue);
    VERIFY_FAILS(t.setExperimentTag(*id, u"k"_s, u"v"_s), errorcode::kInvalidParameterValue);
    VERIFY_FAILS(t.logBatch(first->info.runId, {point(u"acc"_s, 1, 0, 1)}, {}, {}),
                 errorcode::kInvalidParameterValue);
    const Result<Page<Experiment>> active = t.searchExperiments(ViewType::ActiveOnly, 100, {});
    VERIFY_OK(active);
    QCOMPARE(namesOf(active->items), QStringList{u"Default"_s});

    VERIFY_OK(t.restoreExperiment(*id));
    QCOMPARE(toString(t.experiment(*id)->lifecycleStage), toString(LifecycleStage::Active));
    QCOMPARE(runsIn(ViewType::ActiveOnly), (QStringList{u"first"_s, u"second"_s}));
    QCOMPARE(runsIn(ViewType::DeletedOnly), QStringList());
    VERIFY_OK(t.createRun(*id, u"ana"_s, u"third"_s, 3000, {}));
    VERIFY_OK(t.logBatch(first->info.runId, {point(u"acc"_s, 1, 0, 1)}, {}, {}));
}

void TestTrackingStore::defaultExperimentExistsAndStays()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;

    const Result<Experiment> byId = t.experiment(u"0"_s);
    VERIFY_OK(byId);
    QCOMPARE(byId->name, u"Default"_s);
    QCOMPARE(byId->artifactLocation, u"mlflow-artifacts:/0"_s);
    QCOMPARE(toString(byId->lifecycleStage), toString(LifecycleStage::Active));
    const Result<Experiment> byName = t.experimentByName(u"Default"_s);
    VERIFY_OK(byName);
    QCOMPARE(byName->id, u"0"_s);

    VERIFY_FAILS(t.deleteExperiment(u"0"_s), errorcode::kInvalidParameterValue);
    QCOMPARE(toString(t.experiment(u"0"_s)->lifecycleStage), toString(LifecycleStage::Active));
    VERIFY_OK(t.createRun(u"0"_s, u"ana"_s, u"in default"_s, 1, {}));
}

void TestTrackingStore::setsExperimentTag()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<QString> id = t.createExperiment(u"tagged"_s);
    VERIFY_OK(id);

    VERIFY_OK(t.setExperimentTag(*id, u"owner"_s, u"ana"_s));
    VERIFY_OK(t.setExperimentTag(*id, u"note.text"_s, u"first"_s));
    VERIFY_OK(t.setExperimentTag(*id, u"note.text"_s, u"second"_s)); // tags may change
    QCOMPARE(t.experiment(*id)->tags,
             (KeyValueList{{u"owner"_s, u"ana"_s}, {u"note.text"_s, u"second"_s}}));
    VERIFY_FAILS(t.setExperimentTag(*id, u"bad!key"_s, u"v"_s), errorcode::kInvalidParameterValue);
    VERIFY_FAILS(t.setExperimentTag(*id, QString(), u"v"_s), errorcode::kInvalidParameterValue);
    QCOMPARE(t.experiment(*id)->tags.size(), 2);

    const Result<Page<Experiment>> found =
        t.searchExperiments(ViewType::ActiveOnly, 100, QString(), u"tags.owner = 'ana'"_s);
    VERIFY_OK(found);
    QCOMPARE(namesOf(found->items), QStringList{u"tagged"_s});
}

// ---- runs --------------------------------------------------------------------------------------

void TestTrackingStore::createRunRecordsWhatItIsGiven()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<QString> experiment = t.createExperiment(u"exp"_s);
    VERIFY_OK(experiment);

    const Result<Run> created =
        t.createRun(*experiment, u"ana"_s, u"my-run"_s, 1234, {{u"team"_s, u"vision"_s}});
    VERIFY_OK(created);
    const RunInfo &info = created->info;
    QVERIFY2(QRegularExpression(u"^[0-9a-f]{32}$"_s).match(info.runId).hasMatch(),
             qPrintable(info.runId));
    QCOMPARE(info.experimentId, *experiment);
    QCOMPARE(info.runName, u"my-run"_s);
    QCOMPARE(info.userId, u"ana"_s);
    QCOMPARE(toString(info.status), toString(RunStatus::Running));
    QCOMPARE(info.startTime, std::optional<qint64>(1234));
    QCOMPARE(info.endTime, std::optional<qint64>());
    QCOMPARE(toString(info.lifecycleStage), toString(LifecycleStage::Active));
    QCOMPARE(info.artifactUri, u"mlflow-artifacts:/%1/%2/artifacts"_s.arg(*experiment, info.runId));
    QCOMPARE(created->tags, (KeyValueList{{u"team"_s, u"vision"_s}, {kRunNameTag, u"my-run"_s}}));
    QVERIFY(created->params.isEmpty());
    QVERIFY(created->latestMetrics.isEmpty());

    // Read back as stored, not only as returned.
    const Result<Run> stored = t.run(info.runId);
    VERIFY_OK(stored);
    QCOMPARE(stored->info.runName, u"my-run"_s);
    QCOMPARE(stored->tags, created->tags);

    const Result<Run> another = t.createRun(*experiment, u"ana"_s, u"my-run"_s, 1234, {});
    VERIFY_OK(another);
    QVERIFY(another->info.runId != info.runId);
    VERIFY_FAILS(t.run(u"0123456789abcdef0123456789abcdef"_s), errorcode::kResourceDoesNotExist);
}

void TestTrackingStore::createRunNamesTheRun_data()
{
    QTest::addColumn<QString>("runName");
    QTest::addColumn<Pairs>("tags");
    QTest::addColumn<QString>("expected"); // a pattern

    QTest::newRow("given name") << u"given"_s << Pairs() << u"^given$"_s;
    QTest::newRow("name from the tag")
        << QString() << Pairs{{kRunNameTag, u"from-tag"_s}} << u"^from-tag$"_s;
    QTest::newRow("given name wins over the tag")
        << u"given"_s << Pairs{{kRunNameTag, u"from-tag"_s}} << u"^given$"_s;
    QTest::newRow("generated") << QString() << Pairs{{u"team"_s, u"x"_s}}
                               << u"^[a-z]+-[a-z]+-\\d{1,3}$"_s;
}

void TestTrackingStore::createRunNamesTheRun()
{
    QFETCH(QString, runName);
    QFETCH(Pairs, tags);
    QFETCH(QString, expected);

    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    const Result<Run> created =
        workspace->tracking->createRun(u"0"_s, u"ana"_s, runName, std::nullopt, tags);
    VERIFY_OK(created);
    const Result<Run> stored = workspace->tracking->run(created->info.runId);
    VERIFY_OK(stored);
    const QRegularExpression pattern(expected);
    QVERIFY2(pattern.match(stored->info.runName).hasMatch(), qPrintable(stored->info.runName));
    QCOMPARE(stored->tags.value(kRunNameTag), stored->info.runName);
    QVERIFY(stored->info.startTime.has_value()); // now, when not given
}

void TestTrackingStore::createRunRejectsBadTagsWritingNothing()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    VERIFY_FAILS(t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1, {{u"ok"_s, u"1"_s}, {u"bad?"_s, u"2"_s}}),
                 errorcode::kInvalidParameterValue);
    const Result<Page<Run>> runs = t.searchRuns({u"0"_s}, QString(), ViewType::All, 100, {}, {});
    VERIFY_OK(runs);
    QVERIFY(runs->items.isEmpty());
}

void TestTrackingStore::updatesRun()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"before"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;

    const Result<RunInfo> finished = t.updateRun(id, RunStatus::Finished, 2000);
    VERIFY_OK(finished);
    QCOMPARE(toString(finished->status), toString(RunStatus::Finished));
    QCOMPARE(finished->endTime, std::optional<qint64>(2000));
    QCOMPARE(toString(t.run(id)->info.status), toString(RunStatus::Finished));

    const Result<RunInfo> renamed = t.updateRun(id, std::nullopt, std::nullopt, u"after"_s);
    VERIFY_OK(renamed);
    QCOMPARE(renamed->runName, u"after"_s);
    QCOMPARE(toString(renamed->status),
             toString(RunStatus::Finished)); // unset arguments change nothing
    QCOMPARE(renamed->endTime, std::optional<qint64>(2000));
    QCOMPARE(t.run(id)->tags.value(kRunNameTag), u"after"_s);

    const Result<RunInfo> killed = t.updateRun(id, RunStatus::Killed, std::nullopt);
    VERIFY_OK(killed);
    QCOMPARE(toString(killed->status), toString(RunStatus::Killed));
    QCOMPARE(killed->endTime, std::optional<qint64>(2000));
    QCOMPARE(killed->runName, u"after"_s);
    QCOMPARE(killed->startTime, std::optional<qint64>(1000));

    // Setting the mlflow.runName tag renames the run too, as MLflow clients expect.
    VERIFY_OK(t.logBatch(id, {}, {}, {{kRunNameTag, u"by tag"_s}}));
    QCOMPARE(t.run(id)->info.runName, u"by tag"_s);
    const Result<Page<Run>> found = t.searchRuns({u"0"_s}, u"attributes.run_name = 'by tag'"_s,
                                                 ViewType::ActiveOnly, 10, {}, QString());
    VERIFY_OK(found);
    QCOMPARE(found->items.size(), 1);

    VERIFY_FAILS(t.updateRun(u"ffffffffffffffffffffffffffffffff"_s, RunStatus::Finished, 1),
                 errorcode::kResourceDoesNotExist);
}

void TestTrackingStore::deletedRunRejectsChangesUntilRestored()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {{u"t"_s, u"v"_s}});
    VERIFY_OK(created);
    const QString id = created->info.runId;

    VERIFY_OK(t.deleteRun(id));
    QCOMPARE(toString(t.run(id)->info.lifecycleStage), toString(LifecycleStage::Deleted));
    const QString &invalid = errorcode::kInvalidParameterValue;
    VERIFY_FAILS(t.logBatch(id, {point(u"acc"_s, 1, 0, 1)}, {}, {}), invalid);
    VERIFY_FAILS(t.logBatch(id, {}, {{u"lr"_s, u"1"_s}}, {}), invalid);
    VERIFY_FAILS(t.logBatch(id, {}, {}, {{u"t2"_s, u"v"_s}}), invalid);
    VERIFY_FAILS(t.updateRun(id, RunStatus::Finished, 2000), invalid);
    VERIFY_FAILS(t.deleteTag(id, u"t"_s), invalid);
    const Result<Run> deleted = t.run(id);
    VERIFY_OK(deleted);
    QVERIFY(deleted->params.isEmpty());
    QVERIFY(deleted->latestMetrics.isEmpty());
    QCOMPARE(deleted->tags.value(u"t"_s), u"v"_s);
    QCOMPARE(toString(deleted->info.status), toString(RunStatus::Running));

    VERIFY_OK(t.restoreRun(id));
    QCOMPARE(toString(t.run(id)->info.lifecycleStage), toString(LifecycleStage::Active));
    VERIFY_OK(t.logBatch(id, {point(u"acc"_s, 1, 0, 1)}, {{u"lr"_s, u"1"_s}}, {}));
    QCOMPARE(t.run(id)->params.value(u"lr"_s), u"1"_s);

    const QString unknown = u"ffffffffffffffffffffffffffffffff"_s;
    VERIFY_FAILS(t.deleteRun(unknown), errorcode::kResourceDoesNotExist);
    VERIFY_FAILS(t.restoreRun(unknown), errorcode::kResourceDoesNotExist);
    VERIFY_FAILS(t.logBatch(unknown, {point(u"acc"_s, 1, 0, 1)}, {}, {}),
                 errorcode::kResourceDoesNotExist);
}

void TestTrackingStore::paramsAreImmutable()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;

    VERIFY_OK(t.logBatch(id, {}, {{u"lr"_s, u"0.1"_s}}, {}));
    VERIFY_OK(t.logBatch(id, {}, {{u"lr"_s, u"0.1"_s}}, {})); // the same value again is fine

    const Result<void> changed =
        t.logBatch(id, {point(u"acc"_s, 0.5, 0, 1)}, {{u"fresh"_s, u"1"_s}, {u"lr"_s, u"0.2"_s}},
                   {{u"note"_s, u"n"_s}});
    VERIFY_FAILS(changed, errorcode::kInvalidParameterValue);
    QVERIFY2(changed.errorMessage().contains(u"lr"_s), qPrintable(changed.errorMessage()));

    // Nothing of the rejected batch was written.
    const Result<Run> after = t.run(id);
    VERIFY_OK(after);
    QCOMPARE(after->params, (KeyValueList{{u"lr"_s, u"0.1"_s}}));
    QVERIFY(after->latestMetrics.isEmpty());
    QVERIFY(!after->tags.contains(u"note"_s));
    const Result<Page<MetricPoint>> history = t.metricHistory(id, u"acc"_s, 0, QString());
    VERIFY_OK(history);
    QVERIFY(history->items.isEmpty());
}

void TestTrackingStore::duplicateKeysInOneBatch_data()
{
    QTest::addColumn<Pairs>("params");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<Pairs>("expected");

    QTest::newRow("same value twice")
        << Pairs{{u"a"_s, u"1"_s}, {u"a"_s, u"1"_s}} << true << Pairs{{u"a"_s, u"1"_s}};
    QTest::newRow("different values")
        << Pairs{{u"a"_s, u"1"_s}, {u"b"_s, u"2"_s}, {u"a"_s, u"3"_s}} << false << Pairs();
}

void TestTrackingStore::duplicateKeysInOneBatch()
{
    QFETCH(Pairs, params);
    QFETCH(bool, accepted);
    QFETCH(Pairs, expected);

    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;

    const Result<void> logged = t.logBatch(id, {point(u"acc"_s, 0.5, 0, 1)}, params, {});
    if (accepted)
        VERIFY_OK(logged);
    else
        VERIFY_FAILS(logged, errorcode::kInvalidParameterValue);
    const Result<Run> after = t.run(id);
    VERIFY_OK(after);
    KeyValueList expectedParams;
    for (const auto &[key, value] : expected)
        expectedParams.insert(key, value);
    QCOMPARE(after->params, expectedParams);
    QCOMPARE(after->latestMetrics.size(), accepted ? 1 : 0);
}

void TestTrackingStore::limitsParamValueLength_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("empty") << 0 << true;
    QTest::newRow("at the limit") << kMaxParamValueLength << true;
    QTest::newRow("one over") << kMaxParamValueLength + 1 << false;
}

void TestTrackingStore::limitsParamValueLength()
{
    QFETCH(int, length);
    QFETCH(bool, accepted);

    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString value(length, u'x');

    const Result<void> logged =
        t.logBatch(created->info.runId, {point(u"acc"_s, 1, 0, 1)}, {{u"long"_s, value}}, {});
    if (accepted)
        VERIFY_OK(logged);
    else
        VERIFY_FAILS(logged, errorcode::kInvalidParameterValue);
    const Result<Run> after = t.run(created->info.runId);
    VERIFY_OK(after);
    QCOMPARE(after->params.value(u"long"_s), accepted ? value : QString());
    QCOMPARE(after->latestMetrics.size(), accepted ? 1 : 0);
}

void TestTrackingStore::enforcesBatchLimits_data()
{
    QTest::addColumn<int>("metrics");
    QTest::addColumn<int>("params");
    QTest::addColumn<int>("tags");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("1000 metrics") << 1000 << 0 << 0 << true;
    QTest::newRow("1001 metrics") << 1001 << 0 << 0 << false;
    QTest::newRow("100 params") << 0 << 100 << 0 << true;
    QTest::newRow("101 params") << 0 << 101 << 0 << false;
    QTest::newRow("100 tags") << 0 << 0 << 100 << true;
    QTest::newRow("101 tags") << 0 << 0 << 101 << false;
    QTest::newRow("1000 in all") << 800 << 100 << 100 << true;
    QTest::newRow("1001 in all") << 1000 << 1 << 0 << false;
}

void TestTrackingStore::enforcesBatchLimits()
{
    QFETCH(int, metrics);
    QFETCH(int, params);
    QFETCH(int, tags);
    QFETCH(bool, accepted);

    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;

    QList<MetricPoint> metricList;
    for (int i = 0; i < metrics; ++i)
        metricList.append(point(u"m%1"_s.arg(i), i, 0, 1));
    Pairs paramList;
    for (int i = 0; i < params; ++i)
        paramList.append({u"p%1"_s.arg(i), u"v"_s});
    Pairs tagList;
    for (int i = 0; i < tags; ++i)
        tagList.append({u"t%1"_s.arg(i), u"v"_s});

    const Result<void> logged = t.logBatch(id, metricList, paramList, tagList);
    if (accepted)
        VERIFY_OK(logged);
    else
        VERIFY_FAILS(logged, errorcode::kInvalidParameterValue);

    const Result<Run> after = t.run(id);
    VERIFY_OK(after);
    QCOMPARE(after->latestMetrics.size(), accepted ? metrics : 0);
    QCOMPARE(after->params.size(), accepted ? params : 0);
    QCOMPARE(after->tags.size(), (accepted ? tags : 0) + 1); // + mlflow.runName
}

void TestTrackingStore::validatesKeyNames_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("valid");

    for (const QString &kind : {u"metric"_s, u"param"_s, u"tag"_s}) {
        const QByteArray k = kind.toLatin1();
        QTest::addRow("%s plain", k.constData()) << kind << u"acc_1"_s << true;
        QTest::addRow("%s with slash", k.constData()) << kind << u"eval/acc"_s << true;
        QTest::addRow("%s with dots", k.constData()) << kind << u"val.top.acc"_s << true;
        QTest::addRow("%s with space, dash, colon", k.constData()) << kind << u"a b-c:d"_s << true;
        QTest::addRow("%s empty", k.constData()) << kind << QString() << false;
        QTest::addRow("%s with !", k.constData()) << kind << u"bad!key"_s << false;
        QTest::addRow("%s with ;", k.constData()) << kind << u"semi;colon"_s << false;
        QTest::addRow("%s with quote", k.constData()) << kind << u"it's"_s << false;
        QTest::addRow("%s with ..", k.constData()) << kind << u"a..b"_s << false;
        QTest::addRow("%s going up", k.constData()) << kind << u"../etc"_s << false;
        QTest::addRow("%s with inner newline", k.constData()) << kind << u"a\nb"_s << false;
        // As MLflow: no absolute paths, empty path parts or trailing slashes.
        QTest::addRow("%s absolute", k.constData()) << kind << u"/abs"_s << false;
        QTest::addRow("%s empty path part", k.constData()) << kind << u"a//b"_s << false;
        QTest::addRow("%s trailing slash", k.constData()) << kind << u"a/"_s << false;
    }
}

void TestTrackingStore::validatesKeyNames()
{
    QFETCH(QString, kind);
    QFETCH(QString, key);
    QFETCH(bool, valid);

    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;

    QList<MetricPoint> metrics;
    Pairs params;
    Pairs tags;
    if (kind == u"metric"_s)
        metrics.append(point(key, 1, 0, 1));
    else if (kind == u"param"_s)
        params.append({key, u"v"_s});
    else
        tags.append({key, u"v"_s});
    // Something valid alongside, which must share the invalid entry's fate.
    metrics.append(point(u"companion"_s, 1, 0, 1));

    const Result<void> logged = t.logBatch(id, metrics, params, tags);
    const Result<Run> after = t.run(id);
    VERIFY_OK(after);
    if (valid) {
        VERIFY_OK(logged);
        const bool present = kind == u"metric"_s  ? latest(*after, key).has_value()
                             : kind == u"param"_s ? after->params.contains(key)
                                                  : after->tags.contains(key);
        QVERIFY(present);
        QVERIFY(latest(*after, u"companion"_s));
    } else {
        VERIFY_FAILS(logged, errorcode::kInvalidParameterValue);
        QVERIFY(after->latestMetrics.isEmpty());
        QVERIFY(after->params.isEmpty());
        QCOMPARE(after->tags.keys(), QStringList{kRunNameTag});
    }
}

void TestTrackingStore::keepsNaNAndInfinities()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;

    VERIFY_OK(t.logBatch(id,
                         {point(u"x"_s, kNaN, 0, 1), point(u"x"_s, kInf, 1, 2),
                          point(u"x"_s, -kInf, 2, 3), point(u"nan"_s, kNaN, 0, 1),
                          point(u"pinf"_s, kInf, 0, 1), point(u"ninf"_s, -kInf, 0, 1)},
                         {}, {}));

    const Result<Page<MetricPoint>> history = t.metricHistory(id, u"x"_s, 0, QString());
    VERIFY_OK(history);
    QCOMPARE(history->items.size(), 3);
    QVERIFY(std::isnan(history->items[0].value));
    QVERIFY(std::isinf(history->items[1].value) && history->items[1].value > 0);
    QVERIFY(std::isinf(history->items[2].value) && history->items[2].value < 0);

    const Result<Run> after = t.run(id);
    VERIFY_OK(after);
    const std::optional<MetricPoint> x = latest(*after, u"x"_s);
    QVERIFY(x);
    QCOMPARE(x->step, 2);
    QVERIFY(std::isinf(x->value) && x->value < 0);
    const std::optional<MetricPoint> nan = latest(*after, u"nan"_s);
    QVERIFY(nan);
    QVERIFY(std::isnan(nan->value));
    const std::optional<MetricPoint> pinf = latest(*after, u"pinf"_s);
    QVERIFY(pinf);
    QVERIFY(std::isinf(pinf->value) && pinf->value > 0);
    const std::optional<MetricPoint> ninf = latest(*after, u"ninf"_s);
    QVERIFY(ninf);
    QVERIFY(std::isinf(ninf->value) && ninf->value < 0);

    // Infinities compare as numbers in a search; NaN matches nothing.
    const auto matches = [&](const QString &filter) {
        const Result<Page<Run>> page =
            t.searchRuns({u"0"_s}, filter, ViewType::ActiveOnly, 10, {}, QString());
        return page ? int(page->items.size()) : -1;
    };
    QCOMPARE(matches(u"metrics.pinf > 1e300"_s), 1);
    QCOMPARE(matches(u"metrics.ninf < -1e300"_s), 1);
    QCOMPARE(matches(u"metrics.nan > -1e300"_s), 0);
    QCOMPARE(matches(u"metrics.nan < 1e300"_s), 0);
}

void TestTrackingStore::latestMetricIsHighestStepThenTimestamp_data()
{
    QTest::addColumn<QList<MetricPoint>>("points");
    QTest::addColumn<bool>("separateBatches");
    QTest::addColumn<double>("expected");

    const QList<QPair<const char *, QList<MetricPoint>>> cases = {
        {"higher step logged first",
         {point(u"m"_s, 2, 2, 1), point(u"m"_s, 1, 1, 50), point(u"m"_s, 0, 0, 99)}},
        {"higher step logged last",
         {point(u"m"_s, 0, 0, 99), point(u"m"_s, 1, 1, 50), point(u"m"_s, 2, 2, 1)}},
        {"same step, later timestamp logged first",
         {point(u"m"_s, 1, 3, 100), point(u"m"_s, 9, 3, 50)}},
        {"same step and time, larger value wins",
         {point(u"m"_s, 1, 0, 10), point(u"m"_s, 3, 0, 10), point(u"m"_s, 2, 0, 10)}},
    };
    const QList<double> expected = {2, 2, 1, 3};
    for (qsizetype i = 0; i < cases.size(); ++i) {
        QTest::addRow("%s, one batch", cases[i].first) << cases[i].second << false << expected[i];
        QTest::addRow("%s, one batch each", cases[i].first)
            << cases[i].second << true << expected[i];
    }
}

void TestTrackingStore::latestMetricIsHighestStepThenTimestamp()
{
    QFETCH(QList<MetricPoint>, points);
    QFETCH(bool, separateBatches);
    QFETCH(double, expected);

    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;

    if (separateBatches) {
        for (const MetricPoint &p : points)
            VERIFY_OK(t.logBatch(id, {p}, {}, {}));
    } else {
        VERIFY_OK(t.logBatch(id, points, {}, {}));
    }
    const Result<Run> after = t.run(id);
    VERIFY_OK(after);
    QCOMPARE(after->latestMetrics.size(), 1);
    QCOMPARE(after->latestMetrics[0].value, expected);
    const Result<Page<MetricPoint>> history = t.metricHistory(id, u"m"_s, 0, QString());
    VERIFY_OK(history);
    QCOMPARE(history->items.size(), points.size()); // every point kept
}

namespace {

// Compares one block of an overview with the points of the raw history it stands for.
bool blockMatches(const MetricBlock &block, const MetricSeries &raw, int first, QString *why)
{
    const int end = std::min(int(raw.values.size()), first + metricsummary::kBlockPoints);
    int finite = 0;
    double sum = 0;
    std::optional<int> low, high;
    for (int i = first; i < end; ++i) {
        const double v = raw.values[i];
        if (std::isfinite(v)) {
            ++finite;
            sum += v;
        }
        if (std::isnan(v))
            continue;
        if (!low || v < raw.values[*low])
            low = i;
        if (!high || v > raw.values[*high])
            high = i;
    }
    auto same = [&](const HistoryPoint &p, int i) {
        return p.step == raw.steps[i] && p.timestamp == raw.timestamps[i]
               && (p.value == raw.values[i] || (std::isnan(p.value) && std::isnan(raw.values[i])));
    };
    const QStringList wrong = {
        block.points != end - first ? u"points"_s : QString(),
        block.finitePoints != finite ? u"finite"_s : QString(),
        std::abs(block.finiteSum - sum) > 1e-9 ? u"sum"_s : QString(),
        !same(block.first, first) ? u"first"_s : QString(),
        !same(block.last, end - 1) ? u"last"_s : QString(),
        (block.low.has_value() != low.has_value() || (low && !same(*block.low, *low))) ? u"low"_s
                                                                                       : QString(),
        (block.high.has_value() != high.has_value() || (high && !same(*block.high, *high)))
            ? u"high"_s
            : QString(),
    };
    *why = QStringList(wrong).filter(QRegularExpression(u"."_s)).join(u", "_s);
    return why->isEmpty();
}

} // namespace

void TestTrackingStore::overviewsSummariseLongHistories()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;
    // 1,000 points in batches of 70, each batch shuffled, with NaN, infinities, a dip and a
    // batch logged twice (kept once).
    auto valueAt = [](int step) {
        if (step % 97 == 5)
            return kNaN;
        if (step == 400)
            return kInf;
        if (step == 401)
            return -kInf;
        return step == 640 ? -50.0 : std::sin(step / 10.0) + step / 1000.0;
    };
    for (int first = 0; first < 1000; first += 70) {
        QList<MetricPoint> batch;
        for (int step = std::min(999, first + 69); step >= first; --step)
            batch.append(point(u"loss"_s, valueAt(step), step, 100000 + step));
        VERIFY_OK(t.logBatch(id, batch, {}, {}));
        if (first == 140)
            VERIFY_OK(t.logBatch(id, batch, {}, {}));
    }
    VERIFY_OK(t.logBatch(id, {point(u"short"_s, 1, 0, 1)}, {}, {}));

    const auto raw = t.metricSeries(id, {u"loss"_s});
    VERIFY_OK(raw);
    QCOMPARE(raw->at(0).values.size(), 1000);
    auto checkBlocks = [&](const char *when) {
        const auto overviews = t.metricOverviews(id, {u"loss"_s, u"short"_s, u"never"_s}, 100);
        VERIFY_OK(overviews);
        QCOMPARE(overviews->size(), 3);
        const MetricOverview &loss = overviews->at(0);
        QVERIFY2(loss.summarised(), when);
        QCOMPARE(loss.points, 1000);
        QCOMPARE(loss.blocks.size(),
                 (1000 + metricsummary::kBlockPoints - 1) / metricsummary::kBlockPoints);
        for (int b = 0; b < loss.blocks.size(); ++b) {
            QString why;
            QVERIFY2(
                blockMatches(loss.blocks[b], raw->at(0), b * metricsummary::kBlockPoints, &why),
                qPrintable(
                    u"%1: block %2 differs in %3"_s.arg(QLatin1String(when)).arg(b).arg(why)));
        }
        QVERIFY(!overviews->at(1).summarised());
        QCOMPARE(overviews->at(1).points, 1);
        QCOMPARE(overviews->at(1).whole.values, QList<double>{1});
        QCOMPARE(overviews->at(2).points, 0);
    };
    checkBlocks("as logged");

    // Below the bar, the history comes whole.
    const auto whole = t.metricOverviews(id, {u"loss"_s}, 1000);
    VERIFY_OK(whole);
    QVERIFY(!whole->at(0).summarised());
    QCOMPARE(whole->at(0).whole.steps, raw->at(0).steps);

    // Rebuilt from the points (as the schema migration does), the blocks are the same.
    VERIFY_OK(workspace->store->write([](SQLite::Database &db) { metricsummary::rebuildAll(db); })
                  .result());
    checkBlocks("rebuilt");

    // A point for an earlier step: the blocks no longer fit, and the history is read whole.
    VERIFY_OK(t.logBatch(id, {point(u"loss"_s, 9, 500, 1)}, {}, {}));
    const auto after = t.metricOverviews(id, {u"loss"_s}, 100);
    VERIFY_OK(after);
    QVERIFY(!after->at(0).summarised());
    QCOMPARE(after->at(0).points, 1001);
    QCOMPARE(after->at(0).whole.values.size(), 1001);
}

void TestTrackingStore::listingOfManyRunsReadsWhatEachRunHolds()
{
    // Runs of two experiments interleaved, so a listing of one skips every other run key: long
    // listings read each table in one range scan, short ones run by run, and both must hand out
    // what reading each run alone gives.
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const auto a = t.createExperiment(u"a"_s);
    const auto b = t.createExperiment(u"b"_s);
    VERIFY_OK(a);
    VERIFY_OK(b);
    for (int i = 0; i < 200; ++i) {
        const QString experiment = i % 2 ? *b : *a;
        const auto run = t.createRun(experiment, u"u%1"_s.arg(i % 3), u"run-%1"_s.arg(i), 1000 + i,
                                     {{u"team"_s, i % 4 ? u"x"_s : u"y"_s}});
        VERIFY_OK(run);
        Pairs params{{u"lr"_s, QString::number(i % 5)}, {u"seed"_s, QString::number(i)}};
        if (i % 7 == 0)
            params.append({u"only_some"_s, u"é%1"_s.arg(i)});
        QList<MetricPoint> metrics{point(u"acc"_s, i / 200.0, 1, 5), point(u"acc"_s, 0, 0, 4)};
        if (i % 3 == 0)
            metrics.append(point(u"loss"_s, i % 6 ? kNaN : 1.5, 0, 2));
        VERIFY_OK(t.logBatch(run->info.runId, metrics, params, {}));
    }
    for (const QString &filter : {QString(), u"params.lr = '2'"_s}) {
        const auto listing = t.searchRuns({*a}, filter, ViewType::ActiveOnly, 1000, {}, {});
        VERIFY_OK(listing);
        QCOMPARE(listing->items.size(), filter.isEmpty() ? 100 : 20);
        for (const Run &listed : listing->items) {
            const auto alone = t.run(listed.info.runId);
            VERIFY_OK(alone);
            QCOMPARE(listed.info.runName, alone->info.runName);
            QCOMPARE(listed.info.experimentId, *a);
            QCOMPARE(listed.params, alone->params);
            QCOMPARE(listed.tags, alone->tags);
            QCOMPARE(listed.latestMetrics.size(), alone->latestMetrics.size());
            for (int m = 0; m < listed.latestMetrics.size(); ++m) {
                const MetricPoint &x = listed.latestMetrics.at(m);
                const MetricPoint &y = alone->latestMetrics.at(m);
                QCOMPARE(x.key, y.key);
                QCOMPARE(x.step, y.step);
                QCOMPARE(x.timestamp, y.timestamp);
                QVERIFY(x.value == y.value || (std::isnan(x.value) && std::isnan(y.value)));
            }
            // And what was logged, not merely the same mistakes twice.
            const int i = listed.info.runName.mid(4).toInt();
            QCOMPARE(listed.params.value(u"seed"_s), QString::number(i));
            QCOMPARE(listed.params.contains(u"only_some"_s), i % 7 == 0);
            QCOMPARE(listed.tags.value(u"team"_s), i % 4 ? u"x"_s : u"y"_s);
            QCOMPARE(latest(listed, u"acc"_s)->value, i / 200.0);
            QCOMPARE(latest(listed, u"loss"_s).has_value(), i % 3 == 0);
        }
    }
}

void TestTrackingStore::longListingReadsWhatEachRunHolds()
{
    // A listing of thousands of runs, written straight into the tables in one go (logging 3,000
    // runs one by one takes a while), in the listing's order and with what each run holds.
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const auto a = t.createExperiment(u"a"_s);
    const auto b = t.createExperiment(u"b"_s);
    VERIFY_OK(a);
    VERIFY_OK(b);
    const int runs = 3000;
    VERIFY_OK(
        workspace->store
            ->write([&](SQLite::Database &db) {
                SQLite::Statement run(
                    db, "INSERT INTO runs(run_key, run_uuid, experiment_id, name, user_id, "
                        "status, start_time, artifact_uri) VALUES (?, ?, ?, ?, 'u', "
                        "'FINISHED', ?, '')");
                SQLite::Statement param(db, "INSERT INTO params VALUES (?, ?, ?)");
                SQLite::Statement tag(db, "INSERT INTO tags VALUES (?, 'team', ?)");
                SQLite::Statement metric(db,
                                         "INSERT INTO latest_metrics VALUES (?, 'acc', ?, ?, ?)");
                for (int i = 1; i <= runs; ++i) {
                    // The first 800 alternate between the experiments.
                    const bool inB = i <= 800 && i % 2 == 0;
                    run.bind(1, i);
                    run.bind(2, u"%1"_s.arg(i, 32, 10, QLatin1Char('0')).toStdString());
                    run.bind(3, static_cast<int64_t>((inB ? *b : *a).toLongLong()));
                    run.bind(4, u"run-%1"_s.arg(i).toStdString());
                    run.bind(5, (i * 7919) % 100000);
                    run.exec();
                    run.reset();
                    for (const auto &[key, value] : {std::pair(u"lr"_s, QString::number(i % 5)),
                                                     std::pair(u"seed"_s, QString::number(i))}) {
                        param.bind(1, i);
                        param.bind(2, key.toStdString());
                        param.bind(3, value.toStdString());
                        param.exec();
                        param.reset();
                    }
                    if (i % 3 == 0) {
                        tag.bind(1, i);
                        tag.bind(2, u"t%1"_s.arg(i % 4).toStdString());
                        tag.exec();
                        tag.reset();
                    }
                    metric.bind(1, i);
                    metric.bind(2, i);
                    metric.bind(3, 1000 + i);
                    metric.bind(4, i / double(runs));
                    metric.exec();
                    metric.reset();
                }
            })
            .result());
    const auto listing = t.searchRuns({*a}, QString(), ViewType::ActiveOnly, 5000, {}, {});
    VERIFY_OK(listing);
    QCOMPARE(listing->items.size(), runs - 400);
    qint64 previousStart = std::numeric_limits<qint64>::max();
    for (const Run &listed : listing->items) {
        // Still in the listing's order: newest start first.
        QVERIFY(*listed.info.startTime <= previousStart);
        previousStart = *listed.info.startTime;
        const int i = listed.info.runName.mid(4).toInt();
        QCOMPARE(listed.params.value(u"seed"_s), QString::number(i));
        QCOMPARE(listed.params.value(u"lr"_s), QString::number(i % 5));
        QCOMPARE(listed.tags.value(u"team"_s), i % 3 == 0 ? u"t%1"_s.arg(i % 4) : QString());
        QCOMPARE(listed.latestMetrics.size(), 1);
        QCOMPARE(listed.latestMetrics.first().value, i / double(runs));
        QCOMPARE(listed.latestMetrics.first().step, i);
    }
}

void TestTrackingStore::changeCountersFollowEveryChangeOfRuns()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const auto a = t.createExperiment(u"a"_s);
    const auto b = t.createExperiment(u"b"_s);
    VERIFY_OK(a);
    VERIFY_OK(b);
    auto changes = [&](const QString &experiment) {
        const auto read = workspace->store->read([&](SQLite::Database &db) {
            SQLite::Statement query(db, "SELECT coalesce(sum(changes), 0) FROM run_changes "
                                        "WHERE experiment_id = ?");
            query.bind(1, static_cast<int64_t>(experiment.toLongLong()));
            query.executeStep();
            return query.getColumn(0).getInt64();
        });
        return read ? *read : qint64(-1);
    };
    const auto other = t.createRun(*b, u"u"_s, u"other"_s, 1, {});
    VERIFY_OK(other);
    const qint64 otherBefore = changes(*b);
    QVERIFY(otherBefore > 0);

    qint64 last = changes(*a);
    auto moved = [&]() {
        const qint64 now = changes(*a);
        const bool grew = now > last;
        last = now;
        return grew;
    };
    const auto run = t.createRun(*a, u"u"_s, u"r"_s, 1, {});
    VERIFY_OK(run);
    QVERIFY(moved());
    const QString id = run->info.runId;
    VERIFY_OK(t.logBatch(id, {point(u"acc"_s, 0.5, 0, 1)}, {}, {}));
    QVERIFY(moved());
    VERIFY_OK(t.logBatch(id, {point(u"acc"_s, 0.7, 1, 2)}, {}, {}));
    QVERIFY(moved());
    VERIFY_OK(t.logBatch(id, {}, {{u"lr"_s, u"0.1"_s}}, {}));
    QVERIFY(moved());
    VERIFY_OK(t.logBatch(id, {}, {}, {{u"team"_s, u"x"_s}}));
    QVERIFY(moved());
    VERIFY_OK(t.deleteTag(id, u"team"_s));
    QVERIFY(moved());
    VERIFY_OK(t.updateRun(id, RunStatus::Finished, 5));
    QVERIFY(moved());
    VERIFY_OK(t.deleteRun(id));
    QVERIFY(moved());
    VERIFY_OK(t.restoreRun(id));
    QVERIFY(moved());
    // An older point changes no latest metric, and a rejected batch nothing at all.
    VERIFY_OK(t.logBatch(id, {point(u"acc"_s, 0.1, 0, 0)}, {}, {}));
    QVERIFY(!moved());
    VERIFY_FAILS(t.logBatch(id, {point(u"acc"_s, 0.9, 9, 9)}, {{u"lr"_s, u"0.2"_s}}, {}),
                 errorcode::kInvalidParameterValue);
    QVERIFY(!moved());
    // None of it touched the other experiment's counter.
    QCOMPARE(changes(*b), otherBefore);
}

void TestTrackingStore::metricSeriesMatchesHistory()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;
    VERIFY_OK(t.logBatch(id,
                         {point(u"loss"_s, 2.0, 2, 10), point(u"loss"_s, 0.5, 0, 30),
                          point(u"loss"_s, kNaN, 1, 5), point(u"acc"_s, 0.25, 0, 1),
                          point(u"acc"_s, 0.75, 1, 2), point(u"loss"_s, -1.0, 0, 20)},
                         {}, {}));

    const auto series = t.metricSeries(id, {u"loss"_s, u"never"_s, u"acc"_s});
    VERIFY_OK(series);
    QCOMPARE(series->size(), 3);
    const MetricSeries &loss = series->at(0);
    QCOMPARE(loss.key, u"loss"_s);
    QCOMPARE(loss.steps, (QList<qint64>{0, 0, 1, 2}));
    QCOMPARE(loss.timestamps, (QList<qint64>{20, 30, 5, 10}));
    QCOMPARE(loss.values.size(), 4);
    QCOMPARE(loss.values[0], -1.0);
    QCOMPARE(loss.values[1], 0.5);
    QVERIFY(std::isnan(loss.values[2]));
    QCOMPARE(loss.values[3], 2.0);
    QVERIFY(series->at(1).steps.isEmpty());
    QCOMPARE(series->at(2).values, (QList<double>{0.25, 0.75}));

    // The same points as the paged history, in the same order.
    const auto history = t.metricHistory(id, u"loss"_s, 0, QString());
    VERIFY_OK(history);
    QCOMPARE(history->items.size(), loss.steps.size());
    for (int i = 0; i < loss.steps.size(); ++i) {
        QCOMPARE(history->items[i].step, loss.steps[i]);
        QCOMPARE(history->items[i].timestamp, loss.timestamps[i]);
    }

    const auto ranges = t.metricRanges(id);
    VERIFY_OK(ranges);
    QCOMPARE(ranges->size(), 2);
    QCOMPARE(ranges->value(u"loss"_s).min, -1.0); // NaN left out
    QCOMPARE(ranges->value(u"loss"_s).max, 2.0);
    QCOMPARE(ranges->value(u"acc"_s).min, 0.25);

    VERIFY_FAILS(t.metricSeries(u"no-such-run"_s, {u"loss"_s}), errorcode::kResourceDoesNotExist);
}

void TestTrackingStore::metricHistoryIsOrderedAndPaged()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;

    // Logged out of order, over two batches; another metric in between.
    VERIFY_OK(t.logBatch(
        id,
        {point(u"loss"_s, 2.0, 2, 10), point(u"loss"_s, 0.1, 0, 30), point(u"other"_s, 7, 0, 1)},
        {}, {}));
    VERIFY_OK(t.logBatch(id, {point(u"loss"_s, 1.0, 1, 5), point(u"loss"_s, 0.0, 0, 20)}, {}, {}));

    const auto describe = [](const QList<MetricPoint> &points) {
        QStringList parts;
        for (const MetricPoint &p : points)
            parts.append(u"%1@%2/%3"_s.arg(p.value).arg(p.step).arg(p.timestamp));
        return parts;
    };
    const QStringList ordered{u"0@0/20"_s, u"0.1@0/30"_s, u"1@1/5"_s, u"2@2/10"_s};

    // An identical point logged again is kept once, as in MLflow; NaN included.
    VERIFY_OK(t.logBatch(id, {point(u"loss"_s, 0.0, 0, 20), point(u"nan"_s, kNaN, 0, 1)}, {}, {}));
    VERIFY_OK(t.logBatch(id, {point(u"nan"_s, kNaN, 0, 1)}, {}, {}));
    const Result<Page<MetricPoint>> nan = t.metricHistory(id, u"nan"_s, 0, QString());
    VERIFY_OK(nan);
    QCOMPARE(nan->items.size(), 1);
    QVERIFY(std::isnan(nan->items[0].value));

    const Result<Page<MetricPoint>> all = t.metricHistory(id, u"loss"_s, 0, QString());
    VERIFY_OK(all);
    QCOMPARE(describe(all->items), ordered);
    QVERIFY(all->nextPageToken.isEmpty());
    for (const MetricPoint &p : all->items)
        QCOMPARE(p.key, u"loss"_s);

    const Result<Page<MetricPoint>> first = t.metricHistory(id, u"loss"_s, 3, QString());
    VERIFY_OK(first);
    QCOMPARE(describe(first->items), ordered.mid(0, 3));
    QVERIFY(!first->nextPageToken.isEmpty());
    const Result<Page<MetricPoint>> second =
        t.metricHistory(id, u"loss"_s, 3, first->nextPageToken);
    VERIFY_OK(second);
    QCOMPARE(describe(second->items), ordered.mid(3));
    QVERIFY(second->nextPageToken.isEmpty());

    const Result<Page<MetricPoint>> exact = t.metricHistory(id, u"loss"_s, 4, QString());
    VERIFY_OK(exact);
    QCOMPARE(exact->items.size(), 4);
    QVERIFY(exact->nextPageToken.isEmpty());

    const Result<Page<MetricPoint>> none = t.metricHistory(id, u"never logged"_s, 0, QString());
    VERIFY_OK(none);
    QVERIFY(none->items.isEmpty());
    VERIFY_FAILS(t.metricHistory(u"ffffffffffffffffffffffffffffffff"_s, u"loss"_s, 0, QString()),
                 errorcode::kResourceDoesNotExist);
    VERIFY_FAILS(t.metricHistory(id, u"loss"_s, 3, u"garbage"_s),
                 errorcode::kInvalidParameterValue);
}

void TestTrackingStore::deletesTag()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> created = t.createRun(u"0"_s, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);
    const QString id = created->info.runId;
    VERIFY_OK(t.logBatch(id, {}, {}, {{u"a"_s, u"1"_s}, {u"b"_s, u"2"_s}}));

    VERIFY_OK(t.deleteTag(id, u"a"_s));
    const Result<Run> after = t.run(id);
    VERIFY_OK(after);
    QVERIFY(!after->tags.contains(u"a"_s));
    QCOMPARE(after->tags.value(u"b"_s), u"2"_s);

    VERIFY_FAILS(t.deleteTag(id, u"a"_s), errorcode::kResourceDoesNotExist);
    VERIFY_FAILS(t.deleteTag(id, u"never set"_s), errorcode::kResourceDoesNotExist);
    VERIFY_FAILS(t.deleteTag(u"ffffffffffffffffffffffffffffffff"_s, u"b"_s),
                 errorcode::kResourceDoesNotExist);
    QCOMPARE(t.run(id)->tags.value(u"b"_s), u"2"_s);
}

void TestTrackingStore::failsInterruptedRuns()
{
    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    const Result<Run> running = t.createRun(u"0"_s, u"ana"_s, u"running"_s, 1000, {});
    VERIFY_OK(running);
    const Result<Run> finished = t.createRun(u"0"_s, u"ana"_s, u"finished"_s, 1000, {});
    VERIFY_OK(finished);
    VERIFY_OK(t.updateRun(finished->info.runId, RunStatus::Finished, 777));
    const Result<Run> killed = t.createRun(u"0"_s, u"ana"_s, u"killed"_s, 1000, {});
    VERIFY_OK(killed);
    VERIFY_OK(t.updateRun(killed->info.runId, RunStatus::Killed, 888));
    const Result<Run> alsoRunning = t.createRun(u"0"_s, u"ana"_s, u"also running"_s, 1000, {});
    VERIFY_OK(alsoRunning);

    const Result<int> count = t.failInterruptedRuns();
    VERIFY_OK(count);
    QCOMPARE(*count, 2);
    for (const Result<Run> *interrupted : {&running, &alsoRunning}) {
        const Result<Run> after = t.run((*interrupted)->info.runId);
        VERIFY_OK(after);
        QCOMPARE(toString(after->info.status), toString(RunStatus::Failed));
        QVERIFY(after->info.endTime.has_value());
        QVERIFY(*after->info.endTime > 0);
    }
    const Result<Run> finishedAfter = t.run(finished->info.runId);
    VERIFY_OK(finishedAfter);
    QCOMPARE(toString(finishedAfter->info.status), toString(RunStatus::Finished));
    QCOMPARE(finishedAfter->info.endTime, std::optional<qint64>(777));
    const Result<Run> killedAfter = t.run(killed->info.runId);
    VERIFY_OK(killedAfter);
    QCOMPARE(toString(killedAfter->info.status), toString(RunStatus::Killed));
    QCOMPARE(killedAfter->info.endTime, std::optional<qint64>(888));

    const Result<int> again = t.failInterruptedRuns();
    VERIFY_OK(again);
    QCOMPARE(*again, 0);
}

void TestTrackingStore::mapsRunArtifactDirectory_data()
{
    QTest::addColumn<QString>("artifactLocation"); // {dir}: the workspace's temporary folder
    QTest::addColumn<QString>("expected"); // {root}: the artifact root, {exp}, {run}: the ids

    QTest::newRow("default location") << QString() << u"{root}/{exp}/{run}/artifacts"_s;
    QTest::newRow("mlflow-artifacts URI")
        << u"mlflow-artifacts:/custom/place"_s << u"{root}/custom/place/{run}/artifacts"_s;
    QTest::newRow("file URI") << u"file://{dir}/elsewhere"_s
                              << u"{dir}/elsewhere/{run}/artifacts"_s;
    QTest::newRow("plain path") << u"{dir}/plain"_s << u"{dir}/plain/{run}/artifacts"_s;
}

void TestTrackingStore::mapsRunArtifactDirectory()
{
    QFETCH(QString, artifactLocation);
    QFETCH(QString, expected);

    const auto workspace = openWorkspace();
    QVERIFY(workspace);
    TrackingStore &t = *workspace->tracking;
    QCOMPARE(t.artifactRoot(), workspace->artifactRoot());
    const QString dir = workspace->dir.path();
    const Result<QString> experiment =
        t.createExperiment(u"exp"_s, QString(artifactLocation).replace(u"{dir}"_s, dir));
    VERIFY_OK(experiment);
    const Result<Run> created = t.createRun(*experiment, u"ana"_s, u"r"_s, 1000, {});
    VERIFY_OK(created);

    const Result<QString> directory = t.runArtifactDirectory(created->info.runId);
    VERIFY_OK(directory);
    QCOMPARE(*directory, QDir::cleanPath(expected.replace(u"{root}"_s, workspace->artifactRoot())
                                             .replace(u"{dir}"_s, dir)
                                             .replace(u"{exp}"_s, *experiment)
                                             .replace(u"{run}"_s, created->info.runId)));
    VERIFY_FAILS(t.runArtifactDirectory(u"ffffffffffffffffffffffffffffffff"_s),
                 errorcode::kResourceDoesNotExist);
}

QTEST_GUILESS_MAIN(TestTrackingStore)

#include "tst_trackingstore.moc"
