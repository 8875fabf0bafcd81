// Seed 000's pipeline run through its operators, as the scheduler would run them, in a real
// workspace with the built-in plugins and the embedded Kafka broker: prepare the split, train
// and register the initial model, publish to a topic, drain it, update the model, judge the
// challenger, promote, export to ONNX and archive the batch; and the failures a user meets
// (an empty topic, no champion, a corrupt batch, a cancelled training) each leaving the
// workspace as it was. Also checks the shipped DAG files against the operators' schemas.

#include "core/ml/idx.h"
#include "core/pipeline/fashionsplit.h"
#include "core/pipeline/operatorsupport.h"
#include "core/pipeline/pipelineenvironment.h"
#include "core/pipeline/pipelineoperators.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registrystore.h"
#include "core/streams/batchstore.h"
#include "core/streams/embeddedbroker.h"
#include "core/streams/holdout.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"
#include "plugins/api/messagecodec.h"
#include "testsupport/verify.h"

#include <yaml-cpp/yaml.h>

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include <atomic>
#include <cstdio>
#include <map>

using namespace millrace;
using namespace millrace::pipeline;
using namespace Qt::StringLiterals;

namespace {

// What the scheduler gives a task: params, upstream results, a cancel flag; it records the
// log and the progress.
class TestContext : public plugins::TaskContext
{
public:
    QJsonObject taskParams;
    QMap<QString, QJsonValue> upstream;
    QString workspace;
    QString task = u"task"_s;
    std::atomic_bool cancelled{false};
    // Cancels the task the first time it reports progress at or above this share (-1: never).
    double cancelAtProgress = -1;
    QElapsedTimer cancelClock;
    QStringList lines;
    QList<double> progress;

    QJsonObject params() const override { return taskParams; }
    void log(const QString &line) override
    {
        lines.append(line);
        if (qEnvironmentVariableIntValue("MILLRACE_PIPELINE_TEST_LOG") == 1)
            std::printf("    %8.1f s [%s] %s\n", clock().elapsed() / 1000.0, qPrintable(task),
                        qPrintable(line));
    }
    bool isCancelled() const override { return cancelled; }
    void setProgress(double fraction) override
    {
        progress.append(fraction);
        if (cancelAtProgress >= 0 && fraction >= cancelAtProgress && !cancelled) {
            cancelled = true;
            cancelClock.start();
        }
    }
    QJsonValue upstreamResult(const QString &taskId) const override
    {
        return upstream.value(taskId, QJsonValue(QJsonValue::Undefined));
    }
    QString dagId() const override { return u"test_dag"_s; }
    QString runId() const override { return u"manual__2026-01-01T00:00:00+00:00"_s; }
    QString taskId() const override { return task; }
    int tryNumber() const override { return 1; }
    QDateTime logicalDate() const override
    {
        return QDateTime(QDate(2026, 1, 1), QTime(0, 0), QTimeZone::utc());
    }
    QJsonObject runConfig() const override { return {}; }
    QString workspaceRoot() const override { return workspace; }

    static QElapsedTimer &clock()
    {
        static QElapsedTimer started = [] {
            QElapsedTimer timer;
            timer.start();
            return timer;
        }();
        return started;
    }

    bool logged(const QString &fragment) const
    {
        return std::any_of(lines.begin(), lines.end(),
                           [&](const QString &line) { return line.contains(fragment); });
    }
};

// One image's bytes as a key, to compare datasets as multisets of images.
QByteArray imageKey(const ml::Dataset &data, std::size_t index)
{
    const std::size_t width = data.featureCount();
    const float *begin = data.features.data() + index * width;
    QByteArray bytes(reinterpret_cast<const char *>(begin), qsizetype(width * sizeof(float)));
    bytes += char(data.classLabels[index]);
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha1);
}

// A YAML scalar as the JSON value a DAG file means: quoted text stays text, plain scalars are
// read as YAML 1.2's core schema reads them.
QJsonValue toJson(const YAML::Node &node)
{
    if (!node.IsDefined())
        return QJsonValue(QJsonValue::Undefined);
    if (node.IsMap()) {
        QJsonObject object;
        for (const auto &entry : node)
            object.insert(QString::fromStdString(entry.first.as<std::string>()),
                          toJson(entry.second));
        return object;
    }
    if (node.IsSequence()) {
        QJsonArray array;
        for (const auto &item : node)
            array.append(toJson(item));
        return array;
    }
    if (node.IsNull())
        return QJsonValue();
    const QString text = QString::fromStdString(node.Scalar());
    if (node.Tag() == "!")
        return text;
    if (text == u"true"_s || text == u"false"_s)
        return text == u"true"_s;
    bool ok = false;
    const qint64 integer = text.toLongLong(&ok);
    if (ok)
        return integer;
    const double real = text.toDouble(&ok);
    if (ok)
        return real;
    return text;
}

bool fitsType(const QJsonValue &value, const QString &type)
{
    if (type == u"string"_s)
        return value.isString();
    if (type == u"integer"_s)
        return value.isDouble() && value.toDouble() == double(value.toInteger());
    if (type == u"number"_s)
        return value.isDouble();
    if (type == u"boolean"_s)
        return value.isBool();
    if (type == u"object"_s)
        return value.isObject();
    if (type == u"array"_s)
        return value.isArray();
    return false;
}

} // namespace

