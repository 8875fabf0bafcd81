// Seed 002's real-time predictor as a user runs it, on a real Kafka broker (KRaft):
// `millrace --headless` holds a workspace whose active profile is the broker and whose
// update_model DAG (written here) drains the request topic, fine-tunes the champion and
// promotes the result unconditionally; `millrace serve --predict --retrain-every N` answers the
// request topic beside its HTTP server. This test publishes labelled Fashion-MNIST requests at
// 20/s and reads the predictions topic:
// - every prediction names its request (topic, partition, offset, key) and the version that
//   answered, and its class is core/ml's prediction (ml::Model::predict) with that version;
// - malformed requests (not JSON, a wrong image size) are skipped, logged once per kind, and
//   the predictor goes on answering;
// - N labelled requests trigger exactly one update_model run; the predictor never pauses while
//   it runs (no gap over 1 s that the predictor is to blame for); after the run promotes
//   version 2, predictions name version 2;
// - no second run while fewer than 2N labelled requests arrived; the 2Nth asks for it.

#include "core/ml/idx.h"
#include "core/ml/model.h"
#include "core/ml/trainer.h"
#include "core/plugins/pluginmanager.h"
#include "core/registry/registrystore.h"
#include "core/store/schema.h"
#include "core/store/store.h"
#include "core/streams/connectionprofile.h"
#include "core/streams/profilestore.h"
#include "core/tracking/trackingstore.h"
#include "core/training/pluginarchitectures.h"
#include "core/training/registeredmodels.h"
#include "core/workspace/session.h"
#include "core/workspace/workspace.h"

#include "testsupport/childenvironment.h"
#include "testsupport/httpcall.h"
#include "testsupport/kafkabroker.h"
#include "testsupport/verify.h"

#include <librdkafka/rdkafka.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <csignal>
#include <mutex>
#include <thread>

using namespace millrace;
using namespace Qt::StringLiterals;
using testsupport::KafkaBroker;

namespace {

const QString kModel = u"fashion-mnist"_s;
const QString kRequests = u"fashion-stream"_s;
const QString kPredictions = u"fashion-predictions"_s;
// Labelled requests per retrain: 5 s of requests at 20/s.
constexpr int kRetrainEvery = 100;
constexpr int kImages = 1000;
constexpr double kRate = 20;

// The test's retrain DAG: update_model as shipped, made quick (one epoch on the drained batch,
// no replay) and certain to promote (promote takes the update's version, with no judgement).
QByteArray retrainDag(const QString &fashionDir)
{
    return QStringLiteral(R"(dag_id: update_model
description: Retrain for the Kafka predictor test; always promotes.
schedule: null
start_date: 2026-01-01
catchup: false
max_active_runs: 1
default_args: {retries: 0}
tasks:
  - id: drain
    operator: drain_topic
    params: {topic: fashion-stream, group: millrace-pipeline, min_messages: 1}
  - id: update
    operator: update_model
    upstream: [drain]
    params:
      model: fashion-mnist
      batch_id: "{{ xcom.drain.batch_id }}"
      replay_share: 0
      epochs: 1
      replay_dir: "%1"
  - id: promote
    operator: promote
    upstream: [update]
    params:
      model: fashion-mnist
      version: "{{ xcom.update.version }}"
      decision_task: update
      stage: Production
      archive_existing: true
)")
        .arg(fashionDir)
        .toUtf8();
}

// One Fashion-MNIST image as the `stream` DAG publishes it: 0-255 pixels, a label if any.
QByteArray requestJson(const ml::Dataset &images, std::size_t index, const QByteArray &id,
                       bool labelled)
{
    const std::size_t width = images.featureCount();
    QByteArray json = "{\"id\":\"" + id + "\",\"image\":[";
    for (std::size_t i = 0; i < width; ++i) {
        if (i)
            json += ',';
        json += QByteArray::number(qRound(images.features[index * width + i] * 255.0f));
    }
    json += ']';
    if (labelled)
        json += ",\"label\":" + QByteArray::number(images.classLabels[index]);
    return json + '}';
}

// Publishes requests at a steady rate on a thread of its own (the test's thread blocks on the
// CLI now and then, which must not pause the requests). Request `seq` has key and id
// "req-<seq>" and shows image seq % kImages; it carries a label while labelled ones are owed.
class RequestStream
{
public:
    RequestStream(const QString &bootstrap, const ml::Dataset &images)
        : m_bootstrap(bootstrap.toStdString()), m_images(images)
    {
    }
    ~RequestStream() { stop(); }