class TestPipelineOperators : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Workspace> m_workspace;
    PluginManager m_plugins;
    std::unique_ptr<tracking::TrackingStore> m_tracking;
    std::unique_ptr<registry::RegistryStore> m_registry;
    std::shared_ptr<streams::EmbeddedBroker> m_broker;
    std::unique_ptr<PipelineOperators> m_operators;
    QElapsedTimer m_total;
    QMap<QString, double> m_seconds;

    // Runs operator `id` as task `task` with `params` and the given upstream results.
    plugins::TaskOutcome run(const QString &id, const QJsonObject &params,
                             const QMap<QString, QJsonValue> &upstream = {},
                             TestContext *context = nullptr)
    {
        TestContext local;
        TestContext &used = context ? *context : local;
        used.taskParams = params;
        used.upstream = upstream;
        used.workspace = m_workspace->root();
        if (used.task == u"task"_s)
            used.task = id;
        plugins::TaskOperator *op = m_operators->find(id);
        if (!op)
            qFatal("no operator %s", qPrintable(id));
        QElapsedTimer clock;
        clock.start();
        plugins::TaskOutcome outcome = op->run(used);
        m_seconds[id] += clock.elapsed() / 1000.0;
        return outcome;
    }

    int runCount()
    {
        auto experiments = m_tracking->searchExperiments(tracking::ViewType::All, 1000, QString());
        if (!experiments)
            return -1;
        QStringList ids;
        for (const auto &experiment : std::as_const(experiments->items))
            ids.append(experiment.id);
        auto runs =
            m_tracking->searchRuns(ids, QString(), tracking::ViewType::All, 1000, {}, QString());
        return runs ? int(runs->items.size()) : -1;
    }

    qint64 versionCount(const QString &model)
    {
        auto versions =
            m_registry->searchModelVersions(u"name = '%1'"_s.arg(model), 1000, {}, QString());
        return versions ? versions->items.size() : -1;
    }

    QString resourcesDir() const { return QStringLiteral(MILLRACE_SOURCE_DIR "/resources/dags"); }

    // The prepared split with a test set of 2,000 images instead of 10,000: each judgement
    // scores two models on it, and on two busy cores that is most of the test's time. Tasks
    // get it through their data_dir / replay_dir / test_dir params.
    QString smallDataDir()
    {
        const QDir small(m_dir.filePath(u"small-data"_s));
        if (small.exists(u"t10k-labels-idx1-ubyte.gz"_s))
            return small.path();
        const QDir prepared(preparedSplitDirectory(m_workspace->root()));
        if (!QDir().mkpath(small.path()))
            qFatal("cannot create %s", qPrintable(small.path()));
        for (const QString &name :
             {u"train-images-idx3-ubyte.gz"_s, u"train-labels-idx1-ubyte.gz"_s})
            QFile::link(prepared.filePath(name), small.filePath(name));
        for (const QString &name :
             {u"t10k-images-idx3-ubyte.gz"_s, u"t10k-labels-idx1-ubyte.gz"_s}) {
            auto array = ml::readIdxFile(prepared.filePath(name).toStdString());
            if (!array)
                qFatal("%s", array.error().message.c_str());
            std::size_t width = 1;
            for (std::size_t d = 1; d < array->dimensions.size(); ++d)
                width *= array->dimensions[d];
            array->dimensions[0] = 2000;
            array->data.resize(2000 * width);
            if (auto written = ml::writeIdxFile(small.filePath(name).toStdString(), *array,
                                                ml::IdxCompression::Gzip);
                !written)
                qFatal("%s", written.error().message.c_str());
        }
        return small.path();
    }

private Q_SLOTS:
    void initTestCase();
    void schemasAreWellFormed();
    void badParamsFailNamingTheParam_data();
    void badParamsFailNamingTheParam();
    void shippedDagsMatchTheOperators_data();
    void shippedDagsMatchTheOperators();
    void nothingWorksBeforeTheDataIsPrepared();
    void drainOfAnEmptyTopicIsSkipped();
    void updateWithoutAChampionFails();
    void preparedSplitKeepsTheHoldoutOut();
    void seedPipelineEndToEnd();
    void aKeptChampionSkipsPromotion();
    void aCorruptBatchFailsBeforeAnyRun();
    void cancellingMidTrainingStopsPromptly();
    void aSessionProvidesTheEnvironment();
    void shippedInitialTrainingIsFastAndGood();
    void cleanupTestCase();
};

void TestPipelineOperators::initTestCase()
{
    m_total.start();
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    auto workspace = Workspace::open(m_dir.filePath(u"workspace"_s));
    VERIFY_OK(workspace);
    m_workspace = std::move(*workspace);
    m_plugins.load({QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)});
    m_tracking = std::make_unique<tracking::TrackingStore>(m_workspace->store(),
                                                           m_workspace->artifactsDir());
    m_registry = std::make_unique<registry::RegistryStore>(m_workspace->store(), *m_tracking,
                                                           m_workspace->modelsDir());
    auto broker = streams::EmbeddedBroker::start(1);
    VERIFY_OK(broker);
    m_broker = *broker;
    std::shared_ptr<streams::EmbeddedBroker> brokerRef = m_broker;
    PipelineEnvironment environment{*m_workspace,
                                    *m_tracking,
                                    *m_registry,
                                    training::pluginArchitectures(m_plugins),
                                    m_plugins,
                                    [brokerRef]() -> Result<streams::ClusterEndpoint> {
                                        return brokerRef->endpoint(); }};
    QVERIFY2(environment.architectures("image-cnn"),
             "image-cnn not in " MILLRACE_BUILTIN_PLUGIN_DIR);
    QVERIFY2(m_plugins.find<plugins::MessageCodec>(u"json-codec"_s),
             "json-codec not in " MILLRACE_BUILTIN_PLUGIN_DIR);
    m_operators = std::make_unique<PipelineOperators>(std::move(environment));
}