    bool start(QString *error)
    {
        char message[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", m_bootstrap.c_str(), message,
                              sizeof message)
                != RD_KAFKA_CONF_OK
            || rd_kafka_conf_set(conf, "linger.ms", "0", message, sizeof message)
                   != RD_KAFKA_CONF_OK) {
            *error = QString::fromUtf8(message);
            rd_kafka_conf_destroy(conf);
            return false;
        }
        m_producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, message, sizeof message);
        if (!m_producer) {
            *error = QString::fromUtf8(message);
            return false;
        }
        m_thread = std::thread([this] { run(); });
        return true;
    }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
        if (m_producer) {
            rd_kafka_flush(m_producer, 5000);
            rd_kafka_destroy(m_producer);
            m_producer = nullptr;
        }
    }
    // The next `count` requests carry labels.
    void oweLabelled(int count) { m_labelledOwed += count; }
    // Publishes `payload` (key "bad-<n>") before the next request.
    void injectMalformed(const QByteArray &payload)
    {
        std::lock_guard lock(m_mutex);
        m_malformed.append(payload);
    }
    qint64 sent() const { return m_sent; }
    qint64 labelledSent() const { return m_labelledSent; }
    qint64 labelledOwed() const { return m_labelledOwed; }
    // The longest time between two consecutive requests, in ms.
    qint64 longestPause() const { return m_longestPause; }
    QString error() const
    {
        std::lock_guard lock(m_mutex);
        return m_error;
    }

private:
    void send(const QByteArray &key, const QByteArray &value)
    {
        const std::string topic = kRequests.toStdString();
        const rd_kafka_resp_err_t error = rd_kafka_producev(
            m_producer, RD_KAFKA_V_TOPIC(topic.c_str()),
            RD_KAFKA_V_KEY(key.constData(), size_t(key.size())),
            RD_KAFKA_V_VALUE(const_cast<char *>(value.constData()), size_t(value.size())),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (error) {
            std::lock_guard lock(m_mutex);
            m_error = QString::fromUtf8(rd_kafka_err2str(error));
        }
        rd_kafka_poll(m_producer, 0);
    }
    void run()
    {
        QElapsedTimer clock;
        clock.start();
        qint64 last = 0;
        qint64 seq = 0;
        while (!m_stop) {
            const qint64 due = qint64(double(seq) * 1000.0 / kRate);
            if (const qint64 wait = due - clock.elapsed(); wait > 0) {
                rd_kafka_poll(m_producer, int(std::min<qint64>(wait, 20)));
                continue;
            }
            QList<QByteArray> malformed;
            {
                std::lock_guard lock(m_mutex);
                malformed.swap(m_malformed);
            }
            for (const QByteArray &payload : malformed)
                send("bad-" + QByteArray::number(m_badSent++), payload);
            bool labelled = false;
            for (int owed = m_labelledOwed; owed > 0;) {
                if (m_labelledOwed.compare_exchange_weak(owed, owed - 1)) {
                    labelled = true;
                    break;
                }
            }
            const QByteArray id = "req-" + QByteArray::number(seq);
            send(id, requestJson(m_images, std::size_t(seq % kImages), id, labelled));
            if (labelled)
                ++m_labelledSent;
            const qint64 now = clock.elapsed();
            if (seq > 0)
                m_longestPause = std::max<qint64>(m_longestPause, now - last);
            last = now;
            ++seq;
            m_sent = seq;
        }
    }

    const std::string m_bootstrap;
    const ml::Dataset &m_images;
    rd_kafka_t *m_producer = nullptr;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<int> m_labelledOwed{0};
    std::atomic<qint64> m_sent{0};
    std::atomic<qint64> m_labelledSent{0};
    std::atomic<qint64> m_longestPause{0};
    int m_badSent = 0;
    mutable std::mutex m_mutex;
    QList<QByteArray> m_malformed;
    QString m_error;
};

// One prediction record as read from the predictions topic.
struct Prediction
{
    QByteArray kafkaKey;
    QString requestKey;
    qint64 requestOffset = -1;
    qint64 requestTimestampMs = 0;
    qint64 version = 0;
    qint64 classIndex = -1;
    QString className;
    bool labelled = false;
    qint64 predictedAtMs = 0;
    QJsonObject record;
};

// Reads the predictions topic from its beginning on a thread of its own.
class PredictionReader
{
public:
    explicit PredictionReader(const QString &bootstrap) : m_bootstrap(bootstrap.toStdString()) {}
    ~PredictionReader() { stop(); }

    bool start(QString *error)
    {
        char message[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        for (const auto &[name, value] :
             std::initializer_list<std::pair<const char *, const char *>>{
                 {"bootstrap.servers", m_bootstrap.c_str()},
                 {"group.id", "tst-kafkapredictor-reader"},
                 {"enable.auto.commit", "false"},
                 {"fetch.wait.max.ms", "50"}}) {
            if (rd_kafka_conf_set(conf, name, value, message, sizeof message) != RD_KAFKA_CONF_OK) {
                *error = QString::fromUtf8(message);
                rd_kafka_conf_destroy(conf);
                return false;
            }
        }
        m_consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, message, sizeof message);
        if (!m_consumer) {
            *error = QString::fromUtf8(message);
            return false;
        }
        rd_kafka_topic_partition_list_t *partitions = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(partitions, kPredictions.toUtf8().constData(), 0)
            ->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_assign(m_consumer, partitions);
        rd_kafka_topic_partition_list_destroy(partitions);
        m_thread = std::thread([this] { run(); });
        return true;
    }
    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
        if (m_consumer) {
            rd_kafka_consumer_close(m_consumer);
            rd_kafka_destroy(m_consumer);
            m_consumer = nullptr;
        }
    }
    QList<Prediction> predictions() const
    {
        std::lock_guard lock(m_mutex);
        return m_predictions;
    }
    qsizetype count() const
    {
        std::lock_guard lock(m_mutex);
        return m_predictions.size();
    }

private:
    void run()
    {
        while (!m_stop) {
            rd_kafka_message_t *message = rd_kafka_consumer_poll(m_consumer, 100);
            if (!message)
                continue;
            if (!message->err) {
                Prediction prediction;
                if (message->key)
                    prediction.kafkaKey = QByteArray(static_cast<const char *>(message->key),
                                                     qsizetype(message->key_len));
                prediction.record =
                    QJsonDocument::fromJson(QByteArray(static_cast<const char *>(message->payload),
                                                       qsizetype(message->len)))
                        .object();
                const QJsonObject request = prediction.record[u"request"_s].toObject();
                prediction.requestKey = request[u"key"_s].toString();
                prediction.requestOffset = request[u"offset"_s].toInteger(-1);
                prediction.requestTimestampMs = request[u"timestamp_ms"_s].toInteger();
                prediction.version = prediction.record[u"version"_s].toInteger();
                prediction.classIndex = prediction.record[u"class"_s].toInteger(-1);
                prediction.className = prediction.record[u"class_name"_s].toString();
                prediction.labelled = prediction.record.contains(u"label"_s);
                prediction.predictedAtMs = prediction.record[u"predicted_at_ms"_s].toInteger();
                std::lock_guard lock(m_mutex);
                m_predictions.append(prediction);
            }
            rd_kafka_message_destroy(message);
        }
    }

    const std::string m_bootstrap;
    rd_kafka_t *m_consumer = nullptr;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    QList<Prediction> m_predictions;
};