void TestPipelineOperators::schemasAreWellFormed()
{
    const QStringList expected{
        u"prepare_data"_s, u"train_initial_model"_s, u"register_model"_s,      u"publish_samples"_s,
        u"drain_topic"_s,  u"update_model"_s,        u"evaluate_and_decide"_s, u"promote"_s,
        u"export_onnx"_s,  u"archive_batch"_s};
    QCOMPARE(m_operators->ids(), expected);
    const QStringList types{u"string"_s,  u"integer"_s, u"number"_s,
                            u"boolean"_s, u"object"_s,  u"array"_s};
    for (const QString &id : expected) {
        const QJsonObject schema = m_operators->find(id)->parameterSchema();
        QCOMPARE(schema.value(u"type"_s).toString(), u"object"_s);
        QCOMPARE(schema.value(u"additionalProperties"_s), QJsonValue(false));
        const QJsonObject properties = schema.value(u"properties"_s).toObject();
        QVERIFY2(!properties.isEmpty(), qPrintable(id));
        for (auto it = properties.begin(); it != properties.end(); ++it) {
            const QJsonObject property = it.value().toObject();
            QVERIFY2(types.contains(property.value(u"type"_s).toString()),
                     qPrintable(id + u"."_s + it.key()));
            QVERIFY2(!property.value(u"description"_s).toString().isEmpty(),
                     qPrintable(id + u"."_s + it.key()));
            const QStringList allowedKeys{u"type"_s, u"description"_s, u"enum"_s, u"minimum"_s,
                                          u"maximum"_s};
            for (const QString &key : property.keys())
                QVERIFY2(allowedKeys.contains(key), qPrintable(id + u"."_s + key));
        }
        for (const QJsonValue &name : schema.value(u"required"_s).toArray())
            QVERIFY(properties.contains(name.toString()));
    }
}

void TestPipelineOperators::badParamsFailNamingTheParam_data()
{
    QTest::addColumn<QString>("op");
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown") << u"drain_topic"_s << QJsonObject{{u"topc"_s, u"x"_s}}
                             << u"unknown param \"topc\""_s;
    QTest::newRow("string for integer")
        << u"publish_samples"_s << QJsonObject{{u"count"_s, u"500"_s}}
        << u"param \"count\": expected an integer, got a string \"500\""_s;
    QTest::newRow("fraction for integer")
        << u"train_initial_model"_s << QJsonObject{{u"epochs"_s, 1.5}}
        << u"param \"epochs\": expected an integer"_s;
    QTest::newRow("below minimum") << u"publish_samples"_s << QJsonObject{{u"count"_s, 0}}
                                   << u"param \"count\": 0 is below the minimum 1"_s;
    QTest::newRow("not in enum") << u"register_model"_s
                                 << QJsonObject{{u"stage"_s, u"Prod"_s}, {u"run_id"_s, u"x"_s}}
                                 << u"param \"stage\": \"Prod\" is not one of None"_s;
}

void TestPipelineOperators::badParamsFailNamingTheParam()
{
    QFETCH(QString, op);
    QFETCH(QJsonObject, params);
    QFETCH(QString, message);
    const plugins::TaskOutcome outcome = run(op, params);
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.contains(message), qPrintable(outcome.error));
}

void TestPipelineOperators::shippedDagsMatchTheOperators_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("trainingTasks");
    QTest::newRow("initial_model") << u"initial_model.yaml"_s << QStringList{u"train"_s};
    QTest::newRow("stream") << u"stream.yaml"_s << QStringList{};
    QTest::newRow("update_model") << u"update_model.yaml"_s << QStringList{u"update"_s};
}