// A child process whose output is kept (the app, `millrace serve`).
class Child
{
public:
    ~Child() { terminate(); }
    void start(const QString &binary, const QStringList &arguments,
               const QProcessEnvironment &environment)
    {
        m_process.setProcessEnvironment(environment);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(binary, arguments);
        m_process.waitForStarted();
    }
    bool running() const { return m_process.state() == QProcess::Running; }
    QString output()
    {
        m_output += m_process.readAll();
        return QString::fromUtf8(m_output);
    }
    bool printed(const QString &text) { return output().contains(text); }
    int terminate()
    {
        if (m_process.state() == QProcess::NotRunning)
            return m_process.exitCode();
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(30000)) {
            m_process.kill();
            m_process.waitForFinished(10000);
            return -1;
        }
        output();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
    }

private:
    QProcess m_process;
    QByteArray m_output;
};

} // namespace

class TestKafkaPredictor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void answersEachRequestWithVersionOne();
    void skipsMalformedRequestsAndGoesOn();
    void retrainsOnceAndSwapsWithoutPausing();
    void asksForTheNextRetrainAtTwiceN();

private:
    QProcessEnvironment environment() const;
    QJsonArray updateRuns();
    // The predictions so far whose request is one of ours ("req-…").
    QList<Prediction> ourPredictions() const;
    // Why `prediction` is not core/ml's answer for its request, empty when it is.
    QString wrongClass(const Prediction &prediction);
    bool expectVersion(qint64 version);

    QString m_binary;
    QTemporaryDir m_dir;
    QTemporaryDir m_home;
    KafkaBroker m_broker;
    ml::Dataset m_images;
    std::map<qint64, std::vector<std::int64_t>> m_expected; ///< per version, per image
    std::unique_ptr<RequestStream> m_requests;
    std::unique_ptr<PredictionReader> m_reader;
    Child m_app;
    Child m_serve;
    qint64 m_retrainAskedAtMs = 0;
};

QProcessEnvironment TestKafkaPredictor::environment() const
{
    return testsupport::isolatedChildEnvironment(m_home);
}

bool TestKafkaPredictor::expectVersion(qint64 version)
{
    // The version as the registry has it, loaded as any reader would: read-only, beside the app.
    const QString root = m_dir.filePath(u"workspace"_s);
    auto store = Store::openReadOnly(QDir(root).filePath(u"millrace.db"_s), millraceMigrations(),
                                     kMillraceApplicationId);
    if (!store) {
        qWarning() << store.errorMessage();
        return false;
    }
    tracking::TrackingStore tracking(**store, QDir(root).filePath(u"artifacts"_s));
    registry::RegistryStore registry(**store, tracking, QDir(root).filePath(u"models"_s));
    PluginManager plugins;
    plugins.load({QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)});
    auto model = training::loadRegisteredModel(registry, training::pluginArchitectures(plugins),
                                               kModel, version);
    if (!model) {
        qWarning() << model.errorMessage();
        return false;
    }
    auto outputs = model->predict(m_images);
    if (!outputs)
        return false;
    std::vector<std::int64_t> classes(m_images.size());
    for (std::size_t i = 0; i < classes.size(); ++i) {
        const float *row = outputs->data() + i * 10;
        classes[i] = std::max_element(row, row + 10) - row;
    }
    m_expected[version] = std::move(classes);
    return true;
}

void TestKafkaPredictor::initTestCase()
{
    m_binary = qEnvironmentVariable("MILLRACE_BIN");
    QVERIFY2(QFileInfo(m_binary).isExecutable(), "MILLRACE_BIN must name the built millrace");
    QVERIFY(m_dir.isValid() && m_home.isValid());
    QVERIFY2(m_broker.start(), qPrintable(m_broker.errorString()));
    QVERIFY2(m_broker.createTopic(kRequests, 1), qPrintable(m_broker.errorString()));
    QVERIFY2(m_broker.createTopic(kPredictions, 1), qPrintable(m_broker.errorString()));

    auto test =
        ml::readFashionMnist(ml::fashionMnistDefaultDirectory(), ml::FashionMnistPart::Test);
    QVERIFY2(test, test.errorMessage().c_str());
    std::vector<std::size_t> indices(kImages);
    for (std::size_t i = 0; i < indices.size(); ++i)
        indices[i] = i;
    m_images = test->subset(indices);

    // A workspace with a small trained v1 in Production, the broker as its active profile and
    // the retrain DAG; the Session is closed again so the app can take the workspace.
    const QString root = m_dir.filePath(u"workspace"_s);
    {
        SessionOptions options;
        options.trackingServer = false;
        options.streams = false;
        options.scheduler = false;
        options.pluginDirs = {QStringLiteral(MILLRACE_BUILTIN_PLUGIN_DIR)};
        auto session = Session::open(root, options);
        VERIFY_OK(session);
        const ml::Architecture *cnn =
            training::pluginArchitectures((*session)->plugins())("image-cnn");
        QVERIFY(cnn);
        auto model = ml::Model::create(*cnn, {}, ml::ModelSignature::of(m_images), 7);
        QVERIFY2(model, model.errorMessage().c_str());
        ml::TrainingOptions training;
        training.epochs = 1;
        auto trained = ml::train(*model, m_images, training);
        QVERIFY2(trained, trained.errorMessage().c_str());

        registry::RegistryStore &registry = (*session)->registry();
        VERIFY_OK(registry.createRegisteredModel(kModel));
        auto run = (*session)->tracking().createRun(u"0"_s, u"test"_s, kModel, std::nullopt, {});
        VERIFY_OK(run);
        auto directory = (*session)->tracking().runArtifactDirectory(run->info.runId);
        VERIFY_OK(directory);
        auto saved = model->save(QDir(*directory).filePath(u"model"_s).toStdString());
        QVERIFY2(saved, saved.errorMessage().c_str());
        registry::NewModelVersion request;
        request.name = kModel;
        request.source = u"runs:/%1/model"_s.arg(run->info.runId);
        const registry::Actor actor{u"kafka predictor test"_s, QString()};
        auto version = registry.createModelVersion(request, actor);
        VERIFY_OK(version);
        QCOMPARE(version->version, qint64(1));
        VERIFY_OK(registry.transitionStage(kModel, 1, registry::Stage::Production, true, actor));

        streams::ProfileStore profiles((*session)->workspace().store());
        streams::ConnectionProfile profile;
        profile.id = u"test-broker"_s;
        profile.name = u"test broker"_s;
        profile.bootstrapServers = m_broker.bootstrapServers();
        auto savedProfile = profiles.save(profile);
        VERIFY_OK(savedProfile);
        VERIFY_OK(profiles.setActiveProfileId(savedProfile->id));

        QFile dag(QDir(root).filePath(u"dags/update_model.yaml"_s));
        QVERIFY(dag.open(QIODevice::WriteOnly));
        dag.write(retrainDag(QString::fromStdString(ml::fashionMnistDefaultDirectory())));
    }
    QVERIFY(expectVersion(1));

    m_app.start(m_binary, {u"--headless"_s, u"--tracking-port"_s, u"0"_s, u"--workspace"_s, root},
                environment());
    QTRY_VERIFY2_WITH_TIMEOUT(m_app.printed(u"running headless"_s) || !m_app.running(),
                              qPrintable(m_app.output()), 60000);
    QVERIFY2(m_app.running(), qPrintable(m_app.output()));

    m_serve.start(m_binary,
                  {u"--workspace"_s, root, u"serve"_s, u"--model"_s, kModel, u"--port"_s, u"0"_s,
                   u"--workers"_s, u"1"_s, u"--predict"_s, u"--retrain-every"_s,
                   QString::number(kRetrainEvery)},
                  environment());
    QTRY_VERIFY2_WITH_TIMEOUT(m_serve.printed(u"predicting: reading 1 partition(s) of "
                                              "fashion-stream"_s)
                                  || !m_serve.running(),
                              qPrintable(m_serve.output()), 90000);
    QVERIFY2(m_serve.running(), qPrintable(m_serve.output()));

    m_reader = std::make_unique<PredictionReader>(m_broker.bootstrapServers());
    m_requests = std::make_unique<RequestStream>(m_broker.bootstrapServers(), m_images);
    QString error;
    QVERIFY2(m_reader->start(&error), qPrintable(error));
    QVERIFY2(m_requests->start(&error), qPrintable(error));
}