void TestPipelineOperators::shippedDagsMatchTheOperators()
{
    // The scheduler's DAG parser checks the same; this catches a typo in the shipped files
    // against the operators' own schemas without it.
    QFETCH(QString, file);
    QFETCH(QStringList, trainingTasks);
    const QString path = QDir(resourcesDir()).filePath(file);
    YAML::Node dag;
    try {
        dag = YAML::LoadFile(path.toStdString());
    } catch (const YAML::Exception &error) {
        QFAIL(qPrintable(path + u": "_s + QString::fromStdString(error.what())));
    }
    QCOMPARE(QString::fromStdString(dag["dag_id"].as<std::string>()), file.section(u'.', 0, 0));
    const QJsonObject config = toJson(dag["params"]).toObject();
    QStringList seen;
    for (const auto &task : dag["tasks"]) {
        const QString id = QString::fromStdString(task["id"].as<std::string>());
        const QString operatorId = QString::fromStdString(task["operator"].as<std::string>());
        PipelineOperator *op = m_operators->find(operatorId);
        QVERIFY2(op, qPrintable(u"%1: task %2: unknown operator %3"_s.arg(file, id, operatorId)));
        if (task["upstream"]) {
            for (const auto &upstream : task["upstream"])
                QVERIFY2(seen.contains(QString::fromStdString(upstream.as<std::string>())),
                         qPrintable(u"%1: task %2 lists an unknown upstream"_s.arg(file, id)));
        }
        const QJsonObject schema = op->parameterSchema();
        const QJsonObject properties = schema.value(u"properties"_s).toObject();
        const QJsonObject params = toJson(task["params"]).toObject();
        for (auto it = params.begin(); it != params.end(); ++it) {
            const QString where = u"%1: task %2: param %3"_s.arg(file, id, it.key());
            QVERIFY2(properties.contains(it.key()), qPrintable(where + u" is unknown"_s));
            QJsonValue value = it.value();
            const QString text = value.toString();
            if (text.startsWith(u"{{ conf."_s)) {
                // A DAG-level default stands in for the run config.
                const QString key = text.mid(8).section(u' ', 0, 0);
                QVERIFY2(config.contains(key),
                         qPrintable(where + u": no default for conf."_s + key));
                value = config.value(key);
            } else if (text.startsWith(u"{{ xcom."_s)) {
                const QString upstream = text.mid(8).section(u'.', 0, 0);
                QVERIFY2(seen.contains(upstream), qPrintable(where + u": xcom of a later task"_s));
                continue;
            }
            const QJsonObject property = properties.value(it.key()).toObject();
            QVERIFY2(
                fitsType(value, property.value(u"type"_s).toString()),
                qPrintable(where + u" is not of type "_s + property.value(u"type"_s).toString()));
            if (property.contains(u"enum"_s))
                QVERIFY2(property.value(u"enum"_s).toArray().contains(value),
                         qPrintable(where + u" is not an allowed value"_s));
        }
        for (const QJsonValue &required : schema.value(u"required"_s).toArray())
            QVERIFY2(params.contains(required.toString()),
                     qPrintable(u"%1: task %2 lacks %3"_s.arg(file, id, required.toString())));
        const QString pool =
            task["pool"] ? QString::fromStdString(task["pool"].as<std::string>()) : QString();
        QCOMPARE(pool == u"training"_s, trainingTasks.contains(id));
        seen.append(id);
    }
    QVERIFY(!seen.isEmpty());
}

void TestPipelineOperators::nothingWorksBeforeTheDataIsPrepared()
{
    plugins::TaskOutcome outcome = run(u"train_initial_model"_s, {});
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.contains(u"run prepare_data first"_s), qPrintable(outcome.error));
    QCOMPARE(runCount(), 0);

    outcome = run(u"prepare_data"_s, {{u"source_dir"_s, m_dir.filePath(u"nowhere"_s)}});
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.contains(u"train-images-idx3-ubyte.gz is missing"_s),
             qPrintable(outcome.error));
    QVERIFY(!QFileInfo::exists(preparedSplitDirectory(m_workspace->root())));
}

void TestPipelineOperators::drainOfAnEmptyTopicIsSkipped()
{
    VERIFY_OK(m_broker->createTopic(u"quiet"_s, 2));
    TestContext context;
    plugins::TaskOutcome outcome = run(u"drain_topic"_s, {{u"topic"_s, u"quiet"_s}}, {}, &context);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QVERIFY(outcome.skipped);
    QVERIFY2(outcome.error.contains(u"only 0 new messages on 'quiet'"_s),
             qPrintable(outcome.error));
    QVERIFY(context.logged(u"skipped: only 0 new messages"_s));

    outcome = run(u"drain_topic"_s, {{u"topic"_s, u"never-created"_s}});
    QVERIFY(outcome.ok && outcome.skipped);
    QVERIFY2(outcome.error.contains(u"does not exist"_s), qPrintable(outcome.error));

    auto batches = streams::BatchStore::forWorkspace(m_workspace->root()).list();
    VERIFY_OK(batches);
    QVERIFY(batches->empty());
}

void TestPipelineOperators::updateWithoutAChampionFails()
{
    plugins::TaskOutcome outcome = run(u"update_model"_s, {{u"batch_id"_s, u"some-batch"_s}});
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.contains(u"there is no registered model 'fashion-mnist'"_s),
             qPrintable(outcome.error));
    // No batch named and no drain upstream: says where the batch should come from.
    outcome = run(u"update_model"_s, {});
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.contains(u"drain_topic task 'drain'"_s), qPrintable(outcome.error));
    QCOMPARE(runCount(), 0);
}