void TestKafkaPredictor::cleanupTestCase()
{
    if (m_requests)
        m_requests->stop();
    if (m_reader)
        m_reader->stop();
    const int serveExit = m_serve.terminate();
    m_app.terminate();
    qInfo().noquote() << "millrace serve said:\n" << m_serve.output();
    QCOMPARE(serveExit, 0);
}

QList<Prediction> TestKafkaPredictor::ourPredictions() const
{
    QList<Prediction> ours;
    for (const Prediction &prediction : m_reader->predictions()) {
        if (prediction.requestKey.startsWith(u"req-"_s))
            ours.append(prediction);
    }
    return ours;
}

QString TestKafkaPredictor::wrongClass(const Prediction &prediction)
{
    const qint64 seq = prediction.requestKey.mid(4).toLongLong();
    const auto expected = m_expected.find(prediction.version);
    if (expected == m_expected.end())
        return u"answered by version %1, which the test does not know"_s.arg(prediction.version);
    const std::int64_t want = expected->second[std::size_t(seq % kImages)];
    if (prediction.classIndex != want)
        return u"%1 answered %2 by version %3; core/ml says %4"_s.arg(prediction.requestKey)
            .arg(prediction.classIndex)
            .arg(prediction.version)
            .arg(want);
    if (prediction.kafkaKey != prediction.requestKey.toUtf8())
        return u"%1's prediction is keyed \"%2\""_s.arg(prediction.requestKey,
                                                        QString::fromUtf8(prediction.kafkaKey));
    if (prediction.record[u"request"_s][u"topic"_s] != kRequests
        || prediction.record[u"request"_s][u"partition"_s] != 0
        || prediction.record[u"model"_s] != kModel
        || prediction.record[u"predicted_at"_s].toString().isEmpty()
        || prediction.className.isEmpty())
        return u"incomplete record: "_s
               + QString::fromUtf8(QJsonDocument(prediction.record).toJson(QJsonDocument::Compact));
    return {};
}

QJsonArray TestKafkaPredictor::updateRuns()
{
    QProcess process;
    process.setProcessEnvironment(environment());
    process.start(m_binary, {u"--workspace"_s, m_dir.filePath(u"workspace"_s), u"dags"_s, u"runs"_s,
                             u"update_model"_s, u"--json"_s});
    if (!process.waitForFinished(60000) || process.exitCode() != 0) {
        qWarning().noquote() << "dags runs failed:" << process.readAllStandardError();
        return {};
    }
    return QJsonDocument::fromJson(process.readAllStandardOutput())
        .object()
        .value(u"dag_runs"_s)
        .toArray();
}

void TestKafkaPredictor::answersEachRequestWithVersionOne()
{
    // Unlabelled requests until the predictor answers one: from then on it reads every
    // request (a new group starts at the end of the topic, so the first ones may be before it).
    QTRY_VERIFY2_WITH_TIMEOUT(ourPredictions().size() >= 20, qPrintable(m_serve.output()), 60000);
    for (const Prediction &prediction : ourPredictions()) {
        QCOMPARE(prediction.version, 1);
        QVERIFY(!prediction.labelled);
        const QString why = wrongClass(prediction);
        QVERIFY2(why.isEmpty(), qPrintable(why));
    }
}