void TestPipelineOperators::preparedSplitKeepsTheHoldoutOut()
{
    plugins::TaskOutcome outcome = run(u"prepare_data"_s, {});
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    const QJsonObject result = outcome.result.toObject();
    QCOMPARE(result.value(u"train"_s).toInteger(), 54000);
    QCOMPARE(result.value(u"test"_s).toInteger(), 10000);
    QCOMPARE(result.value(u"holdout"_s).toInteger(), 6000);
    QCOMPARE(result.value(u"seed"_s).toInteger(), qint64(streams::kHoldoutSplitSeed));
    QCOMPARE(result.value(u"reused"_s).toBool(), false);

    // The training part and the stream's holdout together are the package's training images,
    // each image exactly once: nothing the stream publishes was trained on.
    const std::string prepared = preparedSplitDirectory(m_workspace->root()).toStdString();
    auto train = ml::readFashionMnist(prepared, ml::FashionMnistPart::Train);
    QVERIFY(train.hasValue());
    auto full =
        ml::readFashionMnist(ml::fashionMnistDefaultDirectory(), ml::FashionMnistPart::Train);
    QVERIFY(full.hasValue());
    auto holdout = streams::loadFashionMnistHoldout();
    VERIFY_OK(holdout);
    std::map<QByteArray, int> counts;
    for (std::size_t i = 0; i < full->size(); ++i)
        ++counts[imageKey(*full, i)];
    for (const ml::Dataset *part : {static_cast<const ml::Dataset *>(&*train), holdout->get()}) {
        for (std::size_t i = 0; i < part->size(); ++i)
            --counts[imageKey(*part, i)];
    }
    for (const auto &[key, count] : counts)
        QVERIFY2(count == 0, "the prepared split and the holdout do not partition the images");
    auto test = ml::readFashionMnist(prepared, ml::FashionMnistPart::Test);
    QVERIFY(test.hasValue());
    QCOMPARE(test->size(), std::size_t(10000));

    // A second run keeps what is there.
    outcome = run(u"prepare_data"_s, {});
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QCOMPARE(outcome.result.toObject().value(u"reused"_s).toBool(), true);
}

void TestPipelineOperators::seedPipelineEndToEnd()
{
    const QString model = u"fashion-mnist"_s;
    // 1. The initial model, small: the demo's own size is timed in
    // shippedInitialTrainingIsFastAndGood.
    const QString data = smallDataDir();
    plugins::TaskOutcome train = run(u"train_initial_model"_s, {{u"train_limit"_s, 4000},
                                                                {u"epochs"_s, 1},
                                                                {u"run_name"_s, u"initial"_s},
                                                                {u"data_dir"_s, data}});
    QVERIFY2(train.ok, qPrintable(train.error));
    const QString initialRun = train.result.toObject().value(u"run_id"_s).toString();
    const double initialAccuracy = train.result.toObject().value(u"test_accuracy"_s).toDouble();
    std::printf("initial model: test accuracy %.4f\n", initialAccuracy);
    QVERIFY2(initialAccuracy > 0.6, qPrintable(QString::number(initialAccuracy)));
    auto initial = m_tracking->run(initialRun);
    VERIFY_OK(initial);
    QVERIFY(initial->info.status == tracking::RunStatus::Finished);
    QCOMPARE(initial->tags.value(u"millrace.dag_id"_s), u"test_dag"_s);

    // 2. Registered as the Production champion, from the upstream result.
    TestContext registerContext;
    registerContext.task = u"register"_s;
    plugins::TaskOutcome registered =
        run(u"register_model"_s, {{u"stage"_s, u"Production"_s}, {u"alias"_s, u"champion"_s}},
            {{u"train"_s, train.result}}, &registerContext);
    QVERIFY2(registered.ok, qPrintable(registered.error));
    QCOMPARE(registered.result.toObject().value(u"version"_s).toInteger(), 1);
    QCOMPARE(registered.result.toObject().value(u"stage"_s).toString(), u"Production"_s);
    auto champion = m_registry->versionByAlias(model, u"champion"_s);
    VERIFY_OK(champion);
    QCOMPARE(champion->version, 1);
    QCOMPARE(champion->runId, initialRun);
    QVERIFY(QFileInfo::exists(champion->directory + u"/model.json"_s));
    // A retry of the same task finds the version instead of adding one.
    registered =
        run(u"register_model"_s, {{u"stage"_s, u"Production"_s}, {u"alias"_s, u"champion"_s}},
            {{u"train"_s, train.result}});
    QVERIFY2(registered.ok, qPrintable(registered.error));
    QCOMPARE(registered.result.toObject().value(u"version"_s).toInteger(), 1);
    QCOMPARE(versionCount(model), 1);

    // 3. The stream: 300 records to a topic that does not exist yet.
    plugins::TaskOutcome published =
        run(u"publish_samples"_s, {{u"topic"_s, u"fashion-stream"_s}, {u"count"_s, 300}});
    QVERIFY2(published.ok, qPrintable(published.error));
    QCOMPARE(published.result.toObject().value(u"published"_s).toInteger(), 300);

    // 4. The drain: all 300 into one batch, with its offsets.
    plugins::TaskOutcome drained =
        run(u"drain_topic"_s, {{u"topic"_s, u"fashion-stream"_s}, {u"min_messages"_s, 200}});
    QVERIFY2(drained.ok && !drained.skipped, qPrintable(drained.error));
    const QJsonObject batch = drained.result.toObject();
    const QString batchId = batch.value(u"batch_id"_s).toString();
    QVERIFY(!batchId.isEmpty());
    QCOMPARE(batch.value(u"samples"_s).toInteger(), 300);
    QCOMPARE(batch.value(u"dead_letters"_s).toInteger(), 0);
    const QJsonArray partitions = batch.value(u"partitions"_s).toArray();
    QCOMPARE(partitions.size(), 1);
    QCOMPARE(partitions.first()[u"first_offset"_s].toInteger(), 0);
    QCOMPARE(partitions.first()[u"last_offset"_s].toInteger(), 299);
    QVERIFY(QFileInfo::exists(QDir(m_workspace->incomingDataDir()).filePath(batchId)));
    // Drained once: nothing new for the group now.
    plugins::TaskOutcome again =
        run(u"drain_topic"_s, {{u"topic"_s, u"fashion-stream"_s}, {u"min_messages"_s, 200}});
    QVERIFY(again.ok && again.skipped);
    QVERIFY2(again.error.contains(u"only 0 new messages"_s), qPrintable(again.error));

    // 5. The update: a challenger registered from its own run.
    TestContext updateContext;
    updateContext.task = u"update"_s;
    plugins::TaskOutcome updated =
        run(u"update_model"_s, {{u"epochs"_s, 1}, {u"replay_dir"_s, data}},
            {{u"drain"_s, drained.result}}, &updateContext);
    QVERIFY2(updated.ok, qPrintable(updated.error));
    const QJsonObject update = updated.result.toObject();
    const QString updateRun = update.value(u"run_id"_s).toString();
    QCOMPARE(update.value(u"version"_s).toInteger(), 2);
    QCOMPARE(update.value(u"champion"_s).toInteger(), 1);
    QCOMPARE(update.value(u"new_samples"_s).toInteger(), 300);
    QCOMPARE(update.value(u"replay_samples"_s).toInteger(), 300);
    std::printf("update: test accuracy %.4f\n", update.value(u"test_accuracy"_s).toDouble());
    auto challenger = m_registry->modelVersion(model, 2);
    VERIFY_OK(challenger);
    QVERIFY(challenger->stage == registry::Stage::None);
    QCOMPARE(challenger->runId, updateRun);
    auto run2 = m_tracking->run(updateRun);
    VERIFY_OK(run2);
    QVERIFY(run2->info.status == tracking::RunStatus::Finished);
    QCOMPARE(run2->params.value(u"batch_id"_s), batchId);
    QCOMPARE(run2->params.value(u"champion_version"_s), u"1"_s);

    // 6. The judgement, recorded in the registry's history with its reason.
    plugins::TaskOutcome judged =
        run(u"evaluate_and_decide"_s, {{u"test_dir"_s, data}}, {{u"update"_s, updated.result}});
    QVERIFY2(judged.ok, qPrintable(judged.error));
    const QJsonObject decision = judged.result.toObject();
    const bool promoted = decision.value(u"promoted"_s).toBool();
    const QString reason = decision.value(u"reason"_s).toString();
    std::printf("decision: %s\n", qPrintable(reason));
    QCOMPARE(decision.value(u"champion"_s).toInteger(), 1);
    QCOMPARE(decision.value(u"challenger"_s).toInteger(), 2);
    QVERIFY(reason.contains(u"v2 against champion v1"_s));
    auto history = m_registry->history(model);
    VERIFY_OK(history);
    const bool recorded = std::any_of(history->begin(), history->end(), [&](const auto &event) {
        return event.kind == registry::EventKind::Decision && event.version == 2
               && event.reason == reason;
    });
    QVERIFY2(recorded, "the verdict is not in the registry's history");
    run2 = m_tracking->run(updateRun);
    VERIFY_OK(run2);
    QCOMPARE(run2->tags.value(u"millrace.promoted"_s), promoted ? u"true"_s : u"false"_s);

    // 7. Promotion follows the decision.
    TestContext promoteContext;
    promoteContext.task = u"promote"_s;
    plugins::TaskOutcome promotion =
        run(u"promote"_s, {}, {{u"evaluate"_s, judged.result}}, &promoteContext);
    QVERIFY2(promotion.ok, qPrintable(promotion.error));
    QCOMPARE(promotion.skipped, !promoted);
    const qint64 championVersion = promoted ? 2 : 1;
    champion = m_registry->versionByAlias(model, u"champion"_s);
    VERIFY_OK(champion);
    QCOMPARE(champion->version, championVersion);
    QVERIFY(champion->stage == registry::Stage::Production);
    auto first = m_registry->modelVersion(model, 1);
    VERIFY_OK(first);
    QVERIFY(first->stage == (promoted ? registry::Stage::Archived : registry::Stage::Production));

    // 8. The champion exported next to its version.
    plugins::TaskOutcome exported = run(u"export_onnx"_s, {});
    QVERIFY2(exported.ok, qPrintable(exported.error));
    QCOMPARE(exported.result.toObject().value(u"version"_s).toInteger(), championVersion);
    const QString onnx = QDir(champion->directory).filePath(u"model.onnx"_s);
    QCOMPARE(exported.result.toObject().value(u"path"_s).toString(), onnx);
    QVERIFY(QFileInfo(onnx).size() > 1000);

    // 9. The batch archived with the run that used it.
    plugins::TaskOutcome archived = run(u"archive_batch"_s, {}, {{u"update"_s, updated.result}});
    QVERIFY2(archived.ok && !archived.skipped, qPrintable(archived.error));
    QVERIFY(!QFileInfo::exists(QDir(m_workspace->incomingDataDir()).filePath(batchId)));
    QVERIFY(QFileInfo::exists(QDir(m_workspace->usedDataDir()).filePath(batchId)));
    auto manifest = streams::BatchStore::forWorkspace(m_workspace->root()).manifest(batchId);
    VERIFY_OK(manifest);
    QCOMPARE(manifest->usedByRun, updateRun);
    // A retry is harmless; nothing to archive when the drain found nothing.
    archived = run(u"archive_batch"_s, {}, {{u"update"_s, updated.result}});
    QVERIFY2(archived.ok && !archived.skipped, qPrintable(archived.error));
    archived = run(u"archive_batch"_s, {});
    QVERIFY(archived.ok && archived.skipped);
}