void TestKafkaPredictor::skipsMalformedRequestsAndGoesOn()
{
    for (const QByteArray &payload : {QByteArray("this is not JSON"), QByteArray("{\"broken\":"),
                                      QByteArray(R"({"id":"short","image":[1,2,3],"label":1})")})
        m_requests->injectMalformed(payload);
    const qint64 sentBefore = m_requests->sent();
    // Requests after the bad ones are answered...
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QList<Prediction> ours = ourPredictions();
            return !ours.isEmpty() && ours.last().requestKey.mid(4).toLongLong() > sentBefore + 10;
        }(),
        30000);
    // ...the bad ones are not, and each kind is logged once.
    for (const Prediction &prediction : m_reader->predictions())
        QVERIFY2(prediction.requestKey.startsWith(u"req-"_s),
                 qPrintable(u"a bad request got a prediction: "_s + prediction.requestKey));
    const QString output = m_serve.output();
    QCOMPARE(output.count(u"not JSON"_s), qsizetype(1));
    QCOMPARE(output.count(u"values, expected 784"_s), qsizetype(1)); // the wrong-size image
}

void TestKafkaPredictor::retrainsOnceAndSwapsWithoutPausing()
{
    QCOMPARE(updateRuns().size(), qsizetype(0));
    const auto labelledAnswered = [this] {
        qsizetype count = 0;
        for (const Prediction &prediction : ourPredictions())
            count += prediction.labelled ? 1 : 0;
        return count;
    };
    m_requests->oweLabelled(kRetrainEvery);
    QTRY_VERIFY2_WITH_TIMEOUT(m_serve.printed(u"retrain 1: asking for a run of update_model"_s),
                              qPrintable(m_serve.output()), 60000);
    QTRY_COMPARE_WITH_TIMEOUT(labelledAnswered(), qsizetype(kRetrainEvery), 30000);

    // Exactly one run, which promotes version 2 while the requests go on (unlabelled now).
    QJsonObject run;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 180000) {
        const QJsonArray runs = updateRuns();
        QVERIFY2(runs.size() <= 1, "more than one update_model run for N labelled requests");
        if (!runs.isEmpty()) {
            run = runs.first().toObject();
            const QString state = run[u"state"_s].toString();
            QVERIFY2(state != u"failed"_s, qPrintable(m_app.output()));
            if (state == u"success"_s)
                break;
        }
        QVERIFY2(m_serve.running() && m_app.running(), "a process stopped");
        QTest::qWait(2000);
    }
    QCOMPARE(run[u"state"_s].toString(), u"success"_s);
    QVERIFY(expectVersion(2));
    const auto answeredBy = [this](qint64 version) {
        qsizetype count = 0;
        for (const Prediction &prediction : ourPredictions())
            count += prediction.version == version ? 1 : 0;
        return count;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(answeredBy(2) >= 40, qPrintable(m_serve.output()), 60000);
    QCOMPARE(updateRuns().size(), qsizetype(1));

    // Every answer so far is core/ml's with the version it names; versions only move forward;
    // and the predictor never sat on a waiting request for over a second. A gap is measured
    // between the times the predictions were made (not when this test read them), from the
    // later of the previous prediction and the request's own publication: a request this
    // test's producer published late is not the predictor's pause.
    const QList<Prediction> ours = ourPredictions();
    qint64 version = 1;
    qint64 longestBlamed = 0;
    qint64 longestGap = 0;
    qint64 firstV2 = 0;
    for (qsizetype i = 0; i < ours.size(); ++i) {
        const Prediction &prediction = ours.at(i);
        const QString why = wrongClass(prediction);
        QVERIFY2(why.isEmpty(), qPrintable(why));
        QVERIFY2(prediction.version >= version,
                 qPrintable(u"%1 answered by version %2 after version %3 had answered"_s
                                .arg(prediction.requestKey)
                                .arg(prediction.version)
                                .arg(version)));
        if (prediction.version == 2 && version == 1)
            firstV2 = prediction.predictedAtMs;
        version = prediction.version;
        if (i == 0)
            continue;
        const qint64 previous = ours.at(i - 1).predictedAtMs;
        longestGap = std::max(longestGap, prediction.predictedAtMs - previous);
        const qint64 blamed =
            prediction.predictedAtMs - std::max(previous, prediction.requestTimestampMs);
        if (blamed > 300)
            qInfo().noquote() << u"%1 ms without a prediction before %2 (version %3), %4 s in; "
                                 "its request was %5 ms old"_s.arg(blamed)
                                     .arg(prediction.requestKey)
                                     .arg(prediction.version)
                                     .arg((prediction.predictedAtMs - ours.first().predictedAtMs)
                                          / 1000.0)
                                     .arg(prediction.predictedAtMs - prediction.requestTimestampMs);
        longestBlamed = std::max(longestBlamed, blamed);
    }
    qInfo() << ours.size() << "predictions; the first by version 2 came"
            << (firstV2 - ours.first().predictedAtMs) / 1000.0
            << "s after the first; longest gap between predictions" << longestGap
            << "ms, of which the predictor's" << longestBlamed
            << "ms; longest pause between requests" << m_requests->longestPause() << "ms";
    QVERIFY2(longestBlamed <= 1000,
             qPrintable(u"the predictor paused %1 ms with a request waiting"_s.arg(longestBlamed)));
    QVERIFY(m_requests->error().isEmpty());
}