void TestPipelineOperators::aKeptChampionSkipsPromotion()
{
    // A rule no challenger can meet (an accuracy better by 1.0) keeps the champion: the
    // verdict says why, promote skips with that reason, and the batch is archived anyway. The
    // update replays from and is scored on the prepared split, its defaults.
    const QString model = u"fashion-mnist"_s;
    auto before = m_registry->versionByAlias(model, u"champion"_s);
    VERIFY_OK(before);
    plugins::TaskOutcome published =
        run(u"publish_samples"_s, {{u"topic"_s, u"fashion-stream"_s}, {u"count"_s, 200}});
    QVERIFY2(published.ok, qPrintable(published.error));
    plugins::TaskOutcome drained = run(u"drain_topic"_s, {{u"topic"_s, u"fashion-stream"_s}});
    QVERIFY2(drained.ok && !drained.skipped, qPrintable(drained.error));
    QCOMPARE(drained.result.toObject().value(u"samples"_s).toInteger(), 200);
    QCOMPARE(drained.result.toObject()
                 .value(u"partitions"_s)
                 .toArray()
                 .first()[u"first_offset"_s]
                 .toInteger(),
             300);
    plugins::TaskOutcome updated =
        run(u"update_model"_s, {{u"epochs"_s, 1}}, {{u"drain"_s, drained.result}});
    QVERIFY2(updated.ok, qPrintable(updated.error));
    const qint64 loser = updated.result.toObject().value(u"version"_s).toInteger();
    plugins::TaskOutcome judged = run(
        u"evaluate_and_decide"_s, {{u"min_improvement"_s, 1.0}, {u"test_dir"_s, smallDataDir()}},
        {{u"update"_s, updated.result}});
    QVERIFY2(judged.ok, qPrintable(judged.error));
    QCOMPARE(judged.result.toObject().value(u"promoted"_s).toBool(), false);
    const QString reason = judged.result.toObject().value(u"reason"_s).toString();
    QVERIFY2(reason.contains(u"v%1 against champion v%2"_s.arg(loser).arg(before->version)),
             qPrintable(reason));

    TestContext promoteContext;
    plugins::TaskOutcome promotion =
        run(u"promote"_s, {}, {{u"evaluate"_s, judged.result}}, &promoteContext);
    QVERIFY(promotion.ok && promotion.skipped);
    QVERIFY2(promotion.error.contains(reason), qPrintable(promotion.error));
    QVERIFY(promoteContext.logged(u"skipped: the decision kept the champion"_s));
    auto after = m_registry->versionByAlias(model, u"champion"_s);
    VERIFY_OK(after);
    QCOMPARE(after->version, before->version);
    auto lost = m_registry->modelVersion(model, loser);
    VERIFY_OK(lost);
    QVERIFY(lost->stage == registry::Stage::None);
    // The batch is archived all the same.
    plugins::TaskOutcome archived = run(u"archive_batch"_s, {}, {{u"update"_s, updated.result}});
    QVERIFY2(archived.ok && !archived.skipped, qPrintable(archived.error));
}

void TestPipelineOperators::aCorruptBatchFailsBeforeAnyRun()
{
    plugins::TaskOutcome published =
        run(u"publish_samples"_s, {{u"topic"_s, u"fashion-stream"_s}, {u"count"_s, 50}});
    QVERIFY2(published.ok, qPrintable(published.error));
    plugins::TaskOutcome drained = run(u"drain_topic"_s, {{u"topic"_s, u"fashion-stream"_s}});
    QVERIFY2(drained.ok && !drained.skipped, qPrintable(drained.error));
    const QString batchId = drained.result.toObject().value(u"batch_id"_s).toString();
    QFile features(QDir(m_workspace->incomingDataDir()).filePath(batchId + u"/features.f32"_s));
    QVERIFY(features.open(QIODevice::ReadWrite));
    QVERIFY(features.resize(features.size() / 2));
    features.close();

    const int runs = runCount();
    const qint64 versions = versionCount(u"fashion-mnist"_s);
    plugins::TaskOutcome updated =
        run(u"update_model"_s, {{u"epochs"_s, 1}}, {{u"drain"_s, drained.result}});
    QVERIFY(!updated.ok);
    QVERIFY2(updated.error.contains(u"batch %1 cannot be used"_s.arg(batchId))
                 && updated.error.contains(u"features.f32"_s),
             qPrintable(updated.error));
    QCOMPARE(runCount(), runs);
    QCOMPARE(versionCount(u"fashion-mnist"_s), versions);
    // Left where it was, for a look.
    QVERIFY(QFileInfo::exists(QDir(m_workspace->incomingDataDir()).filePath(batchId)));
}