void TestKafkaPredictor::asksForTheNextRetrainAtTwiceN()
{
    const auto labelledAnswered = [this] {
        qsizetype count = 0;
        for (const Prediction &prediction : ourPredictions())
            count += prediction.labelled ? 1 : 0;
        return count;
    };
    m_requests->oweLabelled(kRetrainEvery - 1);
    QTRY_COMPARE_WITH_TIMEOUT(labelledAnswered(), qsizetype(2 * kRetrainEvery - 1), 60000);
    QTest::qWait(3000);
    QVERIFY2(!m_serve.printed(u"retrain 2"_s), qPrintable(m_serve.output()));
    QCOMPARE(updateRuns().size(), qsizetype(1));

    m_requests->oweLabelled(1);
    QTRY_VERIFY2_WITH_TIMEOUT(m_serve.printed(u"retrain 2: asking for a run of update_model"_s),
                              qPrintable(m_serve.output()), 30000);

    // The predictor's counters are at the scoring server's /metrics.
    const QRegularExpressionMatch port =
        QRegularExpression(u"on http://127\\.0\\.0\\.1:(\\d+)/invocations"_s)
            .match(m_serve.output());
    QVERIFY2(port.hasMatch(), qPrintable(m_serve.output()));
    QNetworkAccessManager network;
    network.setProxy(QNetworkProxy::NoProxy);
    const testsupport::HttpAnswer metrics = testsupport::httpCall(
        network, "GET", QUrl(u"http://127.0.0.1:%1/metrics"_s.arg(port.captured(1))));
    QCOMPARE(metrics.status, 200);
    QVERIFY2(metrics.raw.contains("\nmillrace_predictor_retrains_requested_total 2\n"),
             metrics.raw.constData());
    QVERIFY2(metrics.raw.contains("\nmillrace_predictor_malformed_total 3\n"),
             metrics.raw.constData());
    QVERIFY2(metrics.raw.contains("\nmillrace_predictor_last_version 2\n"),
             metrics.raw.constData());
    QElapsedTimer waited;
    waited.start();
    qsizetype runs = 0;
    while (waited.elapsed() < 30000 && (runs = updateRuns().size()) < 2)
        QTest::qWait(1000);
    QCOMPARE(runs, qsizetype(2));
}

QTEST_GUILESS_MAIN(TestKafkaPredictor)
#include "tst_kafkapredictor.moc"