void TestPipelineOperators::cancellingMidTrainingStopsPromptly()
{
    TestContext context;
    // Cancelled a few batches in; the data comes from the prepared split, the default.
    context.cancelAtProgress = 0.01;
    plugins::TaskOutcome outcome =
        run(u"train_initial_model"_s,
            {{u"train_limit"_s, 6000}, {u"epochs"_s, 2}, {u"run_name"_s, u"cancelled"_s}}, {},
            &context);
    const qint64 afterCancel = context.cancelClock.isValid() ? context.cancelClock.elapsed() : -1;
    std::printf("training stopped %lld ms after the cancel\n", static_cast<long long>(afterCancel));
    QVERIFY2(context.cancelClock.isValid(), "the training never reported progress");
    QVERIFY(!outcome.ok);
    QVERIFY2(outcome.error.contains(u"cancelled"_s), qPrintable(outcome.error));
    // One batch and the end of the run, not the rest of an epoch (a minute on busy cores).
    QVERIFY2(afterCancel < 5000, qPrintable(QString::number(afterCancel)));
    // The run says KILLED and has no model to register.
    auto runs = m_tracking->searchRuns({m_tracking->experimentByName(u"fashion-mnist"_s)->id},
                                       u"attributes.run_name = 'cancelled'"_s,
                                       tracking::ViewType::All, 10, {}, QString());
    VERIFY_OK(runs);
    QCOMPARE(runs->items.size(), 1);
    QVERIFY(runs->items.first().info.status == tracking::RunStatus::Killed);
    plugins::TaskOutcome registered =
        run(u"register_model"_s,
            {{u"model"_s, u"never"_s}, {u"run_id"_s, runs->items.first().info.runId}});
    QVERIFY(!registered.ok);
    QVERIFY2(registered.error.contains(u"is KILLED, not FINISHED"_s), qPrintable(registered.error));
    QVERIFY(!m_registry->registeredModel(u"never"_s));
}

void TestPipelineOperators::aSessionProvidesTheEnvironment()
{
    // What the app hands the operators: the session's stores and plugins, and the cluster of
    // its streams service once that has connected (its embedded broker here).
    SessionOptions options;
    options.pluginDirs = {QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)};
    options.trackingServer = false;
    auto session = Session::open(m_dir.filePath(u"session"_s), options);
    VERIFY_OK(session);
    PipelineEnvironment environment = pipelineEnvironment(**session);
    QCOMPARE(&environment.workspace, &(*session)->workspace());
    QCOMPARE(&environment.registry, &(*session)->registry());
    QVERIFY(environment.architectures("image-cnn"));
    Result<streams::ClusterEndpoint> before = environment.endpoint();
    QVERIFY(!before);
    QVERIFY2(before.errorMessage().contains(u"streams service is not running"_s),
             qPrintable(before.errorMessage()));
    (*session)->startServices();
    QTRY_VERIFY_WITH_TIMEOUT(environment.endpoint().hasValue(), 20000);
    QVERIFY(environment.endpoint()->isEmbedded());
}

void TestPipelineOperators::shippedInitialTrainingIsFastAndGood()
{
    if (qEnvironmentVariableIntValue("MILLRACE_SLOW_TESTS") != 1)
        QSKIP("labelled slow: set MILLRACE_SLOW_TESTS=1 to time the shipped initial training");
    // The parameters initial_model.yaml trains with, on every core of this machine.
    YAML::Node dag =
        YAML::LoadFile(QDir(resourcesDir()).filePath(u"initial_model.yaml"_s).toStdString());
    const QJsonObject config = toJson(dag["params"]).toObject();
    QJsonObject params;
    for (const auto &task : dag["tasks"]) {
        if (task["id"].as<std::string>() != "train")
            continue;
        params = toJson(task["params"]).toObject();
    }
    for (auto it = params.begin(); it != params.end(); ++it) {
        const QString text = it.value().toString();
        if (text.startsWith(u"{{ conf."_s))
            *it = config.value(text.mid(8).section(u' ', 0, 0));
    }
    params.insert(u"run_name"_s, u"shipped"_s);
    // Run alone (ctest's slow entry), the workspace has no split yet.
    const plugins::TaskOutcome prepared = run(u"prepare_data"_s, {});
    QVERIFY2(prepared.ok, qPrintable(prepared.error));
    QElapsedTimer clock;
    clock.start();
    plugins::TaskOutcome outcome = run(u"train_initial_model"_s, params);
    const double seconds = clock.elapsed() / 1000.0;
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    const double accuracy = outcome.result.toObject().value(u"test_accuracy"_s).toDouble();
    std::printf("shipped initial training (%s): %.1f s, test accuracy %.4f\n",
                QJsonDocument(params).toJson(QJsonDocument::Compact).constData(), seconds,
                accuracy);
    QVERIFY2(accuracy > 0.75, qPrintable(QString::number(accuracy)));
    QVERIFY2(seconds < 120, qPrintable(QString::number(seconds)));
}

void TestPipelineOperators::cleanupTestCase()
{
    for (auto it = m_seconds.cbegin(); it != m_seconds.cend(); ++it)
        std::printf("%-20s %6.1f s\n", qPrintable(it.key()), it.value());
    std::printf("total %.1f s\n", m_total.elapsed() / 1000.0);
    m_operators.reset();
}

QTEST_GUILESS_MAIN(TestPipelineOperators)
#include "tst_pipelineoperators.moc"
